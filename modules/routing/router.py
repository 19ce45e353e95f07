"""The query router: decide per query whether the small local model or the cloud model answers.

    router = HybridRouter()                       # the shipped learned model, threshold 0.5
    decision = router.route("Compare Kafka and RabbitMQ for order events")
    decision.target, decision.reasons             # 'cloud', ['asks for analysis, ...', ...]

A strategy (modules/routing/strategies.py) turns a query into P(needs cloud). The router compares it
with a threshold, explains itself, keeps a follow-up that depends on the previous answer with the tier
that gave it (modules/routing/followups.py), and `route_and_answer` falls back to the other tier when
the chosen one fails or times out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from modules.routing.errors import RoutingError
from modules.routing.features import analyze_query
from modules.routing.strategies import LearnedStrategy, Strategy

TARGETS = ("local", "cloud")
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class RoutingDecision:
    """Where a query goes and why. `confidence` is how far the score sits from the threshold:
    0.5 = on the line, 1.0 = as far from it as the score can be."""

    target: str
    confidence: float
    reasons: list[str]
    strategy: str
    cloud_probability: float
    threshold: float
    decision_seconds: float
    fell_back: bool = False
    failed_target: str | None = None
    error: str | None = None
    follow_up: bool = False  # the query depends on the previous answer (see modules/routing/followups.py)


@dataclass(frozen=True)
class RoutingContext:
    """What the router may know about the conversation so far: the tier that actually answered
    the previous turn (after any fallback), so that a follow-up depending on that answer can stay with it."""

    previous_target: str | None = None

    def __post_init__(self) -> None:
        if self.previous_target not in (*TARGETS, None):
            raise ValueError(f"previous_target must be 'local', 'cloud' or None, not {self.previous_target!r}")


class HybridRouter:
    """Route each query to 'local' or 'cloud'. With no arguments: the shipped learned model at threshold 0.5."""

    def __init__(
        self, strategy: Strategy | None = None, threshold: float = DEFAULT_THRESHOLD, *, sticky_follow_ups: bool = True
    ) -> None:
        self.strategy = strategy if strategy is not None else LearnedStrategy.load()
        self.threshold = threshold
        self.sticky_follow_ups = sticky_follow_ups

    @property
    def name(self) -> str:
        return self.strategy.name

    def cloud_probabilities(self, queries: Sequence[str]) -> np.ndarray:
        """P(cloud) for many queries, e.g. to evaluate the router or to calibrate a threshold."""
        return np.array([self.strategy.cloud_probability(q, analyze_query(q)) for q in queries])

    def route(self, query: str, context: RoutingContext | None = None) -> RoutingDecision:
        """Decide one query. A follow-up that depends on the previous answer ("why?", "and the second
        one?") stays with the tier that gave that answer, unless it was local and the follow-up asks for
        a cloud-leaning task; a new, self-contained question is decided on its own merits."""
        started = time.perf_counter()
        analysis = analyze_query(query)
        p = self.strategy.cloud_probability(query, analysis)
        target = "cloud" if p >= self.threshold else "local"
        reasons = analysis.reasons() + [
            f"{self.name} score P(cloud) = {p:.3f} {'>=' if target == 'cloud' else '<'} threshold {self.threshold:.3f}"
        ]
        previous = context.previous_target if context else None
        follow_up = self.sticky_follow_ups and analysis.follow_up
        if follow_up and previous == "cloud":
            if target != "cloud":
                target = "cloud"
                reasons.insert(0, "depends on the previous answer, which the cloud gave: stays on the cloud")
            else:
                reasons.insert(0, "depends on the previous answer, which the cloud gave: stays there")
        elif follow_up and previous == "local":
            # "tell me more" says nothing about difficulty, so its own score is no evidence; a cloud-leaning
            # intent ("now write the full implementation with tests") is, and escalates.
            if analysis.intents:
                target = "cloud"
                reasons.insert(0, "depends on a local answer, but asks for more than the local tier: escalates")
            else:
                target = "local"
                reasons.insert(0, "depends on the previous answer, which the local tier gave: stays there")
        elif follow_up:
            reasons.insert(0, "looks like a follow-up, but no previous turn is known: decided on its own")
        elif previous is not None:
            reasons.insert(0, "a new, self-contained question: decided on its own, whoever answered before")
        return RoutingDecision(
            target=target,
            confidence=_confidence(p, self.threshold, target),
            reasons=reasons,
            strategy=self.name,
            cloud_probability=p,
            threshold=self.threshold,
            decision_seconds=time.perf_counter() - started,
            follow_up=analysis.follow_up,
        )


def _confidence(p: float, threshold: float, target: str) -> float:
    if target == "cloud":
        margin = (p - threshold) / (1 - threshold) if threshold < 1 else 0.0
    else:
        margin = (threshold - p) / threshold if threshold > 0 else 0.0
    return round(0.5 + 0.5 * min(max(margin, 0.0), 1.0), 3)


# --------------------------------------------------------------------------- answering with fallback

Answerer = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class RoutedAnswer:
    text: str
    decision: RoutingDecision
    tier: str  # the tier that actually answered
    answer_seconds: float


class AllTiersFailedError(RoutingError, RuntimeError):
    """Both the chosen tier and the fallback failed; the message names both errors."""


async def route_and_answer(
    router: HybridRouter,
    query: str,
    answerers: Mapping[str, Answerer],
    *,
    timeout_s: float,
    context: RoutingContext | None = None,
) -> RoutedAnswer:
    """Route `query`, ask the chosen tier, and if it raises or exceeds `timeout_s`, ask the other tier.
    The returned decision records the fallback: fell_back=True, the failed tier and its error."""
    missing = set(TARGETS) - set(answerers)
    if missing:
        raise ValueError(f"answerers needs one async callable per tier; missing: {sorted(missing)}")
    decision = router.route(query, context)
    order = [decision.target, _other(decision.target)]
    started = time.perf_counter()
    try:
        text = await asyncio.wait_for(answerers[order[0]](query), timeout_s)
        return RoutedAnswer(text, decision, order[0], time.perf_counter() - started)
    except Exception as first:  # noqa: BLE001 - any failure of the chosen tier triggers the fallback
        error = f"{type(first).__name__}: {first}" if str(first) else type(first).__name__
        if isinstance(first, (TimeoutError, asyncio.TimeoutError)):  # distinct classes on Python 3.10
            error = f"TimeoutError: no answer within {timeout_s:g} s"
    decision = replace(
        decision,
        fell_back=True,
        failed_target=order[0],
        error=error,
        reasons=[*decision.reasons, f"{order[0]} tier failed ({error}): {order[1]} tier answered instead"],
    )
    try:
        text = await asyncio.wait_for(answerers[order[1]](query), timeout_s)
    except Exception as second:  # noqa: BLE001
        raise AllTiersFailedError(
            f"{order[0]} tier: {error}; {order[1]} tier: {type(second).__name__}: {second}"
        ) from second
    return RoutedAnswer(text, decision, order[1], time.perf_counter() - started)


def _other(target: str) -> str:
    return "local" if target == "cloud" else "cloud"
