"""A bank teller agent whose one tool needs approval: each step of an approval's life in a process of its own.

Lab 03 and tests/test_approvals.py run it as a child process:

    python -m modules.labkit.teller ask      STORE KIND CONVERSATION LEDGER [SERVICE_URL]
    python -m modules.labkit.teller list     STORE KIND CONVERSATION LEDGER [SERVICE_URL]
    python -m modules.labkit.teller approve  STORE KIND CONVERSATION LEDGER [SERVICE_URL] [--reject] [--by=NAME]
                                             [--kill-before-tool] [--kill-after-tool]
    python -m modules.labkit.teller complete STORE KIND CONVERSATION LEDGER [SERVICE_URL]

    teller_step("approve", "sqlite:var/lab03.sqlite3", "in-memory", "conv-1", "var/ledger.sqlite3")   # from Python

STORE is file:<dir>, sqlite:<path> or redis:<url>#<namespace>; KIND is in-memory (the embedded model, history in the
session) or service (OpenAIChatClient on the course's service, history kept by the service). The tool `transfer`
needs approval and appends one row per run to the SQLite LEDGER (amount, recipient, the conversation and the id of
the process that ran it): the side effect the test counts. `--by=NAME` names who decides (default bob). Prints one
JSON line on success; approve and complete name the request and the process that ran them.
`--kill-before-tool` SIGKILLs the process after the decision is saved, just before the tool runs; `--kill-after-tool`
right after the tool returned, before the model answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from dataclasses import asdict

from agent_framework import ChatMiddleware, FunctionMiddleware, tool

from modules.hybrid import (
    ApprovalError,
    PendingApproval,
    complete_decided,
    decide,
    pending_approvals,
    run_until_approval,
)
from modules.runtime import run_json_child
from modules.storage import FileStore, SqliteStore

STEP_TIMEOUT_S = 600.0

OPTIONS = {"tool_choice": {"mode": "required", "required_function_name": "transfer"}, "max_tokens": 96}
OPTIONS_AFTER = {"max_tokens": 48}


def teller_step(
    step: str, store: str, kind: str, conversation_id: str, ledger: str, service_url: str | None = None, *flags: str
) -> dict:
    """Run one step (ask, list, approve, complete) in a new Python process and return what it printed.

    Args:
        step: ask, list, approve or complete.
        store: file:<dir>, sqlite:<path> or redis:<url>#<namespace>.
        kind: in-memory (the embedded model) or service (the course's Responses service at `service_url`).
        conversation_id: The conversation.
        ledger: The SQLite file the tool appends to.
        service_url: The service's base URL, for kind "service".
        *flags: --reject, --by=NAME, --kill-before-tool, --kill-after-tool.

    Returns:
        The step's JSON result.

    Raises:
        ProcessError: The child failed; the message ends with its error output.
    """
    args = [step, store, kind, conversation_id, str(ledger), *([service_url] if service_url else []), *flags]
    return run_json_child("modules.labkit.teller", *args, timeout_s=STEP_TIMEOUT_S, what=f"The teller's {step} step")


def ledger_rows(ledger: str, conversation_id: str | None = None) -> list[tuple]:
    """The tool's side effects so far: (amount, recipient, pid) rows, oldest first.

    Args:
        ledger: The SQLite file the tool appends to (none yet: no rows).
        conversation_id: Only the rows of this conversation's runs; None for all.

    Returns:
        One (amount, recipient, pid) row per run of the tool; pid is the process that ran it.
    """
    if not os.path.exists(ledger):
        return []
    with sqlite3.connect(ledger) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'ledger'").fetchall():
            return []
        if conversation_id is None:
            return db.execute("SELECT amount, recipient, pid FROM ledger").fetchall()
        query = "SELECT amount, recipient, pid FROM ledger WHERE conversation = ?"
        return db.execute(query, (conversation_id,)).fetchall()


def open_store(spec: str):
    kind, _, where = spec.partition(":")
    if kind == "file":
        return FileStore(where)
    if kind == "sqlite":
        return SqliteStore(where)
    from modules.storage import RedisStore

    url, _, namespace = where.partition("#")
    return RedisStore(url, namespace=namespace)


def make_agent(kind: str, ledger: str, service_url: str | None, middleware: list, conversation_id: str = ""):
    @tool(approval_mode="always_require")
    def transfer(amount: float, to: str) -> str:
        """Transfer an amount of euros to a person."""
        with sqlite3.connect(ledger) as db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS ledger (amount REAL, recipient TEXT, pid INTEGER, conversation TEXT)"
            )
            db.execute("INSERT INTO ledger VALUES (?, ?, ?, ?)", (amount, to, os.getpid(), conversation_id))
        return f"transferred {amount} to {to}"

    if kind == "in-memory":
        from modules.tiers import EmbeddedChatClient

        return EmbeddedChatClient().as_agent(name="teller", tools=[transfer], middleware=middleware)
    from agent_framework.openai import OpenAIChatClient

    client = OpenAIChatClient(base_url=service_url, api_key="unused", model="local-service")
    return client.as_agent(name="teller", tools=[transfer], middleware=middleware)


class KillBeforeTool(FunctionMiddleware):
    async def process(self, context, call_next):
        os.kill(os.getpid(), signal.SIGKILL)


class KillAfterTool(ChatMiddleware):
    """Kills the process on the model call that follows the tool's result (the answer turn)."""

    async def process(self, context, call_next):
        if any(c.type == "function_result" for m in context.messages for c in m.contents):
            os.kill(os.getpid(), signal.SIGKILL)
        await call_next()


def _request_to_decide(store, conversation_id: str) -> PendingApproval:
    """The pending request; once none is, the newest decided one (so approving twice gets decide's typed error)."""
    listed = pending_approvals(store, conversation_id, include_decided=True)
    if not listed:
        raise ApprovalError(
            f"Conversation {conversation_id!r} has no approval request in this store: run the ask step for it first."
        )
    return next((p for p in listed if p.status == "pending"), listed[-1])


async def main(argv: list[str]) -> dict:
    flags = {a for a in argv if a.startswith("--")}
    step, store_spec, kind, conversation_id, ledger, *rest = [a for a in argv if not a.startswith("--")]
    service_url = rest[0] if rest else None
    store = open_store(store_spec)
    killer = [KillAfterTool()] if "--kill-after-tool" in flags else []
    agent = make_agent(kind, ledger, service_url, killer, conversation_id)
    decided_by = next((f.removeprefix("--by=") for f in flags if f.startswith("--by=")), "bob")
    if step == "ask":
        session = agent.create_session()
        result = await run_until_approval(
            agent,
            "Transfer 20 euros to Ana.",
            session=session,
            store=store,
            conversation_id=conversation_id,
            asked_by="ana",
            user_id="ana",
            options=OPTIONS,
        )
        return {
            "requests": [r.id for r in result.user_input_requests],
            "service_session_id": session.service_session_id,
        }
    if step == "list":
        return {"pending": [asdict(p) for p in pending_approvals(store, conversation_id)]}
    middleware = []
    if "--kill-before-tool" in flags:
        middleware.append(KillBeforeTool())
    if step == "approve":
        pending = _request_to_decide(store, conversation_id)
        result = await decide(
            agent,
            store,
            pending,
            approve="--reject" not in flags,
            decided_by=decided_by,
            middleware=middleware,
            options=OPTIONS_AFTER,
        )
    else:
        pending = None
        result = await complete_decided(agent, store, conversation_id, options=OPTIONS_AFTER)
    return {
        "text": result.text,
        "kinds": [c.type for m in result.messages for c in m.contents],
        "request_id": pending.request_id if pending is not None else None,
        "pid": os.getpid(),
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))))
