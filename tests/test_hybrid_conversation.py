"""Routed hybrid conversations against the real tiers: the embedded SmolLM2 model and the local Responses service.

The central check: whichever tier answered earlier turns, each tier is *sent* the whole conversation.
The test attaches its own recorder to each tier's chat client (independent of the manager's own
record) and also asks the service what it kept and counted. Answers are never checked for wording.
"""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI
from tier_recording import recorded_tiers

from modules.hybrid import (
    ConversationIdTakenError,
    HybridTurn,
    ServerSideHistoryError,
    UnknownSourceError,
    UnsupportedTargetError,
)
from modules.hybrid.conversation import DEFAULT_INSTRUCTIONS
from modules.hybrid.handoff import resume_hybrid_in_new_process
from modules.hybrid_conversation import HybridConversationManager
from modules.labkit.context_echo import ContextEchoClient
from modules.routing import AllTiersFailedError, HybridRouter, RoutingDecision
from modules.runtime.local_service import running_local_service
from modules.runtime.ports import free_port
from modules.storage import SqliteStore
from modules.tiers import EmbeddedChatClient, Tiers, load_model

GREETING = "Hello! My name is Ana and I keep bees."  # the router sends these to the local tier
FOLLOW_UP = "Hi again! What is my name?"
ANALYSIS = "Compare Kafka and RabbitMQ for order events, with the trade-offs."  # and this to the cloud tier


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


@pytest.fixture
def recorded(service):
    return recorded_tiers(service)


def dead_cloud_client() -> OpenAIChatClient:
    """A cloud tier that refuses connections at once (nothing listens on the port); its key must never leak."""
    http = AsyncOpenAI(
        base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="sk-test-secret-0123456789", max_retries=0, timeout=10
    )
    return OpenAIChatClient(model="gpt-4o-mini", async_client=http)


async def test_each_tier_is_sent_the_whole_conversation_whichever_tier_answered_before(recorded):
    conversation = HybridConversationManager(HybridRouter(), recorded.tiers, max_tokens=24)
    local_calls, cloud_calls = len(recorded.local.calls), len(recorded.cloud.calls)

    first = await conversation.chat(GREETING)
    second = await conversation.chat(ANALYSIS)
    streamed = [item async for item in conversation.chat_stream(FOLLOW_UP)]
    third = streamed[-1]

    assert [t.tier for t in (first, second, third)] == ["local", "cloud", "local"]
    assert [t.decision.target for t in (first, second, third)] == ["local", "cloud", "local"]
    # What each tier's client was actually given, recorded below the manager:
    local_sent = [c["messages"] for c in recorded.local.calls[local_calls:]]
    cloud_sent = [c["messages"] for c in recorded.cloud.calls[cloud_calls:]]
    assert local_sent[0] == [("user", GREETING)]
    assert cloud_sent == [[("user", GREETING), ("assistant", first.text), ("user", ANALYSIS)]]
    assert local_sent[1] == [
        ("user", GREETING),
        ("assistant", first.text),  # written by the local tier
        ("user", ANALYSIS),
        ("assistant", second.text),  # written by the cloud tier: the local tier was given it
        ("user", FOLLOW_UP),
    ]
    assert len(local_sent) == 2
    assert [first.sent, second.sent, third.sent] == [local_sent[0], cloud_sent[0], local_sent[1]]

    # The service kept no conversation of its own (store=False), so no second, diverging history exists ...
    response_id = recorded.cloud.calls[-1]["response_id"]
    assert response_id and response_id.startswith("resp_")
    with pytest.raises(httpx.HTTPStatusError) as missing:
        recorded.service.history(response_id)
    assert missing.value.response.status_code == 404
    # ... and the input it counted for the cloud turn includes the local turn before it.
    alone = await recorded.tiers.answer("cloud", ANALYSIS, max_tokens=1, instructions=DEFAULT_INSTRUCTIONS)
    earlier_answer_tokens = len(load_model().tokenize(first.text.encode(), add_bos=False))
    assert second.metadata["input_tokens"] >= alone.input_tokens + earlier_answer_tokens

    # Metadata: the contract's keys, switches, and what was sent.
    entries = [first.metadata, second.metadata, third.metadata]
    assert [e["messages_sent"] for e in entries] == [1, 3, 5]
    assert [e["switched"] for e in entries] == [False, True, True]
    assert [e["strategy"] for e in entries] == ["learned"] * 3 and not any(e["fell_back"] for e in entries)
    assert second.metadata["cost_usd"] > 0 and first.metadata["cost_usd"] == 0
    assert all(e["input_tokens"] and e["output_tokens"] for e in entries)
    summary = conversation.get_conversation_summary()
    assert summary["routing_stats"]["model_switches"] == 2
    assert summary["routing_stats"]["routing_distribution"] == {"local": 2, "cloud": 1}
    assert [row["source"] for row in summary["flow"]] == ["local", "cloud", "local"]

    # Streaming: the decision first, then text as it is generated, then the finished turn.
    assert isinstance(streamed[0], RoutingDecision) and isinstance(third, HybridTurn)
    chunks = streamed[1:-1]
    assert chunks and all(isinstance(c, str) for c in chunks)
    assert "".join(chunks).strip() == third.text.strip()
    assert 0 < third.metadata["ttft_s"] <= third.metadata["response_time_s"]
    # One history: the session holds all six messages, each answer signed by the tier that wrote it.
    stored = conversation.context.session.state["in_memory"]["messages"]
    assert [m.author_name for m in stored if m.role == "assistant"] == ["local", "cloud", "local"]


