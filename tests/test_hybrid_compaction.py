"""One conversation, two context windows: the shared history is compacted for the tier that answers, and the record
says what the tier really received. Against the real tiers (the embedded SmolLM2 and the local Responses service).

The long history is built from stored turns, not generated; the tiers' windows are set small (LOCAL_CONTEXT_TOKENS,
CLOUD_CONTEXT_TOKENS) so a short history outgrows them and each model call stays short. Answers are never checked.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from types import SimpleNamespace

import pytest
from agent_framework import ChatContext, ChatMiddleware, Message
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.config import load_settings
from modules.hybrid import resume_hybrid_in_new_process
from modules.hybrid.compaction import (
    SUMMARY_LABEL,
    DamagedSummaryWarning,
    TierCompaction,
    check_state,
    describe_received,
)
from modules.hybrid.conversation import DEFAULT_INSTRUCTIONS
from modules.hybrid_conversation import HybridConversationManager
from modules.runtime.local_service import running_local_service
from modules.storage import FileStore, SqliteStore
from modules.tiers import ContextWindowExceededError, EmbeddedChatClient, Tiers, load_model, prompt_token_count
from modules.tiers.clients import LOCAL_SERVICE_MODEL

LOCAL_WINDOW, CLOUD_WINDOW, ANSWER = 384, 512, 8
FACT = "Remember this: my locker code is 4711."


class ClientRecorder(ChatMiddleware):
    """The test's own record of what a chat client was given, independent of the manager's."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []

    async def process(self, context: ChatContext, call_next) -> None:
        self.calls.append([(str(m.role), m.text or "") for m in context.messages])
        await call_next()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


@pytest.fixture
def tiers(service):
    return tiers_with(service, LOCAL_WINDOW, CLOUD_WINDOW)


def tiers_with(service, local_window: int, cloud_window: int) -> SimpleNamespace:
    """Both tiers, with the given windows in the settings, each with the test's own recorder."""
    settings = load_settings()
    settings = replace(
        settings,
        local=replace(settings.local, context_tokens=local_window),
        cloud=replace(settings.cloud, context_tokens=cloud_window),
    )
    local_log, cloud_log = ClientRecorder(), ClientRecorder()
    http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=600, max_retries=0)
    cloud = OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http, middleware=[cloud_log])
    return SimpleNamespace(
        tiers=Tiers(settings, EmbeddedChatClient(middleware=[local_log]), cloud), local=local_log, cloud=cloud_log
    )


def stored_turns(manager: HybridConversationManager, turns: int) -> None:
    """Give the conversation `turns` earlier exchanges, as if it had been resumed from a store; turn 2 holds FACT."""
    messages = manager.context._message_list()
    for turn in range(1, turns + 1):
        question = FACT if turn == 2 else f"Turn {turn}: what about rivers number {turn}?"
        messages += [Message("user", [question]), Message("assistant", [f"Rivers {turn} flow."], author_name="local")]


def manager_for(tiers, **options) -> HybridConversationManager:
    return HybridConversationManager(tiers=tiers.tiers, max_tokens=ANSWER, timeout_s=900, **options)


def as_chat(sent: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"role": "system", "content": DEFAULT_INSTRUCTIONS}] + [{"role": r, "content": t} for r, t in sent]


