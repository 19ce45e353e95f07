"""Compaction per tier: the shared history, cut down to what the answering tier's window holds, and said so.

    compaction = TierCompaction("local", window=2048, answer_tokens=64, strategy="summarize", summarizer=cloud)
    agent = client.as_agent(name="local", context_providers=compaction.providers)
    compaction.prepare(session, "the new question", instructions)     # this turn's budget
    ... agent.run(...) ...
    compaction.outcome(session, received)                               # what the tier got; stores a new summary

Both tiers share one history (the session's `in_memory` messages), which compaction never changes: each tier's
agent loads a copy of it (`SharedHistoryView`), and Agent Framework's `CompactionProvider` cuts the copy down to
the tier's budget (its window minus the answer, the instructions and the new question) with one strategy:

- `"summarize"`: older turns are replaced by a summary (`SummarizationStrategy`) written by the summariser, the
  cloud tier when there is one (offline, the course's service). The summary is stored in the session
  (`state["compaction"]`), so it is persisted with the conversation in every store, and reused: later turns start
  from it and extend it (the summariser is given the previous summary and the turns since), never rewrite it.
- `"sliding_window"`: only the newest `max_history` exchanges are given (`SlidingWindowStrategy`).
- `"truncate"`: the oldest turns that do not fit are left out (`TruncationStrategy`).

Each runs inside a `TokenBudgetComposedStrategy`, whose last resort (leaving out the oldest turns) holds whatever
strategy was chosen to the budget. `outcome()` says, for the exchange record, how many stored messages the tier
received, how many were summarised and how many excluded, and the summary's id.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from agent_framework import (
    CharacterEstimatorTokenizer,
    CompactionProvider,
    InMemoryHistoryProvider,
    Message,
    SlidingWindowStrategy,
    SummarizationStrategy,
    TokenBudgetComposedStrategy,
    TruncationStrategy,
    included_token_count,
)
from agent_framework._compaction import EXCLUDE_REASON_KEY, EXCLUDED_KEY, annotate_token_counts

from modules.hybrid.errors import HybridError

log = logging.getLogger("modules.hybrid")

STRATEGIES = ("summarize", "sliding_window", "truncate")
DEFAULT_STRATEGY = "summarize"
STATE_KEY = "compaction"  # session.state[STATE_KEY]: the stored summary, persisted with the session
SUMMARY_LABEL = "Summary of the earlier conversation: "
SUMMARY_TOKENS = 160  # the cap on a summary's length
SUMMARY_PASSES = 4  # at most this many summariser calls in one turn
KEEP_RECENT_MESSAGES = 8  # what summarising keeps verbatim: the newest four exchanges
# Room kept free for what the budget cannot see exactly: the chat template's own tokens around the prompt.
TEMPLATE_MARGIN_TOKENS = 16


class CompactionError(HybridError, ValueError):
    """A compaction setting that cannot work: an unknown strategy, or a budget with no room for any history."""


class DamagedSummaryWarning(UserWarning):
    """A stored conversation's summary is damaged or missing; the conversation continues from its full history."""


@dataclass(frozen=True)
class TierBudget:
    """A tier's context budget: its window minus the tokens kept for the answer.

    Attributes:
        tier: "local" or "cloud".
        window: The model's context window, in tokens.
        answer_tokens: The tokens kept for each answer.
    """

    tier: str
    window: int
    answer_tokens: int

    @property
    def tokens(self) -> int:
        """What is left for the prompt: instructions, history and the new question."""
        return self.window - self.answer_tokens