THANKS = "Thank you, that is all."


async def test_the_guides_scenario_3_goes_local_cloud_local_in_balanced_mode_with_no_forcing(recorded):
    conversation = HybridConversationManager(tiers=recorded.tiers, max_tokens=16)  # the default router
    assert conversation.router.mode == "balanced"
    local_calls, cloud_calls = len(recorded.local.calls), len(recorded.cloud.calls)

    turns = [await conversation.chat(q) for q in (GREETING, ANALYSIS, THANKS)]

    # Which client was sent each leg, recorded below the manager: local, then cloud, then local again.
    local_sent = [c["messages"][-1] for c in recorded.local.calls[local_calls:]]
    cloud_sent = [c["messages"][-1] for c in recorded.cloud.calls[cloud_calls:]]
    assert local_sent == [("user", GREETING), ("user", THANKS)] and cloud_sent == [("user", ANALYSIS)]
    assert [t.tier for t in turns] == ["local", "cloud", "local"]
    assert not any(t.decision.fell_back or t.metadata["forced"] for t in turns)
    assert [e["mode"] for e in conversation.context.routing_metadata] == ["balanced"] * 3
    assert all("balanced" in " ".join(t.decision.reasons) for t in turns)


async def test_a_failing_tier_hands_the_question_to_the_other_with_the_whole_history(recorded):
    tiers = Tiers(recorded.tiers.settings, recorded.tiers.local_client, dead_cloud_client())
    conversation = HybridConversationManager(HybridRouter(), tiers, max_tokens=12)
    conversation.context.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.1)
    before = len(recorded.local.calls)

    turn = await conversation.chat(ANALYSIS)

    assert (turn.decision.target, turn.tier, turn.decision.fell_back, turn.decision.failed_target) == (
        "cloud",
        "local",
        True,
        "cloud",
    )
    assert (turn.metadata["fell_back"], turn.metadata["failed_tier"], turn.metadata["source"]) == (
        True,
        "cloud",
        "local",
    )
    assert "Connection" in turn.metadata["error"] and "sk-test-secret" not in str(turn.metadata)
    assert "cloud tier failed" in turn.decision.reasons[-1]
    assert recorded.local.calls[before]["messages"] == [
        ("user", "My name is Ana."),
        ("assistant", "Hello Ana!"),
        ("user", ANALYSIS),
    ]
    assert len(conversation.context.messages) == 4  # the failed attempt added nothing

    # Streaming announces the fallback with a second decision before the other tier's text.
    streamed = [item async for item in conversation.chat_stream("Explain the trade-offs in depth.", force_tier="cloud")]
    decisions = [item for item in streamed if isinstance(item, RoutingDecision)]
    assert [d.fell_back for d in decisions] == [False, True] and streamed[-1].tier == "local"
    assert streamed[-1].metadata["forced"] and streamed[-1].metadata["strategy"] == "forced"

    # Both tiers down: a clear error naming both, and nothing recorded.
    broken = Tiers(
        recorded.tiers.settings, EmbeddedChatClient(model_path="/nonexistent/model.gguf"), dead_cloud_client()
    )
    stranded = HybridConversationManager(HybridRouter(), broken)
    stranded.context.add_exchange("Hi", "Hello", "local", 0.1)
    with pytest.raises(
        AllTiersFailedError, match="local tier: ModelNotFoundError.*cloud tier|cloud tier: .*local tier"
    ):
        await stranded.chat("Hello again!")
    assert len(stranded.context.messages) == 2 and len(stranded.context.routing_metadata) == 1


