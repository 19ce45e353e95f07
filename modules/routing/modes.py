"""Operating points: the router's modes and custom targets, resolved into a threshold on a measured curve.

    MODES["balanced"]                               # QualityFloor(points_below_all_cloud=...)
    resolve(MODES["cost"], curve)                   # -> the threshold that meets it on this curve
    resolve(CloudBudget(0.3), curve)                # at most 30% of queries to the cloud

A mode is a stated target on measured graded quality (the curve of `modules/routing/curve.py`: one row per
threshold with its cloud share and graded quality). This module is the one place the modes are defined; the
numbers are chosen from the measured curve and justified in docs/router.md.

Graded quality: the share of graded queries answered correctly, with the offline "cloud" counted correct
(it runs the same small model, so it cannot stand in for a cloud model) unless a real endpoint was graded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from modules.routing.errors import RouterTargetError

__all__ = [
    "MODES",
    "DEFAULT_MODE",
    "TOOL_ACCURACY_FLOORS",
    "CloudBudget",
    "QualityFloor",
    "Target",
    "resolve",
    "target_for",
    "parse_target",
    "tool_floor_for",
]


@dataclass(frozen=True)
class CloudBudget:
    """Send at most `share` (0..1) of the queries to the cloud, choosing the ones most likely to fail locally.

    Args:
        share: The largest share of queries that may go to the cloud, between 0 and 1.

    Raises:
        RouterTargetError: `share` is not a number between 0 and 1.
    """

    share: float

    def __post_init__(self) -> None:
        if not (isinstance(self.share, (int, float)) and math.isfinite(self.share) and 0.0 <= self.share <= 1.0):
            raise RouterTargetError(
                f"CloudBudget(share={self.share!r}): the share of queries sent to the cloud must be between 0 and 1, "
                "e.g. CloudBudget(0.3) for 30%"
            )

    def describe(self) -> str:
        """The target in words, for a decision's reasons."""
        return f"at most {self.share:.0%} of queries to the cloud"


@dataclass(frozen=True)
class QualityFloor:
    """Keep graded quality within `points_below_all_cloud` percentage points of sending everything to the cloud,
    with as few cloud calls as the curve allows.

    Args:
        points_below_all_cloud: How many percentage points of graded quality may be given up, 0 to 100.

    Raises:
        RouterTargetError: `points_below_all_cloud` is not a number between 0 and 100.
    """

    points_below_all_cloud: float

    def __post_init__(self) -> None:
        p = self.points_below_all_cloud
        if not (isinstance(p, (int, float)) and math.isfinite(p) and 0.0 <= p <= 100.0):
            raise RouterTargetError(
                f"QualityFloor(points_below_all_cloud={p!r}) must be between 0 and 100 percentage points, "
                "e.g. QualityFloor(5) for quality within 5 points of all-cloud"
            )

    def describe(self) -> str:
        """The target in words, for a decision's reasons."""
        return f"quality within {self.points_below_all_cloud:g} points of all-cloud"


Target = CloudBudget | QualityFloor

# The modes, as targets on graded quality (percentage points below all-cloud), chosen from the measured curve of
# the shipped router (docs/router.md, "Modes"). `quality` gives up at most 5 points; `balanced` (15 points) is
# where the curve bends: small talk and the questions SmolLM2 usually gets right stay local; `cost` (30 points)
# keeps most queries local and sends the ones it nearly always gets wrong (arithmetic, conversions) to the cloud.
MODES: dict[str, Target] = {
    "quality": QualityFloor(5),
    "balanced": QualityFloor(15),
    "cost": QualityFloor(30),
}
DEFAULT_MODE = "balanced"

# The tool floor of each mode: the least share of the graded tool set (data/tool_queries.csv: the right tool, with
# schema-valid arguments, or no tool for small talk) the local tier must get right before a turn whose agent has tools
# may stay local (modules/routing/tool_floor.py). A wrong tool call is an action, not a weak sentence: `quality` wants
# the local tier right 9 times in 10, `balanced` 3 in 4, `cost` more often right than wrong. A router built with a
# custom target or threshold uses the default mode's floor.
TOOL_ACCURACY_FLOORS: dict[str, float] = {"quality": 0.9, "balanced": 0.75, "cost": 0.5}


def tool_floor_for(mode: str) -> float:
    """The tool floor of a router's mode (the default mode's for "custom").

    Args:
        mode: "quality", "balanced", "cost", or "custom" (a router built with a target or a threshold).

    Returns:
        The least measured local tool accuracy, 0 to 1, at which a turn with tools may stay local.

    Raises:
        RouterTargetError: the mode is neither one of MODES nor "custom".
    """
    if mode == "custom":
        return TOOL_ACCURACY_FLOORS[DEFAULT_MODE]
    target_for(mode)  # names the modes when it is not one
    return TOOL_ACCURACY_FLOORS[mode]


def target_for(mode: str) -> Target:
    """The target of a named mode.

    Args:
        mode: "quality", "balanced" or "cost".

    Returns:
        The mode's `QualityFloor` or `CloudBudget`.

    Raises:
        RouterTargetError: the mode is not one of MODES.
    """
    if mode not in MODES:
        raise RouterTargetError(
            f"unknown mode {mode!r}; use one of {', '.join(MODES)}, or give target=CloudBudget(...) / QualityFloor(...)"
        )
    return MODES[mode]


def parse_target(text: str) -> Target:
    """A target from the command line: "cloud-budget=0.3" or "quality-floor=5" (points below all-cloud).

    Args:
        text: the option's value.

    Returns:
        The `CloudBudget` or `QualityFloor` it names.

    Raises:
        RouterTargetError: the text is not one of the two forms, or its number is out of range.
    """
    name, _, value = text.partition("=")
    kinds = {"cloud-budget": CloudBudget, "quality-floor": QualityFloor}
    try:
        number = float(value)
    except ValueError:
        number = None
    if name.strip() not in kinds or number is None:
        raise RouterTargetError(
            f"target {text!r} is not understood; write cloud-budget=0.3 (share of queries to the cloud) "
            "or quality-floor=5 (percentage points below all-cloud)"
        )
    return kinds[name.strip()](number)


def resolve(target: Target, curve) -> float:
    """The threshold that meets `target` on a measured operating curve.

    Args:
        target: a `CloudBudget` (the largest cloud share not above the budget) or a `QualityFloor` (the smallest
            cloud share whose graded quality is within the stated points of all-cloud).
        curve: a DataFrame from `modules.routing.curve.operating_curve`, columns threshold, cloud_share, quality.

    Returns:
        The threshold: queries scoring at or above it go to the cloud.

    Raises:
        RouterTargetError: the target is of an unknown type or the curve is empty.
    """
    if curve is None or len(curve) == 0:
        raise RouterTargetError("the operating curve is empty; measure a profile: python -m modules.router profile")
    rows = curve.sort_values(["cloud_share", "threshold"], ascending=[True, False])
    if isinstance(target, CloudBudget):
        within = rows[rows["cloud_share"] <= target.share + 1e-12]
        return float(within.iloc[-1]["threshold"])  # the all-local row (share 0) is always within
    if isinstance(target, QualityFloor):
        all_cloud = float(rows.iloc[-1]["quality"])
        floor = all_cloud - target.points_below_all_cloud / 100
        good = rows[rows["quality"] >= floor - 1e-12]
        return float(good.iloc[0]["threshold"])  # all-cloud always meets it
    raise RouterTargetError(f"target must be a CloudBudget or a QualityFloor, not {type(target).__name__}")