class ChatTokenizer:
    """Counts a message as a llama.cpp model is given it: its text inside the model's chat template.

    Agent Framework hands a tokenizer each message serialized as JSON; this one counts the message's text with the
    template's per-message tokens, not the JSON, so the budget matches what llama.cpp tokenises.

    Args:
        llm: A model from `modules.tiers.load_model()`.
    """

    def __init__(self, llm: Any) -> None:
        self.llm = llm
        self._count = lru_cache(maxsize=8192)(self._count_uncached)
        self._overhead = self._prompt_tokens([{"role": "system", "content": "."}])

    def count_tokens(self, text: str) -> int:
        """Tokens of one serialized message (or of plain text, as a summariser's prompt is passed)."""
        role, content = _role_and_text(text)
        return self._count(role, content)

    def _count_uncached(self, role: str, content: str) -> int:
        return max(
            self._prompt_tokens([{"role": "system", "content": "."}, {"role": role, "content": content}])
            - self._overhead,
            1,
        )

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        from modules.tiers import prompt_token_count

        return prompt_token_count(self.llm, messages)


def _role_and_text(serialized: str) -> tuple[str, str]:
    try:
        payload = json.loads(serialized)
    except ValueError:
        return "user", serialized
    if not isinstance(payload, dict):
        return "user", serialized
    texts = [c.get("text", "") for c in payload.get("contents", []) if isinstance(c, dict) and c.get("type") == "text"]
    role = payload.get("role") if payload.get("role") in ("system", "user", "assistant") else "user"
    return role, "".join(texts)


class SharedHistoryView(InMemoryHistoryProvider):
    """The session's shared history as one tier is given it: a copy, started from the stored summary when the whole
    history is over the tier's budget. The shared messages themselves are never changed or annotated.

    Args:
        compaction: The tier's `TierCompaction`, whose budget and tokenizer decide.
    """

    def __init__(self, compaction: TierCompaction) -> None:
        super().__init__()  # source_id "in_memory": the session's shared history, stored by this provider
        self.compaction = compaction

    async def before_run(self, *, agent: Any, session: Any, context: Any, state: dict[str, Any]) -> None:
        shared = list(state.get("messages", []))
        summary = summary_of(session.state.get(STATE_KEY)) if session is not None else None
        context.extend_messages(self, self.compaction.view(shared, summary))


