"""The cost-quality curve: for every threshold, the cloud share, graded quality and USD per 1,000 queries.

    curve = operating_curve(scores, local_quality)          # one row per threshold
    mode_points(curve)                                      # where each mode sits on it
    random_points(local_quality), perfect_points(local_quality)

`scores` rank queries by how likely the local answer is wrong (a strategy's P(cloud), or a cascade's
1 - confidence); routing every query scoring at or above the threshold to the cloud gives one point.
The scores must be cross-fitted (no graded answer helped score itself), as `router_curve` and the shipped
model's stored out-of-fold scores are.

Graded quality counts the offline "cloud" as correct (it runs the same small model, so it cannot stand in
for a cloud model) unless a real cloud endpoint was graded: pass its grades as `cloud_quality`.
This module returns data only; lab 05 draws it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from modules.pricing import load_pricing
from modules.routing.errors import RouterInputError
from modules.routing.evaluation import cost_per_1000_queries, graded_quality
from modules.routing.features import analyze_query
from modules.routing.modes import MODES, resolve

__all__ = [
    "CURVE_COLUMNS",
    "operating_curve",
    "profile_qualities",
    "router_curve",
    "mode_points",
    "random_points",
    "perfect_points",
    "point_at",
]

CURVE_COLUMNS = ["threshold", "cloud_share", "quality", "usd_per_1k"]


def operating_curve(scores: Sequence[float], local_quality, cloud_quality=None, *, pricing=None):
    """One row per distinct threshold: the cloud share, graded quality and cost of routing there.

    Args:
        scores: per graded query, how likely the local answer is wrong (higher goes to the cloud first).
        local_quality: per query, 1 if the local answer passed its grader, else 0.
        cloud_quality: per query, the cloud's grade; None counts the (offline, unmeasured) cloud as correct.
        pricing: a pricing table (`modules.pricing.load_pricing`); None reads data/pricing.csv.

    Returns:
        A DataFrame with columns threshold, cloud_share, quality, usd_per_1k, from all-local (cloud share 0)
        to all-cloud (threshold 0). Thresholds sit halfway between neighbouring scores, so a score a little
        off from the one measured still lands on the same side.

    Raises:
        ValueError: the scores and qualities differ in length, or a score is not finite.
    """
    import pandas as pd

    local, cloud = graded_quality(local_quality, cloud_quality)
    pricing = _pricing(pricing)
    s = np.asarray(scores, dtype=float)
    if s.shape != local.shape:
        raise RouterInputError(f"need one score per graded query: {s.size} scores, {local.size} qualities")
    if not np.all(np.isfinite(s)):
        raise RouterInputError("every score must be a finite number")
    distinct = np.unique(s)[::-1]  # high to low
    thresholds = [float(np.nextafter(distinct[0], np.inf)) if distinct.size else 1.0]
    thresholds += [float((a + b) / 2) for a, b in zip(distinct[:-1], distinct[1:], strict=True)]
    thresholds.append(0.0 if distinct.size == 0 or distinct[-1] >= 0 else float(distinct[-1]))
    rows = []
    for t in thresholds:
        cloud_mask = s >= t
        share = float(np.mean(cloud_mask)) if s.size else 0.0
        quality = float(np.mean(np.where(cloud_mask, cloud, local))) if s.size else 0.0
        rows.append((t, share, quality, cost_per_1000_queries(share, pricing)))
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


def point_at(curve, threshold: float) -> dict:
    """The curve's row for the greatest listed threshold not above `threshold` (the routing it gives).

    Args:
        curve: a DataFrame from `operating_curve`.
        threshold: a threshold, e.g. one `modules.routing.modes.resolve` returned.

    Returns:
        That row as a dict (threshold, cloud_share, quality, usd_per_1k).
    """
    below = curve[curve["threshold"] <= threshold + 1e-15]
    row = below.sort_values("threshold").iloc[-1] if len(below) else curve.sort_values("threshold").iloc[0]
    return {k: float(row[k]) for k in CURVE_COLUMNS}


def profile_qualities(profile: Mapping, *, holdout: bool = False) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(queries, local quality, cloud quality) of a capability profile's graded answers: the training split, on
    which modes are resolved, or (`holdout=True`) the hold-out split, which is only reported.

    Args:
        profile: a profile from `modules.routing.profile.load_profile`.
        holdout: the hold-out answers instead of the training ones.

    Returns:
        The graded queries in the profile's order, 1/0 per local answer, and the cloud's grades when a real
        cloud endpoint was measured (else all 1: the offline cloud is counted correct).
    """
    answers = [a for a in profile["answers"] if (a.get("split", "train") == "holdout") == holdout]
    local = [a["local"]["correct"] for a in answers]
    measured = profile.get("tiers", {}).get("cloud", {}).get("measured") and all("cloud" in a for a in answers)
    cloud = [a["cloud"]["correct"] for a in answers] if measured else None
    local_q, cloud_q = graded_quality(local, cloud)
    return [a["query"] for a in answers], local_q, cloud_q


