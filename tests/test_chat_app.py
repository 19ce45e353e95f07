"""The chat page's own edges: HTTP API, validation, error events, redaction, save/resume rules, panel numbers.

The hybrid manager is replaced here by a small scripted stand-in (`ScriptedManager`) so each edge can be
provoked on purpose; the real manager, tiers and browser are exercised by test_chat_app_e2e.py.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import uuid
from dataclasses import replace
from typing import Any

import pytest
from agent_framework import AgentSession
from fastapi.testclient import TestClient

from modules.chat_app import ChatDesk, create_app, panel_numbers
from modules.chat_app.desk import ConversationBusyError
from modules.chat_app.server import pick_port
from modules.config import PROJECT_ROOT
from modules.pricing import estimate_cost
from modules.routing import RoutingDecision
from modules.storage import ConversationRecord, FileStore

SECRET = "sk-test-Chat-Page-Secret-0123456789"


def exchange(turn: int, source: str, previous: str | None, **extra: Any) -> dict[str, Any]:
    """One metadata entry with the contract's keys (INTERFACES: one exchange's routing metadata)."""
    entry = {
        "turn": turn,
        "at": 1_700_000_000.0 + turn,
        "source": source,
        "model": "small" if source == "local" else "big",
        "strategy": "learned",
        "p_cloud": 0.8 if source == "cloud" else 0.2,
        "confidence": 0.9,
        "threshold": 0.5,
        "reasons": [f"reason for {source}"],
        "response_time_s": 0.5 if source == "local" else 2.0,
        "ttft_s": 0.1,
        "input_tokens": 100 * turn,
        "output_tokens": 10 * turn,
        "cost_usd": estimate_cost(source, 100 * turn, 10 * turn),
        "switched": previous is not None and previous != source,
        "fell_back": False,
        "failed_tier": None,
        "error": None,
        "forced": False,
        "messages_sent": 2 * turn - 1,
    }
    return {**entry, **extra}


class ScriptedContext:
    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.routing_metadata: list[dict[str, Any]] = []

    def get_routing_summary(self) -> dict[str, Any]:
        sources = [e["source"] for e in self.routing_metadata]
        return {
            "total_exchanges": len(sources),
            "model_switches": sum(e["switched"] for e in self.routing_metadata),
            "routing_distribution": {"local": sources.count("local"), "cloud": sources.count("cloud")},
        }


class ScriptedTurn:
    def __init__(self, text: str, metadata: dict[str, Any]) -> None:
        self.text, self.metadata = text, metadata


class ScriptedManager:
    """Answers "cloud ..." on the cloud tier and anything else locally; "fail" raises, "slow" hangs."""

    def __init__(self) -> None:
        self.conversation_id = str(uuid.uuid4())
        self.context = ScriptedContext()

    async def chat_stream(self, text: str, force_tier: str | None = None):
        target = force_tier or ("cloud" if text.startswith("cloud") else "local")
        decision = RoutingDecision(target, 0.9, [f"scripted: {target}"], "rules", 0.8, 0.5, 0.0)
        yield decision
        if text == "cloud flaky":  # the cloud tier breaks mid-answer; the local tier answers instead
            yield "partial "
            yield replace(decision, fell_back=True, failed_target="cloud", error="ConnectError")
            target = "local"
        if text == "fail":
            raise RuntimeError(f"both tiers failed (cloud said: invalid api key {SECRET})")
        if text == "slow":
            await asyncio.sleep(30)
        answer = f"answer to {text}"
        for word in answer.split(" "):
            yield word + " "
        previous = self.context.routing_metadata[-1]["source"] if self.context.routing_metadata else None
        entry = exchange(len(self.context.routing_metadata) + 1, target, previous, forced=force_tier is not None)
        if decision.fell_back is False and target != decision.target:
            entry.update(fell_back=True, failed_tier=decision.target, error="ConnectError")
        self.context.messages += [{"role": "user", "content": text}, {"role": "assistant", "content": answer}]
        self.context.routing_metadata.append(entry)
        yield ScriptedTurn(answer, entry)

    async def persist_session(self, store: FileStore) -> None:
        session = AgentSession(session_id=self.conversation_id)
        session.state["scripted"] = {"messages": self.context.messages}
        store.save(ConversationRecord.from_session(session, routing_metadata=self.context.routing_metadata))

    async def resume_session(self, store: FileStore, *, conversation_id: str) -> None:
        record = store.load(conversation_id)
        self.conversation_id = conversation_id
        self.context.messages = record.to_session().state["scripted"]["messages"]
        self.context.routing_metadata = record.routing_metadata


@pytest.fixture
def desk(tmp_path) -> ChatDesk:
    return ChatDesk(ScriptedManager, FileStore(tmp_path / "store"), max_message_chars=50, turn_timeout_s=1.0)


@pytest.fixture
def client(desk) -> TestClient:
    about = {"mode": "real", "local_model": "small", "cloud_model": "big"}
    with TestClient(create_app(desk, about=about, secrets=[SECRET])) as test_client:
        yield test_client


def events(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def send(client: TestClient, conversation_id: str, text: Any, force_tier: Any = "auto"):
    return client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text, "force_tier": force_tier})


# ---- panel numbers ---------------------------------------------------------------------------


def test_panel_numbers_count_switches_fallbacks_and_price_the_all_cloud_baseline():
    exchanges = [
        exchange(1, "local", None),
        exchange(2, "cloud", "local"),
        exchange(3, "local", "cloud", fell_back=True, failed_tier="cloud", error="ConnectError"),
        exchange(4, "local", "local", forced=True),
    ]
    panel = panel_numbers(exchanges)
    assert panel["total_exchanges"] == 4
    assert panel["routing_distribution"] == {"local": 3, "cloud": 1}
    assert panel["model_switches"] == 2
    assert (panel["fallbacks"], panel["forced"]) == (1, 1)
    assert panel["cost_usd"] == pytest.approx(estimate_cost("cloud", 200, 20))
    baseline = sum(estimate_cost("cloud", 100 * t, 10 * t) for t in range(1, 5))
    assert panel["all_cloud_usd"] == pytest.approx(baseline)
    assert panel["saved_share"] == pytest.approx(1 - estimate_cost("cloud", 200, 20) / baseline)
    assert panel["mean_latency_s"] == {"local": 0.5, "cloud": 2.0}


def test_panel_numbers_of_a_new_conversation_are_json_safe():
    empty = panel_numbers([])
    assert empty["total_exchanges"] == 0 and empty["routing_distribution"] == {"local": 0, "cloud": 0}
    assert empty["saved_share"] is None and empty["mean_latency_s"] == {"local": None, "cloud": None}
    assert json.loads(json.dumps(empty, allow_nan=False)) == empty


# ---- the page and a normal turn ----------------------------------------------------------------


def test_page_and_its_assets_are_served_from_this_machine_with_no_key(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="switch-count"' in page.text
    for asset in ("/static/chat.js", "/static/chat.css"):
        assert client.get(asset).status_code == 200
    texts = [page.text, client.get("/static/chat.js").text, client.get("/api/about").text]
    assert all(SECRET not in text for text in texts)
    # Nothing is loaded from another host: every src/href is a path on this server.
    assert "http://" not in page.text and "https://" not in page.text
    assert client.get("/api/about").json()["max_message_chars"] == 50


def test_a_turn_streams_the_decision_then_text_then_the_badge_and_panel(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    first = events(send(client, conversation_id, "hello"))
    assert [e["event"] for e in first] == ["decision", "delta", "delta", "delta", "done"]
    assert first[0]["target"] == "local" and first[0]["reasons"] == ["scripted: local"]
    assert "".join(e["text"] for e in first if e["event"] == "delta").strip() == "answer to hello"
    second = events(send(client, conversation_id, "cloud please", "auto"))[-1]
    assert second["exchange"]["source"] == "cloud" and second["exchange"]["switched"] is True
    assert second["panel"]["model_switches"] == 1
    assert second["panel"]["routing_distribution"] == {"local": 1, "cloud": 1}
    assert (second["exchanges"], second["saved_exchanges"]) == (2, 0)
    forced = events(send(client, conversation_id, "cloud again", "local"))
    assert forced[0]["forced"] is True and forced[-1]["exchange"]["source"] == "local"

    state = client.get(f"/api/conversations/{conversation_id}").json()
    assert [m["role"] for m in state["transcript"]] == ["user", "assistant"] * 3
    assert [m["exchange"]["source"] for m in state["transcript"] if m["role"] == "assistant"] == [
        "local",
        "cloud",
        "local",
    ]
    assert state["panel"]["model_switches"] == 2


def test_a_fallback_is_announced_by_a_second_decision_before_the_other_tiers_text(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    streamed = events(send(client, conversation_id, "cloud flaky"))
    assert [e["event"] for e in streamed[:3]] == ["decision", "delta", "decision"]
    first, fallback = streamed[0], streamed[2]
    assert (first["answering_tier"], first["fell_back"]) == ("cloud", False)
    assert (fallback["answering_tier"], fallback["fell_back"], fallback["failed_tier"]) == ("local", True, "cloud")
    done = streamed[-1]
    assert done["exchange"]["source"] == "local" and done["exchange"]["fell_back"] is True
    assert done["panel"]["fallbacks"] == 1


# ---- bad input: a clear message, nothing lost ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"text": ""}, 422, "empty"),
        ({"text": "   \n "}, 422, "empty"),
        ({"text": None}, 422, "empty"),
        ({"text": "x" * 51}, 413, "51 characters; the limit is 50"),
        ({"text": "hi", "force_tier": "gpu"}, 422, "'gpu' is not one of auto, local, cloud"),
    ],
)
def test_bad_messages_get_a_clear_error_and_leave_the_conversation_as_it_was(client, body, status, words):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    events(send(client, conversation_id, "hello"))
    before = client.get(f"/api/conversations/{conversation_id}").json()
    reply = client.post(f"/api/conversations/{conversation_id}/messages", json=body)
    assert reply.status_code == status
    assert words in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json() == before


def test_a_body_that_is_not_a_json_object_is_refused_clearly(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    reply = client.post(f"/api/conversations/{conversation_id}/messages", content=b"not json")
    assert reply.status_code == 400 and "JSON object" in reply.json()["error"]


def test_an_unknown_conversation_id_is_named_with_what_to_do(client):
    reply = send(client, "no-such-conversation", "hello")
    assert reply.status_code == 404
    assert "no-such-conversation" in reply.json()["error"] and "Start a new one" in reply.json()["error"]
    assert client.get("/api/conversations/no-such-conversation").status_code == 404


def test_a_failing_turn_ends_in_an_error_event_without_the_key_and_keeps_the_conversation(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    events(send(client, conversation_id, "hello"))
    before = client.get(f"/api/conversations/{conversation_id}").json()
    reply = send(client, conversation_id, "fail")
    assert SECRET not in reply.text
    error = events(reply)[-1]
    assert error["event"] == "error" and error["recorded"] is False
    assert "both tiers failed" in error["message"] and "conversation so far is kept" in error["message"]
    assert "[redacted]" in error["message"]
    assert client.get(f"/api/conversations/{conversation_id}").json() == before
    # And the conversation goes on.
    assert events(send(client, conversation_id, "again"))[-1]["exchanges"] == 2


def test_a_turn_that_takes_too_long_is_given_up_with_a_message(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    error = events(send(client, conversation_id, "slow"))[-1]
    assert error["event"] == "error" and error["message"].startswith("No answer within 1 s")
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 0


async def test_a_second_question_while_one_is_answering_is_refused(desk):
    conversation_id = desk.new()["conversation_id"]
    live = desk._live[conversation_id]
    async with live.lock:
        with pytest.raises(ConversationBusyError, match="still answering"):
            desk.check_turn(conversation_id, "hello", None)
    assert desk.check_turn(conversation_id, " hello ", "auto") == ("hello", None)


# ---- save and resume ------------------------------------------------------------------------


def test_save_then_resume_in_a_fresh_page_restores_transcript_badges_and_panel(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    for text in ("hello", "cloud question", "thanks"):
        events(send(client, conversation_id, text))
    saved = client.post(f"/api/conversations/{conversation_id}/save").json()
    assert saved["saved_exchanges"] == 3
    before = client.get(f"/api/conversations/{conversation_id}").json()
    resumed = client.post("/api/resume", json={"conversation_id": f"  {conversation_id} "}).json()
    assert resumed["transcript"] == before["transcript"]
    assert resumed["panel"]["model_switches"] == 2
    assert (resumed["exchanges"], resumed["saved_exchanges"]) == (3, 3)
    assert conversation_id in [s["conversation_id"] for s in client.get("/api/saved").json()]


def test_resume_refuses_to_drop_exchanges_that_are_not_saved(client):
    conversation_id = client.post("/api/conversations").json()["conversation_id"]
    events(send(client, conversation_id, "hello"))
    client.post(f"/api/conversations/{conversation_id}/save")
    events(send(client, conversation_id, "one more"))
    reply = client.post("/api/resume", json={"conversation_id": conversation_id})
    assert reply.status_code == 409 and "1 exchange(s) that are not saved" in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 2


@pytest.mark.parametrize(
    ("conversation_id", "status", "words"),
    [
        ("never-saved-0001", 404, "nothing is stored under this id"),
        ("../etc/passwd", 422, "not allowed"),
        ("", 404, "Type the id of a saved conversation"),
    ],
)
def test_resume_of_an_unknown_or_unsafe_id_says_what_is_wrong(client, conversation_id, status, words):
    reply = client.post("/api/resume", json={"conversation_id": conversation_id})
    assert reply.status_code == status and words in reply.json()["error"]


# ---- the command ------------------------------------------------------------------------------


def test_the_command_prints_help():
    result = subprocess.run(
        [sys.executable, "-m", "modules.chat_app", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "--port" in result.stdout and "--store" in result.stdout and "127.0.0.1" in result.stdout


def test_a_taken_port_is_replaced_by_a_free_one_and_said_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen, note = pick_port("127.0.0.1", port)
    assert chosen != port and f"Port {port} on 127.0.0.1 is in use; using {chosen}" in note
    assert pick_port("127.0.0.1", 0)[1] is None
