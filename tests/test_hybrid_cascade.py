"""The cascade as a conversation's strategy, on the real tiers: SmolLM2 (with llama.cpp logprobs) and the local
Responses service.

Whether a turn escalates is set by the mechanism, not by the small model's wording: a confidence bar of 1.0
escalates every turn and 0.0 none (P(right) is strictly between 0 and 1). What each tier was given is recorded by
the test's own middleware below the manager; answers are never checked for wording.
"""

from __future__ import annotations

import pytest
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI
from tier_recording import recorded_tiers

from modules.hybrid import EXCHANGE_KEYS, HybridConversationManager, HybridTurn, UnknownStrategyError
from modules.routing import (
    LOGPROB_OPTIONS,
    CascadeError,
    CascadeStrategy,
    HybridRouter,
    RoutingDecision,
    judge_local_answer,
    local_answer_of,
)
from modules.runtime.local_service import running_local_service
from modules.runtime.ports import free_port
from modules.storage import SqliteStore
from modules.tiers import EmbeddedChatClient, Tiers, TierUsageError
from modules.tiers.clients import LOCAL_SERVICE_MODEL

GREETING = "Hello! My name is Ana and I keep bees."
QUESTION = "How many legs does a bee have?"
ALWAYS, NEVER = 1.0, 0.0  # confidence bars: every local answer is unsure / none is


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


@pytest.fixture
def recorded(service):
    return recorded_tiers(service)


def manager(recorded, bar: float | None, **options) -> HybridConversationManager:
    return HybridConversationManager(
        tiers=recorded.tiers, strategy="cascade", cascade_threshold=bar, max_tokens=12, **options
    )


def authors(conversation: HybridConversationManager) -> list[tuple[str, str | None]]:
    stored = conversation.context.session.state["in_memory"]["messages"]
    return [(str(m.role), m.author_name) for m in stored]


async def test_an_escalated_turn_keeps_both_answers_and_only_the_clouds_enters_the_history(recorded):
    conversation = manager(recorded, ALWAYS)
    first = await conversation.chat(GREETING, force_tier="local")  # forced: no cascade, one turn of history
    local_calls, cloud_calls = len(recorded.local.calls), len(recorded.cloud.calls)

    turn = await conversation.chat(QUESTION)

    local_call, cloud_call = recorded.local.calls[local_calls], recorded.cloud.calls[cloud_calls]
    history = [("user", GREETING), ("assistant", first.text), ("user", QUESTION)]
    # Both tiers were given the whole conversation; the cloud was not given the wasted local answer.
    assert local_call["messages"] == history and cloud_call["messages"] == history
    assert len(recorded.local.calls) == local_calls + 1 and len(recorded.cloud.calls) == cloud_calls + 1

    entry = turn.metadata
    assert set(EXCHANGE_KEYS) <= set(entry)
    assert (turn.tier, entry["source"], entry["escalated"], turn.decision.escalated) == ("cloud", "cloud", True, True)
    assert (entry["strategy"], entry["fell_back"], entry["forced"]) == ("cascade", False, False)
    record = entry["cascade"]
    assert record["local_answer"] == local_call["answer"] and record["cloud_answer"] == cloud_call["answer"]
    assert turn.text == cloud_call["answer"]
    assert record["wasted_local_tokens"] == local_call["usage"]["output_token_count"] > 0
    assert record["wasted_local_s"] == record["local_seconds"] > 0
    assert entry["response_time_s"] > record["wasted_local_s"]  # the user waited for both answers
    assert entry["output_tokens"] == cloud_call["usage"]["output_token_count"]  # the served answer's tokens
    # The escalation follows from the recorded confidence and bar: P(right) <= 1.0.
    assert record["threshold"] == ALWAYS and 0 < record["confidence"] <= ALWAYS
    assert (
        entry["mode"] == "custom" and "mode custom: the cloud answers at local confidence <= 1.000" in entry["reasons"]
    )
    assert entry["p_cloud"] == pytest.approx(1 - record["confidence"], abs=1e-3) and entry["threshold"] == 0.0
    # What each tier received: the two earlier messages and the question, each in its own record.
    assert record["local_received"]["history_messages"] == entry["received"]["history_messages"] == 2
    assert record["local_received"]["messages"] == entry["received"]["messages"] == 3
    assert entry["messages_sent"] == 3

    # One history, holding the served answer only, signed by the tier that wrote it.
    assert authors(conversation) == [("user", None), ("assistant", "local"), ("user", None), ("assistant", "cloud")]
    assert [m["content"] for m in conversation.context.messages] == [GREETING, first.text, QUESTION, turn.text]


