"""HybridConversationManager: route every question, answer it on the chosen tier with the whole conversation.

    conversation = HybridConversationManager(tiers=tiers)     # routes in "balanced" mode; tiers = start_tiers()
    turn = await conversation.chat("Hello!")                  # -> HybridTurn(text, decision, tier, metadata)
    async for item in conversation.chat_stream("Compare Kafka and RabbitMQ"):
        ...   # a RoutingDecision first, then str chunks, then the final HybridTurn
    await conversation.save("hybrid_conv.json")               # or a store; resume() reads it back
    HybridConversationManager(tiers=tiers, strategy="cascade")  # the local tier answers first (see below)

One turn: router (with the previous turn's tier as `RoutingContext`) -> the chosen tier's agent, run
on the one shared session, so it is sent every earlier message whichever tier wrote it (compacted for that tier's
window once the conversation outgrows it: `modules.hybrid.compaction`) -> on failure
or timeout the other tier answers -> the exchange's metadata is recorded (and saved, if a store was
given). The cloud agent runs with `store=False`: the service keeps no second, diverging copy.

With `strategy="cascade"` nothing is decided before answering: the local tier answers first, with the whole
conversation and its token log-probabilities, on a copy of the session; the cascade (`modules.routing.cascade`)
judges that answer. Kept, the copy becomes the conversation. Judged unsure, the copy is dropped and the cloud
answers on the conversation itself, so the wasted local answer never enters the shared history; the exchange's
`cascade` entry keeps both answers, the wasted local tokens and seconds, and what the local tier received.
Both steps go through the one fallback loop (`answer_with_fallback`).
"""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from agent_framework import AgentSession

from modules.config import TIERS
from modules.hybrid.agent_context import HybridAgentContextManager
from modules.hybrid.compaction import TierCompaction, check_state, tier_compactions
from modules.hybrid.context import check_client_side_history
from modules.hybrid.errors import ConversationIdTakenError, UnknownStrategyError
from modules.hybrid.persistence import Target
from modules.hybrid.recorder import SentMessagesRecorder
from modules.hybrid.sources import tier_of
from modules.hybrid.tool_calls import ToolCallRecorder
from modules.routing import (
    DEFAULT_MODE,
    LOGPROB_OPTIONS,
    CascadeError,
    CascadeStrategy,
    HybridRouter,
    RoutingContext,
    RoutingDecision,
    answer_with_fallback,
    cascade_decision,
    local_answer_of,
)
from modules.storage import Cipher, ConversationNotFoundError, ConversationStore

DEFAULT_INSTRUCTIONS = "You are a helpful assistant. Answer in one or two sentences."
DEFAULT_MAX_TOKENS = 64
DEFAULT_TIMEOUT_S = 120.0
STRATEGIES = ("route", "cascade")  # the router decides before answering | the local tier answers first, then judged


@dataclass(frozen=True)
class _Answered:
    """What one tier's successful try produced (see `_attempt`)."""

    tier: str
    text: str
    sent: list[tuple[str, str]]
    seconds: float
    ttft_s: float | None
    usage: dict[str, Any]
    tool_calls: list[dict[str, Any]]
    received: dict[str, Any] | None  # what the tier was given after compaction (modules.hybrid.compaction)
    local_answer: Any = None  # the cascade's attempt: a `modules.routing.cascade.LocalAnswer` with log-probabilities


