"""The chat page's own edges: HTTP API, validation, error events, redaction, save/resume rules, panel numbers.

The hybrid manager is replaced here by a small scripted stand-in (`ScriptedManager`) so each edge can be
provoked on purpose; the real manager, tiers and browser are exercised by test_chat_app_e2e.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from agent_framework import AgentSession
from fastapi.testclient import TestClient

from modules.chat_app import ChatDesk, ChatManager, create_app
from modules.chat_app.desk import Turn
from modules.chat_app.errors import ConversationBusyError
from modules.chat_app.examples import EXAMPLES
from modules.chat_app.manager import ConversationView, ToolCallingManager
from modules.chat_app.server import pick_port
from modules.config import PROJECT_ROOT
from modules.hybrid import routing_summary
from modules.pricing import estimate_cost
from modules.routing import MODES, HybridRouter, RoutingContext, RoutingDecision
from modules.storage import ConversationRecord, FileStore, SqliteStore

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


@dataclass(frozen=True)
class ScriptedRouter:
    """What the desk hands the manager for a mode; the scripted manager names it in its reasons."""

    mode: str


SCRIPTED_ROUTERS = {mode: ScriptedRouter(mode) for mode in MODES}  # one per mode, built once, as the page's


class ScriptedManager:
    """Answers "cloud ..." on the cloud tier and anything else locally; "fail" raises, "slow" hangs."""

    def __init__(self) -> None:
        self.conversation_id = str(uuid.uuid4())
        self.context = ScriptedContext()
        self.router = ScriptedRouter("balanced")
        self.revision = 0
        self.strategies: list[str | None] = []  # the strategy each turn was asked with

    async def chat_stream(
        self,
        text: str,
        force_tier: str | None = None,
        *,
        router: ScriptedRouter | None = None,
        strategy: str | None = None,
    ):
        router = router or self.router
        self.strategies.append(strategy)
        target = force_tier or ("cloud" if text.startswith("cloud") else "local")
        reasons = [f"scripted: {target}", f"mode {router.mode}"]
        decision = RoutingDecision(target, 0.9, reasons, "rules", 0.8, 0.5, 0.0, mode=router.mode)
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

    async def save(self, store: FileStore) -> None:
        session = AgentSession(session_id=self.conversation_id)
        session.state["scripted"] = {"messages": self.context.messages}
        record = ConversationRecord.from_session(session, routing_metadata=self.context.routing_metadata)
        record.revision = self.revision  # like the real manager: the revision it last loaded or saved
        await asyncio.to_thread(store.save, record)  # like the real manager: never a store call on the event loop
        self.revision = record.revision

    async def resume(self, store: FileStore, conversation_id: str) -> None:
        record = await asyncio.to_thread(store.load, conversation_id)
        self.conversation_id = conversation_id
        self.context.messages = record.to_session().state["scripted"]["messages"]
        self.context.routing_metadata = record.routing_metadata
        self.revision = record.revision


@pytest.fixture
def desk(tmp_path) -> ChatDesk:
    return ChatDesk(
        ScriptedManager,
        FileStore(tmp_path / "store"),
        routers=SCRIPTED_ROUTERS,
        max_message_chars=50,
        turn_timeout_s=1.0,
    )


ABOUT = {"mode": "real", "local_model": "small", "cloud_model": "big"}
PAGE_URL = "http://127.0.0.1:8770"  # the address the page is served at; its Host is the only one answered


@pytest.fixture
def client(desk) -> TestClient:
    with TestClient(create_app(desk, about=ABOUT, secrets=[SECRET]), base_url=PAGE_URL) as test_client:
        yield test_client


def events(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


def send(client: TestClient, conversation_id: str, text: Any, force_tier: Any = "auto", **fields: Any):
    body = {"text": text, "force_tier": force_tier, **fields}
    return client.post(f"/api/conversations/{conversation_id}/messages", json=body)


def new_id(client: TestClient) -> str:
    return client.post("/api/conversations", json={}).json()["conversation_id"]


# ---- panel numbers ---------------------------------------------------------------------------


def test_the_panel_numbers_count_switches_fallbacks_and_price_the_all_cloud_baseline():
    exchanges = [
        exchange(1, "local", None),
        exchange(2, "cloud", "local"),
        exchange(3, "local", "cloud", fell_back=True, failed_tier="cloud", error="ConnectError"),
        exchange(4, "local", "local", forced=True),
    ]
    panel = routing_summary(exchanges)
    assert panel["total_exchanges"] == 4
    assert panel["routing_distribution"] == {"local": 3, "cloud": 1}
    assert panel["model_switches"] == 2
    assert (panel["fallbacks"], panel["forced"]) == (1, 1)
    assert panel["cost_usd"] == pytest.approx(estimate_cost("cloud", 200, 20))
    baseline = sum(estimate_cost("cloud", 100 * t, 10 * t) for t in range(1, 5))
    assert panel["all_cloud_usd"] == pytest.approx(baseline)
    assert panel["saving_vs_all_cloud"] == pytest.approx(1 - estimate_cost("cloud", 200, 20) / baseline)
    assert [panel["by_source"][tier]["mean_response_time_s"] for tier in ("local", "cloud")] == [0.5, 2.0]


def test_the_panel_numbers_of_a_new_conversation_are_json_safe():
    empty = routing_summary([])
    assert empty["total_exchanges"] == 0
    assert empty["routing_distribution"] == {"local": 0, "cloud": 0}
    assert empty["saving_vs_all_cloud"] is None
    assert [empty["by_source"][tier]["mean_response_time_s"] for tier in ("local", "cloud")] == [None, None]
    assert json.loads(json.dumps(empty, allow_nan=False)) == empty


# ---- the page and a normal turn ----------------------------------------------------------------


def test_page_and_its_assets_are_served_from_this_machine_with_no_key(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="switch-count"' in page.text
    for asset in ("/static/chat.js", "/static/chat.css"):
        assert client.get(asset).status_code == 200
    texts = [page.text, client.get("/static/chat.js").text, client.get("/api/about").text]
    assert all(SECRET not in text for text in texts)
    # Nothing is loaded from another host: every src/href is a path on this server.
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert client.get("/api/about").json()["max_message_chars"] == 50


def test_a_turn_streams_the_decision_then_text_then_the_badge_and_panel(client):
    conversation_id = new_id(client)
    first = events(send(client, conversation_id, "hello"))
    assert [e["event"] for e in first] == ["decision", "delta", "delta", "delta", "done"]
    assert first[0]["target"] == "local"
    assert first[0]["reasons"] == ["scripted: local", "mode balanced"]
    assert first[0]["mode"] == "balanced"  # the default when the page names none
    assert "".join(e["text"] for e in first if e["event"] == "delta").strip() == "answer to hello"
    second = events(send(client, conversation_id, "cloud please", "auto"))[-1]
    assert second["exchange"]["source"] == "cloud"
    assert second["exchange"]["switched"] is True
    assert second["panel"]["model_switches"] == 1
    assert second["panel"]["routing_distribution"] == {"local": 1, "cloud": 1}
    assert (second["exchanges"], second["saved_exchanges"]) == (2, 0)
    forced = events(send(client, conversation_id, "cloud again", "local"))
    assert forced[0]["forced"] is True
    assert forced[-1]["exchange"]["source"] == "local"

    state = client.get(f"/api/conversations/{conversation_id}").json()
    assert [m["role"] for m in state["transcript"]] == ["user", "assistant"] * 3
    assert [m["exchange"]["source"] for m in state["transcript"] if m["role"] == "assistant"] == [
        "local",
        "cloud",
        "local",
    ]
    assert state["panel"]["model_switches"] == 2


def test_a_fallback_is_announced_by_a_second_decision_before_the_other_tiers_text(client):
    conversation_id = new_id(client)
    streamed = events(send(client, conversation_id, "cloud flaky"))
    assert [e["event"] for e in streamed[:3]] == ["decision", "delta", "decision"]
    first, fallback = streamed[0], streamed[2]
    assert (first["answering_tier"], first["fell_back"]) == ("cloud", False)
    assert (fallback["answering_tier"], fallback["fell_back"], fallback["failed_tier"]) == ("local", True, "cloud")
    done = streamed[-1]
    assert done["exchange"]["source"] == "local"
    assert done["exchange"]["fell_back"] is True
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
    conversation_id = new_id(client)
    events(send(client, conversation_id, "hello"))
    before = client.get(f"/api/conversations/{conversation_id}").json()
    reply = client.post(f"/api/conversations/{conversation_id}/messages", json=body)
    assert reply.status_code == status
    assert words in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json() == before


def test_a_body_that_is_not_a_json_object_is_refused_clearly(client):
    conversation_id = new_id(client)
    path = f"/api/conversations/{conversation_id}/messages"
    reply = client.post(path, content=b"not json", headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
    assert "JSON object" in reply.json()["error"]


def test_an_unknown_conversation_id_is_named_with_what_to_do(client):
    reply = send(client, "no-such-conversation", "hello")
    assert reply.status_code == 404
    assert "no-such-conversation" in reply.json()["error"]
    assert "Start a new one" in reply.json()["error"]
    assert client.get("/api/conversations/no-such-conversation").status_code == 404


def test_a_failing_turn_ends_in_an_error_event_without_the_key_and_keeps_the_conversation(client):
    conversation_id = new_id(client)
    events(send(client, conversation_id, "hello"))
    before = client.get(f"/api/conversations/{conversation_id}").json()
    reply = send(client, conversation_id, "fail")
    assert SECRET not in reply.text
    error = events(reply)[-1]
    assert error["event"] == "error"
    assert error["recorded"] is False
    assert "both tiers failed" in error["message"]
    assert "conversation so far is kept" in error["message"]
    assert "[redacted]" in error["message"]
    assert client.get(f"/api/conversations/{conversation_id}").json() == before
    # And the conversation goes on.
    assert events(send(client, conversation_id, "again"))[-1]["exchanges"] == 2


def test_a_turn_that_takes_too_long_is_given_up_with_a_message(client):
    conversation_id = new_id(client)
    error = events(send(client, conversation_id, "slow"))[-1]
    assert error["event"] == "error"
    assert error["message"].startswith("No answer within 1 s")
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 0


async def test_a_second_question_while_one_is_answering_is_refused(desk):
    conversation_id = desk.new()["conversation_id"]
    async with desk._locks[conversation_id]:
        with pytest.raises(ConversationBusyError, match="still answering"):
            desk.check_turn(conversation_id, "hello", None)
    assert desk.check_turn(conversation_id, " hello ", "auto") == Turn("hello", None, "balanced")


# ---- save and resume ------------------------------------------------------------------------


def test_save_then_resume_in_a_fresh_page_restores_transcript_badges_and_panel(client):
    conversation_id = new_id(client)
    for text in ("hello", "cloud question", "thanks"):
        events(send(client, conversation_id, text))
    saved = client.post(f"/api/conversations/{conversation_id}/save", json={}).json()
    assert saved["saved_exchanges"] == 3
    before = client.get(f"/api/conversations/{conversation_id}").json()
    resumed = client.post("/api/resume", json={"conversation_id": f"  {conversation_id} "}).json()
    assert resumed["transcript"] == before["transcript"]
    assert resumed["panel"]["model_switches"] == 2
    assert (resumed["exchanges"], resumed["saved_exchanges"]) == (3, 3)
    assert conversation_id in [s["conversation_id"] for s in client.get("/api/saved").json()]


def test_resume_refuses_to_drop_exchanges_that_are_not_saved(client):
    conversation_id = new_id(client)
    events(send(client, conversation_id, "hello"))
    client.post(f"/api/conversations/{conversation_id}/save", json={})
    events(send(client, conversation_id, "one more"))
    reply = client.post("/api/resume", json={"conversation_id": conversation_id})
    assert reply.status_code == 409
    assert "1 exchange(s) that are not saved" in reply.json()["error"]
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
    assert reply.status_code == status
    assert words in reply.json()["error"]


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
    assert "--port" in result.stdout
    assert "--store" in result.stdout
    assert "127.0.0.1" in result.stdout
    assert "--allow-host" in result.stdout  # the one way to answer to a host name other than loopback


def test_a_taken_port_is_replaced_by_a_free_one_and_said_so():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        chosen, note = pick_port("127.0.0.1", port)
    assert chosen != port
    assert f"Port {port} on 127.0.0.1 is in use; using {chosen}" in note
    assert pick_port("127.0.0.1", 0)[1] is None


# ---- safe to leave open: loopback Host only, changes only as JSON from the page, safety headers ------------


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:8770",  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
        "127.0.0.1.attacker.example:8770",
        "localhost:9999",  # the right name on another port
        "127.0.0.1",  # no port: port 80, not the page's
        "127.0.0.1:8770@attacker.example",
        "",
    ],
)
def test_a_request_naming_another_host_is_refused_before_any_route_runs(client, host):
    conversation_id = new_id(client)
    for method, path in (("GET", "/"), ("GET", "/static/chat.js"), ("GET", f"/api/conversations/{conversation_id}")):
        reply = client.request(method, path, headers={"Host": host})
        assert reply.status_code == 400, (path, host)
        assert "answers only at its own address" in reply.json()["error"]
        assert "http://127.0.0.1:8770/" in reply.json()["error"]
    reply = client.post("/api/conversations", json={}, headers={"Host": host})
    assert reply.status_code == 400
    assert len(client.app.state.page.desk._live) == 1  # the refused POST opened nothing


@pytest.mark.parametrize("host", ["127.0.0.1:8770", "localhost:8770", "LOCALHOST:8770", "[::1]:8770"])
def test_the_loopback_names_with_the_pages_port_are_answered(client, host):
    assert client.get("/api/about", headers={"Host": host}).status_code == 200


def test_a_host_allowed_for_a_room_is_answered_and_others_still_refused(desk):
    app = create_app(desk, about=ABOUT, extra_hosts=["classroom-laptop.local"])
    with TestClient(app, base_url=PAGE_URL) as client:
        assert client.get("/api/about", headers={"Host": "classroom-laptop.local:8770"}).status_code == 200
        assert client.get("/api/about", headers={"Host": "attacker.example:8770"}).status_code == 400


def test_a_cross_origin_text_plain_post_is_refused_and_changes_nothing(client):
    """What a page on another site can send without asking this server first (a "simple" request)."""
    conversation_id = new_id(client)
    events(send(client, conversation_id, "hello"))
    before = client.get(f"/api/conversations/{conversation_id}").json()
    foreign = {"Origin": "http://attacker.example", "Content-Type": "text/plain"}
    forged = [
        (f"/api/conversations/{conversation_id}/messages", json.dumps({"text": "cloud injected"})),
        (f"/api/conversations/{conversation_id}/save", "{}"),
        ("/api/resume", json.dumps({"conversation_id": conversation_id})),
        ("/api/conversations", "{}"),
    ]
    for path, body in forged:
        reply = client.post(path, content=body, headers=foreign)
        assert reply.status_code == 403, path
        assert "http://attacker.example" in reply.json()["error"]
        assert "its own page" in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json() == before
    assert client.get("/api/saved").json() == []  # the forged Save stored nothing
    assert len(client.app.state.page.desk._live) == 1


@pytest.mark.parametrize(
    ("headers", "status", "words"),
    [
        ({"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, 403, "another site (Sec-Fetch-Site"),
        ({"Sec-Fetch-Site": "same-site", "Content-Type": "application/json"}, 403, "another site"),
        ({"Origin": "null", "Content-Type": "application/json"}, 403, "'null'"),
        ({"Origin": "http://127.0.0.1:9999", "Content-Type": "application/json"}, 403, "not from the chat page"),
        ({"Content-Type": "text/plain"}, 415, "only as application/json"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "only as application/json"),
        ({}, 415, "untyped"),
    ],
)
def test_a_change_that_is_not_json_from_the_page_itself_is_refused(client, headers, status, words):
    reply = client.post("/api/conversations", content=b"{}", headers=headers)
    assert reply.status_code == status
    assert words in reply.json()["error"]
    assert client.app.state.page.desk._live == {}


def test_the_pages_own_requests_pass_the_origin_checks(client):
    """What the browser sends for the page's own fetch: its origin, same-origin, JSON."""
    own = {"Origin": PAGE_URL, "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json; charset=utf-8"}
    reply = client.post("/api/conversations", content=b"{}", headers=own)
    assert reply.status_code == 200
    assert reply.json()["exchanges"] == 0