class TierCompaction:
    """One tier's compaction: its budget, tokenizer, chosen strategy and what it did on the last turn.

    Args:
        tier: "local" or "cloud".
        window: The tier's context window, in tokens.
        answer_tokens: The tokens kept for each answer.
        strategy: "summarize", "sliding_window" or "truncate".
        summarizer: The chat client that writes summaries (the cloud tier's), for "summarize".
        tokenizer: How tokens are counted (a `ChatTokenizer` for a llama.cpp model; else about 4 characters each).
        max_history: For "sliding_window", how many recent exchanges are kept.
        summary_input_tokens: How much the summariser reads per call (its window minus its answer); by default
            this tier's budget minus the summary's length.

    Raises:
        CompactionError: an unknown strategy, "summarize" without a summarizer, or no room for the answer.
    """

    def __init__(
        self,
        tier: str,
        *,
        window: int,
        answer_tokens: int,
        strategy: str = DEFAULT_STRATEGY,
        summarizer: Any = None,
        tokenizer: Any = None,
        max_history: int | None = None,
        summary_input_tokens: int | None = None,
    ) -> None:
        if strategy not in STRATEGIES:
            raise CompactionError(f"Compaction strategy {strategy!r} is not one of {', '.join(STRATEGIES)}.")
        if strategy == "summarize" and summarizer is None:
            raise CompactionError("The 'summarize' strategy needs a summarizer: the cloud tier's chat client.")
        if answer_tokens >= window:
            raise CompactionError(
                f"The {tier} tier's window is {window} tokens, which leaves no room once {answer_tokens} are kept for "
                "the answer. Lower max_tokens."
            )
        self.budget = TierBudget(tier, window, answer_tokens)
        self.strategy_name = strategy
        self.tokenizer = tokenizer or CharacterEstimatorTokenizer()
        self.summarizer = _Summarizer(summarizer) if summarizer is not None else None
        self.max_history = max_history
        self.summary_input_tokens = summary_input_tokens or max(self.budget.tokens - SUMMARY_TOKENS, 256)
        self.truncation: TruncationStrategy | None = None
        self.composed = TokenBudgetComposedStrategy(
            token_budget=self.budget.tokens, tokenizer=self.tokenizer, strategies=self._strategy()
        )
        # The sliding window always applies (the guide's `max_history`); the others only when over the budget.
        window = (
            [
                CompactionProvider(
                    before_strategy=SlidingWindowStrategy(keep_last_groups=2 * max_history), source_id="window"
                )
            ]
            if strategy == "sliding_window" and max_history
            else []
        )
        observed = _Observed(self.composed)
        self.providers = [SharedHistoryView(self), *window, CompactionProvider(before_strategy=observed)]
        self._observed = observed
        self._view: list[Message] = []
        self._shared_count = 0
        self._summary_in_view: dict[str, Any] | None = None
        self._summary_message: Message | None = None
        self._used = False  # whether this turn's agent loaded its history through this compaction

    def _strategy(self) -> list[Any]:
        if self.strategy_name == "sliding_window":  # over the budget even so: the oldest turns go (recorded)
            return []
        if self.strategy_name == "truncate":
            budget = self.budget.tokens
            self.truncation = TruncationStrategy(max_n=budget, compact_to=budget, tokenizer=self.tokenizer)
            return [self.truncation]
        summarize = SummarizationStrategy(
            client=self.summarizer,
            target_count=KEEP_RECENT_MESSAGES,
            threshold=0,
            max_summary_input_tokens=self.summary_input_tokens,
            tokenizer=self.tokenizer,
        )
        # Each pass summarises the previous summary with the next-oldest turns (as much as the summariser reads at
        # once): a long backlog, such as a long conversation resumed, takes a few passes; a growing one, one.
        return [summarize] * SUMMARY_PASSES

    # ---- one turn ------------------------------------------------------------------------------------------

    def prepare(self, session: Any, text: str, instructions: str | None) -> None:
        """Set this turn's budget for the history: the tier's budget minus the instructions and the new question.

        Raises:
            ContextWindowExceededError: the question and instructions alone do not fit the tier's window.
        """
        from modules.tiers import ContextWindowExceededError

        fixed = self.tokenizer.count_tokens(_serialized("user", text)) + TEMPLATE_MARGIN_TOKENS
        if instructions:
            fixed += self.tokenizer.count_tokens(_serialized("system", instructions))
        if fixed > self.budget.tokens:
            raise ContextWindowExceededError(
                self.budget.tier,
                window=self.budget.window,
                max_tokens=self.budget.answer_tokens,
                needed=fixed,
                what="the new message with the instructions",
                fix="No history can be left out to make room: shorten the message, or ask the other tier.",
            )
        self.composed.token_budget = self.budget.tokens - fixed
        if self.truncation is not None:
            self.truncation.max_n = self.truncation.compact_to = self.composed.token_budget
        self._view, self._shared_count, self._summary_in_view, self._summary_message = [], 0, None, None
        self._used = False
        self._observed.messages = []

    def view(self, shared: list[Message], summary: dict[str, Any] | None) -> list[Message]:
        """Copies of the shared messages for this tier, from the stored summary on when the whole history is over
        this turn's budget. The copies carry ids `h<index>` so what the tier received maps back to the history."""
        copies = [_copy(message, f"h{index}") for index, message in enumerate(shared)]
        self._shared_count, self._summary_in_view, self._summary_message = len(shared), None, None
        self._used = True
        if summary is not None and summary["covers"] <= len(copies):
            annotate_token_counts(copies, tokenizer=self.tokenizer)
            if included_token_count(copies) > self.composed.token_budget:
                summary_message = Message("assistant", [SUMMARY_LABEL + summary["text"]], message_id=summary["id"])
                copies = [summary_message, *copies[summary["covers"] :]]
                self._summary_in_view, self._summary_message = summary, summary_message
        self._view = copies
        return copies

    def outcome(self, session: Any, received: Sequence[Message]) -> dict[str, Any]:
        """What the tier received, for the exchange record; stores a summary written on this turn.

        Args:
            session: The conversation's session (its `state["compaction"]` holds the stored summary).
            received: The messages the tier's chat client was given (a `SentMessagesRecorder` call).

        Returns:
            `{"strategy", "budget_tokens", "history_messages", "messages_summarised", "messages_excluded",
            "summary_id", "summary_new"}`: counts of the shared history's messages.
        """
        received_ids = {m.message_id for m in received}
        # The list compaction worked on (Agent Framework's copies of the view), with its exclusions and summaries.
        working = self._observed.messages or self._view
        originals = [m for m in working if _index(m) is not None]
        included = sum(1 for m in originals if m.message_id in received_ids)
        summary = next((m for m in received if _is_summary(m)), None)
        summarised, summary_id, new = 0, None, False
        if summary is not None:
            folded = [_index(m) for m in originals if _reason(m) == "summarized"]
            stored = self._summary_in_view
            stored_message = next((m for m in working if stored and m.message_id == stored["id"]), None)
            stored_kept = stored_message is not None and _reason(stored_message) in (None, "summarized")
            summarised = len(folded) + (stored["covers"] if stored_kept else 0)
            if stored is not None and summary.message_id == stored["id"]:
                summary_id = summary.message_id
            else:
                covers = max(folded, default=-1) + 1 or (stored["covers"] if stored_kept else 0)
                summary_id, new = (
                    self._store(session, summary, max(covers, stored["covers"] if stored_kept else 0)),
                    True,
                )
        return {
            "strategy": self.strategy_name,
            "budget_tokens": self.composed.token_budget,
            "history_messages": included,
            "messages_summarised": summarised,
            "messages_excluded": self._shared_count - included - summarised,
            "summary_id": summary_id,
            "summary_new": new,
            "summary_s": round(self.summarizer.last_seconds, 4) if new and self.summarizer else None,
        }

    def _store(self, session: Any, summary: Message, covers: int) -> str:
        text = (summary.text or "").removeprefix(SUMMARY_LABEL)
        stored = {
            "id": f"summary-{uuid.uuid4().hex[:12]}",
            "text": text,
            "covers": covers,
            "model": getattr(self.summarizer, "model", None),
            "written_s": round(self.summarizer.last_seconds, 4) if self.summarizer else None,
            "extends": (self._summary_in_view or {}).get("id"),
            "at": time.time(),
        }
        state = session.state.setdefault(STATE_KEY, {})
        state["summary"] = stored
        state["summaries_written"] = int(state.get("summaries_written", 0)) + 1
        return stored["id"]

    def received(self, session: Any, recorder: Any, response: Any) -> dict[str, Any]:
        """The exchange record's `received` entry: what the tier's model was given, after compaction and fitting.

        Args:
            session: The conversation's session.
            recorder: The `SentMessagesRecorder` the turn ran with.
            response: The agent's response (its usage; the embedded model's `model_input`; the service's report).

        Returns:
            The counts of `outcome()`, plus `messages` (what the chat client was given, the new question and any
            summary included), `tokens` (the prompt as the model tokenised it), `window`, and for the embedded model
            `model_messages` (with the instructions), for the course's service `service_dropped_items`.
        """
        from modules.tiers import MODEL_INPUT_KEY

        given = recorder.messages[-1] if recorder.messages else []
        entry = self.outcome(session, given) if self._used else {"strategy": None}
        usage = getattr(response, "usage_details", None) or {}
        model_input = (getattr(response, "additional_properties", None) or {}).get(MODEL_INPUT_KEY)
        entry |= {"messages": len(given), "tokens": usage.get("input_token_count"), "window": self.budget.window}
        if isinstance(model_input, Mapping):
            entry["tokens"] = model_input.get("prompt_tokens")
            entry["model_messages"] = len(model_input.get("messages", []))
        if (report := _service_report(response)) is not None:
            entry["service_dropped_items"] = report.get("dropped_items")
        return entry


