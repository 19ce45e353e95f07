"""The tool floor: a turn whose agent has tools goes to the cloud when the local tier's measured tool accuracy is
below the mode's floor.

    router.route("What is 48 * 12?", RoutingContext(has_tools=True))
    # -> target "cloud", reasons[0]: "the agent has tools, and the local tier chose the right tool with valid
    #    arguments in 25% of the graded tool set, below mode balanced's tool floor of 75%: the cloud answers"

The score says how likely a local *answer* is wrong; it knows nothing of tools. A tool call is an action, and the
small model's choice of tool is measured apart, on the graded tool set (modules/routing/tool_grading.py), and
stored in the capability profile. The floors are defined once, next to the modes (`TOOL_ACCURACY_FLOORS` in
modules/routing/modes.py). At or above the floor the score decides, as without tools; with no tool measurement in
the profile the score decides too, and the reasons say how to measure it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from modules.routing.modes import tool_floor_for
from modules.routing.profile import PROFILE_JSON, load_profile
from modules.routing.tool_grading import tool_accuracy

MEASURE = "python -m modules.router profile --tools-only"


class ToolFloor:
    """The tool floor of one router: its mode's floor, and the local tool accuracy of its capability profile.

    Args:
        mode: The router's mode ("quality", "balanced", "cost" or "custom").
        profile: The capability profile (a dict, a path, or None for data/capability_profile.json); read on first use.
    """

    def __init__(self, mode: str, profile: Mapping[str, Any] | Path | str | None = None) -> None:
        self.mode = mode
        self.floor = tool_floor_for(mode)
        self._profile = profile

    @cached_property
    def accuracy(self) -> float | None:
        """The local tier's measured tool accuracy, or None when the profile has no tool measurement."""
        profile = self._profile
        if not isinstance(profile, Mapping):
            profile = load_profile(PROFILE_JSON if profile is None else profile)
        return tool_accuracy(profile, "local")

    def apply(self, decision: Any) -> Any:
        """The decision for a turn whose agent has tools: to the cloud below the floor, the reason first.

        Args:
            decision: The router's `RoutingDecision` for the turn, made by the score.

        Returns:
            A new decision: target "cloud" (confidence 1.0) when the measured accuracy is below the floor;
            otherwise the same target. Either way the reasons start with the accuracy and the floor.
        """
        accuracy, floor = self.accuracy, self.floor
        if accuracy is None:
            reason = (
                f"the agent has tools, but the profile holds no measured local tool accuracy ({MEASURE}): "
                "the score decides"
            )
            return replace(decision, reasons=[reason, *decision.reasons])
        measured = (
            f"the agent has tools, and the local tier chose the right tool with valid arguments in {accuracy:.0%} "
            f"of the graded tool set"
        )
        if accuracy < floor:
            reason = f"{measured}, below mode {self.mode}'s tool floor of {floor:.0%}: the cloud answers"
            # a rule, not the score: as sure as a forced turn
            return replace(decision, target="cloud", confidence=1.0, reasons=[reason, *decision.reasons])
        reason = f"{measured}, at or above mode {self.mode}'s tool floor of {floor:.0%}: the score decides"
        return replace(decision, reasons=[reason, *decision.reasons])
