"""Evaluate routers the way RouteLLM does: quality recovered against the share of cloud calls.

Quality of answering query q on a tier, 0 or 1, comes from one of two sources (the lab says which):

* **graded answers** (data/graded_queries.csv, `python -m modules.router profile`): quality(q, local) is
  whether the local model's answer passed its automatic grader. quality(q, cloud) is the cloud's graded
  answer when the profile measured a real cloud endpoint, and otherwise 1, an assumption stated wherever
  it is used: the offline "cloud" runs the same small model, so it cannot stand in for a cloud model.
* **labels**, only where no reference answer can exist (an essay, a plan): quality(q, local) = 1 if the
  policy labels q local, else 0; quality(q, cloud) = 1.

Performance gap recovered (RouteLLM's PGR) of a routing:

    PGR = (quality(router) - quality(all local)) / (quality(all cloud) - quality(all local))

Routing the k highest-scored queries to the cloud for every k traces the curve x = share of cloud
calls, y = PGR. Random routing gives the diagonal y = x in expectation; a perfect router sends the
queries the local tier gets wrong first. CPT(p) is the smallest share of cloud calls whose PGR reaches
p; APGR is the area under the curve (random 0.5). With label-based quality PGR equals the cloud recall.

All functions are pure: labels are the strings "local"/"cloud", scores are P(cloud), qualities 0..1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from modules.config import TIERS
from modules.pricing import TierPrice, estimate_cost, load_pricing  # noqa: F401 - load_pricing for lab 05
from modules.routing.errors import RouterInputError

# Token counts assumed per query for the cost estimate: a short system prompt plus the
# user's message in, a medium-length answer out. Change them to match your traffic.
INPUT_TOKENS_PER_QUERY = 150
OUTPUT_TOKENS_PER_QUERY = 350


def _is_cloud(labels: Sequence[str]) -> np.ndarray:
    values = np.asarray(labels, dtype=object)
    unknown = set(values.tolist()) - set(TIERS)
    if unknown:
        raise RouterInputError(f"labels must be 'local' or 'cloud'; found {sorted(map(str, unknown))}")
    return values == "cloud"


def confusion_matrix(y_true: Sequence[str], y_pred: Sequence[str]) -> np.ndarray:
    """2x2 counts: rows = label (local, cloud), columns = routed to (local, cloud)."""
    t, p = _is_cloud(y_true), _is_cloud(y_pred)
    if t.shape != p.shape:
        raise RouterInputError(f"y_true has {t.size} labels but y_pred has {p.size}")
    return np.array([[np.sum(~t & ~p), np.sum(~t & p)], [np.sum(t & ~p), np.sum(t & p)]])


@dataclass(frozen=True)
class RoutingMetrics:
    accuracy: float
    cloud_precision: float  # of the queries sent to the cloud, the share that needed it (nan if none sent)
    cloud_recall: float  # of the queries that needed the cloud, the share that got there (= PGR)
    cloud_share: float  # share of all queries sent to the cloud
    confusion: np.ndarray


def routing_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> RoutingMetrics:
    """Accuracy, cloud precision and recall, and cloud share of one routing against its labels.

    Args:
        y_true: The labels, 'local' or 'cloud' per query.
        y_pred: Where the router sent each query.
    """
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


def label_quality(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(quality on local, quality on cloud) per query from labels: local-labelled queries are fine anywhere."""
    cloud = _is_cloud(labels)
    return (~cloud).astype(float), np.ones(cloud.size)


def graded_quality(local_correct: Sequence[bool], cloud_correct: Sequence[bool] | None = None):
    """(quality on local, quality on cloud) per query from graded answers; a cloud not measured counts as 1.

    Args:
        local_correct: Per query, whether the local answer passed its grader.
        cloud_correct: Per query, the cloud's grade; None counts the cloud as correct.
    """
    local = np.asarray(local_correct, dtype=float)
    cloud = np.ones(local.size) if cloud_correct is None else np.asarray(cloud_correct, dtype=float)
    if cloud.shape != local.shape:
        raise RouterInputError(f"{local.size} local grades but {cloud.size} cloud grades")
    return local, cloud


def routed_quality(routes: Sequence[str], local_quality, cloud_quality) -> float:
    """Average quality of a routing, each query scored on the tier it was sent to."""
    cloud = _is_cloud(routes)
    return float(np.mean(np.where(cloud, np.asarray(cloud_quality, float), np.asarray(local_quality, float))))


