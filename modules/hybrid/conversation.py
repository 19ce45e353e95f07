"""HybridConversationManager: route every question, answer it on the chosen tier with the whole conversation.

    conversation = HybridConversationManager(tiers=tiers)     # routes in "balanced" mode; tiers = start_tiers()
    turn = await conversation.chat("Hello!")                  # -> HybridTurn(text, decision, tier, metadata)
    async for item in conversation.chat_stream("Compare Kafka and RabbitMQ"):
        ...   # a RoutingDecision first, then str chunks, then the final HybridTurn
    await conversation.persist_session("hybrid_conv.json")    # or a store; resume_session() reads it back

One turn: router (with the previous turn's tier as `RoutingContext`) -> the chosen tier's agent, run
on the one shared session, so it is sent every earlier message whichever tier wrote it (compacted for that tier's
window once the conversation outgrows it: `modules.hybrid.compaction`) -> on failure
or timeout the other tier answers -> the exchange's metadata is recorded (and saved, if a store was
given). The cloud agent runs with `store=False`: the service keeps no second, diverging copy.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from modules.hybrid.agent_context import HybridAgentContextManager
from modules.hybrid.compaction import TierCompaction, check_state, tier_compactions
from modules.hybrid.context import check_client_side_history
from modules.hybrid.errors import ConversationIdTakenError
from modules.hybrid.exchange import short_error
from modules.hybrid.persistence import Target
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.sources import SOURCES, other_tier, tier_of
from modules.routing import DEFAULT_MODE, AllTiersFailedError, HybridRouter, RoutingContext, RoutingDecision
from modules.storage import Cipher, ConversationNotFoundError, ConversationStore

DEFAULT_INSTRUCTIONS = "You are a helpful assistant. Answer in one or two sentences."
DEFAULT_MAX_TOKENS = 64
DEFAULT_TIMEOUT_S = 120.0


@dataclass
class HybridTurn:
    """One answered question, as `HybridConversationManager.chat` returns it.

    Attributes:
        text: The answer.
        decision: The router's decision, with any fallback (`fell_back`, `failed_target`, `error`).
        tier: The tier that answered: "local" or "cloud".
        metadata: The exchange's routing-metadata entry, as recorded.
        sent: The (role, text) messages that tier was given: the conversation compacted for its window (all of it
            while it fits; `metadata["received"]` says how many messages were summarised or left out).
    """

    text: str
    decision: RoutingDecision
    tier: str
    metadata: dict[str, Any]
    sent: list[tuple[str, str]] = field(default_factory=list, repr=False)


class HybridConversationManager:
    """A routed conversation across the local and the cloud tier, with one history both see.

    `tiers` defaults to `start_tiers()` (closed again by `close()`); `store`, when given, receives the
    conversation after every exchange and is the default target of `persist_session`/`resume_session`.

    Args:
        router: The router that picks a tier per question; when None, `HybridRouter(mode="balanced")`: small talk
            stays local, the queries the local model gets wrong go to the cloud.
        tiers: Both tiers (`start_tiers()`); started here, and closed by `close()`, when None.
        store: A store from `modules.storage` that receives the conversation after every exchange, or None.
        session_id: The conversation's id; a new UUID when None.
        user_id: The user the stored conversation belongs to (for per-user erasure), or None.
        instructions: The instructions both tiers' agents get.
        max_tokens: The cap on each answer's length.
        timeout_s: How long a tier may take before the other tier answers instead.
        cipher: Encrypts the conversation when it is persisted to a file, or None.
        compaction: How the shared history is cut down to the answering tier's window: "summarize" (the default),
            "sliding_window" or "truncate" (see `modules.hybrid.compaction`).
        max_history: The persistence guide's knob: give the tiers only the newest `max_history` exchanges (the
            "sliding_window" strategy); None for no such limit.

    Raises:
        InvalidConversationIdError: `session_id` could escape a folder or a key.
        ServiceStartError: `tiers` was None and the offline cloud tier's service did not start.
    """

    def __init__(
        self,
        router: HybridRouter | None = None,
        tiers: Any = None,
        store: ConversationStore | None = None,
        *,
        session_id: str | None = None,
        user_id: str | None = None,
        instructions: str = DEFAULT_INSTRUCTIONS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        cipher: Cipher | None = None,
        compaction: str | None = None,
        max_history: int | None = None,
    ) -> None:
        if tiers is None:
            from modules.tiers import start_tiers

            tiers, self._owns_tiers = start_tiers(), True
        else:
            self._owns_tiers = False
        self.router = router if router is not None else HybridRouter(mode=DEFAULT_MODE)
        self.tiers = tiers
        self.store = store
        self.cipher = cipher
        self.compaction_report: str | None = None  # set by resume_session when a stored summary was unusable
        self.max_tokens = max_tokens
        self.timeout_s = timeout_s
        self.context = HybridAgentContextManager(session_id or str(uuid.uuid4()))
        self._store_checked = False  # set once the store is known not to hold another conversation under this id
        self.context.user_id = user_id
        self.models = {"local": tiers.settings.local.model, "cloud": tiers.settings.cloud.model}
        self.instructions = instructions
        # Each tier is given the shared history compacted to its own window (Agent Framework's CompactionProvider).
        self.compactions: dict[str, TierCompaction] = tier_compactions(
            tiers, answer_tokens=max_tokens, strategy=compaction, max_history=max_history
        )
        self.agents = {
            "local": tiers.local_client.as_agent(
                name="local", instructions=instructions, context_providers=self.compactions["local"].providers
            ),
            # store=False: the Responses service must not keep its own copy of the conversation.
            "cloud": tiers.cloud_client.as_agent(
                name="cloud",
                instructions=instructions,
                default_options={"store": False},
                context_providers=self.compactions["cloud"].providers,
            ),
        }

    # ---- the conversation ----------------------------------------------------------------------------

    @property
    def conversation_id(self) -> str:
        return self.context.session_id

    async def chat(self, text: str, force_tier: str | None = None) -> HybridTurn:
        """Route `text` (or send it to `force_tier`), answer it with the whole conversation, record it."""
        async for item in self._turn(text, force_tier, stream=False):
            if isinstance(item, HybridTurn):
                return item
        raise AssertionError("a turn always ends with a HybridTurn")  # pragma: no cover

    async def chat_stream(self, text: str, force_tier: str | None = None) -> AsyncIterator[Any]:
        """Yield the `RoutingDecision`, then the answer's text chunks as generated, then the `HybridTurn`.

        If the chosen tier fails, a second `RoutingDecision` (with `fell_back=True`) is yielded before
        the other tier's chunks: discard any text shown so far and show the new answer.
        """
        async for item in self._turn(text, force_tier, stream=True):
            yield item

    async def _turn(self, text: str, force_tier: str | None, *, stream: bool) -> AsyncIterator[Any]:
        decision = self._decide(text, force_tier)
        await asyncio.to_thread(self._check_store_is_free)  # a store call: never on the event loop
        yield decision
        failure: tuple[str, BaseException] | None = None
        for tier in (decision.target, other_tier(decision.target)):
            recorder = SentMessagesRecorder()
            started = time.perf_counter()
            first_token_at: float | None = None
            try:
                self.compactions[tier].prepare(self.context.session, text, self.instructions)
                if stream:
                    chunks: asyncio.Queue[Any] = asyncio.Queue()
                    # The stream is consumed in one task of its own: the framework's telemetry keeps context
                    # variables that must be reset in the task that set them, and the timeout can cancel it.
                    producer = asyncio.create_task(self._produce(tier, text, recorder, chunks))
                    try:
                        while (chunk := await asyncio.wait_for(chunks.get(), self._time_left(started))) is not None:
                            first_token_at = first_token_at or time.perf_counter()
                            yield chunk
                        response = await producer
                    finally:
                        producer.cancel()
                else:
                    response = await asyncio.wait_for(
                        self.agents[tier].run(
                            text, session=self.context.session, middleware=[recorder], options=self._options()
                        ),
                        self.timeout_s,
                    )
            except Exception as error:  # noqa: BLE001 - any failure of a tier hands the question to the other
                if failure is not None:
                    raise AllTiersFailedError(
                        f"{failure[0]} tier: {short_error(failure[1])}; {tier} tier: {short_error(error)}. "
                        "Nothing was recorded; check that both tiers are reachable (lab 01) and ask again."
                    ) from error
                failure = (tier, error)
                message = short_error(error)
                if isinstance(error, TimeoutError):
                    message = f"TimeoutError: no answer within {self.timeout_s:g} s"
                decision = replace(
                    decision,
                    fell_back=True,
                    failed_target=tier,
                    error=message,
                    reasons=[*decision.reasons, f"{tier} tier failed ({message}): {other_tier(tier)} tier answered"],
                )
                if stream:
                    yield decision
                continue
            seconds = time.perf_counter() - started
            usage = response.usage_details or {}
            received = self.compactions[tier].received(self.context.session, recorder, response)
            entry = self.context.record_agent_exchange(
                source=tier,
                response_time_s=seconds,
                sent=recorder.last,
                model=self.models[tier],
                decision=decision,
                ttft_s=(first_token_at - started) if first_token_at else None,
                input_tokens=usage.get("input_token_count"),
                output_tokens=usage.get("output_token_count"),
                fell_back=decision.fell_back,
                failed_tier=decision.failed_target,
                error=decision.error,
                forced=decision.strategy == "forced",
                received=received,
            )
            if self.store is not None:
                await self.persist_session(self.store)
            yield HybridTurn(response.text, decision, tier, entry, recorder.last)
            return

    async def _produce(self, tier: str, text: str, recorder: SentMessagesRecorder, chunks: asyncio.Queue[Any]) -> Any:
        """Run the tier's stream, put each text chunk on `chunks`, then None; return the final response."""
        try:
            run = self.agents[tier].run(
                text, session=self.context.session, stream=True, middleware=[recorder], options=self._options()
            )
            async for update in run:
                if update.text:
                    chunks.put_nowait(update.text)
            return await run.get_final_response()
        finally:
            chunks.put_nowait(None)

    def _check_store_is_free(self) -> None:
        """Before the first autosave: never save a new conversation over a stored one that has the same id."""
        if self.store is None or self._store_checked:
            return
        try:
            self.store.load(self.conversation_id)
        except ConversationNotFoundError:
            self._store_checked = True
            return
        raise ConversationIdTakenError(
            f"{self.store.location} already holds a conversation {self.conversation_id!r}; this one would be saved "
            "over it. Continue it with `await resume_session()`, or create the manager with another session_id. "
            "Nothing was asked or saved."
        )

    def _decide(self, text: str, force_tier: str | None) -> RoutingDecision:
        tier = None if force_tier is None else tier_of(force_tier)  # an unknown tier fails before any work
        routed = self.router.route(text, RoutingContext(previous_target=self.context.last_source))
        if tier is None:
            return routed
        return replace(
            routed,
            target=tier,
            confidence=1.0,
            strategy="forced",
            reasons=[f"forced to the {tier} tier by the user (the router chose {routed.target})", *routed.reasons],
        )

    def _options(self) -> dict[str, Any]:
        return {"max_tokens": self.max_tokens}

    def _time_left(self, started: float) -> float:
        return max(self.timeout_s - (time.perf_counter() - started), 0.001)

    # ---- agents, persistence, summary ------------------------------------------------------------------

    async def initialize_agent_session(self, agent: Any, tier: str = "cloud") -> None:
        """Answer `tier`'s turns with your own agent (e.g. other instructions); it must keep history client-side."""
        if tier not in SOURCES:
            tier = tier_of(tier)
        check_client_side_history(agent)
        self.agents[tier] = agent
        await self.context.initialize_agent_session(agent)

    async def persist_session(self, target: Target | None = None) -> int:
        """Save the conversation (session + routing metadata) to `target`, by default the manager's store."""
        return await self.context.persist_to_storage(self._target(target), cipher=self.cipher)

    async def resume_session(self, target: Target | None = None, *, conversation_id: str | None = None) -> None:
        """Continue a stored conversation (a file, or a store by id: by default this conversation's id)."""
        await self.context.resume_from_storage(
            self._target(target), conversation_id=conversation_id, cipher=self.cipher
        )
        # A damaged or missing summary is reported (with the conversation id) and the full stored history used.
        self.compaction_report = check_state(self.context.session, self.conversation_id, self.context.routing_metadata)
        # Resumed from the manager's store: saving back is continuing it. From elsewhere: check again before saving.
        self._store_checked = target is None or target is self.store

    # The persistence guide's names (its AgentThread is today's AgentSession); see docs/api-migration.md.
    initialize_agent_thread = initialize_agent_session
    persist_thread = persist_session
    resume_thread = resume_session

    def get_conversation_summary(self) -> dict[str, Any]:
        summary = self.context.get_routing_summary()
        return {
            "conversation_id": self.conversation_id,
            "exchanges": summary["total_exchanges"],
            "messages": len(self.context.messages),
            "mode": self.tiers.settings.mode,
            "models": dict(self.models),
            "history": "client-side: one AgentSession whose whole history is sent to whichever tier answers",
            "routing_stats": summary,
            "flow": self.context.get_conversation_flow(),
        }

    def _target(self, target: Target | None) -> Target:
        if target is not None:
            return target
        if self.store is None:
            from modules.hybrid.errors import UnsupportedTargetError

            raise UnsupportedTargetError("No target: pass a file path or a store, or create the manager with store=...")
        return self.store

    def close(self) -> None:
        """Stop the tiers if this manager started them."""
        if self._owns_tiers:
            self.tiers.close()

    def __enter__(self) -> HybridConversationManager:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
