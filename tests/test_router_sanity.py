"""The everyday sanity list of docs/router.md: every line, routed by the shipped router in balanced mode, goes to
the tier the list states (issue 26: "ok" went to the cloud, a linked-list function stayed local)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from modules.routing import HybridRouter

ROUTER_MD = Path(__file__).resolve().parent.parent / "docs" / "router.md"
LINE = re.compile(r"^\| `(?P<query>[^`]+)` \| (?P<tier>local|cloud) \|$")


def sanity_list() -> list[tuple[str, str]]:
    """(query, tier) for every line between the sanity-list markers of docs/router.md."""
    text = ROUTER_MD.read_text(encoding="utf-8")
    section = text.split("<!-- sanity list: start -->", 1)[1].split("<!-- sanity list: end -->", 1)[0]
    return [(m["query"], m["tier"]) for m in map(LINE.match, section.splitlines()) if m]


@pytest.fixture(scope="module")
def router() -> HybridRouter:
    return HybridRouter(mode="balanced")


def test_the_list_is_long_and_states_both_tiers():
    rows = sanity_list()
    assert len(rows) >= 40
    assert {tier for _, tier in rows} == {"local", "cloud"}


@pytest.mark.parametrize(("query", "tier"), sanity_list())
def test_each_line_goes_to_its_stated_tier(router, query, tier):
    d = router.route(query)
    assert d.target == tier, (d.cloud_probability, d.threshold, d.reasons)