async def test_a_kept_turn_serves_the_local_answer_and_asks_the_cloud_nothing(recorded):
    conversation = manager(recorded, NEVER)
    local_calls, cloud_calls = len(recorded.local.calls), len(recorded.cloud.calls)

    turn = await conversation.chat(QUESTION)

    assert len(recorded.cloud.calls) == cloud_calls and len(recorded.local.calls) == local_calls + 1
    entry, record = turn.metadata, turn.metadata["cascade"]
    assert (turn.tier, entry["escalated"], turn.decision.escalated) == ("local", False, False)
    assert record["local_answer"] == turn.text == recorded.local.calls[-1]["answer"]
    assert record["cloud_answer"] is None and record["wasted_local_tokens"] == 0 and record["wasted_local_s"] == 0
    assert record["local_tokens"] == entry["output_tokens"] > 0 and record["confidence"] > NEVER
    assert record["local_received"] == entry["received"]
    assert authors(conversation) == [("user", None), ("assistant", "local")]
    assert conversation.context.messages[-1]["content"] == turn.text


async def test_the_routers_mode_sets_the_cascades_bar_on_its_own_curve(recorded):
    cascade = CascadeStrategy.load()
    conversation = HybridConversationManager(
        HybridRouter(mode="cost"), recorded.tiers, strategy="cascade", max_tokens=12
    )

    turn = await conversation.chat(QUESTION)

    record = turn.metadata["cascade"]
    assert record["threshold"] == cascade.threshold_for("cost") and turn.metadata["mode"] == "cost"
    assert turn.metadata["escalated"] == (record["confidence"] <= record["threshold"])
    assert (turn.tier == "cloud") == turn.metadata["escalated"]


async def test_a_streamed_escalation_announces_itself_before_the_clouds_text(recorded):
    conversation = manager(recorded, ALWAYS)

    streamed = [item async for item in conversation.chat_stream(QUESTION)]

    decision, turn, chunks = streamed[0], streamed[-1], streamed[1:-1]
    assert isinstance(decision, RoutingDecision) and decision.escalated and decision.target == "cloud"
    assert isinstance(turn, HybridTurn) and turn.tier == "cloud" and chunks
    assert all(isinstance(chunk, str) for chunk in chunks)
    assert "".join(chunks).strip() == turn.text.strip()  # the cloud's text once, as it arrived
    assert not any(isinstance(item, RoutingDecision) for item in chunks)  # no fallback: one decision
    assert turn.metadata["ttft_s"] > turn.metadata["cascade"]["wasted_local_s"]

    kept = manager(recorded, NEVER)
    streamed = [item async for item in kept.chat_stream(QUESTION)]
    assert [type(item) for item in streamed] == [RoutingDecision, str, HybridTurn]
    assert streamed[1] == streamed[2].text and not streamed[0].escalated


async def test_a_conversation_with_escalations_is_saved_and_resumed_with_its_records(recorded, tmp_path):
    store = SqliteStore(tmp_path / "cascade.sqlite3")
    conversation = manager(recorded, ALWAYS, store=store, session_id="cascade-1")
    await conversation.chat(GREETING)
    conversation.cascade_threshold = NEVER  # the next turn keeps the local answer
    await conversation.chat(QUESTION)
    saved = [dict(e) for e in conversation.context.routing_metadata]
    assert [e["escalated"] for e in saved] == [True, False]

    resumed = HybridConversationManager(tiers=recorded.tiers, store=store, session_id="cascade-1", strategy="cascade")
    await resumed.resume()

    assert resumed.context.routing_metadata == saved  # every record round-trips, both answers and the waste included
    assert resumed.context.messages == conversation.context.messages
    assert authors(resumed) == [("user", None), ("assistant", "cloud"), ("user", None), ("assistant", "local")]
    cloud_calls = len(recorded.cloud.calls)
    resumed.cascade_threshold = ALWAYS
    third = await resumed.chat("Thanks!")
    # The resumed conversation goes on: the escalated turn's cloud call is given all of it.
    assert recorded.cloud.calls[cloud_calls]["messages"][:-1] == [
        (m["role"], m["content"]) for m in conversation.context.messages
    ]
    assert third.metadata["turn"] == 3 and store.load("cascade-1").routing_metadata[-1]["escalated"] is True


async def test_a_local_tier_without_logprobs_fails_over_to_the_cloud_and_the_record_says_nothing_was_judged(recorded):
    # The local tier is a Responses client: it takes no `logprobs` option, so the cascade cannot judge its answer.
    no_logprobs = OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=recorded.http)
    tiers = Tiers(recorded.tiers.settings, no_logprobs, recorded.tiers.cloud_client)
    conversation = HybridConversationManager(tiers=tiers, strategy="cascade", cascade_threshold=NEVER, max_tokens=8)

    turn = await conversation.chat(QUESTION)

    entry = turn.metadata
    assert (turn.tier, entry["fell_back"], entry["failed_tier"], entry["escalated"]) == ("cloud", True, "local", False)
    assert "logprobs" in entry["error"] and "local tier failed" in turn.decision.reasons[-1]
    assert entry["p_cloud"] is None and entry["confidence"] is None
    assert entry["cascade"]["local_answer"] is None and entry["cascade"]["confidence"] is None
    assert entry["cascade"]["cloud_answer"] == turn.text and entry["cascade"]["wasted_local_tokens"] == 0
    assert len(conversation.context.messages) == 2


