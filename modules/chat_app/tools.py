"""The chat page's demo tools: a calculator that just runs, and a note sender that waits for a person's approval.

    tools = page_tools(outbox_path)           # both tiers' agents get them (server.build)
    outbox_rows(outbox_path, conversation_id) # [(recipient, text, pid)]: one row per note actually sent

`send_note` is declared with `approval_mode="always_require"`: a turn that calls it stops with a pending approval,
which the page shows with Approve / Reject and decides through `modules.hybrid.approvals` (the approval book in the
page's store: decided once, run at most once). Its side effect is a row in the outbox, a SQLite file next to the
page's store, naming the conversation and the process that sent it, so a test can count that it ran exactly once.

The small model's choice of tool is weak and its arguments odd (valid for the schema by construction: the local
tier samples them under a JSON-schema grammar), so the page names the tool for the turn (`tool_choice`) when the
person picks one; by default no tool is used. Strings are bounded in the schema, so a call fits a short answer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from agent_framework import FunctionInvocationContext, tool
from pydantic import Field

from modules.chat_app.errors import UnknownToolError

__all__ = ["NO_TOOL", "TOOL_CHOICES", "describe", "outbox_rows", "page_tools", "tool_choice_for"]

NO_TOOL, MODEL_DECIDES = "none", "auto"
TOOL_CHOICES = (NO_TOOL, MODEL_DECIDES)  # besides naming one of the tools


def page_tools(outbox: Path | str) -> list[Any]:
    """The page's tools: `multiply` (runs at once) and `send_note` (needs approval; writes to `outbox`).

    Args:
        outbox: The SQLite file a sent note is written to (created on the first note).

    Returns:
        Agent Framework function tools, for both tiers' agents.
    """
    outbox = str(outbox)

    @tool
    def multiply(a: float, b: float) -> str:
        """Multiply two numbers."""
        return f"{a * b:g}"

    @tool(approval_mode="always_require")
    def send_note(
        to: Literal["Ana", "Bob", "Chen"],
        text: Annotated[str, Field(max_length=40)],
        ctx: FunctionInvocationContext,
    ) -> str:
        """Send a short note to a colleague (Ana, Bob or Chen)."""
        conversation = ctx.session.session_id if ctx.session is not None else None
        with contextlib.closing(sqlite3.connect(outbox)) as db, db:
            db.execute(
                "CREATE TABLE IF NOT EXISTS outbox (conversation TEXT, recipient TEXT, text TEXT, pid INTEGER, at REAL)"
            )
            db.execute("INSERT INTO outbox VALUES (?, ?, ?, ?, ?)", (conversation, to, text, os.getpid(), time.time()))
        return f"note sent to {to}"

    return [multiply, send_note]


def describe(tools: Sequence[Any]) -> list[dict[str, Any]]:
    """What /api/about says about each tool: its name, what it does, and whether it needs approval."""
    return [
        {"name": t.name, "description": t.description, "needs_approval": t.approval_mode == "always_require"}
        for t in tools
    ]


def tool_choice_for(choice: object, names: Sequence[str]) -> Any:
    """The `tool_choice` of a turn from the page's Tool field: none (default), auto, or the name of a tool.

    Raises:
        UnknownToolError: `choice` is none of those.
    """
    if choice in (None, "", NO_TOOL):
        return NO_TOOL
    if choice == MODEL_DECIDES:
        return MODEL_DECIDES
    if isinstance(choice, str) and choice in names:
        return {"mode": "required", "required_function_name": choice}
    offered = ", ".join([*TOOL_CHOICES, *names])
    raise UnknownToolError(f"Tool {str(choice)[:40]!r} is not one of {offered}. Pick one in the list.")


def outbox_rows(outbox: Path | str, conversation_id: str | None = None) -> list[tuple[str, str, int]]:
    """The notes sent so far: (recipient, text, pid of the process that sent it), oldest first.

    Args:
        outbox: The SQLite file `send_note` writes to (none yet: no rows).
        conversation_id: Only this conversation's notes; None for all.

    Returns:
        One row per note sent.
    """
    if not Path(outbox).exists():
        return []
    with contextlib.closing(sqlite3.connect(outbox)) as db:
        if not db.execute("SELECT name FROM sqlite_master WHERE name = 'outbox'").fetchall():
            return []
        if conversation_id is None:
            return db.execute("SELECT recipient, text, pid FROM outbox ORDER BY rowid").fetchall()
        query = "SELECT recipient, text, pid FROM outbox WHERE conversation = ? ORDER BY rowid"
        return db.execute(query, (conversation_id,)).fetchall()
