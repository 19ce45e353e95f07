"""Evaluate routers the way RouteLLM does, with quality measured against labels.

Label-based quality. Every query in data/ carries a label saying which tier it needs.
The quality of answering query q on a tier is

    quality(q, tier) = 1  if label(q) == "local"   (the small model is good enough; the cloud is too)
                       1  if label(q) == "cloud" and tier == "cloud"
                       0  if label(q) == "cloud" and tier == "local"

So this measures whether the router sends the right queries to the cloud, not how good
any model's answer is.

Performance gap recovered (RouteLLM's PGR) of a routing:

    PGR = (quality(router) - quality(all local)) / (quality(all cloud) - quality(all local))

With label-based quality that is the share of cloud-labelled queries that reached the
cloud (the cloud recall). Routing the k highest-scored queries to the cloud for every k
traces the quality curve: x = share of cloud calls, y = PGR. Random routing gives the
diagonal y = x in expectation.

CPT(p) ("call-performance threshold") is the smallest share of cloud calls whose PGR
reaches p. APGR is the area under the curve, between 0 and 1: 0.5 for random routing,
1 - (cloud-labelled share) / 2 for a perfect router. RouteLLM approximates the same
integral by averaging PGR at ten cloud-call percentages; here it is computed exactly.

All functions are pure: labels are the strings "local"/"cloud", scores are P(cloud).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from modules.pricing import PRICING_CSV, TierPrice, load_pricing  # noqa: F401 - re-exported for lab 05
from modules.routing.router import TARGETS

# Token counts assumed per query for the cost estimate: a short system prompt plus the
# user's message in, a medium-length answer out. Change them to match your traffic.
INPUT_TOKENS_PER_QUERY = 150
OUTPUT_TOKENS_PER_QUERY = 350


def _is_cloud(labels: Sequence[str]) -> np.ndarray:
    values = np.asarray(labels, dtype=object)
    unknown = set(values.tolist()) - set(TARGETS)
    if unknown:
        raise ValueError(f"labels must be 'local' or 'cloud'; found {sorted(map(str, unknown))}")
    return values == "cloud"


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str]) -> np.ndarray:
    """2x2 counts: rows = label (local, cloud), columns = routed to (local, cloud)."""
    t, p = _is_cloud(y_true), _is_cloud(y_pred)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} labels but y_pred has {p.size}")
    return np.array([[np.sum(~t & ~p), np.sum(~t & p)], [np.sum(t & ~p), np.sum(t & p)]])


@dataclass(frozen=True)
class RoutingMetrics:
    accuracy: float
    cloud_precision: float  # of the queries sent to the cloud, the share that needed it (nan if none sent)
    cloud_recall: float  # of the queries that needed the cloud, the share that got there (= PGR)
    cloud_share: float  # share of all queries sent to the cloud
    confusion: np.ndarray


def routing_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> RoutingMetrics:
    m = confusion_matrix(y_true, y_pred)
    (tn, fp), (fn, tp) = m
    n = m.sum()
    return RoutingMetrics(
        accuracy=float((tp + tn) / n),
        cloud_precision=float(tp / (tp + fp)) if tp + fp else float("nan"),
        cloud_recall=float(tp / (tp + fn)) if tp + fn else float("nan"),
        cloud_share=float((tp + fp) / n),
        confusion=m,
    )


def mean_quality(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Average label-based quality of a routing (see the module docstring)."""
    t, p = _is_cloud(y_true), _is_cloud(y_pred)
    return float(np.mean(~t | p))


def performance_gap_recovered(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """RouteLLM's PGR of one routing, from label-based quality."""
    t = _is_cloud(y_true)
    if not t.any():
        raise ValueError("PGR is undefined when no query needs the cloud")
    all_local, all_cloud = float(np.mean(~t)), 1.0
    return (mean_quality(y_true, y_pred) - all_local) / (all_cloud - all_local)


def quality_curve(y_true: Sequence[str], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """(cloud share, PGR) points from routing the highest-scored queries to the cloud first.

    Queries with equal scores are one step: the straight line across a step is the expected
    PGR when ties are broken at random. Starts at (0, 0) and ends at (1, 1)."""
    t = _is_cloud(y_true)
    s = np.asarray(scores, dtype=float)
    if s.shape != t.shape or not t.any():
        raise ValueError("need one score per label and at least one cloud-labelled query")
    order = np.argsort(-s, kind="stable")
    s, t = s[order], t[order]
    step_ends = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    hits = np.cumsum(t)[step_ends]
    x = np.r_[0.0, (step_ends + 1) / s.size]
    y = np.r_[0.0, hits / t.sum()]
    return x, y


def random_curve() -> tuple[np.ndarray, np.ndarray]:
    """Random routing: sending a share c of queries to the cloud recovers c of the gap on average."""
    return np.array([0.0, 1.0]), np.array([0.0, 1.0])


def cpt(x: Sequence[float], y: Sequence[float], pgr: float) -> float:
    """Call-performance threshold: the smallest cloud share at which the curve reaches `pgr`."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not 0.0 <= pgr <= 1.0:
        raise ValueError(f"pgr must be between 0 and 1, got {pgr!r}")
    i = int(np.argmax(y >= pgr))  # first point at or above the target (y ends at 1)
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
    return float(x0 + (x1 - x0) * (pgr - y0) / (y1 - y0))


def apgr(x: Sequence[float], y: Sequence[float]) -> float:
    """Average performance gap recovered: the area under the quality curve (random routing = 0.5)."""
    return float(np.trapezoid(np.asarray(y, dtype=float), np.asarray(x, dtype=float)))


def cost_per_1000_queries(
    cloud_share: float,
    pricing: dict[str, TierPrice],
    *,
    input_tokens: int = INPUT_TOKENS_PER_QUERY,
    output_tokens: int = OUTPUT_TOKENS_PER_QUERY,
) -> float:
    """Estimated USD for 1,000 queries when `cloud_share` of them go to the cloud tier."""

    def per_query(tier: str) -> float:
        return pricing[tier].cost(input_tokens, output_tokens)

    return 1000 * (cloud_share * per_query("cloud") + (1 - cloud_share) * per_query("local"))
