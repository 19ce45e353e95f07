"""The live conversations behind the chat page: one hybrid conversation manager per conversation id.

    desk = ChatDesk(new_manager, store, routers=routers)  # new_manager() -> a ChatManager; routers: mode -> router
    state = desk.new()                             # {"conversation_id": ..., "transcript": [], "panel": {...}}
    turn = desk.check_turn(conversation_id, text, force_tier, mode, strategy)  # a typed ChatPageError before streaming
    async for event in desk.stream_turn(conversation_id, *turn): ...   # decision, delta..., done | error
    await desk.save(conversation_id); await desk.resume(conversation_id)         # through modules.storage
    await desk.decide(conversation_id, request_id, approve=True)   # a pending tool call (modules.chat_app.approvals)

One lock per conversation id serializes its turns, saves and resumes, so Resume pressed while an answer
streams can never swap the conversation out from under that answer: it is refused as busy, and once the
answer is in, refused again until the new exchange is saved. A failed turn (both tiers down, timeout) ends
its stream with an "error" event; the manager records nothing for it, so the conversation so far stays as it
was. The manager runs every store call in a worker thread (see `ChatManager`): a slow or locked store never
stalls the page's other requests. Each mode has one router, built once; a turn is routed by its mode's router.
The strategy chosen next to the mode is the turn's: "route" (the router decides first) or "cascade" (the local
tier answers first and the cloud takes over when its answer looks unsure; the mode sets the cascade's bar).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from anyio import to_thread

from modules.chat_app.approvals import decide_in_store, pending_in, with_tool_calls
from modules.chat_app.errors import (
    ApprovalNotFinishedError,
    ApprovalPendingError,
    BadRequestError,
    ChatPageError,
    ConversationBusyError,
    EmptyMessageError,
    MessageTooLongError,
    SaveConflictError,
    UnknownApprovalError,
    UnknownConversationError,
    UnknownModeError,
    UnknownStrategyError,
    UnknownTierError,
    UnsavedExchangesError,
)
from modules.chat_app.manager import ChatManager
from modules.chat_app.tools import NO_TOOL, tool_choice_for
from modules.config import TIERS
from modules.hybrid import BOOK_SUFFIX, STRATEGIES, routing_summary
from modules.routing import DEFAULT_MODE, RoutingDecision
from modules.routing import MODES as ROUTER_MODES
from modules.storage import (
    ConversationConflictError,
    ConversationStore,
    ConversationSummary,
    validate_conversation_id,
)

MAX_MESSAGE_CHARS = 2000  # the local model reads about 2k tokens in all: history, question and answer
TURN_TIMEOUT_S = 300.0  # last guard; the manager falls back to the other tier well before this
FORCE_CHOICES = ("auto", *TIERS)
MODES = tuple(ROUTER_MODES)  # the router's operating points: quality, balanced, cost
SAVED_LISTED = 50


@dataclass
class _Live:
    manager: ChatManager
    saved_exchanges: int = 0

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        return self.manager.context.routing_metadata


@dataclass(frozen=True)
class Turn:
    """A checked question, ready to stream: the text, the tier forced (None: the router decides), the mode, the
    strategy ("route" or "cascade")."""

    text: str
    force_tier: str | None
    mode: str
    strategy: str = STRATEGIES[0]


class ChatDesk:
    """Creates, runs, saves and resumes the page's conversations.

    Args:
        new_manager: Makes a fresh conversation manager (no store: the page saves when Save is pressed).
        store: Where Save writes and Resume reads.
        routers: The router of each mode, built once; a turn is routed by the router of the mode the page chose.
            None keeps each manager's own router (the mode is then only checked and reported).
        modes: The modes the page offers.
        default_mode: The mode of a turn that names none (the page starts on it).
        strategies: The strategies the page offers ("route", "cascade").
        default_strategy: The strategy of a turn that names none.
        max_message_chars: The longest question accepted.
        turn_timeout_s: Seconds before a turn is given up.
        tool_names: The tools the managers' agents hold (the page's Tool choice names one per turn); none: no tools.
    """

    def __init__(
        self,
        new_manager: Callable[[], ChatManager],
        store: ConversationStore,
        *,
        routers: Mapping[str, Any] | None = None,
        modes: Sequence[str] = MODES,
        default_mode: str = DEFAULT_MODE,
        strategies: Sequence[str] = STRATEGIES,
        default_strategy: str = STRATEGIES[0],
        max_message_chars: int = MAX_MESSAGE_CHARS,
        turn_timeout_s: float = TURN_TIMEOUT_S,
        tool_names: Sequence[str] = (),
    ) -> None:
        self.new_manager = new_manager
        self.store = store
        self.routers = routers
        self.modes, self.default_mode = tuple(modes), default_mode
        self.strategies, self.default_strategy = tuple(strategies), default_strategy
        self.max_message_chars = max_message_chars
        self.turn_timeout_s = turn_timeout_s
        self.tool_names = tuple(tool_names)
        self._live: dict[str, _Live] = {}
        # Keyed by id, not by live conversation: a resumed copy replaces the _Live but shares the lock.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    # ---- conversations ----------------------------------------------------------------------

    def new(self) -> dict[str, Any]:
        """Open a new, empty conversation; returns its state (see `state`)."""
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
        transcript = with_tool_calls(context, exchanges, transcript)  # the turns' tool calls, pending ones too
        return {
            "conversation_id": conversation_id,
            "transcript": transcript,
            "pending": pending_in(context),
            "panel": routing_summary(exchanges),
            "exchanges": len(exchanges),
            "saved_exchanges": live.saved_exchanges,
        }

    async def saved(self) -> list[ConversationSummary]:
        """The store's conversations, newest first (at most SAVED_LISTED), read in a worker thread."""
        listed = await to_thread.run_sync(self.store.list)
        # A conversation's approval book is stored beside it; it is not a conversation to resume.
        return [s for s in listed if not s.conversation_id.endswith(BOOK_SUFFIX)][:SAVED_LISTED]

    async def save(self, conversation_id: str) -> dict[str, Any]:
        """Persist the conversation; waits for a turn that is answering, so the save includes it."""
        self._get(conversation_id)
        async with self._locks[conversation_id]:
            live = self._get(conversation_id)
            try:
                await live.manager.save(self.store)
            except ConversationConflictError:
                unsaved = len(live.exchanges) - live.saved_exchanges
                raise SaveConflictError(
                    f"Conversation {conversation_id} was saved from another page or process since this page loaded "
                    f"it; saving now would overwrite that copy, so nothing was written. This page keeps its "
                    f"{unsaved} unsaved exchange(s). To go on from the stored copy instead, Resume this id and "
                    "confirm that they may be dropped."
                ) from None
            live.saved_exchanges = len(live.exchanges)
        return {
            "conversation_id": conversation_id,
            "saved_exchanges": live.saved_exchanges,
            "store": self.store.location,
        }

    async def resume(self, conversation_id: str, *, discard_unsaved: bool = False) -> dict[str, Any]:
        """Load the saved copy from the store (typed storage errors name what is wrong).

        Refused while the conversation is answering, and while it holds exchanges that are not saved yet
        (unless `discard_unsaved`, the page's explicit "drop them"): the open copy holds answers the store
        does not, and resuming would drop them. A turn still answering is never dropped, whatever the flag.
        """
        conversation_id = validate_conversation_id(conversation_id.strip())
        lock = self._locks[conversation_id]
        if lock.locked():
            raise ConversationBusyError(
                f"Conversation {conversation_id} is still answering a question; resuming now would drop that "
                "answer. Wait for it, press Save, then Resume."
            )
        async with lock:
            live = self._live.get(conversation_id)
            if live is not None and len(live.exchanges) > live.saved_exchanges and not discard_unsaved:
                unsaved = len(live.exchanges) - live.saved_exchanges
                raise UnsavedExchangesError(
                    f"Conversation {conversation_id} has {unsaved} exchange(s) that are not saved yet; resuming "
                    "would drop them. Press Save first, then Resume (or confirm that they may be dropped)."
                )
            await self._load_saved(conversation_id)
        return self.state(conversation_id)

    async def _load_saved(self, conversation_id: str) -> None:
        """Replace the live conversation with its saved copy (the caller holds its lock)."""
        manager = self.new_manager()
        await manager.resume(self.store, conversation_id)
        resumed = _Live(manager)
        resumed.saved_exchanges = len(resumed.exchanges)
        self._live[conversation_id] = resumed

    def busy(self, conversation_id: str) -> bool:
        """Whether a turn, save or resume of this conversation is under way."""
        return conversation_id in self._locks and self._locks[conversation_id].locked()

    # ---- one turn ---------------------------------------------------------------------------

    def check_turn(
        self,
        conversation_id: str,
        text: object,
        force_tier: object = None,
        mode: object = None,
        strategy: object = None,
    ) -> Turn:
        """Validate before streaming starts, so the page gets a plain error with the right HTTP status."""
        self._get(conversation_id)
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
        if mode in (None, ""):
            mode = self.default_mode
        elif mode not in self.modes:
            raise UnknownModeError(f"Mode {mode!r} is not one of {', '.join(self.modes)}. Pick one in the list.")
        if strategy in (None, ""):
            strategy = self.default_strategy
        elif strategy not in self.strategies:
            raise UnknownStrategyError(
                f"Strategy {strategy!r} is not one of {', '.join(self.strategies)}. Pick one in the list."
            )
        if self.busy(conversation_id):
            raise ConversationBusyError(
                "This conversation is still answering the previous question (or being saved or resumed). Wait for it, "
                "then send again."
            )
        self._check_nothing_pending(conversation_id)
        return Turn(text, force_tier, mode, strategy)

    async def stream_turn(
        self,
        conversation_id: str,
        text: str,
        force_tier: str | None = None,
        mode: str | None = None,
        strategy: str | None = None,
        tool_choice: Any = NO_TOOL,
    ) -> AsyncIterator[dict[str, Any]]:
        """Events: "decision", "delta" text chunks, then "done" (badge and panel) or "error".

        When the routed tier fails, a second "decision" (fell_back true) comes before the other tier's text. With
        the cascade the decision comes once the local answer is judged ("escalated" true: the cloud's text follows).
        "done" is sent only once the exchange is part of the open conversation.
        """
        async with self._locks[conversation_id]:
            live = self._get(conversation_id)
            router = self.routers[mode or self.default_mode] if self.routers is not None else None
            before = len(live.exchanges)
            if self.tool_names:
                live.manager.tool_choice = tool_choice  # for this turn only: none unless the page named one
            try:
                async with asyncio.timeout(self.turn_timeout_s):
                    turn = live.manager.chat_stream(
                        text, force_tier=force_tier, router=router, strategy=strategy or self.default_strategy
                    )
                    async for item in turn:
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
                                "panel": routing_summary(live.exchanges),
                                "exchanges": len(live.exchanges),
                                "saved_exchanges": live.saved_exchanges,
                                "pending": pending_in(live.manager.context),
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

    # ---- tool calls and approvals (modules.chat_app.approvals) ----------------------------------------

    def check_tool(self, tool: object) -> Any:
        """The turn's `tool_choice` from the page's Tool field (none, auto or a tool's name); typed error otherwise."""
        return tool_choice_for(tool, self.tool_names)

    async def decide(self, conversation_id: str, request_id: object, *, approve: object) -> dict[str, Any]:
        """Approve or reject a pending tool call; the tool runs at most once, and the page shows the stored result.

        The conversation is saved with the decision and the run's result (deciding is durable, like Save), then
        resumed from the store.
        """
        self._get(conversation_id)
        if not isinstance(request_id, str) or not request_id:
            raise UnknownApprovalError("Name the tool call to decide: reload the page and press its button.")
        if not isinstance(approve, bool):
            raise BadRequestError("`approve` must be true or false. Reload the page and press Approve or Reject.")
        lock = self._locks[conversation_id]
        if lock.locked():
            raise ConversationBusyError(
                f"Conversation {conversation_id} is busy (answering, saving or resuming). Wait for it, then decide."
            )
        async with lock:
            try:
                await decide_in_store(self._get(conversation_id).manager, self.store, request_id, approve=approve)
            except ChatPageError:
                raise
            except Exception as error:  # noqa: BLE001 - a tier failed after the decision was saved
                button = "Approve" if approve else "Reject"
                raise ApprovalNotFinishedError(
                    f"The decision is saved, but the run after it failed: {type(error).__name__}: {error} "
                    f"Press {button} again to finish it; the tool runs at most once."
                ) from None
            await self._load_saved(conversation_id)
        return self.state(conversation_id)

    def _check_nothing_pending(self, conversation_id: str) -> None:
        pending = pending_in(self._get(conversation_id).manager.context)
        if pending:
            raise ApprovalPendingError(
                f"The call to {pending[0]['tool']} waits for your decision: press Approve or Reject on it first, "
                "then send your next question."
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
        "mode": decision.mode,
        "escalated": decision.escalated,  # the cascade judged the local answer unsure: the cloud's answer follows
        # A second decision with fell_back=True means the routed tier failed: the other tier's answer follows.
        "fell_back": decision.fell_back,
        "failed_tier": decision.failed_target,
    }


def _error_event(message: str, *, recorded: bool) -> dict[str, Any]:
    return {"event": "error", "message": message, "recorded": recorded}
