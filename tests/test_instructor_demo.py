"""The instructor's five-minute demo script (docs/instructor-notes.md) says which tier each query goes to: the
shipped router, in its default mode, must agree with every line, turn by turn, as the chat page would route it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from modules.routing import HybridRouter, RoutingContext

NOTES = Path(__file__).resolve().parent.parent / "docs" / "instructor-notes.md"
ASKED = re.compile(r"ask `([^`]+)`")
TIER = re.compile(r"\*\*(LOCAL|CLOUD)\*\*")
SWITCHES = re.compile(r"(\d+) switch(?:es)?\b")


def demo_rows() -> list[tuple[str, str]]:
    """(do, point at) for each row of the demo table."""
    text = NOTES.read_text(encoding="utf-8")
    section = text.split("## Five-minute demo", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"\d+:\d\d", cells[0]):
            rows.append((cells[1], cells[2]))
    return rows


def demo_script() -> list[dict]:
    """Every query of the script with the tier and the switch count it states, and whether the tier was forced."""
    script = []
    for do, point_at in demo_rows():
        asked = ASKED.search(do)
        if not asked:
            continue
        tier = TIER.search(point_at)
        assert tier, f"the demo line asking {asked.group(1)!r} must state its tier as **LOCAL** or **CLOUD**"
        switches = SWITCHES.search(point_at)
        script.append(
            {
                "query": asked.group(1),
                "tier": tier.group(1).lower(),
                "forced": "force" in do,
                "switches": int(switches.group(1)) if switches else None,
            }
        )
    return script


def test_the_script_is_found_and_has_queries_for_both_tiers():
    script = demo_script()
    assert len(script) >= 5
    assert {step["tier"] for step in script if not step["forced"]} == {"local", "cloud"}


def test_every_query_of_the_demo_goes_where_the_script_says():
    router = HybridRouter()
    previous = None
    seen = []
    for step in demo_script():
        decision = router.route(step["query"], RoutingContext(previous_target=previous))
        if not step["forced"]:
            seen.append((step["query"], decision.target))
            assert decision.target == step["tier"], (
                f"the demo says {step['query']!r} goes {step['tier']}, the router sends it {decision.target}: "
                f"{decision.reasons}"
            )
        previous = step["tier"]
    assert seen


def test_the_switch_counts_the_script_states_follow_from_its_tiers():
    tiers = [step["tier"] for step in demo_script()]
    stated = [(i, step["switches"]) for i, step in enumerate(demo_script()) if step["switches"] is not None]
    assert stated, "the script states at least one switch count"
    for i, count in stated:
        switches = sum(a != b for a, b in zip(tiers[:i], tiers[1 : i + 1], strict=True))
        assert count == switches, f"step {i + 1} states {count} switches; its tiers make {switches}"


@pytest.mark.parametrize("bad", ["| 0:30 | ask `Hi` | no tier here |"])
def test_a_line_without_a_tier_is_caught(bad, tmp_path, monkeypatch):
    notes = tmp_path / "notes.md"
    notes.write_text(f"## Five-minute demo\n\n| time | do | point at |\n|---|---|---|\n{bad}\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "NOTES", notes)
    with pytest.raises(AssertionError, match="must state its tier"):
        demo_script()