async def test_forcing_a_tier_using_your_own_agent_and_bad_arguments(recorded):
    conversation = HybridConversationManager(HybridRouter(), recorded.tiers)
    cloud_calls = len(recorded.cloud.calls)
    with pytest.raises(UnknownSourceError, match="'local' or 'cloud'"):
        await conversation.chat("Hello", force_tier="gpt-9")
    with pytest.raises(ServerSideHistoryError, match="store"):
        await conversation.initialize_agent_session(recorded.tiers.cloud_client.as_agent(name="stores"))
    with pytest.raises(UnsupportedTargetError, match="store=..."):
        await conversation.save()
    # Your own agent for the cloud tier (an echo client stands in here: it reports the context it received).
    await conversation.initialize_agent_session(ContextEchoClient().as_agent(name="echo"))
    conversation.context.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.1)
    turn = await conversation.chat("Hi", force_tier="cloud")
    assert turn.tier == "cloud" and turn.text.startswith("I received 3 messages")
    assert turn.decision.strategy == "forced" and turn.decision.reasons[0].startswith("forced to the cloud tier")
    assert turn.metadata["forced"] and turn.metadata["p_cloud"] is not None
    assert conversation.agents["cloud"].name == "echo"
    assert len(recorded.cloud.calls) == cloud_calls  # the service's tier was not used
    conversation.close()  # tiers were passed in: close() leaves them running
    assert recorded.service.running


async def test_persist_resume_in_another_process_and_continue(recorded, tmp_path):
    store = SqliteStore(tmp_path / "conversations.sqlite3")
    conversation = HybridConversationManager(HybridRouter(), recorded.tiers, store, session_id="bees", max_tokens=16)
    first = await conversation.chat(GREETING, force_tier="cloud")
    assert first.tier == "cloud" and first.metadata["forced"] and not first.metadata["fell_back"]
    assert store.load("bees").message_count == 2  # saved after the exchange, as it happened

    child = resume_hybrid_in_new_process(
        store, FOLLOW_UP, conversation_id="bees", service=recorded.service, max_tokens=16
    )

    assert child.child_pid != os.getpid() and child.conversation_id == "bees"
    assert child.sent == [("user", GREETING), ("assistant", first.text), ("user", FOLLOW_UP)]
    assert (child.tier, child.metadata["turn"], child.metadata["switched"]) == ("local", 2, True)
    await conversation.resume()
    assert len(conversation.context.messages) == 4
    assert conversation.context.messages[-1] == {"role": "assistant", "content": child.text}
    # Continue here: this process's next call is given the turn the other process added.
    third = await conversation.chat("And what do I keep?", force_tier="local")
    assert third.sent[:4] == [
        ("user", GREETING),
        ("assistant", first.text),
        ("user", FOLLOW_UP),
        ("assistant", child.text),
    ]
    assert store.load("bees").message_count == 6 and len(store.load("bees").routing_metadata) == 3
    assert conversation.get_conversation_summary()["routing_stats"]["model_switches"] == 1
    store.close()


def test_without_tiers_the_manager_starts_its_own_and_close_stops_them():
    with HybridConversationManager(HybridRouter()) as conversation:
        service = conversation.tiers.service
        assert service.running and conversation.models["local"] == "SmolLM2-135M-Instruct"
        assert conversation.get_conversation_summary()["exchanges"] == 0
    assert not service.running


class SlowEchoClient(ContextEchoClient):
    """A tier that answers too late: the edge of our own timeout handling, not a stand-in for a model."""

    async def _echo(self, messages):
        await asyncio.sleep(30)
        return await super()._echo(messages)


async def test_a_tier_that_times_out_is_replaced_and_the_timeout_is_recorded(recorded):
    conversation = HybridConversationManager(HybridRouter(), recorded.tiers, timeout_s=1.0)
    await conversation.initialize_agent_session(SlowEchoClient().as_agent(name="slow"), tier="cloud")
    await conversation.initialize_agent_session(ContextEchoClient().as_agent(name="echo"), tier="local")
    started = time.perf_counter()
    turn = await conversation.chat(ANALYSIS)
    assert time.perf_counter() - started < 20
    assert (turn.decision.target, turn.tier, turn.metadata["failed_tier"]) == ("cloud", "local", "cloud")
    assert turn.metadata["error"] == "TimeoutError: no answer within 1 s"
    assert turn.text.startswith("I received 1 messages") and len(conversation.context.messages) == 2


async def test_a_new_conversation_is_never_saved_over_a_stored_one_with_the_same_id(recorded, tmp_path):
    store = SqliteStore(tmp_path / "c.sqlite3")
    first = HybridConversationManager(HybridRouter(), recorded.tiers, store, session_id="ana")
    for tier in ("local", "cloud"):  # echo agents: this checks our bookkeeping, not a model
        await first.initialize_agent_session(ContextEchoClient().as_agent(name=tier), tier=tier)
    await first.chat("Hello!")
    stored = store.load("ana")

    second = HybridConversationManager(HybridRouter(), recorded.tiers, store, session_id="ana")
    for tier in ("local", "cloud"):
        await second.initialize_agent_session(ContextEchoClient().as_agent(name=tier), tier=tier)
    with pytest.raises(ConversationIdTakenError, match=r"await resume\(\)"):
        await second.chat("Hi, I am someone else.")
    assert store.load("ana").session == stored.session and second.context.messages == []
    await second.resume()
    turn = await second.chat("Hello again!")
    assert turn.text.startswith("I received 3 messages") and store.load("ana").message_count == 4
    store.close()
