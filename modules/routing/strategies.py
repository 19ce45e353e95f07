"""Strategies turn a query into P(needs the cloud): hand-written rules, or the learned classifier.

`calibrate_threshold` picks the threshold that sends a chosen share of traffic to the cloud.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from modules.routing.classifier import LinearTextClassifier
from modules.routing.features import QueryAnalysis, rule_features

MODEL_PATH = Path(__file__).resolve().parent / "router_model.json"


class Strategy(Protocol):
    """Anything that scores a query: P(the query needs the cloud tier), between 0 and 1."""

    name: str

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float: ...


class RuleStrategy:
    """Hand-written patterns and the complexity score of `analyze_query`; no training."""

    name = "rules"

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return analysis.complexity


class LearnedStrategy:
    """A logistic regression over the query's word and character n-grams plus the rule features,
    trained on data/routing_queries.csv with labels from the capability profile's policy."""

    name = "learned"

    def __init__(self, model: LinearTextClassifier) -> None:
        self.model = model

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> LearnedStrategy:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"No trained router model at {path}. Train one with: python -m modules.router train"
            )
        return cls(LinearTextClassifier.load(path))

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return self.model.probability(query, rule_features(analysis))


def calibrate_threshold(probabilities: Sequence[float], cloud_share: float) -> float:
    """The threshold that sends `cloud_share` of these queries to the cloud (like RouteLLM's
    --strong-model-pct). Queries with probability >= threshold go to the cloud; it sits halfway
    between the last query sent and the first one kept, so ties are the only source of error."""
    if not 0.0 <= cloud_share <= 1.0:
        raise ValueError(f"cloud_share must be between 0 and 1, got {cloud_share!r}")
    p = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    if p.size == 0:
        raise ValueError("calibrate_threshold needs at least one probability")
    k = round(cloud_share * p.size)
    if k == 0:
        return float(np.nextafter(p[0], np.inf))  # nothing reaches it
    if k == p.size:
        return float(p[-1])
    return float((p[k - 1] + p[k]) / 2)