def tier_compactions(
    tiers: Any, *, answer_tokens: int, strategy: str | None = None, max_history: int | None = None
) -> dict[str, TierCompaction]:
    """Both tiers' compaction, each with its window from the settings (see `modules.config.DEFAULT_CONTEXT_TOKENS`).

    Args:
        tiers: The started tiers (`modules.tiers.start_tiers()`): their settings and the cloud client.
        answer_tokens: The tokens kept for each answer.
        strategy: "summarize", "sliding_window" or "truncate"; None: "sliding_window" when `max_history` is given,
            else "summarize".
        max_history: How many recent exchanges the sliding window keeps.

    Returns:
        `{"local": TierCompaction, "cloud": TierCompaction}`.

    Raises:
        CompactionError: an unknown strategy, or a window with no room for the answer.
    """
    chosen = strategy or ("sliding_window" if max_history else DEFAULT_STRATEGY)
    settings = tiers.settings
    tokenizers = {
        "local": _llama_tokenizer(settings.local.gguf_path) if settings.local.backend in ("embedded", "gguf") else None,
        "cloud": _llama_tokenizer(None) if settings.cloud.backend == "local_service" else None,
    }
    windows = {"local": settings.local.window, "cloud": settings.cloud.window}
    return {
        tier: TierCompaction(
            tier,
            window=windows[tier],
            answer_tokens=answer_tokens,
            strategy=chosen,
            summarizer=tiers.cloud_client,
            tokenizer=tokenizers[tier],
            max_history=max_history,
            summary_input_tokens=settings.cloud.window - SUMMARY_TOKENS - TEMPLATE_MARGIN_TOKENS,
        )
        for tier in ("local", "cloud")
    }


