"""Strategies turn a query into a score, P(needs the cloud): hand-written rules, or the learned classifier.

`calibrate_threshold` picks the threshold that sends a chosen share of traffic to the cloud.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from modules.routing.classifier import KIND, LinearTextClassifier, ModelFileError, read_model_json
from modules.routing.errors import RouterInputError, RouterTargetError, RoutingError
from modules.routing.features import FLAGS, QueryAnalysis, rule_features
from modules.routing.modes import CloudBudget, QualityFloor, Target, target_for

MODEL_PATH = Path(__file__).resolve().parent / "router_model.json"
ROUTER_FORMAT = 3  # 2 was a bare classifier (label-trained); 3 adds the router's data around it
ROUTER_KIND = "hybrid-router"
RULE_FEATURES = 3 + len(FLAGS)  # the length of `rule_features(...)`
# The graded probes are short answers, so they cannot show the local model failing at long-form work (a program
# with tests, a plan, a threat model). The shipped router counts such a request (`QueryAnalysis.long_form`) as
# failing at least this often: its training rows carry this floor as their target, and its score is floored at it.
LONG_FORM_FAILURE = 0.9
FLOOR_KINDS = ("long_form", *FLAGS)  # what a floor can be for: long-form work, or a flag of `analyze_query`


def floored(p: float, analysis: QueryAnalysis, floors: Mapping[str, float] | None) -> float:
    """`p` raised to the highest floor among the kinds the query is (`floors`: kind -> least score).

    Args:
        p: The model's score.
        analysis: The query's `analyze_query` result.
        floors: The least score per kind ("long_form" or a flag name), or None.

    Returns:
        The score the router compares with its threshold.
    """
    return max([p, *(f for kind, f in (floors or {}).items() if floor_applies(kind, analysis))])


def floor_applies(kind: str, analysis: QueryAnalysis) -> bool:
    """Whether a floor of `kind` holds for the query. A measured flag's floor is about the task itself, so it skips
    questions about a programming language: "How do I reverse a string in Python?" is not a letter game."""
    return bool(getattr(analysis, kind)) and (kind == "long_form" or not analysis.programming)


class Strategy(Protocol):
    """Anything that scores a query: P(the query needs the cloud tier), between 0 and 1."""

    name: str

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float: ...


class RuleStrategy:
    """Hand-written patterns and the complexity score of `analyze_query`; no training.

    Its scores were written for a line at 0.5, so a router built on it without a mode or target uses that
    fixed threshold (mode "custom"); give `mode=` to resolve one on its measured curve instead."""

    name = "rules"
    default_threshold = 0.5

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return analysis.complexity


class LearnedStrategy:
    """A logistic regression over the query's word and character n-grams plus the rule features.

    The shipped model (`LearnedStrategy.load()`, written by `python -m modules.router train`) scores P(the local
    answer is wrong), learned from graded answers (modules/routing/training.py). Its file also carries the
    cross-fitted scores of the graded queries (`out_of_fold`, for the operating curve), the local model it was
    measured on (`trained_for`) and its default operating point (`default_target`: a mode name or a target).
    The shipped model also carries `floors`, the least score of a kind of query: a long-form request at
    LONG_FORM_FAILURE, since no short graded probe measures long-form work, and every flag the local model
    measurably fails (`training.measured_floors`: letter games, calculations). A model trained in a notebook
    (`LearnedStrategy(train_model(...))`) carries none of these.

    Args:
        model: The trained text classifier.
        out_of_fold: Cross-fitted scores of the graded queries, by query, or None.
        trained_for: The local model the graded answers came from, or None.
        default_target: The operating point to use by default: a mode name or a target, or None.
        floors: The least score per kind of query ("long_form" or a flag of `analyze_query`), or None.

    Raises:
        ModelFileError: The model's rule-feature weights do not match the router's features; retrain it.
    """

    name = "learned"

    def __init__(
        self,
        model: LinearTextClassifier,
        *,
        out_of_fold: Mapping[str, float] | None = None,
        trained_for: Mapping[str, Any] | None = None,
        default_target: Target | str | None = None,
        floors: Mapping[str, float] | None = None,
    ) -> None:
        self.model = model
        self.floors = dict(floors) if floors else None
        self.out_of_fold = dict(out_of_fold) if out_of_fold else None
        self.trained_for = dict(trained_for) if trained_for else None
        self.default_target = default_target
        if len(model.extra_weights) != RULE_FEATURES:
            raise ModelFileError(
                f"the model has {len(model.extra_weights)} rule-feature weights but the router computes "
                f"{RULE_FEATURES}; retrain it: python -m modules.router train"
            )

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> LearnedStrategy:
        """Read a router model file (format 3), checking every field before use.

        Args:
            path: the JSON model file; default the shipped modules/routing/router_model.json.

        Returns:
            The strategy, with the file's cross-fitted scores, model identity and default operating point.

        Raises:
            ModelFileError: the file is missing, damaged, of another format, or its weights do not fit the router.
        """
        path = Path(path)
        if not path.exists():
            raise ModelFileError(f"No trained router model at {path}. Train one with: python -m modules.router train")
        return cls.from_dict(read_model_json(path), str(path))

    def to_dict(self) -> dict:
        """Plain data for the model file; the same strategy always serialises to the same bytes."""
        return {
            "format": ROUTER_FORMAT,
            "kind": ROUTER_KIND,
            "score": "P(local answer wrong)",
            "trained_for": self.trained_for,
            "default_target": _target_to_data(self.default_target),
            "floors": dict(sorted(self.floors.items())) if self.floors else None,
            "out_of_fold": dict(sorted(self.out_of_fold.items())) if self.out_of_fold else None,
            "classifier": self.model.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object, source: str = "model data") -> LearnedStrategy:
        """Check and build a strategy from `to_dict` data; anything malformed raises ModelFileError."""
        fix = "retrain it: python -m modules.router train"

        def bad(what: str) -> ModelFileError:
            return ModelFileError(f"{source} is not a format-{ROUTER_FORMAT} router model ({what}); {fix}")

        if not isinstance(data, dict):
            raise bad("not a JSON object")
        if data.get("kind") == KIND:  # a bare classifier: an older shipped file
            raise bad(f"a bare format-{str(data.get('format'))[:10]} classifier without the router's data")
        if data.get("kind") != ROUTER_KIND or data.get("format") != ROUTER_FORMAT:
            raise bad(f"kind {str(data.get('kind'))[:30]!r}, format {str(data.get('format'))[:10]!r}")
        model = LinearTextClassifier.from_dict(data.get("classifier"), source)
        out_of_fold = data.get("out_of_fold")
        if out_of_fold is not None:
            scores = out_of_fold.values() if isinstance(out_of_fold, dict) else [None]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0.0 <= v <= 1.0 for v in scores):
                raise bad("'out_of_fold' must map queries to scores between 0 and 1")
        trained_for = data.get("trained_for")
        if trained_for is not None and not (
            isinstance(trained_for, dict)
            and isinstance(trained_for.get("name"), str)
            and all(v is None or isinstance(v, str) for v in trained_for.values())
        ):
            raise bad("'trained_for' must name the local model as text")
        floors = data.get("floors")
        if floors is not None and not (
            isinstance(floors, dict)
            and all(
                kind in FLOOR_KINDS and isinstance(f, (int, float)) and not isinstance(f, bool) and 0 <= f <= 1
                for kind, f in floors.items()
            )
        ):
            raise bad(f"'floors' must map kinds of query ({', '.join(FLOOR_KINDS)}) to numbers between 0 and 1")
        try:
            target = _target_from_data(data.get("default_target"))
        except RoutingError as error:
            raise bad(f"'default_target': {error}") from None
        try:
            return cls(model, out_of_fold=out_of_fold, trained_for=trained_for, default_target=target, floors=floors)
        except ModelFileError as error:
            raise ModelFileError(f"{source}: {error}") from None

    def save(self, path: Path | str) -> Path:
        """Write the model file (compact JSON)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return floored(self.model.probability(query, rule_features(analysis)), analysis, self.floors)

    def floor_reason(self, analysis: QueryAnalysis) -> str | None:
        """Why the score was floored, in words, or None when no floor applies to this query."""
        kinds = [(f, kind) for kind, f in (self.floors or {}).items() if floor_applies(kind, analysis)]
        if not kinds:
            return None
        f, kind = max(kinds)
        if kind == "long_form":
            return f"long-form work, which no short graded probe measures: scored at least {f:.2f}"
        return f"the local model got {f:.0%} of such graded queries ({kind}) wrong: scored at least {f:.2f}"