def test_every_answer_carries_the_safety_headers(client):
    conversation_id = new_id(client)
    answers = {
        "page": client.get("/"),
        "asset": client.get("/static/chat.js"),
        "json": client.get("/api/about"),
        "stream": send(client, conversation_id, "hello"),
        "page error": client.get("/api/conversations/nope"),
        "unknown route": client.get("/nothing-here"),
        "refused host": client.get("/", headers={"Host": "attacker.example:8770"}),
        "refused origin": client.post("/api/conversations", json={}, headers={"Origin": "http://attacker.example"}),
    }
    for what, reply in answers.items():
        policy = reply.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, what
        assert "frame-ancestors 'none'" in policy, what
        assert "script-src 'self'" in policy, what
        assert "'unsafe-inline'" not in policy, what
        assert reply.headers.get("x-content-type-options") == "nosniff", what
        assert reply.headers.get("x-frame-options") == "DENY", what


def test_the_page_needs_nothing_the_policy_forbids(client):
    """No inline script or style, no handler attribute: the CSP above would block them in the browser."""
    page = client.get("/").text
    assert "<script>" not in page
    assert "<style" not in page
    assert " style=" not in page
    assert not re.search(r"\son[a-z]+=", page)
    assert 'src="/static/chat.js"' in page


# ---- bounded memory: a body is refused as soon as it passes the limit ------------------------------------


