"""Example questions the page offers, each with the tier the shipped router sends it to in each mode.

The page shows them as buttons that fill the message box, labelled with the tier for the mode chosen, so an
attendee sees the dial at work before typing anything. tests/test_chat_app.py routes every one through the
shipped router in every mode: a stated tier that the router no longer chooses fails the suite.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["EXAMPLES", "ExampleQuestion"]


@dataclass(frozen=True)
class ExampleQuestion:
    """A question and, per mode, the tier the shipped router sends it to as the first turn of a conversation."""

    text: str
    tiers: Mapping[str, str]

    def as_json(self) -> dict[str, Any]:
        """The question as /api/about sends it: {"text": ..., "tiers": {mode: tier}}."""
        return {"text": self.text, "tiers": dict(self.tiers)}


# From the tier that stays local in every mode to the one that goes to the cloud in every mode: each example
# moves one mode further, so turning the dial shows one more question leaving the local tier.
EXAMPLES: tuple[ExampleQuestion, ...] = (
    ExampleQuestion("thanks!", {"quality": "local", "balanced": "local", "cost": "local"}),
    ExampleQuestion("Tell me a joke.", {"quality": "cloud", "balanced": "local", "cost": "local"}),
    ExampleQuestion("Summarize the story of Cinderella.", {"quality": "cloud", "balanced": "cloud", "cost": "local"}),
    ExampleQuestion("Convert 5 km to miles.", {"quality": "cloud", "balanced": "cloud", "cost": "cloud"}),
)