@dataclass(frozen=True)
class _Outcome:
    """How a turn ended: the decision as it finally stood, the answer served, and the cascade's record (or None)."""

    decision: RoutingDecision
    answered: _Answered
    cascade: dict[str, Any] | None = None


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
    conversation after every exchange and is the default store of `save`/`resume`.

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
        tools: Function tools (`@tool`) both tiers' agents may call; each call is recorded in the exchange.
        tool_choice: "auto" (None), "none", "required" or `{"mode": "required", "required_function_name": ...}`;
            a change of `manager.tool_choice` applies from the next turn. While tools are on offer (not "none"),
            the router's tool floor applies: below it, the turn goes to the cloud (modules/routing/tool_floor.py).
        compaction: How the shared history is cut down to the answering tier's window: "summarize" (the default),
            "sliding_window" or "truncate" (see `modules.hybrid.compaction`).
        max_history: The persistence guide's knob: give the tiers only the newest `max_history` exchanges (the
            "sliding_window" strategy); None for no such limit.
        strategy: "route" (the router decides before answering) or "cascade" (the local tier answers first and
            the cascade judges its answer); `chat(..., strategy=...)` overrides it for one turn.
        cascade: The cascade's confidence model; None for the shipped one (`CascadeStrategy.load()`).
        cascade_threshold: The cascade's confidence bar (the cloud answers at or below it); None resolves the router's
            mode or target on the cascade's own measured curve. 1.0 escalates every turn, 0.0 none.

    Raises:
        InvalidConversationIdError: `session_id` could escape a folder or a key.
        UnknownStrategyError: `strategy` is neither "route" nor "cascade".
        CascadeError: `cascade_threshold` is not a number between 0 and 1, or the cascade's weights file is missing
            or damaged.
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
        tools: Sequence[Any] = (),
        tool_choice: Any = None,
        compaction: str | None = None,
        max_history: int | None = None,
        strategy: str = "route",
        cascade: CascadeStrategy | None = None,
        cascade_threshold: float | None = None,
    ) -> None:
        self.strategy = _strategy(strategy)
        if cascade_threshold is not None and not (
            isinstance(cascade_threshold, (int, float)) and 0.0 <= float(cascade_threshold) <= 1.0
        ):
            raise CascadeError(f"cascade_threshold must be a number between 0 and 1, not {cascade_threshold!r}.")
        # Loaded here when the cascade is the strategy, so a missing weights file fails before any conversation.
        self.cascade = CascadeStrategy.load() if cascade is None and self.strategy == "cascade" else cascade
        self.cascade_threshold = cascade_threshold
        self._cascade_bars: dict[Any, float] = {}  # per router target: its bar on the cascade's curve
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
        self.tool_choice = tool_choice
        self.tools = list(tools)
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
                name="local",
                instructions=instructions,
                tools=list(tools),
                context_providers=self.compactions["local"].providers,
            ),
            # store=False: the Responses service must not keep its own copy of the conversation.
            "cloud": tiers.cloud_client.as_agent(
                name="cloud",
                instructions=instructions,
                tools=list(tools),
                default_options={"store": False},
                context_providers=self.compactions["cloud"].providers,
            ),
        }

    # ---- the conversation ----------------------------------------------------------------------------

    @property
    def conversation_id(self) -> str:
        return self.context.session_id

    async def chat(
        self,
        text: str,
        force_tier: str | None = None,
        *,
        router: HybridRouter | None = None,
        strategy: str | None = None,
    ) -> HybridTurn:
        """Route `text` (or send it to `force_tier`), answer it with the whole conversation, record it.

        Args:
            text: The question.
            force_tier: "local" or "cloud" to skip the router's choice (and the cascade), or None.
            router: Routes this turn instead of `self.router` (e.g. the chat page's router for the chosen mode); with
                the cascade, its mode or target sets the cascade's confidence bar.
            strategy: "route" or "cascade" for this turn; None for the manager's `strategy`.

        Returns:
            The answered turn.
        """
        async for item in self._turn(text, force_tier, router, strategy, stream=False):
            if isinstance(item, HybridTurn):
                return item
        raise AssertionError("a turn always ends with a HybridTurn")  # pragma: no cover

    async def chat_stream(
        self,
        text: str,
        force_tier: str | None = None,
        *,
        router: HybridRouter | None = None,
        strategy: str | None = None,
    ) -> AsyncIterator[Any]:
        """Yield the `RoutingDecision`, then the answer's text chunks as generated, then the `HybridTurn`.

        If the chosen tier fails, a second `RoutingDecision` (with `fell_back=True`) is yielded before
        the other tier's chunks: discard any text shown so far and show the new answer. With the cascade the
        decision comes once the local answer is judged (`escalated=True`: the cloud's chunks follow; else the local
        answer, in one chunk).

        Args:
            text: The question.
            force_tier: "local" or "cloud" to skip the router's choice (and the cascade), or None.
            router: Routes this turn instead of `self.router` (e.g. the chat page's router for the chosen mode).
            strategy: "route" or "cascade" for this turn; None for the manager's `strategy`.
        """
        async for item in self._turn(text, force_tier, router, strategy, stream=True):
            yield item

    async def _turn(
        self, text: str, force_tier: str | None, router: HybridRouter | None, strategy: str | None, *, stream: bool
    ) -> AsyncIterator[Any]:
        router = router or self.router
        cascade = force_tier is None and _strategy(strategy or self.strategy) == "cascade"
        outcome: _Outcome | None = None
        if cascade and not self._tools_on_offer():
            answering = self._cascade(text, router, stream=stream)
        else:  # the cascade judges text answers, not tool calls: a turn with tools is routed (the tool floor applies)
            answering = self._route(text, force_tier, router, stream, cascade_declined=cascade)
        async for item in answering:
            if isinstance(item, _Outcome):
                outcome = item
            else:
                yield item
        assert outcome is not None  # both ways end with an outcome or raise AllTiersFailedError
        answered, decision = outcome.answered, outcome.decision
        entry = self.context._record_run(
            source=answered.tier,
            response_time_s=answered.seconds,
            sent=answered.sent,
            model=self.models[answered.tier],
            decision=decision,
            ttft_s=answered.ttft_s,
            input_tokens=answered.usage.get("input_token_count"),
            output_tokens=answered.usage.get("output_token_count"),
            fell_back=decision.fell_back,
            failed_tier=decision.failed_target,
            error=decision.error,
            forced=decision.strategy == "forced",
            tool_calls=answered.tool_calls,
            received=answered.received,
            cascade=outcome.cascade,
        )
        if self.store is not None:
            await self.save(self.store)
        yield HybridTurn(answered.text, decision, answered.tier, entry, answered.sent)

    async def _route(
        self, text: str, force_tier: str | None, router: HybridRouter, stream: bool, *, cascade_declined: bool = False
    ) -> AsyncIterator[Any]:
        """The router decides, then the chosen tier answers (the other one if it fails)."""
        decision = self._decide(text, force_tier, router)
        if cascade_declined:
            reason = "routed first, not cascaded: tools are on offer, and the cascade judges text, not tool calls"
            decision = replace(decision, reasons=[reason, *decision.reasons])
        await asyncio.to_thread(self._check_store_is_free)  # a store call: never on the event loop
        yield decision
        async for item in self._answer(decision, functools.partial(self._attempt, text=text, stream=stream), stream):
            yield item

    async def _answer(
        self, decision: RoutingDecision, attempt: Callable[[str], AsyncIterator[Any]], stream: bool
    ) -> AsyncIterator[Any]:
        """The fallback loop: the decision's tier answers, the other if it fails; ends with the `_Outcome`.

        Yields a fallback's decision (when streaming) and the answering tier's text chunks."""
        answered: _Answered | None = None
        async for item in answer_with_fallback(decision, attempt, timeout_s=self.timeout_s):
            if isinstance(item, RoutingDecision):  # the chosen tier failed: the other one answers
                decision = item
                if stream:
                    yield decision
            elif isinstance(item, _Answered):
                answered = item
            else:
                yield item
        assert answered is not None  # the loop ends with an answer or raises AllTiersFailedError
        yield _Outcome(decision, answered)

    async def _cascade(self, text: str, router: HybridRouter, *, stream: bool) -> AsyncIterator[Any]:
        """The local tier answers first on a copy of the session; the cascade keeps its answer or asks the cloud."""
        cascade, bar, mode = self._cascade_bar(router)
        await asyncio.to_thread(self._check_store_is_free)
        trial = AgentSession.from_dict(self.context.session.to_dict())  # the local attempt's copy of the conversation
        first = RoutingDecision(
            target="local",
            confidence=None,  # nothing is judged before the local answer
            reasons=["cascade: the local model answers first; its own log-probabilities judge its answer"],
            strategy=cascade.name,
            cloud_probability=None,
            threshold=1.0 - bar,
            decision_seconds=0.0,
            mode=mode,
        )

        def local_first(tier: str) -> AsyncIterator[Any]:  # a failed local attempt: the cloud answers, unjudged
            if tier == "local":
                return self._attempt("local", text=text, stream=False, session=trial, logprobs=True)
            return self._attempt("cloud", text=text, stream=stream)

        tried: list[_Outcome] = []
        async for item in self._answer(first, local_first, stream):
            if isinstance(item, _Outcome):
                tried.append(item)
            else:
                yield item
        if tried[0].decision.fell_back:
            yield replace(tried[0], cascade=_cascade_record(bar, None, tried[0].answered))
            return
        local = tried[0].answered
        decision, features = cascade_decision(text, local.local_answer, cascade=cascade, threshold=bar, mode=first.mode)
        yield decision
        outcome = _Outcome(decision, local)
        if decision.escalated:
            async for item in self._escalate(decision, text, local, stream):
                if isinstance(item, _Outcome):
                    tried.append(item)
                else:
                    yield item
            outcome = tried[-1]
        elif stream:
            yield local.text
        answered = outcome.answered
        if answered is local:  # the local answer is served: its copy of the conversation becomes the conversation
            self.context.session.state.clear()
            self.context.session.state.update(trial.state)
        else:  # the user waited for both answers: the turn's time counts the local attempt
            ttft = None if answered.ttft_s is None else local.seconds + answered.ttft_s
            answered = replace(answered, seconds=local.seconds + answered.seconds, ttft_s=ttft)
        record = _cascade_record(bar, local, answered, cascade.confidence(features), features)
        yield replace(outcome, answered=answered, cascade=record)

    def _escalate(self, decision: RoutingDecision, text: str, local: _Answered, stream: bool) -> AsyncIterator[Any]:
        """The cloud answers on the conversation itself (which never saw the local attempt); if it fails, the local
        answer in hand is served, not asked for again."""

        async def cloud_then_local(tier: str) -> AsyncIterator[Any]:
            if tier == "cloud":
                async for item in self._attempt("cloud", text=text, stream=stream):
                    yield item
                return
            if stream:
                yield local.text
            yield local

        return self._answer(decision, cloud_then_local, stream)

    def _cascade_bar(self, router: HybridRouter) -> tuple[CascadeStrategy, float, str]:
        """The cascade's model, its confidence bar and the operating point's name: the manager's `cascade_threshold`
        ("custom", as a router's explicit threshold), else `router`'s mode or target (resolved once per target)."""
        if self.cascade is None:
            self.cascade = CascadeStrategy.load()
        if self.cascade_threshold is not None:
            return self.cascade, float(self.cascade_threshold), "custom"  # the mode HybridRouter(threshold=...) names
        target = getattr(router, "target", None)
        if target is None:
            raise CascadeError(
                "The router's operating point is a fixed threshold on its own score "
                f"({router.describe_operating_point()}), which says nothing about the cascade's confidence. "
                "Give the router a mode or a target, or the manager a cascade_threshold."
            )
        if target not in self._cascade_bars:
            self._cascade_bars[target] = self.cascade.threshold_for(target)
        return self.cascade, self._cascade_bars[target], str(router.mode)

    async def _attempt(
        self, tier: str, *, text: str, stream: bool, session: AgentSession | None = None, logprobs: bool = False
    ) -> AsyncIterator[Any]:
        """One tier's try at the question: its text chunks when streaming, then an `_Answered`.

        `session` is the conversation it continues (by default the manager's); `logprobs` asks for the answer's token
        log-probabilities (the cascade's local attempt; never streamed)."""
        session = session or self.context.session
        recorder, tool_calls = SentMessagesRecorder(), ToolCallRecorder(tier)
        started = time.perf_counter()
        first_token_at: float | None = None
        self.compactions[tier].prepare(session, text, self.instructions)
        if stream:
            chunks: asyncio.Queue[Any] = asyncio.Queue()
            # The stream is consumed in one task of its own: the framework's telemetry keeps context
            # variables that must be reset in the task that set them, and the timeout can cancel it.
            producer = asyncio.create_task(self._produce(tier, text, [recorder, tool_calls], chunks, session))
            try:
                while (chunk := await chunks.get()) is not None:
                    first_token_at = first_token_at or time.perf_counter()
                    yield chunk
                response = await producer
            finally:
                producer.cancel()
        else:
            options = self._options() | (LOGPROB_OPTIONS if logprobs else {})
            response = await self.agents[tier].run(
                text, session=session, middleware=[recorder, tool_calls], options=options
            )
        seconds = time.perf_counter() - started
        yield _Answered(
            tier=tier,
            text=response.text,
            sent=recorder.last,
            seconds=seconds,
            ttft_s=(first_token_at - started) if first_token_at else None,
            usage=response.usage_details or {},
            tool_calls=tool_calls.calls,
            received=self.compactions[tier].received(session, recorder, response),
            # No log-probabilities (a server that does not return them) is this tier's failure: the cloud answers.
            local_answer=local_answer_of(response, seconds) if logprobs else None,
        )

    async def _produce(
        self, tier: str, text: str, middleware: list[Any], chunks: asyncio.Queue[Any], session: AgentSession
    ) -> Any:
        """Run the tier's stream, put each text chunk on `chunks`, then None; return the final response."""
        try:
            run = self.agents[tier].run(
                text, session=session, stream=True, middleware=middleware, options=self._options()
            )
            async for update in run:
                # New text only: a Responses stream ends with the whole text again ("replace"), not a new chunk.
                text = "".join(c.text or "" for c in update.contents if c.type == "text" and c.merge_mode != "replace")
                if text:
                    chunks.put_nowait(text)
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
            "over it. Continue it with `await resume()`, or create the manager with another session_id. "
            "Nothing was asked or saved."
        )

    def _decide(self, text: str, force_tier: str | None, router: HybridRouter) -> RoutingDecision:
        tier = None if force_tier is None else tier_of(force_tier)  # an unknown tier fails before any work
        # With tools on offer, the router's tool floor applies (modules/routing/tool_floor.py).
        has_tools = self._tools_on_offer()
        routed = router.route(text, RoutingContext(previous_target=self.context.last_source, has_tools=has_tools))
        if tier is None:
            return routed
        return replace(
            routed,
            target=tier,
            confidence=1.0,
            strategy="forced",
            reasons=[f"forced to the {tier} tier by the user (the router chose {routed.target})", *routed.reasons],
        )

    def _tools_on_offer(self) -> bool:
        return bool(self.tools) and self.tool_choice != "none"

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"max_tokens": self.max_tokens}
        if self.tool_choice is not None:
            options["tool_choice"] = self.tool_choice
        return options

    # ---- agents, persistence, summary ------------------------------------------------------------------

    async def initialize_agent_session(self, agent: Any, tier: str = "cloud") -> None:
        """Answer `tier`'s turns with your own agent (e.g. other instructions); it must keep history client-side."""
        if tier not in TIERS:
            tier = tier_of(tier)
        check_client_side_history(agent)
        self.agents[tier] = agent
        await self.context.initialize_agent_session(agent)

    async def save(self, store: Target | None = None) -> int:
        """Save the conversation (session + routing metadata) to `store`, by default the manager's store.

        Args:
            store: a store from `modules.storage`, or a file path; None for the store the manager was given.

        Returns:
            Bytes written; for an `ExchangeJournal`, the number of exchanges appended.

        Raises:
            ConversationConflictError: another writer saved it there since this manager loaded or saved it.
            UnsupportedTargetError: no store was given, here or to the manager.
        """
        return await self.context.save(self._target(store), cipher=self.cipher)

    async def resume(self, store: Target | None = None, conversation_id: str | None = None) -> None:
        """Continue a stored conversation (by default this conversation's id, in the manager's store).

        Args:
            store: a store from `modules.storage`, or a file path; None for the store the manager was given.
            conversation_id: the id to read; by default this conversation's (a file path: whichever it holds).

        Raises:
            StorageError: not found, damaged, wrong key: each names the fix; the manager is left as it was.
            UnsupportedTargetError: no store was given, here or to the manager.
        """
        await self.context.resume(self._target(store), conversation_id, cipher=self.cipher)
        # A damaged or missing summary is reported (with the conversation id) and the full stored history used.
        self.compaction_report = check_state(self.context.session, self.conversation_id, self.context.routing_metadata)
        # Resumed from the manager's store: saving back is continuing it. From elsewhere: check again before saving.
        self._store_checked = store is None or store is self.store

    # The persistence guide's name (its AgentThread is today's AgentSession); see docs/api-migration.md.
    initialize_agent_thread = initialize_agent_session

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


