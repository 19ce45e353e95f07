"""Routing knows about tools: the graded tool set in the capability profile, and the tool floor of each mode.

The floor rule is tested on profiles whose tool accuracy is set on purpose; the grader runs the real SmolLM2 and the
course's real service on a few queries, and the tests assert the mechanism (the calls fit their schemas, the counts
follow from the stored per-query results), never which tool the small model chose.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from dataclasses import replace

import jsonschema
import pytest
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.routing import (
    TOOL_ACCURACY_FLOORS,
    HybridRouter,
    ProfileError,
    RouterInputError,
    RouterTargetError,
    RoutingContext,
    ToolFloor,
    load_profile,
    tool_accuracy,
)
from modules.routing.cli import main
from modules.routing.modes import DEFAULT_MODE, MODES, tool_floor_for
from modules.routing.profile import PROFILE_JSON
from modules.routing.tool_grading import (
    GRADED_TOOLS,
    NO_TOOL,
    TOOL_CSV,
    grade_tool_queries,
    load_tool_queries,
    summarise_tool_results,
    tool_profile,
)
from modules.tiers.clients import LOCAL_SERVICE_MODEL

SMALL_TALK = "Hello!"  # the shipped router keeps it local in every mode
TOOLS = RoutingContext(has_tools=True)


@pytest.fixture(scope="module")
def shipped() -> dict:
    return load_profile()


def with_tool_accuracy(profile: dict, rate: float | None) -> dict:
    measured = copy.copy(profile)
    measured.pop("tools", None)
    if rate is not None:
        measured["tools"] = {"tiers": {"local": {"n": 100, "right": round(rate * 100), "right_rate": rate}}}
    return measured


def same_decision(a, b) -> bool:
    return replace(a, decision_seconds=0.0) == replace(b, decision_seconds=0.0)


# --------------------------------------------------------------------------- the floor rule


@pytest.mark.parametrize("mode", list(MODES))
def test_tools_and_accuracy_below_the_floor_go_to_the_cloud_and_say_why(shipped, mode):
    router = HybridRouter(mode=mode, profile=with_tool_accuracy(shipped, 0.25))
    assert router.route(SMALL_TALK).target == "local"
    decision = router.route(SMALL_TALK, TOOLS)
    assert decision.target == "cloud" and decision.confidence == 1.0
    floor = TOOL_ACCURACY_FLOORS[mode]
    assert "25%" in decision.reasons[0] and f"{floor:.0%}" in decision.reasons[0] and mode in decision.reasons[0]
    assert "below" in decision.reasons[0]
    assert decision.reasons[1:] == router.route(SMALL_TALK).reasons  # the score's reasons follow


def test_without_tools_the_decision_is_unchanged(shipped):
    router = HybridRouter(profile=with_tool_accuracy(shipped, 0.0))
    for query in (SMALL_TALK, "Compare Kafka and RabbitMQ for order events, with trade-offs"):
        plain = router.route(query)
        assert same_decision(router.route(query, RoutingContext(has_tools=False)), plain)


def test_at_or_above_the_floor_the_score_decides(shipped):
    floor = TOOL_ACCURACY_FLOORS["quality"]
    router = HybridRouter(mode="quality", profile=with_tool_accuracy(shipped, floor))
    hard = "Write a Python function that parses ISO 8601 durations, with unit tests"
    for query in (SMALL_TALK, hard):
        plain, tooled = router.route(query), router.route(query, TOOLS)
        assert tooled.target == plain.target and tooled.confidence == plain.confidence
        assert "score decides" in tooled.reasons[0] and f"{floor:.0%}" in tooled.reasons[0]
    assert router.route(SMALL_TALK, TOOLS).target == "local"


def test_a_profile_without_tool_accuracy_leaves_the_score_to_decide_and_names_the_command(shipped):
    router = HybridRouter(profile=with_tool_accuracy(shipped, None))
    decision = router.route(SMALL_TALK, TOOLS)
    assert decision.target == router.route(SMALL_TALK).target
    assert "python -m modules.router profile --tools-only" in decision.reasons[0]


@pytest.mark.parametrize("rate", [7, -0.1, "0.5", True, None])
def test_a_bad_tool_accuracy_in_the_profile_is_a_profile_error(rate):
    floor = ToolFloor("balanced", {"tools": {"tiers": {"local": {"right_rate": rate}}}})
    with pytest.raises(ProfileError, match="--tools-only"):
        _ = floor.accuracy


def test_the_floors_are_defined_once_next_to_the_modes():
    assert set(TOOL_ACCURACY_FLOORS) == set(MODES)
    assert TOOL_ACCURACY_FLOORS["quality"] > TOOL_ACCURACY_FLOORS["balanced"] > TOOL_ACCURACY_FLOORS["cost"] > 0
    assert tool_floor_for("custom") == TOOL_ACCURACY_FLOORS[DEFAULT_MODE]
    with pytest.raises(RouterTargetError, match="unknown mode"):
        tool_floor_for("cheap")
    with pytest.raises(RouterInputError, match="has_tools"):
        RoutingContext(has_tools="yes")


def test_the_manager_tells_the_router_when_its_agent_has_tools(shipped):
    from agent_framework import tool

    from modules.config import load_settings
    from modules.hybrid import HybridConversationManager
    from modules.tiers import EmbeddedChatClient, Tiers

    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        return a * b

    http = AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="unused", max_retries=0)  # nothing is asked
    tiers = Tiers(load_settings(), EmbeddedChatClient(), OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http))
    router = HybridRouter(profile=with_tool_accuracy(shipped, 0.25))
    with_tools = HybridConversationManager(router, tiers, tools=[multiply])
    assert with_tools._decide(SMALL_TALK, None, router).target == "cloud"
    with_tools.tool_choice = "none"  # tools not on offer this turn: the score decides
    assert same_decision(with_tools._decide(SMALL_TALK, None, router), router.route(SMALL_TALK))
    without = HybridConversationManager(router, tiers)
    assert same_decision(without._decide(SMALL_TALK, None, router), router.route(SMALL_TALK))


# --------------------------------------------------------------------------- the grader, on the real tiers


def check_results(rows, results) -> None:
    """Each stored result agrees with the file and the schemas; the counts follow from the results."""
    assert [r["id"] for r in results] == [row.id for row in rows]
    for row, result in zip(rows, results, strict=True):
        assert result["error"] is None, result
        if result["called"] == NO_TOOL:
            assert result["schema_valid"] is False and result["arguments"] is None
        else:
            try:
                jsonschema.validate(json.loads(result["arguments"]), GRADED_TOOLS[result["called"]][1])
                valid = True
            except jsonschema.ValidationError:
                valid = False
            assert result["schema_valid"] is valid
        assert result["right"] is (
            result["called"] == row.expected_tool and (result["called"] == NO_TOOL or result["schema_valid"])
        )
    summary = summarise_tool_results(rows, results)
    assert summary["right"] == sum(r["right"] for r in results)
    assert summary["calls"] == sum(r["called"] != NO_TOOL for r in results)


def test_profile_tools_only_stores_the_real_local_tool_accuracy(tmp_path, capsys):
    out = tmp_path / "profile.json"
    shutil.copy(PROFILE_JSON, out)
    before = load_profile(out)
    main(["profile", "--tools-only", "--tool-sample", "4", "--out", str(out)])
    after = load_profile(out)
    assert after["answers"] == before["answers"] and after["categories"] == before["categories"]
    tools = after["tools"]
    assert tools["sha256"] == hashlib.sha256(TOOL_CSV.read_bytes()).hexdigest() and tools["sample"] == 4
    assert set(tools["tiers"]) == {"local"}  # offline, the "cloud" is the same small model (as in the profile)
    local = tools["tiers"]["local"]
    by_id = {row.id: row for row in load_tool_queries()}
    rows = [by_id[r["id"]] for r in local["results"]]
    assert {row.expected_tool for row in rows} == {*GRADED_TOOLS, NO_TOOL}  # one per kind
    check_results(rows, local["results"])
    assert local["n"] == 4 and local["right_rate"] == round(local["right"] / 4, 4)
    assert tool_accuracy(after) == local["right_rate"]
    assert "right tool with valid arguments" in capsys.readouterr().out


async def test_the_cloud_tier_is_graded_by_the_same_code_and_every_call_fits_its_schema(service):
    http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=300, max_retries=0)
    cloud = OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http)
    rows = [row for row in load_tool_queries() if row.expected_tool != NO_TOOL][::25]  # one query per tool
    results = await grade_tool_queries(cloud, rows, cloud=True, tool_choice="required")
    check_results(rows, results)
    assert all(r["called"] in GRADED_TOOLS and r["schema_valid"] for r in results)  # required: a call, valid


async def test_with_a_real_cloud_endpoint_configured_both_tiers_are_graded_by_the_same_code(service):
    """Settings that name a real cloud endpoint; its client here talks to the course's service (this machine reaches
    no cloud), so the cloud tier's section comes from real Responses-API calls through `OpenAIChatClient`."""
    from modules.config import CloudTier, LocalTier, Settings
    from modules.tiers import EmbeddedChatClient, Tiers

    http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=300, max_retries=0)
    settings = Settings(LocalTier(), CloudTier(backend="openai", model="gpt-test"))
    tiers = Tiers(settings, EmbeddedChatClient(), OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http))
    section = await tool_profile(tiers, sample=4, progress=False)
    assert set(section["tiers"]) == {"local", "cloud"} and section["tiers"]["cloud"]["model"] == "gpt-test"
    by_id = {row.id: row for row in load_tool_queries()}
    for tier in ("local", "cloud"):
        results = section["tiers"][tier]["results"]
        check_results([by_id[r["id"]] for r in results], results)
    profile = {"tools": section}
    assert tool_accuracy(profile, "cloud") == section["tiers"]["cloud"]["right_rate"]


def test_the_shipped_profile_holds_the_tool_accuracy_of_the_whole_tool_set(shipped):
    tools = shipped["tools"]
    assert tools["sha256"] == hashlib.sha256(TOOL_CSV.read_bytes()).hexdigest()
    local = tools["tiers"]["local"]
    assert local["n"] == len(load_tool_queries()) >= 100 and "sample" not in tools
    check_results(load_tool_queries(), local["results"])
    assert HybridRouter(profile=shipped).tool_floor.accuracy == local["right_rate"]