async def test_the_record_says_what_each_tier_received_after_compaction(tiers):
    manager = manager_for(tiers, compaction="truncate")
    stored_turns(manager, 30)
    local = await manager.chat("What is my locker code?", force_tier="local")
    received = local.metadata["received"]
    # The record is what the local model's chat client was really given (the test's own recorder)...
    assert (
        tiers.local.calls[-1] == local.sent
        and received["messages"] == len(local.sent) == local.metadata["messages_sent"]
    )
    # ... which is far less than the 60 stored messages, and the record says where the rest went.
    assert received["history_messages"] + received["messages_excluded"] == 60
    assert received["messages_excluded"] > 0 and received["messages_summarised"] == 0
    assert received["history_messages"] == len(local.sent) - 1  # the kept history and the new question
    # Its token count is the prompt llama.cpp tokenised, within the local window.
    assert received["tokens"] == prompt_token_count(load_model(), as_chat(local.sent))
    assert received["tokens"] == local.metadata["input_tokens"] <= LOCAL_WINDOW - ANSWER
    assert received["model_messages"] == len(local.sent) + 1  # and the instructions
    # The fact given at turn 2 is not in what the local tier received: truncation left it out, and says so.
    assert all(FACT not in text for _, text in local.sent)

    # Switching to the cloud gives it more of the history again: its window is larger.
    cloud = await manager.chat("And which rivers did we discuss?", force_tier="cloud")
    got = cloud.metadata["received"]
    assert tiers.cloud.calls[-1] == cloud.sent and got["messages"] == len(cloud.sent)
    assert got["history_messages"] > received["history_messages"]
    assert got["history_messages"] + got["messages_excluded"] == 62
    # The service used every input item it was sent (nothing dropped there) and counted the same prompt.
    assert got["service_dropped_items"] == 0
    assert got["tokens"] == prompt_token_count(load_model(), as_chat(cloud.sent)) <= CLOUD_WINDOW - ANSWER


async def test_summarise_keeps_turn_2_in_what_the_tier_received_stored_and_resumed_alike(service, tmp_path):
    tiers = tiers_with(service, LOCAL_WINDOW, 2048)  # the summariser reads as much as the service's real window
    store = SqliteStore(tmp_path / "c.sqlite3")
    manager = manager_for(tiers, store=store)  # "summarize" is the default
    stored_turns(manager, 24)
    first = await manager.chat("What is my locker code?", force_tier="local")
    received = first.metadata["received"]
    assert received["summary_new"] and received["summary_id"].startswith("summary-")
    assert received["messages_summarised"] > 2  # turn 2 (messages 3 and 4) is inside the summary...
    assert received["messages_summarised"] + received["history_messages"] + received["messages_excluded"] == 48
    stored = manager.context.session.state["compaction"]["summary"]
    assert first.sent[0] == ("assistant", stored["text"])  # the summary the cloud tier wrote, first
    assert stored["id"] == received["summary_id"] and stored["covers"] == received["messages_summarised"]
    assert describe_received(received).startswith(f"{received['history_messages']} recent messages + summary of")

    # Resumed elsewhere, the conversation sends each tier the same thing as the uninterrupted one: in this process,
    resumed = manager_for(tiers, session_id=manager.conversation_id)
    await resumed.resume_session(store)  # resumed, not saved back: the uninterrupted one keeps saving
    assert resumed.compaction_report is None
    # ... and in a new Python process (given a copy, which it saves its turn to), with the same windows.
    copy = FileStore(tmp_path / "copy")
    await resumed.save(copy)
    child = resume_hybrid_in_new_process(
        copy,
        "Tell me more.",
        conversation_id=manager.conversation_id,
        service=service,
        force_tier="local",
        max_tokens=ANSWER,
        context_tokens={"local": LOCAL_WINDOW, "cloud": 2048},
    )
    ahead = await manager.chat("Tell me more.", force_tier="local")
    again = await resumed.chat("Tell me more.", force_tier="local")
    assert again.sent == ahead.sent == child.sent and again.sent[0] == ("assistant", SUMMARY_LABEL + stored["text"])
    assert again.metadata["received"] == ahead.metadata["received"] == child.metadata["received"]
    assert again.metadata["received"]["summary_id"] == ahead.metadata["received"]["summary_id"] == stored["id"]
    assert not again.metadata["received"]["summary_new"]  # reused, not written again
    assert child.child_pid != os.getpid()
    assert copy.load(manager.conversation_id).session["state"]["compaction"]["summary"] == stored  # saved back too
    # The cloud tier, next, is given the same too (its window holds the whole history: no summary for it).
    ahead = await manager.chat("And the rivers?", force_tier="cloud")
    again = await resumed.chat("And the rivers?", force_tier="cloud")
    answer = -2  # the local answer just before: each conversation's own generation, compared by its role only
    assert again.sent[:answer] == ahead.sent[:answer] and again.sent[-1] == ahead.sent[-1]
    assert again.sent[answer][0] == ahead.sent[answer][0] == "assistant"
    assert again.metadata["received"]["messages"] == ahead.metadata["received"]["messages"] == 2 * 26 + 1
    assert again.metadata["received"]["summary_id"] is None and again.metadata["received"]["messages_excluded"] == 0


