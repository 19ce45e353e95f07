"""One step of an approval's life in a process of its own, for tests/test_approvals.py (and bench/).

    python tests/approval_process.py ask      STORE KIND CONVERSATION LEDGER [SERVICE_URL]
    python tests/approval_process.py list     STORE KIND CONVERSATION LEDGER [SERVICE_URL]
    python tests/approval_process.py approve  STORE KIND CONVERSATION LEDGER [SERVICE_URL] [--kill-before-tool]
                                                                                        [--kill-after-tool]
    python tests/approval_process.py complete STORE KIND CONVERSATION LEDGER [SERVICE_URL]

STORE is file:<dir>, sqlite:<path> or redis:<url>#<namespace>; KIND is in-memory (the embedded model, history in the
session) or service (OpenAIChatClient on the course's service, history kept by the service). The tool `transfer`
needs approval and appends one row per run to the SQLite LEDGER: the side effect the test counts. Prints one JSON
line on success. `--kill-before-tool` SIGKILLs the process after the decision is saved, just before the tool runs;
`--kill-after-tool` right after the tool returned, before the model answers.
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

from modules.hybrid.approvals import complete_decided, decide, pending_approvals, run_until_approval
from modules.storage import FileStore, SqliteStore

OPTIONS = {"tool_choice": {"mode": "required", "required_function_name": "transfer"}, "max_tokens": 96}
OPTIONS_AFTER = {"max_tokens": 48}


def open_store(spec: str):
    kind, _, where = spec.partition(":")
    if kind == "file":
        return FileStore(where)
    if kind == "sqlite":
        return SqliteStore(where)
    from modules.storage.redis_store import RedisStore

    url, _, namespace = where.partition("#")
    return RedisStore(url, namespace=namespace)


def make_agent(kind: str, ledger: str, service_url: str | None, middleware: list):
    @tool(approval_mode="always_require")
    def transfer(amount: float, to: str) -> str:
        """Transfer an amount of euros to a person."""
        with sqlite3.connect(ledger) as db:
            db.execute("CREATE TABLE IF NOT EXISTS ledger (amount REAL, recipient TEXT, pid INTEGER)")
            db.execute("INSERT INTO ledger VALUES (?, ?, ?)", (amount, to, os.getpid()))
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


async def main(argv: list[str]) -> dict:
    flags = {a for a in argv if a.startswith("--")}
    step, store_spec, kind, conversation_id, ledger, *rest = [a for a in argv if not a.startswith("--")]
    service_url = rest[0] if rest else None
    store = open_store(store_spec)
    agent = make_agent(kind, ledger, service_url, [KillAfterTool()] if "--kill-after-tool" in flags else [])
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
        [pending] = pending_approvals(store, conversation_id)
        result = await decide(
            agent,
            store,
            pending,
            approve="--reject" not in flags,
            decided_by="bob",
            middleware=middleware,
            options=OPTIONS_AFTER,
        )
    else:
        result = await complete_decided(agent, store, conversation_id, options=OPTIONS_AFTER)
    return {"text": result.text, "kinds": [c.type for m in result.messages for c in m.contents]}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))))