class BodyFeed:
    """An ASGI `receive` that hands out a huge body in chunks, only as fast as the app asks for them."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.sent = total, chunk, 0

    async def __call__(self) -> dict[str, Any]:
        size = min(self.chunk, self.total - self.sent)
        self.sent += size
        return {"type": "http.request", "body": b"x" * size, "more_body": self.sent < self.total}


async def call_asgi(app, path: str, feed: BodyFeed, *, declare_length: bool) -> tuple[int, bytes]:
    headers = [(b"host", b"127.0.0.1:8770"), (b"content-type", b"application/json")]
    if declare_length:
        headers.append((b"content-length", str(feed.total).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8770),
    }  # fmt: skip
    status, body = 0, b""

    async def send_message(message: dict[str, Any]) -> None:
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body += message.get("body", b"")

    await app(scope, feed, send_message)
    return status, body


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
async def test_a_400_mb_body_is_refused_after_reading_at_most_the_limit(desk, declare_length):
    app = create_app(desk, about=ABOUT)
    conversation_id = desk.new()["conversation_id"]
    limit = app.state.page.max_body_bytes
    feed = BodyFeed(400 * 1024 * 1024)
    status, body = await call_asgi(
        app, f"/api/conversations/{conversation_id}/messages", feed, declare_length=declare_length
    )
    assert status == 413
    assert f"over {limit:,} bytes" in json.loads(body)["error"]
    # Declared too long: nothing read. Chunked: read only up to the first chunk past the limit.
    assert feed.sent == 0 if declare_length else limit < feed.sent <= limit + feed.chunk
    assert desk.state(conversation_id)["exchanges"] == 0


def test_the_body_limit_fits_the_longest_message_written_in_escaped_emoji(client):
    conversation_id = new_id(client)
    longest = "\U0001f600" * 50  # the fixture's 50-character limit, each one 12 bytes as escaped JSON
    assert events(send(client, conversation_id, longest))[-1]["event"] == "done"


# ---- no blocking: store calls run off the event loop ------------------------------------------------------


def page_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PAGE_URL, timeout=60)


async def test_the_page_answers_while_a_save_waits_for_a_write_locked_store(tmp_path):
    store = SqliteStore(tmp_path / "chat.sqlite3")
    desk = ChatDesk(ScriptedManager, store, routers=SCRIPTED_ROUTERS)
    app = create_app(desk, about=ABOUT)
    conversation_id = desk.new()["conversation_id"]
    async for _ in desk.stream_turn(conversation_id, "hello"):
        pass
    holder = sqlite3.connect(tmp_path / "chat.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        async with page_client(app) as http:
            saving = asyncio.create_task(http.post(f"/api/conversations/{conversation_id}/save", json={}))
            await asyncio.sleep(0.3)  # the save has reached the store and waits for the lock
            about = await asyncio.wait_for(http.get("/api/about"), timeout=10)
            state = await asyncio.wait_for(http.get(f"/api/conversations/{conversation_id}"), timeout=10)
            assert about.status_code == 200
            assert state.status_code == 200
            assert not saving.done()  # answered while the save was still blocked on the store
            holder.execute("ROLLBACK")
            saved = await asyncio.wait_for(saving, timeout=60)
    finally:
        holder.close()
    assert saved.status_code == 200
    assert saved.json()["saved_exchanges"] == 1
    assert store.load(conversation_id).routing_metadata[0]["turn"] == 1


# ---- conflicts: Resume pressed while a turn streams never drops that turn ---------------------------------


class GatedManager(ScriptedManager):
    """Holds each answer open after its first words until the test releases it."""

    started: asyncio.Event
    release: asyncio.Event

    async def chat_stream(self, text: str, force_tier: str | None = None, **choices: Any):
        async for item in super().chat_stream(text, force_tier, **choices):
            yield item
            if isinstance(item, str) and not self.release.is_set():
                self.started.set()
                await self.release.wait()


async def test_resume_while_a_turn_streams_never_drops_the_turn_the_page_was_told_is_done(tmp_path):
    kept = 0
    for attempt in range(5):
        GatedManager.started, GatedManager.release = asyncio.Event(), asyncio.Event()
        desk = ChatDesk(GatedManager, FileStore(tmp_path / f"store-{attempt}"), routers=SCRIPTED_ROUTERS)
        app = create_app(desk, about=ABOUT)
        async with page_client(app) as http:
            conversation_id = (await http.post("/api/conversations", json={})).json()["conversation_id"]
            GatedManager.release.set()
            await http.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello"})
            await http.post(f"/api/conversations/{conversation_id}/save", json={})
            GatedManager.release.clear()
            turn = asyncio.create_task(
                http.post(f"/api/conversations/{conversation_id}/messages", json={"text": "cloud question"})
            )
            await asyncio.wait_for(GatedManager.started.wait(), timeout=10)
            resumed = await http.post("/api/resume", json={"conversation_id": conversation_id})
            assert resumed.status_code == 409
            assert "still answering" in resumed.json()["error"]
            GatedManager.release.set()
            streamed = events(await asyncio.wait_for(turn, timeout=10))
            assert streamed[-1]["event"] == "done"
            assert streamed[-1]["exchanges"] == 2
            # Once answered, the turn is not saved yet: Resume is refused again rather than dropping it.
            again = await http.post("/api/resume", json={"conversation_id": conversation_id})
            assert again.status_code == 409
            assert "1 exchange(s) that are not saved" in again.json()["error"]
            state = (await http.get(f"/api/conversations/{conversation_id}")).json()
            kept += state["exchanges"] == 2 and state["transcript"][-1]["content"] == "answer to cloud question"
    assert kept == 5


async def test_two_pages_on_one_store_get_a_conflict_not_a_lost_update(tmp_path):
    """Two chat pages (two processes) share a store: the page that saves second is told, and overwrites nothing."""
    store_path = tmp_path / "shared.sqlite3"
    first = create_app(ChatDesk(ScriptedManager, SqliteStore(store_path), routers=SCRIPTED_ROUTERS), about=ABOUT)
    second = create_app(ChatDesk(ScriptedManager, SqliteStore(store_path), routers=SCRIPTED_ROUTERS), about=ABOUT)
    async with page_client(first) as page_a, page_client(second) as page_b:
        conversation_id = (await page_a.post("/api/conversations", json={})).json()["conversation_id"]
        await page_a.post(f"/api/conversations/{conversation_id}/messages", json={"text": "hello"})
        assert (await page_a.post(f"/api/conversations/{conversation_id}/save", json={})).status_code == 200
        await page_b.post("/api/resume", json={"conversation_id": conversation_id})
        await page_b.post(f"/api/conversations/{conversation_id}/messages", json={"text": "from page B"})
        assert (await page_b.post(f"/api/conversations/{conversation_id}/save", json={})).status_code == 200
        await page_a.post(f"/api/conversations/{conversation_id}/messages", json={"text": "from page A"})

        conflict = await page_a.post(f"/api/conversations/{conversation_id}/save", json={})
        assert conflict.status_code == 409
        assert conflict.json()["code"] == "save_conflict"
        assert "saved from another page or process" in conflict.json()["error"]
        assert "keeps its 1 unsaved exchange(s)" in conflict.json()["error"]
        stored = [
            m["content"]
            for m in SqliteStore(store_path).load(conversation_id).to_session().state["scripted"]["messages"]
        ]
        assert "from page B" in stored and "from page A" not in stored  # B's save was not overwritten
        state_a = (await page_a.get(f"/api/conversations/{conversation_id}")).json()
        assert (state_a["exchanges"], state_a["saved_exchanges"]) == (2, 1)  # A's answer is still on A's page

        # Going on from the stored copy needs an explicit "drop them"; a flag that is not a boolean is refused.
        refused = await page_a.post("/api/resume", json={"conversation_id": conversation_id})
        assert refused.status_code == 409 and refused.json()["code"] == "unsaved_exchanges"
        wrong = await page_a.post("/api/resume", json={"conversation_id": conversation_id, "discard_unsaved": "yes"})
        assert wrong.status_code == 400 and "true or false" in wrong.json()["error"]
        resumed = await page_a.post("/api/resume", json={"conversation_id": conversation_id, "discard_unsaved": True})
        assert [m["content"] for m in resumed.json()["transcript"]][-2] == "from page B"
        assert (
            await page_a.post(f"/api/conversations/{conversation_id}/messages", json={"text": "again"})
        ).status_code == 200
        assert (await page_a.post(f"/api/conversations/{conversation_id}/save", json={})).status_code == 200


# ---- the mode selector ------------------------------------------------------------------------------------


def test_the_mode_chosen_in_the_page_is_the_mode_the_turn_is_routed_with(client):
    about = client.get("/api/about").json()
    assert about["modes"] == ["quality", "balanced", "cost"]
    assert about["default_mode"] == "balanced"
    conversation_id = new_id(client)
    for mode in ("cost", "quality"):
        decision = events(send(client, conversation_id, "hello", mode=mode))[0]
        assert decision["mode"] == mode
        assert f"mode {mode}" in decision["reasons"]


def test_an_unknown_mode_is_refused_with_the_choices(client):
    conversation_id = new_id(client)
    reply = send(client, conversation_id, "hello", mode="turbo")
    assert reply.status_code == 422
    assert "'turbo' is not one of quality, balanced, cost" in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 0


def test_the_examples_are_offered_with_a_tier_for_every_mode(client):
    examples = client.get("/api/about").json()["examples"]
    assert examples == [example.as_json() for example in EXAMPLES]
    for example in examples:
        assert set(example["tiers"]) == set(MODES)
    # Both tiers appear, and turning the dial moves at least one example from one tier to the other.
    assert {tier for example in examples for tier in example["tiers"].values()} == {"local", "cloud"}
    assert any(len(set(example["tiers"].values())) == 2 for example in examples)


@pytest.fixture(scope="module")
def shipped_routers() -> dict[str, HybridRouter]:
    return {mode: HybridRouter(mode=mode) for mode in MODES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.text)
def test_every_example_goes_where_the_page_says_under_the_shipped_router(shipped_routers, example):
    """Routed as the first question of a conversation, in each mode, by the router the page builds."""
    for mode, router in shipped_routers.items():
        decision = router.route(example.text, RoutingContext())
        assert (mode, decision.target) == (mode, example.tiers[mode])
        assert decision.mode == mode


# ---- the manager the page needs: one Protocol, two implementations ----------------------------------------


def protocol_problems(instance: object, protocol: type) -> list[str]:
    """How `instance` falls short of `protocol`: a missing member, or a method that cannot be called as specified."""
    problems = [f"no {name}" for name in protocol.__annotations__ if not hasattr(instance, name)]
    for name, spec in vars(protocol).items():
        if name.startswith("_") or not inspect.isfunction(spec):
            continue
        method = getattr(instance, name, None)
        if method is None:
            problems.append(f"no {name}()")
            continue
        if inspect.iscoroutinefunction(spec) != inspect.iscoroutinefunction(method):
            problems.append(f"{name}() must {'' if inspect.iscoroutinefunction(spec) else 'not '}be a coroutine")
        wanted = list(inspect.signature(spec).parameters.values())[1:]  # without self
        given = inspect.signature(method).parameters.values()
        positional = [p for p in given if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        by_keyword = {p.name for p in given if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        for index, parameter in enumerate(p for p in wanted if p.kind == p.POSITIONAL_OR_KEYWORD):
            if index >= len(positional):
                problems.append(f"{name}() takes no positional {parameter.name}")
        for parameter in (p for p in wanted if p.kind == p.KEYWORD_ONLY):
            if parameter.name not in by_keyword:
                problems.append(f"{name}() takes no keyword {parameter.name}")
        required = [p.name for p in given if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        passed = sum(p.kind == p.POSITIONAL_OR_KEYWORD for p in wanted)
        satisfied = {p.name for p in positional[:passed]} | {p.name for p in wanted if p.kind == p.KEYWORD_ONLY}
        extra = set(required) - satisfied
        if extra:
            problems.append(f"{name}() requires {sorted(extra)}, which the page does not pass")
    return problems


def test_the_protocol_check_finds_a_manager_the_page_cannot_use():
    class OldManager:  # no router per turn, a synchronous save, no resume
        conversation_id = "c"
        context = ScriptedContext()

        async def chat_stream(self, text, force_tier=None):
            yield text

        def save(self, store):
            return None

    assert protocol_problems(OldManager(), ChatManager) == [
        "chat_stream() takes no keyword router",
        "chat_stream() takes no keyword strategy",
        "save() must be a coroutine",
        "no resume()",
    ]


def test_the_real_manager_and_the_scripted_one_are_what_the_page_needs():
    from modules.hybrid import HybridConversationManager

    client = SimpleNamespace(as_agent=lambda **options: SimpleNamespace(**options))
    from modules.config import load_settings

    settings = load_settings(environ={"COURSE_OFFLINE": "1"}, env_file=None)
    tiers = SimpleNamespace(settings=settings, local_client=client, cloud_client=client)
    real = HybridConversationManager(ScriptedRouter("balanced"), tiers=tiers)
    for manager in (real, ScriptedManager()):
        assert isinstance(manager, ChatManager) and isinstance(manager.context, ConversationView)
        assert protocol_problems(manager, ChatManager) == []
    assert isinstance(real, ToolCallingManager) and not isinstance(ScriptedManager(), ToolCallingManager)


async def test_save_and_resume_run_on_the_pages_own_event_loop(tmp_path):
    """One hop: the page awaits the manager, whose store calls go to a worker thread; no second event loop."""
    loops = []

    class LoopRecordingManager(ScriptedManager):
        async def save(self, store: FileStore) -> None:
            loops.append(asyncio.get_running_loop())
            await super().save(store)

        async def resume(self, store: FileStore, conversation_id: str) -> None:
            loops.append(asyncio.get_running_loop())
            await super().resume(store, conversation_id)

    desk = ChatDesk(LoopRecordingManager, FileStore(tmp_path / "store"), routers=SCRIPTED_ROUTERS)
    conversation_id = desk.new()["conversation_id"]
    async for _ in desk.stream_turn(conversation_id, "hello"):
        pass
    await desk.save(conversation_id)
    await desk.resume(conversation_id)
    assert loops == [asyncio.get_running_loop()] * 2


def test_each_mode_routes_with_its_one_router_and_the_managers_own_is_never_swapped(client, desk):
    conversation_id = new_id(client)
    manager = desk._live[conversation_id].manager
    own = manager.router
    for mode in ("cost", "quality", "cost"):
        assert f"mode {mode}" in events(send(client, conversation_id, "hello", mode=mode))[0]["reasons"]
        assert manager.router is own
    assert desk.routers is SCRIPTED_ROUTERS


# ---- tool calls and approvals ---------------------------------------------------------------------------------


def test_an_unknown_tool_is_refused_with_the_choices(client):
    conversation_id = new_id(client)
    response = send(client, conversation_id, "hello", tool="rm_rf")
    assert response.status_code == 422 and "is not one of none, auto" in response.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 0


@pytest.mark.parametrize(
    ("request_id", "body", "status", "words"),
    [
        ("af-call-none", {"approve": True}, 404, "waits for a decision in conversation"),
        ("af-call-none", {"approve": "yes"}, 400, "must be true or false"),
    ],
)
def test_deciding_a_call_that_is_not_waiting_says_what_to_do(client, request_id, body, status, words):
    conversation_id = new_id(client)
    response = client.post(f"/api/conversations/{conversation_id}/approvals/{request_id}", json=body)
    assert response.status_code == status and words in response.json()["error"]
    unknown = client.post("/api/conversations/nobody/approvals/af-call-none", json={"approve": True})
    assert unknown.status_code == 404 and "Start a new one" in unknown.json()["error"]


async def test_the_saved_list_leaves_out_approval_books(desk):
    from modules.hybrid import BOOK_SUFFIX

    conversation_id = desk.new()["conversation_id"]
    async for _ in desk.stream_turn(conversation_id, "hello"):
        pass
    await desk.save(conversation_id)
    book = ConversationRecord.from_session(AgentSession(session_id=conversation_id + BOOK_SUFFIX))
    desk.store.save(book)
    assert [s.conversation_id for s in await desk.saved()] == [conversation_id]


# The real manager, tiers and store: a turn that calls `send_note` stops on a pending approval; the page saves,
# restarts (a second app over the same store), resumes, approves; the note is sent exactly once.

NOTE = {"text": "Send Ana a note: lunch at noon.", "force_tier": "local", "tool": "send_note"}


@contextlib.contextmanager
def tool_page(store_path):
    from modules.chat_app.server import build

    app, tiers = build(store_path=store_path, max_tokens=48)
    try:
        with TestClient(app, base_url=PAGE_URL) as test_client:
            yield test_client
    finally:
        tiers.close()


def ask_for_a_note(page) -> tuple[str, dict[str, Any]]:
    conversation_id = new_id(page)
    done = events(send(page, conversation_id, **NOTE))[-1]
    assert done["event"] == "done", done
    [pending] = done["pending"]
    assert pending["tool"] == "send_note" and pending["arguments"]["to"] in ("Ana", "Bob", "Chen")
    return conversation_id, pending


def test_a_pending_approval_survives_save_and_a_restart_and_the_tool_runs_once(tmp_path):
    from modules.chat_app.server import outbox_path
    from modules.chat_app.tools import outbox_rows
    from modules.hybrid import pending_approvals

    store_path = tmp_path / "conversations.sqlite3"
    with tool_page(store_path) as page:
        assert {t["name"]: t["needs_approval"] for t in page.get("/api/about").json()["tools"]} == {
            "multiply": False,
            "send_note": True,
        }
        conversation_id, pending = ask_for_a_note(page)
        state = page.get(f"/api/conversations/{conversation_id}").json()
        [call] = [entry for entry in state["transcript"] if entry["role"] == "tool"]
        assert (call["status"], call["request_id"]) == ("pending", pending["request_id"])
        moved_on = send(page, conversation_id, "Never mind.")
        assert moved_on.status_code == 409 and "Approve or Reject" in moved_on.json()["error"]
        assert page.post(f"/api/conversations/{conversation_id}/save", json={}).status_code == 200
    assert outbox_rows(outbox_path(store_path)) == []  # nothing was sent while it waited

    with tool_page(store_path) as page:  # the page restarted: nothing is open until Resume
        resumed = page.post("/api/resume", json={"conversation_id": conversation_id}).json()
        assert resumed["pending"] == [pending]
        path = f"/api/conversations/{conversation_id}/approvals/{pending['request_id']}"
        approved = page.post(path, json={"approve": True})
        assert approved.status_code == 200, approved.text
        state = approved.json()
        assert state["pending"] == []
        [call] = [entry for entry in state["transcript"] if entry["role"] == "tool"]
        assert call["status"] == "done" and call["result"] == f"note sent to {pending['arguments']['to']}"
        sent = outbox_rows(outbox_path(store_path), conversation_id)
        assert sent == [(pending["arguments"]["to"], pending["arguments"]["text"], os.getpid())]  # exactly once
        again = page.post(path, json={"approve": True})
        assert again.status_code == 409 and "already approved" in again.json()["error"]
        other = new_id(page)  # the same request, decided from another conversation
        elsewhere = page.post(f"/api/conversations/{other}/approvals/{pending['request_id']}", json={"approve": True})
        assert elsewhere.status_code == 404 and f"in conversation {other}" in elsewhere.json()["error"]
        refused = page.post(path, json={"approve": False})
        assert refused.status_code == 409 and "decided once" in refused.json()["error"]
        assert len(outbox_rows(outbox_path(store_path))) == 1
        [decided] = pending_approvals(SqliteStore(store_path), conversation_id, include_decided=True)
        assert (decided.status, decided.decision, decided.decided_by) == ("completed", "approved", "the chat page")
        assert [s["conversation_id"] for s in page.get("/api/saved").json()] == [conversation_id]
        # The stored conversation holds the call, its result and the answer: a fresh resume shows the same.
        assert page.post("/api/resume", json={"conversation_id": conversation_id}).json()["transcript"] == [
            entry for entry in state["transcript"]
        ]


def test_a_rejected_call_never_runs_and_a_decision_the_page_did_not_finish_is_finished_once(tmp_path):
    from modules.chat_app.server import outbox_path
    from modules.chat_app.tools import outbox_rows
    from modules.hybrid import BOOK_SUFFIX, book_pending

    store_path = tmp_path / "conversations.sqlite3"
    store = SqliteStore(store_path)
    with tool_page(store_path) as page:
        conversation_id, pending = ask_for_a_note(page)
        path = f"/api/conversations/{conversation_id}/approvals/{pending['request_id']}"
        state = page.post(path, json={"approve": False}).json()
        [call] = [entry for entry in state["transcript"] if entry["role"] == "tool"]
        assert call["status"] == "rejected" and outbox_rows(outbox_path(store_path)) == []

        # The page stopped after saving an approval, before the tool ran: Approve again finishes it, once.
        conversation_id, pending = ask_for_a_note(page)
        assert page.post(f"/api/conversations/{conversation_id}/save", json={}).status_code == 200
        live = page.app.state.page.desk._live[conversation_id].manager
        book_pending(store, conversation_id, live.context.session, asked_by="local")
        book = store.load(conversation_id + BOOK_SUFFIX)
        book.session["state"]["approvals"][pending["request_id"]]["status"] = "approved"  # decided, then stopped
        book.session["state"]["approvals"][pending["request_id"]]["decision"] = "approved"
        store.save(book)
        path = f"/api/conversations/{conversation_id}/approvals/{pending['request_id']}"
        assert page.post(path, json={"approve": False}).status_code == 409  # the other decision: refused
        assert page.post(path, json={"approve": True}).status_code == 200
        assert len(outbox_rows(outbox_path(store_path), conversation_id)) == 1
        assert page.post(path, json={"approve": True}).status_code == 409
        assert len(outbox_rows(outbox_path(store_path), conversation_id)) == 1


def test_a_tier_failing_after_the_decision_is_a_502_that_says_to_press_again_without_the_key(client, monkeypatch):
    async def tier_fails(manager, store, request_id, *, approve):  # the decision is saved, then the answer fails
        raise RuntimeError(f"cloud said: invalid api key {SECRET}")

    monkeypatch.setattr("modules.chat_app.desk.decide_in_store", tier_fails)
    conversation_id = new_id(client)
    response = client.post(f"/api/conversations/{conversation_id}/approvals/af-call-1", json={"approve": False})
    assert response.status_code == 502 and response.json()["code"] == "approval_not_finished"
    assert "Press Reject again" in response.json()["error"] and SECRET not in response.text


# ---- the strategy selector: route first, or the cascade ---------------------------------------------------


def test_the_strategy_chosen_in_the_page_is_the_one_the_turn_runs_with(client, desk):
    about = client.get("/api/about").json()
    assert (about["strategies"], about["default_strategy"]) == (["route", "cascade"], "route")
    conversation_id = new_id(client)
    events(send(client, conversation_id, "hello"))
    events(send(client, conversation_id, "hello", strategy="cascade"))
    events(send(client, conversation_id, "hello", strategy="route"))
    assert desk._live[conversation_id].manager.strategies == ["route", "cascade", "route"]


def test_an_unknown_strategy_is_refused_with_the_choices(client):
    conversation_id = new_id(client)
    reply = send(client, conversation_id, "hello", strategy="both")
    assert reply.status_code == 422
    assert "'both' is not one of route, cascade" in reply.json()["error"]
    assert client.get(f"/api/conversations/{conversation_id}").json()["exchanges"] == 0


def test_the_page_offers_the_strategy_next_to_the_mode_and_sends_it(client):
    page = client.get("/").text
    assert page.index('id="route-mode"') < page.index('id="route-strategy"') < page.index('id="force-tier"')
    assert re.findall(r'<option value="(route|cascade)"', page) == ["route", "cascade"]
    script = client.get("/static/chat.js").text
    assert 'strategy: $("route-strategy").value' in script


@pytest.fixture(scope="module")
def cascade_service(tmp_path_factory):
    from modules.runtime.local_service import running_local_service

    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


def test_a_cascade_turn_in_the_page_escalates_with_the_real_manager_and_records_both_answers(cascade_service, tmp_path):
    """The real manager and tiers behind the page; a confidence bar of 1.0 escalates whatever the model says."""
    from agent_framework.openai import OpenAIChatClient
    from openai import AsyncOpenAI

    from modules.config import load_settings
    from modules.hybrid import HybridConversationManager
    from modules.tiers import EmbeddedChatClient, Tiers
    from modules.tiers.clients import LOCAL_SERVICE_MODEL

    http = AsyncOpenAI(base_url=cascade_service.base_url, api_key=cascade_service.api_key, max_retries=0, timeout=180)
    tiers = Tiers(load_settings(), EmbeddedChatClient(), OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http))
    routers = {mode: HybridRouter(mode=mode) for mode in MODES}

    def new_manager() -> HybridConversationManager:
        return HybridConversationManager(routers["balanced"], tiers, cascade_threshold=1.0, max_tokens=8)

    desk = ChatDesk(new_manager, SqliteStore(tmp_path / "chat.sqlite3"), routers=routers, turn_timeout_s=240)
    with TestClient(create_app(desk, about=ABOUT), base_url=PAGE_URL) as client:
        conversation_id = new_id(client)
        streamed = events(send(client, conversation_id, "What is 12 times 12?", strategy="cascade"))
        routed = events(send(client, conversation_id, "Hello!", force_tier="local"))
        state = client.get(f"/api/conversations/{conversation_id}").json()

    decision, done = streamed[0], streamed[-1]
    assert (decision["event"], decision["escalated"], decision["target"], decision["strategy"]) == (
        "decision",
        True,
        "cloud",
        "cascade",
    )
    assert [e["event"] for e in streamed[1:-1]] and {e["event"] for e in streamed[1:-1]} == {"delta"}
    exchange = done["exchange"]
    assert (exchange["source"], exchange["escalated"], exchange["strategy"]) == ("cloud", True, "cascade")
    cascade = exchange["cascade"]
    assert cascade["local_answer"] is not None and cascade["cloud_answer"] == done["text"]
    assert cascade["wasted_local_tokens"] > 0 and cascade["local_received"]["messages"] == 1
    assert done["panel"]["escalated"] == 1
    assert routed[0]["escalated"] is False and routed[-1]["exchange"]["cascade"] is None
    # The transcript holds the served answers only: two questions, two answers, the first one the cloud's.
    assert [(m["role"], m["content"]) for m in state["transcript"]][:2] == [
        ("user", "What is 12 times 12?"),
        ("assistant", done["text"]),
    ]
    assert len(state["transcript"]) == 4
