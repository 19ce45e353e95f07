"""The query router: decide per query whether the small local model or the cloud model answers.

    router = HybridRouter()                       # the shipped model in mode "balanced"
    router = HybridRouter(mode="cost")            # or "quality"; or target=CloudBudget(0.3) / QualityFloor(5)
    decision = router.route("Compare Kafka and RabbitMQ for order events")
    decision.target, decision.mode, decision.reasons

A strategy (modules/routing/strategies.py) scores each query: the shipped one, P(the local answer is wrong).
The operating point is a stated choice: a mode (modules/routing/modes.py) or a custom target, resolved at
construction into a threshold on the measured operating curve (modules/routing/curve.py) of the capability
profile; `threshold=` overrides it. The router explains itself, keeps a follow-up that depends on the previous
answer with the tier that gave it (modules/routing/followups.py), and `route_and_answer`
(modules/routing/fallback.py) falls back to the other tier when the chosen one fails or times out.

When the model file was measured on another local model than the one configured (modules.config), the router
warns once and names the commands that fix it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from modules.config import TIERS
from modules.routing.curve import router_curve
from modules.routing.errors import RouterInputError, RouterTargetError
from modules.routing.features import analyze_query
from modules.routing.followups import detect_follow_up
from modules.routing.modes import DEFAULT_MODE, CloudBudget, QualityFloor, Target, resolve, target_for
from modules.routing.profile import PROFILE_JSON, load_profile
from modules.routing.strategies import LearnedStrategy, Strategy
from modules.routing.tool_floor import ToolFloor

__all__ = [
    "HybridRouter",
    "RoutingDecision",
    "RoutingContext",
]

CUSTOM = "custom"  # the mode of a router built with a target or an explicit threshold


@dataclass(frozen=True)
class RoutingDecision:
    """Where a query goes and why. `confidence` is how far the score sits from the threshold:
    0.5 = on the line, 1.0 = as far from it as the score can be. `mode` is the operating point's name
    ("quality", "balanced", "cost", or "custom" for a target or an explicit threshold).

    Attributes:
        target: "local" or "cloud".
        confidence: How far the score sits from the threshold, 0.5 to 1.0 (None when nothing was scored).
        reasons: Why, in words (the mode and its target among them).
        strategy: The strategy that scored the query ("rules", "learned", ...).
        cloud_probability: The score: how likely the local answer is to be wrong (None: nothing was scored, as when
            the cascade's local tier failed before it answered).
        threshold: Scores at or above it go to the cloud.
        decision_seconds: How long routing took.
        fell_back: The chosen tier failed and the other one answered.
        failed_target: The tier that failed, when `fell_back`.
        error: Its error, when `fell_back`.
        follow_up: The query depends on the previous answer, so it stayed with that answer's tier.
        mode: The operating point's name.
        escalated: The cascade's local answer was judged unsure and the cloud was asked instead.
    """

    target: str
    confidence: float | None
    reasons: list[str]
    strategy: str
    cloud_probability: float | None
    threshold: float
    decision_seconds: float
    fell_back: bool = False
    failed_target: str | None = None
    error: str | None = None
    follow_up: bool = False  # the query depends on the previous answer (see modules/routing/followups.py)
    mode: str = DEFAULT_MODE
    escalated: bool = False  # the cascade (modules/routing/cascade.py) handed the question to the cloud


@dataclass(frozen=True)
class RoutingContext:
    """What the router may know about the conversation so far: the tier that actually answered
    the previous turn (after any fallback), so that a follow-up depending on that answer can stay with it; and
    whether this turn's agent has tools, so that the tool floor applies (modules/routing/tool_floor.py).

    Args:
        previous_target: "local", "cloud", or None before the first turn.
        has_tools: The turn's agent may call tools (tools offered, `tool_choice` not "none").

    Raises:
        RouterInputError: (a ValueError) `previous_target` is none of those, or `has_tools` is not a bool.
    """

    previous_target: str | None = None
    has_tools: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.has_tools, bool):
            raise RouterInputError(
                f"has_tools must be True or False, not {self.has_tools!r}: True when the turn's agent may call tools."
            )
        if self.previous_target not in (*TIERS, None):
            raise RouterInputError(
                f"previous_target must be 'local', 'cloud' or None, not {self.previous_target!r}: pass the tier that "
                "answered the previous turn (RoutedAnswer.tier), or None before the first turn."
            )


_warned: set[tuple[str, str]] = set()


class HybridRouter:
    """Route each query to 'local' or 'cloud' at a stated operating point.

    Args:
        strategy: what scores a query (default: the shipped model, `LearnedStrategy.load()`).
        threshold: an explicit threshold (mode "custom"); overrides `mode` and `target`.
        mode: "quality", "balanced" or "cost" (modules/routing/modes.py). Default: the model file's default
            operating point, "balanced" for the shipped model (a strategy with a `default_threshold`, such as
            the rules, uses that instead).
        target: a custom `CloudBudget(share)` or `QualityFloor(points_below_all_cloud)` instead of a mode.
        profile: the capability profile (a dict from `load_profile`, or a path) whose graded answers give the
            operating curve; default data/capability_profile.json.
        sticky_follow_ups: keep a follow-up with the tier that gave the previous answer.

    Attributes:
        mode, target, threshold: the operating point (target is None with an explicit threshold).
        curve: the operating curve the target was resolved on (None with an explicit threshold).

    Raises:
        RouterTargetError: an unknown mode, both a mode and a target, or a target out of range.
    """

    def __init__(
        self,
        strategy: Strategy | None = None,
        threshold: float | None = None,
        *,
        mode: str | None = None,
        target: Target | None = None,
        profile=None,
        sticky_follow_ups: bool = True,
    ) -> None:
        self.strategy = strategy if strategy is not None else LearnedStrategy.load()
        self.sticky_follow_ups = sticky_follow_ups
        if mode is not None and target is not None:
            raise RouterTargetError("give either mode= or target=, not both (a mode is a named target)")
        if target is not None and not isinstance(target, (CloudBudget, QualityFloor)):
            raise RouterTargetError(
                f"target must be CloudBudget(share) or QualityFloor(points_below_all_cloud), not {target!r}"
            )
        self.curve = None
        if threshold is None and mode is None and target is None:
            threshold = getattr(self.strategy, "default_threshold", None)  # e.g. the rules' hand-set line
        if threshold is not None:
            if not isinstance(threshold, (int, float)) or not 0.0 <= float(threshold) <= 1.0:
                raise RouterTargetError(f"threshold must be a number between 0 and 1, got {threshold!r}")
            self.mode, self.target, self.threshold = CUSTOM, None, float(threshold)
        else:
            if target is None:
                default = getattr(self.strategy, "default_target", None) if mode is None else None
                if isinstance(default, (CloudBudget, QualityFloor)):
                    target, mode = default, None
                else:
                    mode = mode or default or DEFAULT_MODE
                    target = target_for(mode)
            self.mode = mode if mode is not None else CUSTOM
            self.target = target
            self.curve = self._curve(profile)
            self.threshold = resolve(target, self.curve)
        self.tool_floor = ToolFloor(self.mode, profile)  # for turns whose agent has tools
        self._check_local_model()

    def _curve(self, profile):
        if profile is None or not isinstance(profile, Mapping):
            profile = load_profile(PROFILE_JSON if profile is None else profile)
        return router_curve(self.strategy, profile)

    def _check_local_model(self) -> None:
        """Warn once when the model was measured on another local model than the configured one."""
        trained_for = getattr(self.strategy, "trained_for", None)
        if not trained_for:
            return
        try:
            from modules.config import load_settings

            settings = load_settings()
        except Exception:  # noqa: BLE001 - a broken .env is reported by the tiers, not by every routing decision
            return
        configured = _configured_model_name(settings)
        measured = str(trained_for.get("name"))
        if configured == measured or (configured, measured) in _warned:
            return
        _warned.add((configured, measured))
        warnings.warn(  # a UserWarning; silence it with warnings.filterwarnings("ignore", "The router was measured")
            UserWarning(
                f"The router was measured on the local model {measured}, but the configured local tier is "
                f"{configured} ({settings.local.backend}). Its routing follows what {measured} gets right. "
                "Measure your model and retrain: python -m modules.router profile --sample 80 "
                "&& python -m modules.router train"
            ),
            stacklevel=3,
        )

    @property
    def name(self) -> str:
        return self.strategy.name

    def describe_operating_point(self) -> str:
        """In words, e.g. "mode balanced: quality within 15 points of all-cloud -> threshold 0.48"."""
        if self.target is None:
            return f"mode {self.mode}: fixed threshold {self.threshold:.3f}"
        return f"mode {self.mode}: {self.target.describe()} -> threshold {self.threshold:.3f}"

    def cloud_probabilities(self, queries: Sequence[str]) -> np.ndarray:
        """P(cloud) for many queries, e.g. to evaluate the router or to calibrate a threshold."""
        return np.array([self.strategy.cloud_probability(q, analyze_query(q)) for q in queries])

    def route(self, query: str, context: RoutingContext | None = None) -> RoutingDecision:
        """Decide one query. A follow-up that depends on the previous answer ("why?", "and the second
        one?") stays with the tier that gave that answer, unless it was local and the follow-up asks for
        a cloud-leaning task; a new, self-contained question is decided on its own merits.

        The reasons list what the query looks like (findings that agree with the decision; a finding that
        points the other way is marked "despite"), then the operating point and the score against it."""
        started = time.perf_counter()
        analysis = analyze_query(query)
        p = self.strategy.cloud_probability(query, analysis)
        target = "cloud" if p >= self.threshold else "local"
        previous = context.previous_target if context else None
        # Only a confident cue ("why?", "the second one", "make it shorter") overrides the score; a pronoun
        # ("what does that do?") is reported, and the query is decided on its own score.
        cue = detect_follow_up(query) if analysis.follow_up or previous is not None else None
        follow_up = self.sticky_follow_ups and analysis.follow_up
        lead: str | None = None
        if follow_up and previous == "cloud":
            lead = f"depends on the previous answer (confident: {cue.cue}), which the cloud gave: stays " + (
                "there" if target == "cloud" else "on the cloud"
            )
            target = "cloud"
        elif follow_up and previous == "local":
            # "tell me more" says nothing about difficulty, so its own score is no evidence; a cloud-leaning
            # intent ("now write the full implementation with tests") is, and escalates.
            if analysis.intents:
                target = "cloud"
                lead = (
                    f"depends on a local answer (confident: {cue.cue}), but asks for more than the local tier: "
                    "escalates"
                )
            else:
                target = "local"
                lead = f"depends on the previous answer (confident: {cue.cue}), which the local tier gave: stays there"
        elif follow_up:
            lead = "looks like a follow-up, but no previous turn is known: decided on its own"
        elif previous is not None and cue is not None:
            lead = (
                f"a new, self-contained question as far as the detector can tell ({cue.cue}, not confident): "
                "decided on its own score"
            )
        elif previous is not None:
            lead = "a new, self-contained question: decided on its own, whoever answered before"
        reasons = ([lead] if lead else []) + _findings(analysis, target)
        floored_because = self.strategy.floor_reason(analysis) if hasattr(self.strategy, "floor_reason") else None
        if floored_because:
            reasons.append(floored_because)
        reasons += [
            self.describe_operating_point(),
            f"{self.name} score P(cloud) = {p:.3f} {'>=' if p >= self.threshold else '<'} threshold "
            f"{self.threshold:.3f}",
        ]
        decision = RoutingDecision(
            target=target,
            confidence=_confidence(p, self.threshold, target),
            reasons=reasons,
            strategy=self.name,
            cloud_probability=p,
            threshold=self.threshold,
            decision_seconds=time.perf_counter() - started,
            follow_up=analysis.follow_up,
            mode=self.mode,
        )
        return self.tool_floor.apply(decision) if context is not None and context.has_tools else decision


# Findings that point to the local tier. Calculations and letter games are not among them: the graded answers show
# the small model failing them (the measured floors).
_LOCAL_LEANING = (
    "greeting or small talk",
    "thanks or a reaction",
    "a one-line",
    "a short direct question",
    "short query",
)


def _findings(analysis, target: str) -> list[str]:
    """The analysis's findings, those pointing to the chosen tier first; the others marked "despite"."""
    found = analysis.reasons()
    leans_local = [f for f in found if f.startswith(_LOCAL_LEANING)]
    leans_cloud = [f for f in found if f not in leans_local]
    agree, disagree = (leans_cloud, leans_local) if target == "cloud" else (leans_local, leans_cloud)
    return agree + [f"despite: {f}" for f in disagree]


def _configured_model_name(settings) -> str:
    local = settings.local
    if local.backend == "gguf" and getattr(local, "gguf_path", None):
        from modules.tiers import MODEL_NAME, default_model_path

        try:
            if default_model_path().resolve() == local.gguf_path.resolve():
                return MODEL_NAME  # the shipped SmolLM2 weights, named by path
        except FileNotFoundError:
            pass
    return str(local.model)


def _confidence(p: float, threshold: float, target: str) -> float:
    if target == "cloud":
        margin = (p - threshold) / (1 - threshold) if threshold < 1 else 0.0
    else:
        margin = (threshold - p) / threshold if threshold > 0 else 0.0
    return round(0.5 + 0.5 * min(max(margin, 0.0), 1.0), 3)
