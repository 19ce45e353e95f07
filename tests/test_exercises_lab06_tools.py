"""Exercise 06.4 (a tool turn sent to the tier that can do it): the checker reads the record, the tool's ledger and
the store, and rejects a turn the router did not send, a tool that ran twice, and answers not read from the record.

One real tool turn on the offline cloud tier (the course's service) and one forced onto the local tier. The lab's own
run adds the generic adversary (tests/exercise_adversary.py) on top.
"""

from __future__ import annotations

import copy

import pytest
from agent_framework import tool

from modules.exercises import evaluate
from modules.exercises.challenge import issue
from modules.exercises.checker import WRONG
from modules.hybrid import HybridConversationManager
from modules.routing import HybridRouter, load_profile
from modules.storage import SqliteStore

live = pytest.mark.asyncio(loop_scope="module")
QUESTION = "What is the weather in Oslo? (t1)"
WEATHER = {"mode": "required", "required_function_name": "get_weather"}


@pytest.fixture(scope="module")
def tiers():
    from modules.tiers.clients import start_tiers

    started = start_tiers()
    yield started
    started.close()


def weather_tool(ledger: list):
    @tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        ledger.append(city)
        return f"{city}: 18 °C, light rain"

    return get_weather


def router_below_the_floor() -> HybridRouter:
    profile = copy.copy(load_profile())
    profile["tools"] = {"tiers": {"local": {"n": 100, "right": 25, "right_rate": 0.25}}}
    return HybridRouter(profile=profile)


def verdict(**answers):
    issue("06.4", lambda token, namespace: {"question": QUESTION}, {})
    return evaluate("06.4", **answers)


def rejected(phrase: str, **answers) -> None:
    feedback = verdict(**answers)
    assert feedback.status == WRONG, f"06.4 accepted a wrong answer: {feedback}"
    assert phrase in feedback.message, f"{phrase!r} not in {feedback.message!r}"


@live
async def test_06_4_reads_the_record_the_ledger_and_the_store(tiers, tmp_path):
    ledger: list = []
    with SqliteStore(tmp_path / "c.sqlite3") as store:
        conversation = HybridConversationManager(
            router_below_the_floor(), tiers, store, session_id="tools", max_tokens=32, tools=[weather_tool(ledger)]
        )
        conversation.tool_choice = WEATHER
        turn = await conversation.chat(QUESTION)
        [record] = turn.metadata["tool_calls"]
        right = {
            "my_tool_turn": turn,
            "my_tool_tier": record["tier"],
            "my_tool_result": record["result"],
            "tool_conversation": conversation,
            "tool_ledger": ledger,
        }
        feedback = verdict(**right)
        assert feedback.passed, str(feedback)
        assert turn.tier == "cloud" and record["tier"] == "cloud"

        rejected("the record says 'cloud'", **{**right, "my_tool_tier": "local"})
        rejected("the record holds the result", **{**right, "my_tool_result": record["result"] + "!"})
        rejected("exactly once", **{**right, "tool_ledger": [*ledger, ledger[-1]]})  # the tool ran twice
        rejected("exactly once", **{**right, "tool_ledger": []})  # a ledger the tool never wrote to
        unsaved = HybridConversationManager(conversation.router, tiers, session_id="tools")
        unsaved.context = conversation.context  # the same exchanges, but in no store
        rejected("store", **{**right, "tool_conversation": unsaved})
        issue("06.4", lambda token, namespace: {"question": "What is the weather in Lima? (t2)"}, {})
        other_run = evaluate("06.4", **right)
        assert other_run.status == WRONG and "this run's challenge asks" in other_run.message

        local = await conversation.chat(QUESTION, force_tier="local")  # not where the router sends it
        [local_record] = local.metadata["tool_calls"]
        forced = {
            **right,
            "my_tool_turn": local,
            "my_tool_tier": local_record["tier"],
            "my_tool_result": local_record["result"],
        }
        rejected("below the tool floor", **forced)
        rejected("not the newest exchange", **right)  # the first turn, after another one
