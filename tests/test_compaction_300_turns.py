"""No turn is dropped without being recorded: a 300-turn conversation runs through both real tiers (the embedded
SmolLM2 and the course's Responses service over HTTP), and every exchange's record is checked against what the
answering model was really given: for the local tier the prompt llama.cpp tokenised (the embedded client's
`model_input` report), for the cloud tier the input items the HTTP request carried and the service's own report of
what it used (`input_truncation`, and the prompt tokens llama.cpp counted in the service's process).

Turns 1-200 use the default strategy (summaries written by the cloud tier, stored and reused); the conversation is
then saved, resumed in a new manager with the persistence guide's `max_history=4`, and turns 201-300 run with the
sliding window, so older turns are left out (and recorded as such).

Kept affordable: small windows in the settings (so compaction starts within a few turns and every prompt is short),
short questions, answers of two tokens and summaries of at most 24. Answers are never checked, only what was sent.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx2
import pytest
from agent_framework import ChatContext, ChatMiddleware
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.config import load_settings
from modules.hybrid import HybridConversationManager
from modules.hybrid import compaction as compaction_module
from modules.hybrid.compaction import SUMMARY_LABEL
from modules.hybrid.conversation import DEFAULT_INSTRUCTIONS
from modules.runtime.local_service import running_local_service
from modules.storage import SqliteStore
from modules.tiers import MODEL_INPUT_KEY, EmbeddedChatClient, Tiers, load_model, prompt_token_count
from modules.tiers.clients import LOCAL_SERVICE_MODEL

TURNS = 300
SWITCH_AT = 201  # from this turn on, the conversation continues resumed, with `max_history=4`
LOCAL_WINDOW, CLOUD_WINDOW, ANSWER, SUMMARY = 640, 896, 2, 24


class Responses(ChatMiddleware):
    """The test's own log of one chat client's calls: the response of each (llama.cpp's report, the service's)."""

    def __init__(self) -> None:
        self.responses: list = []

    async def process(self, context: ChatContext, call_next) -> None:
        await call_next()
        self.responses.append(context.result)


class Requests:
    """The JSON bodies the cloud client really sent over HTTP, in order."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    async def __call__(self, request: httpx2.Request) -> None:
        self.bodies.append(json.loads(request.content))


def input_items(body: dict) -> list[tuple[str, str]]:
    """A Responses request's input items as (role, text), the way the service gives them to the model."""
    items = []
    for item in body["input"]:
        content = item["content"]
        text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
        items.append((item["role"], text))
    return items


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


