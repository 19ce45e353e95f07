"""Approvals that survive: a run stops on a pending approval, is stored, and another process decides it.

Every step runs in a process of its own (`python -m modules.labkit.teller`), on every store and both session kinds.
The tool appends to a SQLite ledger: the side effect counted to prove it ran exactly once, also when a process is
SIGKILLed between the decision and the tool, or between the tool and the answer.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from agent_framework import tool

from modules.hybrid.approvals import (
    BOOK_SUFFIX,
    ApprovalAlreadyDecidedError,
    ApprovalFromAnotherConversationError,
    ConversationMovedOnError,
    NothingToCompleteError,
    ToolInterruptedError,
    complete_decided,
    decide,
    mark_tool_result,
    pending_approvals,
    run_until_approval,
)
from modules.runtime.local_service import running_local_service
from modules.storage import FileStore, SqliteStore
from modules.tiers import EmbeddedChatClient

NAMED = {"tool_choice": {"mode": "required", "required_function_name": "transfer"}, "max_tokens": 96}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


@pytest.fixture(params=["file", "sqlite", "redis"])
def store_spec(request, tmp_path):
    if request.param == "file":
        return f"file:{tmp_path / 'files'}"
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'store.sqlite3'}"
    server = request.getfixturevalue("redis_server")
    return f"redis:{server.url}#approvals-{uuid.uuid4().hex[:8]}"


def step(name, store_spec, kind, conversation_id, ledger, service=None, *flags, killed=False):
    command = [sys.executable, "-m", "modules.labkit.teller", name, store_spec, kind, conversation_id, str(ledger)]
    command += [service.base_url] if service is not None else []
    done = subprocess.run([*command, *flags], capture_output=True, text=True, timeout=600)
    if killed:
        assert done.returncode == -9, done.stderr[-2000:]  # SIGKILL
        return None
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def ledger_rows(ledger: Path) -> list[tuple]:
    if not ledger.exists():
        return []
    with sqlite3.connect(ledger) as db:
        return db.execute("SELECT amount, recipient, pid FROM ledger").fetchall()


@pytest.mark.parametrize("kind", ["in-memory", "service"])
def test_a_new_process_lists_and_approves_and_the_tool_runs_once(store_spec, kind, tmp_path, request):
    service = request.getfixturevalue("service") if kind == "service" else None
    ledger, conversation = tmp_path / "ledger.sqlite3", f"conv-{uuid.uuid4().hex[:8]}"
    asked = step("ask", store_spec, kind, conversation, ledger, service)
    assert len(asked["requests"]) == 1 and ledger_rows(ledger) == []  # stopped before the tool
    assert (asked["service_session_id"] or "").startswith("resp_") == (kind == "service")
    [pending] = step("list", store_spec, kind, conversation, ledger, service)["pending"]
    assert pending["request_id"] == asked["requests"][0] and pending["tool"] == "transfer"
    assert pending["asked_by"] == "ana" and pending["asked_at"] > 0 and pending["status"] == "pending"
    arguments = json.loads(pending["arguments"])
    done = step("approve", store_spec, kind, conversation, ledger, service)
    assert done["kinds"][:1] == ["function_result"] and done["kinds"][-1] == "text"
    rows = ledger_rows(ledger)
    assert [(amount, to) for amount, to, _ in rows] == [(float(arguments["amount"]), arguments["to"])]
    assert step("list", store_spec, kind, conversation, ledger, service)["pending"] == []


@pytest.mark.parametrize("kind", ["in-memory", "service"])
def test_sigkill_between_decision_and_tool_then_the_tool_runs_once(tmp_path, kind, request):
    service = request.getfixturevalue("service") if kind == "service" else None
    store_spec, ledger = f"sqlite:{tmp_path / 'store.sqlite3'}", tmp_path / "ledger.sqlite3"
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    step("ask", store_spec, kind, conversation, ledger, service)
    step("approve", store_spec, kind, conversation, ledger, service, "--kill-before-tool", killed=True)
    assert ledger_rows(ledger) == []  # decided, not run
    done = step("complete", store_spec, kind, conversation, ledger, service)
    assert done["kinds"][-1] == "text" and len(ledger_rows(ledger)) == 1
    with pytest.raises(AssertionError, match="NothingToCompleteError"):
        step("complete", store_spec, kind, conversation, ledger, service)  # nothing is left to complete
    assert len(ledger_rows(ledger)) == 1


def test_sigkill_after_the_tool_ran_hands_back_its_result_without_running_it_again(tmp_path):
    store_spec, ledger = f"sqlite:{tmp_path / 'store.sqlite3'}", tmp_path / "ledger.sqlite3"
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    step("ask", store_spec, "in-memory", conversation, ledger)
    step("approve", store_spec, "in-memory", conversation, ledger, None, "--kill-after-tool", killed=True)
    [(_, _, first_pid)] = ledger_rows(ledger)
    done = step("complete", store_spec, "in-memory", conversation, ledger)
    assert done["kinds"][:1] == ["function_result"] and done["kinds"][-1] == "text"
    assert [row[2] for row in ledger_rows(ledger)] == [first_pid]  # still the one run, by the killed process


# ---- refusals, in this process -------------------------------------------------------------------------------


def teller(ledger: list):
    @tool(approval_mode="always_require")
    def transfer(amount: float, to: str) -> str:
        """Transfer an amount of euros to a person."""
        ledger.append((amount, to))
        return "done"

    return EmbeddedChatClient().as_agent(name="teller", tools=[transfer])


async def ask(agent, store, conversation_id):
    await run_until_approval(
        agent,
        "Transfer 20 euros to Ana.",
        session=agent.create_session(),
        store=store,
        conversation_id=conversation_id,
        asked_by="ana",
        options=NAMED,
    )
    [pending] = pending_approvals(store, conversation_id)
    return pending


async def test_approving_twice_is_refused_with_the_fix(tmp_path):
    ledger: list = []
    agent, store = teller(ledger), SqliteStore(tmp_path / "s.sqlite3")
    pending = await ask(agent, store, "conv-twice")
    await decide(agent, store, pending, approve=True, decided_by="bob", options={"max_tokens": 16})
    with pytest.raises(ApprovalAlreadyDecidedError, match="complete_decided"):
        await decide(agent, store, pending, approve=True, decided_by="eve")
    assert len(ledger) == 1
    with pytest.raises(NothingToCompleteError):
        await complete_decided(agent, store, "conv-twice")


async def test_a_request_from_another_conversation_is_refused(tmp_path):
    ledger: list = []
    agent, store = teller(ledger), FileStore(tmp_path / "files")
    pending = await ask(agent, store, "conv-a")
    await ask(agent, store, "conv-b")
    with pytest.raises(ApprovalFromAnotherConversationError, match="conv-a"):
        await decide(agent, store, pending, approve=True, conversation_id="conv-b")
    with pytest.raises(ApprovalFromAnotherConversationError, match="pending_approvals"):
        await decide(agent, store, pending.request_id, approve=True, conversation_id="conv-b")
    assert ledger == [] and [p.status for p in pending_approvals(store, "conv-a")] == ["pending"]


async def test_approving_after_the_conversation_moved_on_is_refused(tmp_path):
    ledger: list = []
    agent, store = teller(ledger), SqliteStore(tmp_path / "s.sqlite3")
    pending = await ask(agent, store, "conv-moved")
    session = store.load("conv-moved").to_session()
    await run_until_approval(
        agent,
        "Never mind, say hello.",
        session=session,
        store=store,
        conversation_id="conv-moved",
        options={"tool_choice": "none", "max_tokens": 8},
    )
    with pytest.raises(ConversationMovedOnError, match="Ask the agent again"):
        await decide(agent, store, pending, approve=True)
    assert ledger == []


async def test_a_rejection_never_runs_the_tool_and_the_run_completes(tmp_path):
    ledger: list = []
    agent, store = teller(ledger), SqliteStore(tmp_path / "s.sqlite3")
    pending = await ask(agent, store, "conv-no")
    result = await decide(agent, store, pending, approve=False, decided_by="bob", options={"max_tokens": 16})
    assert ledger == [] and result.messages
    [decided] = pending_approvals(store, "conv-no", include_decided=True)
    assert (decided.status, decided.decision, decided.decided_by) == ("completed", "rejected", "bob")


async def test_a_crash_inside_the_tool_is_reported_never_guessed(tmp_path):
    ledger: list = []
    agent, store = teller(ledger), SqliteStore(tmp_path / "s.sqlite3")
    pending = await ask(agent, store, "conv-inside")
    book = store.load("conv-inside" + BOOK_SUFFIX)  # what a crash inside the tool leaves behind
    book.session["state"]["approvals"][pending.request_id]["status"] = "executing"
    store.save(book)
    with pytest.raises(ToolInterruptedError, match="mark_tool_result"):
        await complete_decided(agent, store, "conv-inside")
    mark_tool_result(store, "conv-inside", pending.request_id, "done")  # its effect did happen
    await complete_decided(agent, store, "conv-inside", options={"max_tokens": 16})
    assert ledger == []  # the recorded result was used; the tool did not run a second time


async def test_the_pending_request_travels_in_the_sessions_own_state(tmp_path):
    """Agent Framework 1.23 keeps the request in session.state, so the stored conversation holds it (issue #5818)."""
    agent, store = teller([]), SqliteStore(tmp_path / "s.sqlite3")
    pending = await ask(agent, store, "conv-state")
    stored = store.load("conv-state").session["state"]["tool_approval"]["pending_approval_requests"]
    assert [request["id"] for request in stored] == [pending.request_id]