def test_a_damaged_or_missing_summary_on_resume_is_reported_and_the_full_history_used():
    session = SimpleNamespace(state={"in_memory": {"messages": [Message("user", ["hi"])] * 4}})
    session.state["compaction"] = {"summary": {"id": "summary-x", "text": "", "covers": 2}, "summaries_written": 1}
    with pytest.warns(DamagedSummaryWarning, match="conv-7.*damaged.*full stored history"):
        report = check_state(session, "conv-7")
    assert "conv-7" in report and len(session.state["in_memory"]["messages"]) == 4  # nothing lost
    assert "summary" not in session.state["compaction"]
    session.state["compaction"] = {"summaries_written": 2}
    with pytest.warns(DamagedSummaryWarning, match="missing"):
        check_state(session, "conv-7")
    session.state["compaction"] = {"summary": {"id": "summary-x", "text": "ok", "covers": 9}}
    with pytest.warns(DamagedSummaryWarning, match="covers 9 messages but only 4"):
        check_state(session, "conv-7")
    del session.state["compaction"]  # a store that keeps no summary (a journal), though an exchange was given one
    with pytest.warns(DamagedSummaryWarning, match="missing"):
        check_state(session, "conv-7", [{"received": {"summary_id": "summary-x"}}])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        session.state["compaction"] = {"summary": {"id": "summary-x", "text": "ok", "covers": 2}}
        assert check_state(session, "conv-7") is None


def test_a_message_larger_than_a_tiers_whole_budget_is_refused_naming_tier_window_and_size():
    compaction = TierCompaction("cloud", window=CLOUD_WINDOW, answer_tokens=ANSWER, strategy="truncate")
    with pytest.raises(ContextWindowExceededError) as refused:
        compaction.prepare(SimpleNamespace(state={}), "word " * 2000, DEFAULT_INSTRUCTIONS)
    message = str(refused.value)
    assert refused.value.tier == "cloud" and f"{CLOUD_WINDOW:,} tokens" in message
    assert f"{refused.value.needed:,} tokens" in message and refused.value.needed > CLOUD_WINDOW


@pytest.mark.parametrize(("options", "strategy"), [({}, "summarize"), ({"max_history": 3}, "sliding_window")])
def test_max_history_chooses_the_sliding_window(tiers, options, strategy):
    manager = manager_for(tiers, **options)
    assert {c.strategy_name for c in manager.compactions.values()} == {strategy}
    assert manager.compactions["local"].budget.window == LOCAL_WINDOW
    assert manager.compactions["cloud"].budget.window == CLOUD_WINDOW


async def test_a_message_too_large_for_both_tiers_records_nothing_and_the_error_names_each_tier(tiers):
    from modules.routing import AllTiersFailedError

    manager = manager_for(tiers)
    stored_turns(manager, 3)
    with pytest.raises(AllTiersFailedError) as refused:
        await manager.chat("word " * 2000, force_tier="local")
    message = str(refused.value)
    assert f"local tier's context window is {LOCAL_WINDOW:,} tokens" in message
    assert f"cloud tier's context window is {CLOUD_WINDOW:,} tokens" in message
    assert manager.context.routing_metadata == [] and len(manager.context.messages) == 6  # nothing cut or added
    assert tiers.local.calls == tiers.cloud.calls == []  # refused before either model was asked