async def test_300_turns_through_both_tiers_each_record_matches_what_the_model_was_given(
    service, monkeypatch, tmp_path
):
    monkeypatch.setattr(compaction_module, "SUMMARY_TOKENS", SUMMARY)  # short summaries: the suite's time budget
    settings = load_settings()
    settings = replace(
        settings,
        local=replace(settings.local, context_tokens=LOCAL_WINDOW),
        cloud=replace(settings.cloud, context_tokens=CLOUD_WINDOW),
    )
    local_log, cloud_log, wire = Responses(), Responses(), Requests()
    http = httpx2.AsyncClient(event_hooks={"request": [wire]}, timeout=600)
    cloud = OpenAIChatClient(
        model=LOCAL_SERVICE_MODEL,
        async_client=AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, http_client=http, max_retries=0),
        middleware=[cloud_log],
    )
    tiers = Tiers(settings, EmbeddedChatClient(middleware=[local_log]), cloud)
    manager = HybridConversationManager(tiers=tiers, max_tokens=ANSWER, timeout_s=900)
    store = SqliteStore(tmp_path / "conversations.sqlite3")
    llm = load_model()
    summaries: dict[str, dict] = {}
    seen = {"summarised": 0, "excluded": 0, "summaries": 0, "whole": 0}

    for number in range(1, TURNS + 1):
        if number == SWITCH_AT:  # saved, resumed in a manager with the guide's `max_history`: exclusions from here
            await manager.save(store)
            manager = HybridConversationManager(
                tiers=tiers, max_tokens=ANSWER, timeout_s=900, max_history=4, session_id=manager.conversation_id
            )
            await manager.resume(store)
            assert manager.compaction_report is None and len(manager.context.messages) == 2 * (number - 1)
        tier = "cloud" if number % 3 == 0 else "local"
        question = f"Turn {number}."
        shared = [(str(m.role), m.text) for m in manager.context.session.state.get("in_memory", {}).get("messages", [])]
        turn = await manager.chat(question, force_tier=tier)
        record = turn.metadata["received"]
        assert record["strategy"] == ("summarize" if number < SWITCH_AT else "sliding_window")
        assert turn.tier == tier and turn.metadata["source"] == tier and not turn.metadata["fell_back"]

        # What the model was given, from the model's side.
        if tier == "local":
            model_input = local_log.responses[-1].additional_properties[MODEL_INPUT_KEY]
            given = [tuple(m) for m in model_input["messages"]]
            assert given[0] == ("system", DEFAULT_INSTRUCTIONS) and record["model_messages"] == len(given)
            got, tokenised = given[1:], model_input["prompt_tokens"]
        else:
            body = wire.bodies[-1]
            assert body["instructions"] == DEFAULT_INSTRUCTIONS and body["store"] is False
            got = input_items(body)
            response = cloud_log.responses[-1]
            report = response.raw_representation.model_extra["input_truncation"]
            # The service used every item it was sent: nothing dropped there, and the record says so.
            assert report["dropped_items"] == 0 == record["service_dropped_items"]
            assert report["kept_items"] == len(got)
            tokenised = response.usage_details["input_token_count"]  # llama.cpp's count in the service's process

        # The record is what the model got: the messages, their number and their tokens as llama.cpp counted them.
        assert got == turn.sent and got[-1] == ("user", question), number
        assert record["messages"] == len(got) == turn.metadata["messages_sent"], number
        system = [{"role": "system", "content": DEFAULT_INSTRUCTIONS}]
        assert (
            record["tokens"]
            == tokenised
            == prompt_token_count(llm, system + [{"role": r, "content": t} for r, t in got])
        ), number
        assert record["tokens"] <= (LOCAL_WINDOW if tier == "local" else CLOUD_WINDOW) - ANSWER
        assert record["window"] == (LOCAL_WINDOW if tier == "local" else CLOUD_WINDOW)

        # Every stored message is accounted for: given verbatim, inside the summary, or recorded as left out.
        kept, summarised, excluded = (
            record["history_messages"],
            record["messages_summarised"],
            record["messages_excluded"],
        )
        assert kept + summarised + excluded == len(shared) == 2 * (number - 1), number
        if record["summary_new"]:
            stored = manager.context.session.state["compaction"]["summary"]
            assert stored["id"] == record["summary_id"]
            summaries[stored["id"]] = dict(stored)
        with_summary = record["summary_id"] is not None
        if with_summary:
            summary = summaries[record["summary_id"]]
            # Given as written on the turn that wrote it, labelled when reused from the store.
            assert got[0] in (("assistant", summary["text"]), ("assistant", SUMMARY_LABEL + summary["text"])), number
            assert summarised == summary["covers"], number
        else:
            assert summarised == 0, number
        # The verbatim part is the newest `kept` stored messages, in order; the older ones were summarised or left out.
        assert got[int(with_summary) : -1] == shared[len(shared) - kept :], number
        seen["summarised"] += bool(summarised)
        seen["excluded"] += bool(excluded)
        seen["whole"] += not summarised and not excluded
        seen["summaries"] += bool(record["summary_new"])

    # The run went through every case: the whole conversation at first, then summaries written and reused, then
    # turns left out by the sliding window.
    assert seen["whole"] >= 2 and seen["summaries"] >= 5 and seen["summarised"] > TURNS // 2, seen
    assert seen["excluded"] >= TURNS - SWITCH_AT, seen
    store.close()
