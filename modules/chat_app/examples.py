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


def _same(tier: str) -> dict[str, str]:
    return {"quality": tier, "balanced": tier, "cost": tier}


EXAMPLES: tuple[ExampleQuestion, ...] = (
    ExampleQuestion("Thanks, that is all!", _same("local")),
    ExampleQuestion(
        "Compare Kafka and RabbitMQ for order events: delivery guarantees, ordering and scaling trade-offs.",
        _same("cloud"),
    ),
)
