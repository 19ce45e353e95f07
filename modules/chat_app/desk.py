"""The live conversations behind the chat page: one hybrid conversation manager per conversation id.

    desk = ChatDesk(new_manager, store)            # new_manager() -> HybridConversationManager
    state = desk.new()                             # {"conversation_id": ..., "transcript": [], "panel": {...}}
    desk.check_turn(conversation_id, text, force_tier)        # typed ChatPageError before anything streams
    async for event in desk.stream_turn(conversation_id, text, force_tier): ...   # decision, delta..., done | error
    await desk.save(conversation_id); await desk.resume(conversation_id)         # through modules.storage

A failed turn (both tiers down, timeout) ends its stream with an "error" event; the manager records
nothing for it, so the conversation so far stays as it was. Resuming never overwrites exchanges that
were not saved yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from modules.chat_app.panel import panel_numbers
from modules.errors import CourseError
from modules.pricing import TIERS
from modules.routing import RoutingDecision
from modules.storage import ConversationStore, validate_conversation_id

MAX_MESSAGE_CHARS = 2000  # the local model reads about 2k tokens in all: history, question and answer
TURN_TIMEOUT_S = 300.0  # last guard; the manager falls back to the other tier well before this
FORCE_CHOICES = ("auto", *TIERS)


class ChatPageError(CourseError):
    """A request the page cannot carry out; the message says what was wrong and what to do."""

    status = 400


class EmptyMessageError(ChatPageError):
    status = 422


class MessageTooLongError(ChatPageError):
    status = 413


class UnknownTierError(ChatPageError):
    status = 422


class UnknownConversationError(ChatPageError):
    status = 404


class ConversationBusyError(ChatPageError):
    status = 409


class UnsavedExchangesError(ChatPageError):
    status = 409


@dataclass
class _Live:
    manager: Any
    saved_exchanges: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        return self.manager.context.routing_metadata


class ChatDesk:
    """Creates, runs, saves and resumes the page's conversations."""

    def __init__(
        self,
        new_manager: Callable[[], Any],
        store: ConversationStore,
        *,
        max_message_chars: int = MAX_MESSAGE_CHARS,
        turn_timeout_s: float = TURN_TIMEOUT_S,
    ) -> None:
        self.new_manager = new_manager
        self.store = store
        self.max_message_chars = max_message_chars
        self.turn_timeout_s = turn_timeout_s
        self._live: dict[str, _Live] = {}

    # ---- conversations ----------------------------------------------------------------------

    def new(self) -> dict[str, Any]:
        manager = self.new_manager()
        self._live[manager.conversation_id] = _Live(manager)
        return self.state(manager.conversation_id)

    def state(self, conversation_id: str) -> dict[str, Any]:
        """What the page draws: the transcript with one badge per answer, and the side panel."""
        live = self._get(conversation_id)
        context = live.manager.context
        exchanges = live.exchanges
        transcript: list[dict[str, Any]] = []
        answers = 0
        for message in context.messages:
            if message["role"] not in ("user", "assistant"):
                continue
            entry = {"role": message["role"], "content": message["content"]}
            if message["role"] == "assistant":
                entry["exchange"] = exchanges[answers] if answers < len(exchanges) else None
                answers += 1
            transcript.append(entry)
        return {
            "conversation_id": conversation_id,
            "transcript": transcript,
            "panel": panel_numbers(exchanges),
            "exchanges": len(exchanges),
            "saved_exchanges": live.saved_exchanges,
        }

    async def save(self, conversation_id: str) -> dict[str, Any]:
        live = self._get(conversation_id)
        async with live.lock:
            await live.manager.persist_session(self.store)
            live.saved_exchanges = len(live.exchanges)
        return {
            "conversation_id": conversation_id,
            "saved_exchanges": live.saved_exchanges,
            "store": self.store.location,
        }

    async def resume(self, conversation_id: str) -> dict[str, Any]:
        """Load the saved copy from the store (typed storage errors name what is wrong)."""
        conversation_id = validate_conversation_id(conversation_id.strip())
        live = self._live.get(conversation_id)
        if live is not None and len(live.exchanges) > live.saved_exchanges:
            unsaved = len(live.exchanges) - live.saved_exchanges
            raise UnsavedExchangesError(
                f"Conversation {conversation_id} has {unsaved} exchange(s) that are not saved yet; resuming would "
                "drop them. Press Save first, then Resume."
            )
        manager = self.new_manager()
        await manager.resume_session(self.store, conversation_id=conversation_id)
        resumed = _Live(manager)
        resumed.saved_exchanges = len(resumed.exchanges)
        self._live[conversation_id] = resumed
        return self.state(conversation_id)

    # ---- one turn ---------------------------------------------------------------------------

    def check_turn(self, conversation_id: str, text: object, force_tier: object) -> tuple[str, str | None]:
        """Validate before streaming starts, so the page gets a plain error with the right HTTP status."""
        live = self._get(conversation_id)
        if not isinstance(text, str) or not text.strip():
            raise EmptyMessageError("The message is empty. Type a question, then press Send.")
        text = text.strip()
        if len(text) > self.max_message_chars:
            raise MessageTooLongError(
                f"The message has {len(text):,} characters; the limit is {self.max_message_chars:,} "
                "(the local model reads about 2,000 tokens in all). Shorten it and send it again."
            )
        if force_tier in (None, "", "auto"):
            force_tier = None
        elif force_tier not in TIERS:
            raise UnknownTierError(f"Force tier {force_tier!r} is not one of {', '.join(FORCE_CHOICES)}.")
        if live.lock.locked():
            raise ConversationBusyError(
                "This conversation is still answering the previous question. Wait for it, then send again."
            )
        return text, force_tier

    async def stream_turn(
        self, conversation_id: str, text: str, force_tier: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Events: "decision", "delta" text chunks, then "done" (badge and panel) or "error".

        When the routed tier fails, a second "decision" (fell_back true) comes before the other tier's text.
        """
        live = self._get(conversation_id)
        async with live.lock:
            before = len(live.exchanges)
            try:
                async with asyncio.timeout(self.turn_timeout_s):
                    async for item in live.manager.chat_stream(text, force_tier=force_tier):
                        if isinstance(item, RoutingDecision):
                            yield _decision_event(item, force_tier)
                        elif isinstance(item, str):
                            if item:
                                yield {"event": "delta", "text": item}
                        else:  # the HybridTurn: the exchange is recorded
                            yield {
                                "event": "done",
                                "text": item.text,
                                "exchange": item.metadata,
                                "panel": panel_numbers(live.exchanges),
                                "exchanges": len(live.exchanges),
                                "saved_exchanges": live.saved_exchanges,
                            }
            except TimeoutError:
                yield _error_event(
                    f"No answer within {self.turn_timeout_s:g} s. Your conversation so far is kept; "
                    "send the question again or force the other tier.",
                    recorded=len(live.exchanges) > before,
                )
            except Exception as error:  # noqa: BLE001 - any tier failure becomes a message in the page
                yield _error_event(
                    f"This question could not be answered: {type(error).__name__}: {error} "
                    "Your conversation so far is kept; try again, or force the other tier.",
                    recorded=len(live.exchanges) > before,
                )

    def _get(self, conversation_id: str) -> _Live:
        live = self._live.get(conversation_id)
        if live is None:
            raise UnknownConversationError(
                f"No open conversation has the id {conversation_id[:80]!r}. Start a new one, or resume a saved one "
                "by its id."
            )
        return live


def _decision_event(decision: RoutingDecision, force_tier: str | None) -> dict[str, Any]:
    answering = decision.target
    if decision.fell_back:
        answering = next(tier for tier in TIERS if tier != decision.failed_target)
    return {
        "event": "decision",
        "target": decision.target,
        "answering_tier": answering,
        "confidence": decision.confidence,
        "reasons": list(decision.reasons),
        "strategy": decision.strategy,
        "p_cloud": decision.cloud_probability,
        "threshold": decision.threshold,
        "forced": force_tier is not None,
        # A second decision with fell_back=True means the routed tier failed: the other tier's answer follows.
        "fell_back": decision.fell_back,
        "failed_tier": decision.failed_target,
    }


def _error_event(message: str, *, recorded: bool) -> dict[str, Any]:
    return {"event": "error", "message": message, "recorded": recorded}
