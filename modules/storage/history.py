"""Append-only conversation history for Agent Framework agents: SQLite (here) and Redis (the framework's).

    history = SqliteHistoryProvider("var/history.sqlite3")
    agent = client.as_agent(name="assistant", context_providers=[history])
    session = agent.create_session()             # session.to_dict() now holds only ids
    await agent.run("Hello", session=session)    # 2 rows appended: the question and the answer

Saving a whole session rewrites every message on every turn (turn N costs N). A
`HistoryProvider` is told only the new messages of each run, so appending them costs the
same at turn 1 and turn 1000, and several processes can append to one conversation.
`redis_history_provider()` does the same with `agent_framework.redis.RedisHistoryProvider`,
so processes on different machines share the history.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from agent_framework import HistoryProvider, Message
from cryptography.exceptions import InvalidTag

from modules.storage.cipher import Cipher
from modules.storage.errors import CorruptRecordError, DecryptionError
from modules.storage.record import validate_conversation_id
from modules.storage.sqlite_db import SqliteDatabase

COURSE_APPLICATION_ID = "hybrid-llm-router-workshop"
_REDIS_TIMEOUT_S = 5

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,   -- global append order
    source_id  TEXT NOT NULL,
    session_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    key_id     TEXT,                                -- NULL: plaintext JSON; else the cipher's key id
    message    BLOB NOT NULL                        -- Message.to_dict() as JSON (encrypted if key_id)
);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages(source_id, session_id, seq);
"""


class SqliteHistoryProvider(HistoryProvider):
    """Agent Framework history provider: one SQLite row per message, appended in one transaction per turn."""

    DEFAULT_SOURCE_ID = "sqlite_history"

    def __init__(
        self,
        path: Path | str,
        *,
        source_id: str = DEFAULT_SOURCE_ID,
        cipher: Cipher | None = None,
        load_messages: bool = True,
        store_inputs: bool = True,
        store_outputs: bool = True,
        store_context_messages: bool = False,
        store_context_from: set[str] | None = None,
    ) -> None:
        super().__init__(
            source_id,
            load_messages=load_messages,
            store_inputs=store_inputs,
            store_outputs=store_outputs,
            store_context_messages=store_context_messages,
            store_context_from=store_context_from,
        )
        self.path = Path(path)
        self.cipher = cipher
        self._db = SqliteDatabase(self.path, _SCHEMA)

    def __repr__(self) -> str:
        return f"SqliteHistoryProvider({self.path}, source_id={self.source_id!r}, encrypted={self.cipher is not None})"

    # ---- HistoryProvider ----------------------------------------------------------------------

    async def get_messages(
        self, session_id: str | None, *, state: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[Message]:
        """All stored messages of the session, oldest first."""
        return await asyncio.to_thread(self.read, session_id)

    async def save_messages(
        self, session_id: str | None, messages: Sequence[Message], *, state: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        """Append the run's new messages (the framework passes only those, never the loaded history)."""
        if messages:
            await asyncio.to_thread(self.append, session_id, messages)

    # ---- synchronous helpers (also usable outside an event loop) --------------------------------

    def append(self, session_id: str | None, messages: Sequence[Message]) -> None:
        session_id = validate_conversation_id(session_id, "session id")
        aad = self._associated_data(session_id)
        now = time.time()
        rows = [
            (
                self.source_id,
                session_id,
                now,
                self.cipher.key_id if self.cipher else None,
                self._seal(_message_json(m), aad),
            )
            for m in messages
        ]
        # One transaction per turn: another process's turn lands wholly before or after this one.
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO messages (source_id, session_id, created_at, key_id, message) VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def read(self, session_id: str | None) -> list[Message]:
        session_id = validate_conversation_id(session_id, "session id")
        with self._db.reading() as db:
            rows = db.execute(
                "SELECT seq, key_id, message FROM messages WHERE source_id = ? AND session_id = ? ORDER BY seq",
                (self.source_id, session_id),
            ).fetchall()
        aad = self._associated_data(session_id)
        return [self._message(session_id, seq, key_id, bytes(blob), aad) for seq, key_id, blob in rows]

    def message_count(self, session_id: str) -> int:
        with self._db.reading() as db:
            return db.execute(
                "SELECT count(*) FROM messages WHERE source_id = ? AND session_id = ?",
                (self.source_id, validate_conversation_id(session_id, "session id")),
            ).fetchone()[0]

    def clear(self, session_id: str) -> int:
        """Delete the session's history; returns the number of messages deleted."""
        with self._db.transaction() as db:
            return db.execute(
                "DELETE FROM messages WHERE source_id = ? AND session_id = ?",
                (self.source_id, validate_conversation_id(session_id, "session id")),
            ).rowcount

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (so its size is the data's size)."""
        with self._db.reading() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- encryption and decoding -----------------------------------------------------------------

    def _associated_data(self, session_id: str) -> bytes:
        # Binds each encrypted row to its session: a row copied into another session fails to decrypt.
        return f"{self.source_id}\n{session_id}".encode()

    def _seal(self, plaintext: bytes, aad: bytes) -> bytes:
        return self.cipher.encrypt(plaintext, associated_data=aad) if self.cipher else plaintext

    def _message(self, session_id: str, seq: int, key_id: str | None, blob: bytes, aad: bytes) -> Message:
        if key_id is not None:
            if self.cipher is None or self.cipher.key_id != key_id:
                have = f"the configured key has id {self.cipher.key_id}" if self.cipher else "no key is configured"
                raise DecryptionError(
                    session_id,
                    f"history message {seq} is encrypted with key id {key_id} and {have}.",
                    "Set CONVERSATION_ENCRYPTION_KEY to the key it was written with.",
                )
            try:
                blob = self.cipher.decrypt(blob, associated_data=aad)
            except InvalidTag:
                raise CorruptRecordError(
                    session_id,
                    f"history message {seq} failed authentication (altered after it was written).",
                    "Delete that row or restore the file from a backup.",
                ) from None
        try:
            return Message.from_dict(_json_loads(blob))
        except (ValueError, TypeError, KeyError) as error:
            raise CorruptRecordError(
                session_id,
                f"history message {seq} is not a readable message ({type(error).__name__}).",
                "Delete that row or restore the file from a backup.",
            ) from None


def _message_json(message: Message) -> bytes:
    return json.dumps(message.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _json_loads(blob: bytes) -> dict[str, Any]:
    value = json.loads(blob)
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def redis_history_provider(redis: str | Any, *, application_id: str = COURSE_APPLICATION_ID, **options: Any) -> Any:
    """The framework's `RedisHistoryProvider`, configured the way the course uses it.

    `redis` is a URL (the provider then owns its connection; 5 s timeouts are added) or a
    borrowed `redis.asyncio.Redis(..., decode_responses=True)` that you close yourself.
    Keys are scoped by `application_id` (required by the framework's scoped key format),
    the provider's source id and the session id; other options go to the provider.
    """
    from agent_framework.redis import RedisHistoryProvider

    if isinstance(redis, str):
        return RedisHistoryProvider(redis_url=_with_timeouts(redis), application_id=application_id, **options)
    return RedisHistoryProvider(redis_client=redis, application_id=application_id, **options)


def _with_timeouts(url: str) -> str:
    """Add socket timeouts to a redis:// URL (redis-py reads them from the query string) unless already set."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_timeout", str(_REDIS_TIMEOUT_S))
    query.setdefault("socket_connect_timeout", str(_REDIS_TIMEOUT_S))
    return urlunsplit(parts._replace(query=urlencode(query)))