@lru_cache(maxsize=4)
def _llama_tokenizer(path: Any) -> ChatTokenizer:
    from modules.tiers import load_model

    return ChatTokenizer(load_model(path))


def _service_report(response: Any) -> Mapping[str, Any] | None:
    """The course service's `input_truncation` report, when the response came from it (not streamed)."""
    raw = getattr(response, "raw_representation", None)
    for _ in range(3):
        extra = getattr(raw, "model_extra", None)
        if isinstance(extra, Mapping) and isinstance(extra.get("input_truncation"), Mapping):
            return extra["input_truncation"]
        raw = getattr(raw, "raw_representation", None)
    return None


class _Observed:
    """The compaction strategy, keeping the list it last compacted (what `outcome()` reads the exclusions from)."""

    def __init__(self, strategy: TokenBudgetComposedStrategy) -> None:
        self.strategy = strategy
        self.tokenizer = strategy.tokenizer  # read by Agent Framework's compaction runner
        self.messages: list[Message] = []

    async def __call__(self, messages: list[Message]) -> bool:
        self.messages = messages
        return await self.strategy(messages)


class _Summarizer:
    """The summariser client as `SummarizationStrategy` calls it: stored nowhere, short, timed."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.model = getattr(client, "model", None)
        self.last_seconds = 0.0
        self.total_seconds = 0.0
        self.calls = 0

    async def get_response(self, messages: Sequence[Message], *, stream: bool = False, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.client.get_response(
                list(messages), options={"store": False, "max_tokens": SUMMARY_TOKENS, "temperature": 0.0}
            )
        finally:
            self.last_seconds = time.perf_counter() - started
            self.total_seconds += self.last_seconds
            self.calls += 1


def summary_of(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The stored summary in a session's compaction state, or None (none written, or damaged: see `check_state`)."""
    summary = (state or {}).get("summary")
    return summary if _valid_summary(summary) else None


