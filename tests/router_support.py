"""What the generated-query router tests share: the shipped router in balanced mode, and the training queries that
generated queries must not repeat."""

from __future__ import annotations

import pytest

from modules.routing import HybridRouter, load_routing_queries
from modules.routing.profile import load_profile
from modules.routing.stated import normal


@pytest.fixture(scope="module")
def balanced():
    return HybridRouter(mode="balanced")


def training_queries() -> set[str]:
    """Every query the shipped router learned from (routing rows and graded training answers), normalised."""
    training = {normal(q) for q in load_routing_queries()["query"]}
    return training | {normal(a["query"]) for a in load_profile()["answers"] if a.get("split", "train") != "holdout"}
