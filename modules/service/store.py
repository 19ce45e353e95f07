"""Durable storage for the local Responses service: sessions, response payloads, conversations.

Every stored response keeps a snapshot of the session as it stood after that response,
so `previous_response_id` can branch from any point; a conversation keeps its latest
session under its `conv_…` id. SQLite makes all of it survive a restart of the service.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from agent_framework import AgentSession, Message, SessionStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (key TEXT PRIMARY KEY, session TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, metadata TEXT NOT NULL, created_at REAL NOT NULL);
"""


class SqliteSessionStore(SessionStore):
    """An Agent Framework `SessionStore` kept in one SQLite file, plus the service's response and conversation rows."""

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # SessionStore interface (async, as the framework calls it)
    async def get(self, session_id: str) -> AgentSession | None:
        self.validate_session_id(session_id)
        row = self._one("SELECT session FROM sessions WHERE key = ?", session_id)
        return AgentSession.from_dict(json.loads(row[0])) if row else None

    async def set(self, session_id: str, session: AgentSession) -> None:
        self.validate_session_id(session_id)
        self._write(
            "INSERT INTO sessions (key, session, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET session = excluded.session, updated_at = excluded.updated_at",
            session_id,
            json.dumps(session.to_dict()),
            time.time(),
        )

    async def delete(self, session_id: str) -> None:
        self._write("DELETE FROM sessions WHERE key = ?", session_id)

    # Responses and conversations
    def save_response(self, response_id: str, payload: dict[str, Any]) -> None:
        self._write(
            "INSERT OR REPLACE INTO responses (id, payload, created_at) VALUES (?, ?, ?)",
            response_id,
            json.dumps(payload),
            time.time(),
        )

    def get_response(self, response_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT payload FROM responses WHERE id = ?", response_id)
        return json.loads(row[0]) if row else None

    def delete_response(self, response_id: str) -> bool:
        with self._lock, self._db:
            deleted = self._db.execute("DELETE FROM responses WHERE id = ?", (response_id,)).rowcount
            self._db.execute("DELETE FROM sessions WHERE key = ?", (response_id,))
        return deleted > 0

    def create_conversation(self, conversation_id: str, metadata: dict[str, str], created_at: float) -> None:
        self._write(
            "INSERT INTO conversations (id, metadata, created_at) VALUES (?, ?, ?)",
            conversation_id,
            json.dumps(metadata),
            created_at,
        )

    def get_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT metadata, created_at FROM conversations WHERE id = ?", conversation_id)
        if row is None:
            return None
        return {
            "id": conversation_id,
            "object": "conversation",
            "created_at": int(row[1]),
            "metadata": json.loads(row[0]),
        }

    def delete_conversation(self, conversation_id: str) -> bool:
        with self._lock, self._db:
            deleted = self._db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,)).rowcount
            self._db.execute("DELETE FROM sessions WHERE key = ?", (conversation_id,))
        return deleted > 0

    def _one(self, sql: str, *params: Any) -> tuple[Any, ...] | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _write(self, sql: str, *params: Any) -> None:
        with self._lock, self._db:
            self._db.execute(sql, params)


def session_messages(session: AgentSession) -> list[Message]:
    """The history the service keeps for a session (held by the agent's in-memory history provider)."""
    return list(session.state.get("in_memory", {}).get("messages", []))