def _target_to_data(target: Target | str | None) -> dict | None:
    if target is None:
        return None
    if isinstance(target, str):
        return {"mode": target}
    if isinstance(target, CloudBudget):
        return {"cloud_budget": target.share}
    return {"quality_floor": target.points_below_all_cloud}


def _target_from_data(data: object) -> Target | str | None:
    if data is None:
        return None
    if not isinstance(data, dict) or len(data) != 1:
        raise RouterTargetError("must be {'mode': name}, {'cloud_budget': share} or {'quality_floor': points}")
    ((key, value),) = data.items()
    if key == "mode":
        if not isinstance(value, str):
            raise RouterTargetError("the mode must be a name")
        target_for(value)  # raises for an unknown mode
        return value
    kinds = {"cloud_budget": CloudBudget, "quality_floor": QualityFloor}
    if key not in kinds or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RouterTargetError(f"unknown target {key[:30]!r} or a value that is not a number")
    return kinds[key](value)


def calibrate_threshold(probabilities: Sequence[float], cloud_share: float) -> float:
    """The threshold that sends `cloud_share` of these queries to the cloud (like RouteLLM's
    --strong-model-pct). Queries with probability >= threshold go to the cloud; it sits halfway
    between the last query sent and the first one kept, so ties are the only source of error."""
    if not 0.0 <= cloud_share <= 1.0:
        raise RouterInputError(f"cloud_share must be between 0 and 1, got {cloud_share!r}")
    p = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    if p.size == 0:
        raise RouterInputError("calibrate_threshold needs at least one probability")
    k = round(cloud_share * p.size)
    if k == 0:
        return float(np.nextafter(p[0], np.inf))  # nothing reaches it
    if k == p.size:
        return float(p[-1])
    return float((p[k - 1] + p[k]) / 2)