def router_curve(strategy, profile: Mapping, *, pricing=None, holdout: bool = False):
    """The operating curve of a strategy on a profile's graded answers.

    A strategy that carries cross-fitted scores for these queries (the shipped model's `out_of_fold`) is
    measured with them; any other strategy scores the graded queries directly, which is fair when it was
    not trained on them (the rules; a model trained on data/routing_queries.csv labels).

    Args:
        strategy: a `Strategy` (rules, learned, or your own).
        profile: a capability profile (`load_profile`).
        pricing: as in `operating_curve`.
        holdout: the curve of the hold-out answers (never trained or tuned on), scored by the strategy itself.

    Returns:
        The DataFrame of `operating_curve`.
    """
    queries, local, cloud = profile_qualities(profile, holdout=holdout)
    stored = getattr(strategy, "out_of_fold", None) or {}
    scores = [stored[q] if q in stored else strategy.cloud_probability(q, analyze_query(q)) for q in queries]
    return operating_curve(scores, local, cloud, pricing=pricing)


def mode_points(curve, modes: Mapping | None = None):
    """Where each mode sits on a curve.

    Args:
        curve: a DataFrame from `operating_curve`.
        modes: name -> target; default `modules.routing.modes.MODES`.

    Returns:
        A DataFrame: mode, target (in words), threshold, cloud_share, quality, usd_per_1k.
    """
    import pandas as pd

    rows = []
    for name, target in (modes or MODES).items():
        point = point_at(curve, resolve(target, curve))
        rows.append({"mode": name, "target": target.describe(), **point})
    return pd.DataFrame(rows, columns=["mode", "target", *CURVE_COLUMNS])


def random_points(local_quality, cloud_quality=None, *, shares: Sequence[float] | None = None, pricing=None):
    """A random router: sending a share c of queries to the cloud recovers c of the quality gap, on average.

    Args:
        local_quality: Per query, 1 if the local answer passed its grader, else 0.
        cloud_quality: Per query, the cloud's grade; None counts the cloud as correct.
        shares: The cloud shares to list.
        pricing: As in `operating_curve`.

    Returns:
        A DataFrame: cloud_share, quality, usd_per_1k (11 points from 0 to 1 unless `shares` is given).
    """
    import pandas as pd

    local, cloud = graded_quality(local_quality, cloud_quality)
    pricing = _pricing(pricing)
    shares = np.linspace(0, 1, 11) if shares is None else np.asarray(shares, dtype=float)
    rows = [
        (float(c), float(local.mean() + c * (cloud.mean() - local.mean())), cost_per_1000_queries(float(c), pricing))
        for c in shares
    ]
    return pd.DataFrame(rows, columns=["cloud_share", "quality", "usd_per_1k"])


def perfect_points(local_quality, cloud_quality=None, *, pricing=None):
    """The best any router can do: the queries the cloud improves go first, one query at a time.

    Args:
        local_quality: Per query, 1 if the local answer passed its grader, else 0.
        cloud_quality: Per query, the cloud's grade; None counts the cloud as correct.
        pricing: As in `operating_curve`.

    Returns:
        A DataFrame: cloud_share, quality, usd_per_1k, one row per number of queries sent to the cloud.
    """
    import pandas as pd

    local, cloud = graded_quality(local_quality, cloud_quality)
    pricing = _pricing(pricing)
    gain = np.sort(cloud - local)[::-1]
    n = local.size
    quality = local.mean() + np.r_[0.0, np.cumsum(gain)] / n
    shares = np.arange(n + 1) / n
    rows = [
        (float(c), float(q), cost_per_1000_queries(float(c), pricing)) for c, q in zip(shares, quality, strict=True)
    ]
    return pd.DataFrame(rows, columns=["cloud_share", "quality", "usd_per_1k"])


def _pricing(pricing):
    return load_pricing() if pricing is None else pricing