def _cascade_record(
    bar: float,
    local: _Answered | None,
    served: _Answered,
    confidence: float | None = None,
    features: dict[str, float] | None = None,
) -> dict[str, Any]:
    """The exchange's `cascade` entry: what the cascade did. `local` is None when the local tier failed to answer."""
    served_local = served.tier == "local" and local is not None
    tokens = None
    if local is not None:
        tokens = local.usage.get("output_token_count")
        tokens = len(local.local_answer.token_logprobs) if tokens is None else int(tokens)
    return {
        # Unrounded, so the record shows why: escalated exactly when confidence <= threshold.
        "threshold": bar,  # the confidence bar: at or below it the cloud answers
        "confidence": confidence,  # P(the local answer is right); None: nothing was judged
        "local_answer": None if local is None else local.text,
        "local_tokens": tokens,
        "local_seconds": None if local is None else round(local.seconds, 4),
        "cloud_answer": served.text if served.tier == "cloud" else None,  # None: the cloud was not asked
        # A local answer that was generated and not served: its tokens and the time the user waited for it.
        "wasted_local_tokens": 0 if served_local or tokens is None else tokens,
        "wasted_local_s": 0.0 if served_local or local is None else round(local.seconds, 4),
        "local_received": None if local is None else local.received,  # what the local tier was given
        "features": {k: round(float(v), 4) for k, v in (features or {}).items()},
    }


def _strategy(strategy: object) -> str:
    if strategy not in STRATEGIES:
        raise UnknownStrategyError(
            f'The conversation strategy must be one of {", ".join(STRATEGIES)}, not {strategy!r}: "route" lets the '
            'router decide before answering, "cascade" has the local tier answer first and the cloud take over when '
            "its answer looks unsure."
        )
    return str(strategy)