def mean_quality(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """Average label-based quality of a routing (see the module docstring)."""
    return routed_quality(y_pred, *label_quality(y_true))


def pgr(routes: Sequence[str], local_quality, cloud_quality) -> float:
    """RouteLLM's performance gap recovered by one routing."""
    all_local, all_cloud = float(np.mean(local_quality)), float(np.mean(cloud_quality))
    if all_cloud <= all_local:
        raise RouterInputError(
            "PGR is undefined when the cloud tier is not better than the local tier on these queries"
        )
    return (routed_quality(routes, local_quality, cloud_quality) - all_local) / (all_cloud - all_local)


def performance_gap_recovered(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """RouteLLM's PGR of one routing, from label-based quality."""
    if not _is_cloud(y_true).any():
        raise RouterInputError("PGR is undefined when no query needs the cloud")
    return pgr(y_pred, *label_quality(y_true))


def pgr_curve(scores: Sequence[float], local_quality, cloud_quality) -> tuple[np.ndarray, np.ndarray]:
    """(cloud share, PGR) points from routing the highest-scored queries to the cloud first.

    Queries with equal scores are one step: the straight line across a step is the expected PGR when
    ties are broken at random. Starts at (0, 0) and ends at (1, 1).

    Args:
        scores: Per query, how likely the local answer is wrong.
        local_quality: Per query, the local tier's quality (0..1).
        cloud_quality: Per query, the cloud tier's quality (0..1).
    """
    s = np.asarray(scores, dtype=float)
    gain = np.asarray(cloud_quality, float) - np.asarray(local_quality, float)
    if s.shape != gain.shape:
        raise RouterInputError(f"need one score per query: {s.size} scores, {gain.size} qualities")
    if gain.sum() <= 0:
        raise RouterInputError("the cloud tier must be better than the local tier on these queries for a PGR curve")
    order = np.argsort(-s, kind="stable")
    s, gain = s[order], gain[order]
    step_ends = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    x = np.r_[0.0, (step_ends + 1) / s.size]
    y = np.r_[0.0, np.cumsum(gain)[step_ends] / gain.sum()]
    return x, y


def quality_curve(y_true: Sequence[str], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The PGR curve with label-based quality (y = share of cloud-labelled queries that reached the cloud)."""
    if not _is_cloud(y_true).any():
        raise RouterInputError("need at least one cloud-labelled query")
    return pgr_curve(scores, *label_quality(y_true))


def perfect_curve(local_quality, cloud_quality) -> tuple[np.ndarray, np.ndarray]:
    """The best any router can do: the queries the cloud improves most go first.

    Args:
        local_quality: Per query, the local tier's quality (0..1).
        cloud_quality: Per query, the cloud tier's quality (0..1).
    """
    gain = np.asarray(cloud_quality, float) - np.asarray(local_quality, float)
    return pgr_curve(gain + np.arange(gain.size)[::-1] * 1e-9, local_quality, cloud_quality)


def random_curve() -> tuple[np.ndarray, np.ndarray]:
    """Random routing: sending a share c of queries to the cloud recovers c of the gap on average."""
    return np.array([0.0, 1.0]), np.array([0.0, 1.0])


def cpt(x: Sequence[float], y: Sequence[float], pgr: float) -> float:
    """Call-performance threshold: the smallest cloud share at which the curve reaches `pgr`.

    Args:
        x: The curve's cloud shares, ascending.
        y: The PGR at each share.
        pgr: The PGR to reach, between 0 and 1.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if not 0.0 <= pgr <= 1.0:
        raise RouterInputError(f"pgr must be between 0 and 1, got {pgr!r}")
    i = int(np.argmax(y >= pgr))  # first point at or above the target (y ends at 1)
    if i == 0:
        return float(x[0])
    x0, x1, y0, y1 = x[i - 1], x[i], y[i - 1], y[i]
    return float(x0 + (x1 - x0) * (pgr - y0) / (y1 - y0))


def apgr(x: Sequence[float], y: Sequence[float]) -> float:
    """Average performance gap recovered: the area under the quality curve (random routing = 0.5).

    Args:
        x: The cloud shares of the curve's points, ascending from 0 to 1.
        y: The performance gap recovered at each share (0: all-local quality, 1: all-cloud quality).

    Returns:
        The area under the curve.
    """
    return float(np.trapezoid(np.asarray(y, dtype=float), np.asarray(x, dtype=float)))


def cost_per_1000_queries(
    cloud_share: float,
    pricing: dict[str, TierPrice] | None = None,
    *,
    input_tokens: int = INPUT_TOKENS_PER_QUERY,
    output_tokens: int = OUTPUT_TOKENS_PER_QUERY,
) -> float:
    """Estimated USD for 1,000 queries when `cloud_share` of them go to the cloud tier (data/pricing.csv)."""
    if not 0.0 <= cloud_share <= 1.0:
        raise RouterInputError(f"cloud_share must be between 0 and 1, got {cloud_share!r}")
    cloud = estimate_cost("cloud", input_tokens, output_tokens, pricing)
    local = estimate_cost("local", input_tokens, output_tokens, pricing)
    return 1000 * (cloud_share * cloud + (1 - cloud_share) * local)
