"""The two context managers without a model: history, metadata contract, analytics, export, agent hand-over.

The agent used here is `ContextEchoClient`, whose reply states how many messages it received: it
tests *our* code's hand-over of the history, not a model (tests/test_hybrid_conversation.py runs the
real tiers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from agent_framework import AgentSession
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.context_manager import ConversationContextManager
from modules.hybrid import (
    EXCHANGE_KEYS,
    AgentNotInitializedError,
    ServerSideHistoryError,
    UnknownSourceError,
)
from modules.hybrid.exchange import short_error
from modules.hybrid_agent_context import HybridAgentContextManager
from modules.labkit.context_echo import ContextEchoClient
from modules.pricing import estimate_cost
from modules.storage import ExchangeJournal

GUIDE_EXPORT = Path(__file__).resolve().parent.parent / "data" / "conversations" / "guide_export_session_123.json"


def echo_agent():
    return ContextEchoClient().as_agent(name="echo")


def storing_agent():
    # Never called: only its configuration (a Responses client that stores by default) is inspected.
    client = OpenAIChatClient(model="m", async_client=AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key="x"))
    return client.as_agent(name="stores")


def test_add_exchange_keeps_openai_history_and_one_complete_metadata_entry_per_exchange():
    context = ConversationContextManager("s1")
    first = context.add_exchange("Hello!", "Hi there!", "local", 0.08, {"complexity": "low"})
    second = context.add_exchange(
        "Analyze this",
        "Analysis.",
        "foundry",
        2.4,
        {"input_tokens": 1200, "output_tokens": 300, "model": "gpt-4o-mini"},
    )
    assert context.messages == [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi there!"},
        {"role": "user", "content": "Analyze this"},
        {"role": "assistant", "content": "Analysis."},
    ]
    for entry in (first, second):
        assert set(EXCHANGE_KEYS) <= set(entry)
        json.dumps(entry)  # JSON-safe
    assert (first["turn"], first["source"], first["switched"], first["details"]) == (
        1,
        "local",
        False,
        {"complexity": "low"},
    )
    assert (second["turn"], second["source"], second["source_label"], second["switched"]) == (
        2,
        "cloud",
        "foundry",
        True,
    )
    assert second["cost_usd"] == pytest.approx(estimate_cost("cloud", 1200, 300)) and second["cost_usd"] > 0
    assert (first["messages_sent"], second["messages_sent"]) == (1, 3)
    assert context.last_source == "cloud"


def test_unknown_source_is_a_typed_error_that_names_the_choices_and_records_nothing():
    context = ConversationContextManager("s1")
    context.add_exchange("Hello!", "Hi", "local", 0.1)
    with pytest.raises(UnknownSourceError, match="'local' or 'cloud'") as raised:
        context.add_exchange("Q", "A", "gpt-9", 0.1)
    assert "gpt-9" in str(raised.value) and "nothing was recorded" in str(raised.value)
    assert len(context.messages) == 2 and len(context.routing_metadata) == 1


def test_local_model_view_is_trimmed_to_max_history_but_the_conversation_is_not():
    context = ConversationContextManager("s1", max_history=2)
    for n in range(5):
        context.add_exchange(f"q{n}", f"a{n}", "local", 0.1)
    view = context.get_messages_for_local_model(system_prompt="Be brief.")
    assert view[0] == {"role": "system", "content": "Be brief."}
    assert [m["content"] for m in view[1:]] == ["q3", "a3", "q4", "a4"]
    assert len(context.messages) == 10
    context.clear_conversation()
    assert (
        context.messages == []
        and context.routing_metadata == []
        and context.get_routing_summary()["total_exchanges"] == 0
    )


async def test_the_framework_free_manager_saves_to_a_journal_and_resumes_from_it(tmp_path):
    context = ConversationContextManager("plain")
    context.add_exchange("Hello!", "Hi!", "local", 0.1)
    journal = ExchangeJournal(tmp_path / "j.sqlite3")
    assert await context.save(journal) == 1
    context.add_exchange("And you?", "Fine.", "cloud", 0.2)
    assert await context.save(journal) == 1
    loaded = await ConversationContextManager("other").resume(journal, "plain")
    assert loaded.messages == context.messages and loaded.routing_metadata == context.routing_metadata
    journal.close()


@pytest.mark.parametrize("how", ["save and resume", "the guide's aliases"])
async def test_save_then_resume_gives_back_the_same_conversation(tmp_path, how):
    context = ConversationContextManager("exported")
    context.add_exchange("Hello!", "Hi!", "local", 0.1, {"input_tokens": 5, "output_tokens": 2, "topic": "greeting"})
    context.add_exchange("Plan a launch", "Step 1...", "apim", 1.5, {"input_tokens": 50, "output_tokens": 40})
    path = tmp_path / "conv.json"
    if how == "save and resume":
        await context.save(path)
        loaded = await ConversationContextManager("other").resume(path)
    else:
        assert context.export_conversation(path) == path
        loaded = ConversationContextManager.load_conversation(path)
    assert json.loads(path.read_bytes().partition(b"\n")[0])["revision"] == 1  # one envelope file, as a store's
    assert loaded.session_id == "exported" and loaded.messages == context.messages
    assert loaded.routing_metadata == context.routing_metadata


def test_the_persistence_guides_export_file_loads_with_tiers_mapped():
    loaded = ConversationContextManager.load_conversation(GUIDE_EXPORT)
    assert loaded.session_id == "session_123"
    assert [m["content"] for m in loaded.messages] == [
        "Hello!",
        "Hi there!",
        "Analyze complex data",
        "Here is the analysis.",
    ]
    assert [(e["source"], e.get("source_label"), e["switched"]) for e in loaded.routing_metadata] == [
        ("local", None, False),
        ("cloud", "foundry", True),
    ]
    assert loaded.routing_metadata[1]["details"] == {"complexity": "high"}
    assert loaded.routing_metadata[1]["response_time_s"] == 2.4


async def test_to_agent_session_hands_the_whole_history_to_a_stock_agent():
    context = ConversationContextManager.load_conversation(GUIDE_EXPORT)
    agent = echo_agent()
    session = await context.to_agent_session(agent)
    assert isinstance(session, AgentSession) and session.session_id == "session_123"
    reply = await agent.run("What did we discuss?", session=session)
    assert reply.text.startswith("I received 5 messages")  # 4 from the old conversation + the new question
    assert "Analyze complex data" in reply.text
    assert (await context.to_agent_session(agent)).to_dict() == (await context.to_agent_session(agent)).to_dict()


async def test_an_agent_that_keeps_history_on_the_service_is_refused_with_the_fix():
    context = ConversationContextManager("s1")
    with pytest.raises(ServerSideHistoryError, match=r"default_options=\{'store': False\}"):
        await context.to_agent_session(storing_agent())
    manager = HybridAgentContextManager("s2")
    with pytest.raises(ServerSideHistoryError):
        await manager.initialize_agent_session(storing_agent())
    assert manager.agent is None


async def test_hybrid_manager_agent_exchange_sees_local_exchanges_and_records_what_was_sent():
    manager = HybridAgentContextManager("mixed")
    manager.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.05, {"complexity": "low"})
    with pytest.raises(AgentNotInitializedError, match="initialize_agent_session"):
        await manager.ask("Who am I?")
    session = await manager.initialize_agent_session(echo_agent())
    assert session is manager.session
    text, seconds = await manager.ask("Who am I?", source="cloud", metadata={"x": 1})
    assert text.startswith("I received 3 messages") and "My name is Ana." in text and seconds >= 0
    manager.add_exchange("Thanks", "You're welcome", "apim", 0.3)
    assert [e["source"] for e in manager.routing_metadata] == ["local", "cloud", "cloud"]
    assert [e["messages_sent"] for e in manager.routing_metadata] == [1, 3, 5]
    assert manager.sent_log == [
        {
            "turn": 2,
            "tier": "cloud",
            "messages": [("user", "My name is Ana."), ("assistant", "Hello Ana!"), ("user", "Who am I?")],
        }
    ]
    assert manager.routing_metadata[1]["details"] == {"x": 1} and manager.routing_metadata[1]["model"] == "context-echo"
    # One history: the session the agent ran on holds every exchange, whichever way it was added.
    assert [m.text for m in manager.session.state["in_memory"]["messages"]] == [m["content"] for m in manager.messages]
    assert len(manager.messages) == 6


def test_routing_summary_and_flow_are_computed_from_the_metadata():
    manager = HybridAgentContextManager("summary")
    times = {"local": [0.1, 0.2, 0.3, 0.4], "cloud": [1.0, 3.0]}
    plan = ["local", "local", "cloud", "local", "cloud", "local"]
    used = {"local": iter(times["local"]), "cloud": iter(times["cloud"])}
    for n, source in enumerate(plan):
        manager.add_exchange(
            f"question {n}", f"answer {n}", source, next(used[source]), {"input_tokens": 100, "output_tokens": 10}
        )
    summary = manager.get_routing_summary()
    assert summary["total_exchanges"] == 6 and summary["model_switches"] == 4
    assert summary["routing_distribution"] == {"local": 4, "cloud": 2}
    local, cloud = summary["by_source"]["local"], summary["by_source"]["cloud"]
    assert local["mean_response_time_s"] == pytest.approx(0.25) and local["p50_response_time_s"] == pytest.approx(0.25)
    assert local["p95_response_time_s"] == pytest.approx(0.385)
    assert cloud["p50_response_time_s"] == pytest.approx(2.0) and cloud["input_tokens"] == 200
    assert cloud["cost_usd"] == pytest.approx(2 * estimate_cost("cloud", 100, 10)) and local["cost_usd"] == 0
    assert summary["cost_usd"] == pytest.approx(cloud["cost_usd"])
    flow = manager.get_conversation_flow()
    assert [row["source"] for row in flow] == plan
    assert [row["switched"] for row in flow] == [False, False, True, True, True, True]
    assert flow[2]["question"] == "question 2"


def test_error_text_in_metadata_never_carries_credentials_and_is_bounded():
    error = RuntimeError("401 Unauthorized: Incorrect API key provided: sk-abc123def456ghi. Header Bearer tok_999")
    text = short_error(error)
    assert "sk-abc123" not in text and "tok_999" not in text and text.startswith("RuntimeError: 401")
    assert len(short_error("x" * 1000)) == 200


async def test_hybrid_manager_hands_over_a_copy_of_its_session_and_clears_everything():
    manager = HybridAgentContextManager("copy-me")
    manager.add_exchange("My name is Ana.", "Hello Ana!", "local", 0.05)
    agent = echo_agent()
    copy = await manager.to_agent_session(agent)
    assert copy is not manager.session and copy.to_dict() == manager.session.to_dict()
    reply = await agent.run("Who am I?", session=copy)
    assert reply.text.startswith("I received 3 messages") and len(manager.messages) == 2  # the copy moved on alone
    manager.clear_conversation()
    assert manager.messages == [] and manager.routing_metadata == [] and manager.sent_log == []
    assert manager.session.state["in_memory"]["messages"] == []