def check_state(session: Any, conversation_id: str, exchanges: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """On resume: a damaged or missing summary is reported (a `DamagedSummaryWarning` naming the conversation) and
    dropped, so the conversation continues from its full stored history. Nothing else is touched.

    Args:
        session: The resumed session.
        conversation_id: The conversation's id, for the report.
        exchanges: Its routing metadata: an exchange that was given a summary the session no longer holds (a
            journal written by an older version, for one, kept no summary) means the summary is missing.

    Returns:
        The report, or None when the compaction state is sound.
    """
    state = session.state.get(STATE_KEY)
    messages = session.state.get("in_memory", {}).get("messages", [])
    problem = None
    given = [e["received"].get("summary_id") for e in exchanges if isinstance(e.get("received"), dict)]
    if state is None and any(given):
        state = {"summaries_written": 1}
    if state is None:
        return None
    if not isinstance(state, dict):
        problem = "its compaction state is not an object"
    elif "summary" in state and not _valid_summary(state["summary"]):
        problem = "its stored summary is damaged"
    elif "summary" in state and state["summary"]["covers"] > len(messages):
        problem = f"its stored summary covers {state['summary']['covers']} messages but only {len(messages)} are stored"
    elif state.get("summaries_written") and "summary" not in state:
        problem = "its stored summary is missing"
    if problem is None:
        return None
    report = (
        f"Conversation {conversation_id!r}: {problem}. It continues from its full stored history (nothing is lost); "
        "a new summary is written when the history next outgrows a tier's window."
    )
    warnings.warn(DamagedSummaryWarning(report), stacklevel=3)
    log.warning(report)
    session.state[STATE_KEY] = {"damaged": problem}
    return report


def describe_received(received: Mapping[str, Any] | None) -> str:
    """A record's `received` entry in words: "8 recent messages + summary of 31", "the whole conversation (12
    earlier messages)". The chat page's badge says the same (`modules/chat_app/static/chat.js`, `received`).

    Args:
        received: An exchange record's `received` entry (None for records written before it existed).

    Returns:
        A short phrase for a badge or a table.
    """
    if not received:
        return "the whole conversation (recorded before compaction was measured)"
    if "history_messages" not in received:  # answered by an agent of the caller's own, which compacts nothing
        return f"the whole conversation, not compacted ({received.get('messages', '?')} messages sent)"
    kept, summarised, excluded = (
        received.get("history_messages", 0),
        received.get("messages_summarised", 0),
        received.get("messages_excluded", 0),
    )
    if not summarised and not excluded:
        return f"the whole conversation ({kept} earlier messages)" if kept else "no earlier messages"
    parts = [f"{kept} recent messages"]
    if summarised:
        parts.append(f"summary of {summarised}")
    text = " + ".join(parts)
    return f"{text}; {excluded} left out" if excluded else text


def _copy(message: Message, message_id: str) -> Message:
    return Message(message.role, list(message.contents), author_name=message.author_name, message_id=message_id)


def _serialized(role: str, text: str) -> str:
    return json.dumps({"role": role, "contents": [{"type": "text", "text": text}]})


def _index(message: Message) -> int | None:
    identifier = message.message_id or ""
    return int(identifier[1:]) if identifier.startswith("h") and identifier[1:].isdigit() else None


def _reason(message: Message) -> str | None:
    if not message.additional_properties.get(EXCLUDED_KEY, False):
        return None
    return message.additional_properties.get(EXCLUDE_REASON_KEY) or "excluded"


def _is_summary(message: Message) -> bool:
    return (message.message_id or "").startswith("summary")


def _valid_summary(summary: Any) -> bool:
    return (
        isinstance(summary, dict)
        and isinstance(summary.get("id"), str)
        and isinstance(summary.get("text"), str)
        and bool(summary["text"].strip())
        and isinstance(summary.get("covers"), int)
        and not isinstance(summary.get("covers"), bool)
        and summary["covers"] > 0
    )