async def test_the_embedded_model_returns_logprobs_for_every_answer_token_and_refuses_to_stream_them():
    client = EmbeddedChatClient()
    response = await client.get_response("What is 2 + 2?", options={"max_tokens": 8, **LOGPROB_OPTIONS})
    answer = local_answer_of(response, 0.1)
    assert len(answer.token_logprobs) == response.usage_details["output_token_count"] > 0
    assert all(lp <= 0 for lp in answer.token_logprobs) and all(m >= 0 for m in answer.margins)
    confidence, features, _ = judge_local_answer("What is 2 + 2?", answer, CascadeStrategy.load(), 0.5)
    assert 0 < confidence < 1 and features["log_tokens"] > 0
    plain = await client.get_response("What is 2 + 2?", options={"max_tokens": 8})
    assert "logprobs" not in (plain.additional_properties or {})
    with pytest.raises(CascadeError, match="without log-probabilities"):
        local_answer_of(plain, 0.1)
    with pytest.raises(TierUsageError, match="not streamed"):
        await client.get_response("Hi", stream=True, options={"max_tokens": 4, **LOGPROB_OPTIONS}).get_final_response()


def test_a_strategy_or_bar_that_cannot_work_is_refused_with_the_choices(recorded):
    with pytest.raises(UnknownStrategyError, match="route, cascade"):
        HybridConversationManager(tiers=recorded.tiers, strategy="cascading")
    with pytest.raises(CascadeError, match="between 0 and 1"):
        HybridConversationManager(tiers=recorded.tiers, strategy="cascade", cascade_threshold=1.5)


async def test_a_router_with_a_fixed_threshold_gives_the_cascade_no_bar(recorded):
    conversation = HybridConversationManager(HybridRouter(threshold=0.5), recorded.tiers, max_tokens=8)
    with pytest.raises(CascadeError, match="cascade_threshold"):
        await conversation.chat(QUESTION, strategy="cascade")
    with pytest.raises(UnknownStrategyError):
        await conversation.chat(QUESTION, strategy="both")
    assert conversation.context.routing_metadata == []


async def test_a_cloud_that_fails_after_an_escalation_serves_the_local_answer_in_hand(recorded):
    dead = AsyncOpenAI(base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="sk-test-dead-0123456789", max_retries=0)
    tiers = Tiers(
        recorded.tiers.settings, recorded.tiers.local_client, OpenAIChatClient(model="gpt", async_client=dead)
    )
    conversation = HybridConversationManager(tiers=tiers, strategy="cascade", cascade_threshold=ALWAYS, max_tokens=8)
    local_calls = len(recorded.local.calls)

    turn = await conversation.chat(QUESTION)

    entry, record = turn.metadata, turn.metadata["cascade"]
    assert (turn.tier, entry["escalated"], entry["fell_back"], entry["failed_tier"]) == ("local", True, True, "cloud")
    assert len(recorded.local.calls) == local_calls + 1  # the local answer is served, not asked for again
    assert turn.text == record["local_answer"] == recorded.local.calls[-1]["answer"]
    assert record["cloud_answer"] is None and record["wasted_local_tokens"] == 0
    assert "sk-test-dead" not in str(entry) and "cloud tier failed" in turn.decision.reasons[-1]
    assert authors(conversation) == [("user", None), ("assistant", "local")]


async def test_a_turn_with_tools_on_offer_is_routed_not_cascaded_and_the_reasons_say_so(recorded):
    from agent_framework import tool

    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        return a * b

    conversation = manager(recorded, NEVER, tools=[multiply], tool_choice="none")
    cascaded = await conversation.chat(QUESTION)  # no tools on offer this turn: the cascade runs
    assert cascaded.metadata["cascade"] is not None and cascaded.tier == "local"

    conversation.tool_choice = None  # tools on offer ("auto"): the cascade cannot judge a tool call
    routed = await conversation.chat(QUESTION)
    assert routed.metadata["cascade"] is None and routed.metadata["escalated"] is False
    assert routed.decision.reasons[0].startswith("routed first, not cascaded: tools are on offer")
    assert any("tool" in reason and "floor" in reason for reason in routed.decision.reasons[1:])
