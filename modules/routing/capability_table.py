"""The capability profile as a table that shows how sure each figure is: n and a Wilson 95% interval per category.

    from modules.routing.capability_table import capability_table
    capability_table(load_profile())     # category, n, correct, local accuracy, 95% low, 95% high

A category measured on 12 answers cannot tell 0.50 from 0.70; the interval says so. Wilson's interval is used
because it stays inside [0, 1] and behaves at 0 of n and n of n, where the textbook p ± 1.96·se interval does not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from modules.routing.profile import ProfileError

__all__ = ["Z_95", "capability_table", "wilson_interval"]

Z_95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval


def wilson_interval(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a share of `correct` out of `n`.

    Args:
        correct: how many answers were graded correct (0..n).
        n: how many answers were graded (at least 1).
        z: the normal quantile; the default gives a 95% interval.

    Returns:
        (low, high), both within [0, 1].

    Raises:
        ProfileError: n is below 1, or correct is outside 0..n.
    """
    if n < 1:
        raise ProfileError(f"a Wilson interval needs at least one graded answer, got n={n}")
    if not 0 <= correct <= n:
        raise ProfileError(f"correct must be between 0 and n={n}, got {correct}")
    share = correct / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    # At 0 of n and n of n the interval touches 0 or 1 exactly; say so instead of leaving a rounding error.
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def capability_table(profile: Mapping, tier: str = "local"):
    """One row per category from the profile's graded answers: n, correct, accuracy and its Wilson 95% interval.

    The counts come from the answers themselves, so the table is the evidence, not the summary.

    Args:
        profile: a capability profile (`modules.routing.profile.load_profile()`).
        tier: whose answers to count, "local" (always measured) or "cloud" (only when a real endpoint was graded).

    Returns:
        A pandas DataFrame indexed by category, sorted by accuracy (best first; then larger n, then name), with
        the columns n, correct, accuracy, 95% low, 95% high.

    Raises:
        ProfileError: the profile holds no graded answers of `tier`.
    """
    import pandas as pd

    counts: dict[str, list[int]] = {}
    for answer in profile.get("answers", []):
        graded = answer.get(tier)
        if graded is None:
            continue
        entry = counts.setdefault(answer["category"], [0, 0])
        entry[0] += bool(graded["correct"])
        entry[1] += 1
    if not counts:
        raise ProfileError(
            f"the profile holds no graded {tier} answers; measure them: python -m modules.router profile"
        )
    rows = []
    for category, (correct, n) in counts.items():
        low, high = wilson_interval(correct, n)
        rows.append(
            {
                "category": category,
                "n": n,
                "correct": correct,
                "accuracy": correct / n,
                "95% low": low,
                "95% high": high,
            }
        )
    table = pd.DataFrame(rows).sort_values(["accuracy", "n", "category"], ascending=[False, False, True])
    return table.set_index("category")
