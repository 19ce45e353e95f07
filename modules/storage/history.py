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

With a cipher, each row is sealed (AES-GCM) with its source, session and position as associated
data: a row moved to another session, replayed, swapped with another, or a gap where one was
deleted is detected, and reported by position (`CorruptHistoryError`) while the other rows stay
readable. Plaintext rows are refused unless `allow_plaintext_migration=True`.
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
from modules.storage.errors import CorruptHistoryError, DecryptionError, PlaintextRecordError
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
    message    BLOB NOT NULL,                       -- Message.to_dict() as JSON (encrypted if key_id)
    position   INTEGER                              -- 0, 1, 2, ... per session; sealed into the row
);
CREATE INDEX IF NOT EXISTS messages_by_session ON messages(source_id, session_id, seq);
"""
_POSITION_INDEX = "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_position ON messages(source_id, session_id, position)"
_REMEDY_DAMAGED = (
    "read(session_id, skip_damaged=True) returns the intact messages; delete the damaged rows or restore the "
    "file from a backup."
)


class SqliteHistoryProvider(HistoryProvider):
    """Agent Framework history provider: one SQLite row per message, appended in one transaction per turn.

    Args:
        path: The SQLite file (created if missing).
        source_id: The provider's id in the agent's context providers.
        cipher: Encrypts each row, bound to its session and position; None stores plaintext.
        load_messages: Give the agent the stored history before each run.
        store_inputs: Store the messages sent to the model.
        store_outputs: Store the model's answers.
        store_context_messages: Store messages that other context providers added.
        store_context_from: Only those of these provider ids (None: all).
        allow_plaintext_migration: With a cipher, read plaintext rows anyway, to re-append them encrypted.
    """

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
        allow_plaintext_migration: bool = False,
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
        # With a cipher: read plaintext (or older, position-less) rows anyway, to re-append them encrypted.
        self.allow_plaintext_migration = allow_plaintext_migration
        self._db = SqliteDatabase(self.path, _SCHEMA)
        self._db.add_column("messages", "position", "INTEGER")  # files of older versions: their rows stay NULL
        with self._db.transaction() as db:
            db.execute(_POSITION_INDEX)

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
        """Append `messages` to the session's history, in one transaction (positions follow the stored ones)."""
        session_id = validate_conversation_id(session_id, "session id")
        now = time.time()
        payloads = [_message_json(m) for m in messages]
        # One transaction per turn: another process's turn lands wholly before or after this one.
        with self._db.transaction() as db:
            start = db.execute(
                "SELECT coalesce(max(position) + 1, 0) FROM messages WHERE source_id = ? AND session_id = ?",
                (self.source_id, session_id),
            ).fetchone()[0]
            rows = [
                (
                    self.source_id,
                    session_id,
                    now,
                    self.cipher.key_id if self.cipher else None,
                    self._seal(payload, self._associated_data(session_id, start + offset)),
                    start + offset,
                )
                for offset, payload in enumerate(payloads)
            ]
            db.executemany(
                "INSERT INTO messages (source_id, session_id, created_at, key_id, message, position) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    def read(self, session_id: str | None, *, skip_damaged: bool = False) -> list[Message]:
        """The session's messages in order.

        Args:
            session_id: the session whose history to read.
            skip_damaged: return the intact messages even if some rows are damaged, missing or replayed.

        Returns:
            The messages, oldest first.

        Raises:
            CorruptHistoryError: rows failed authentication or are missing, replayed or swapped; it names their
                positions and carries the intact messages in `readable`.
            DecryptionError: rows are encrypted with another key, or no key is configured.
            PlaintextRecordError: a key is configured and a row is not encrypted (or predates position binding).
        """
        session_id = validate_conversation_id(session_id, "session id")
        with self._db.reading() as db:
            rows = db.execute(
                "SELECT seq, key_id, message, position FROM messages WHERE source_id = ? AND session_id = ? "
                "ORDER BY position IS NOT NULL, position, seq",  # rows of older versions (no position) first
                (self.source_id, session_id),
            ).fetchall()
        messages: list[Message] = []
        damaged: dict[int, str] = {}
        expected = 0
        for seq, key_id, blob, position in rows:
            if position is None:
                messages.append(self._legacy_message(session_id, seq, key_id, bytes(blob)))
                continue
            if position < expected:
                damaged.setdefault(position, "replayed")
                continue
            for missing in range(expected, position):
                damaged[missing] = "missing"
            expected = position + 1
            try:
                messages.append(self._message(session_id, position, key_id, bytes(blob)))
            except _DamagedRow as problem:
                damaged[position] = str(problem)
        if damaged and not skip_damaged:
            shown = ", ".join(f"{position} ({why})" for position, why in sorted(damaged.items())[:10])
            raise CorruptHistoryError(
                session_id,
                f"history rows at position {shown} are damaged; the other {len(messages)} messages are intact.",
                _REMEDY_DAMAGED,
                positions=sorted(damaged),
                readable=messages,
            )
        return messages

    def message_count(self, session_id: str) -> int:
        with self._db.reading() as db:
            return db.execute(
                "SELECT count(*) FROM messages WHERE source_id = ? AND session_id = ?",
                (self.source_id, validate_conversation_id(session_id, "session id")),
            ).fetchone()[0]

    def clear(self, session_id: str) -> int:
        """Delete the session's history; returns the number of messages deleted.

        Args:
            session_id: the session whose messages to delete.

        Returns:
            How many messages were deleted. Their bytes are overwritten (`secure_delete`) and the write-ahead
            log is checkpointed, so no erased text stays in the files.
        """
        with self._db.transaction() as db:
            deleted = db.execute(
                "DELETE FROM messages WHERE source_id = ? AND session_id = ?",
                (self.source_id, validate_conversation_id(session_id, "session id")),
            ).rowcount
        self._db.checkpoint()
        return deleted

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (so its size is the data's size)."""
        with self._db.reading() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- encryption and decoding -----------------------------------------------------------------

    def _associated_data(self, session_id: str, position: int | None) -> bytes:
        # Binds each encrypted row to its session and position: a row copied into another session, replayed
        # at another position or swapped with another fails to decrypt. (None: rows of older versions.)
        place = "" if position is None else f"\n{position}"
        return f"{self.source_id}\n{session_id}{place}".encode()

    def _seal(self, plaintext: bytes, aad: bytes) -> bytes:
        return self.cipher.encrypt(plaintext, associated_data=aad) if self.cipher else plaintext

    def _message(self, session_id: str, position: int, key_id: str | None, blob: bytes) -> Message:
        """One positioned row; a damaged row raises `_DamagedRow` (the caller reports it and reads on)."""
        if key_id is None:
            self._refuse_plaintext(session_id, f"the row at position {position}")
        else:
            self._check_key(session_id, key_id, f"history message at position {position}")
            try:
                blob = self.cipher.decrypt(blob, associated_data=self._associated_data(session_id, position))
            except InvalidTag:
                raise _DamagedRow("failed authentication: altered, swapped or replayed") from None
        return _decoded_message(blob)

    def _legacy_message(self, session_id: str, seq: int, key_id: str | None, blob: bytes) -> Message:
        """A row written before rows had positions: not bound to its place, so only read when allowed."""
        self._refuse_plaintext(session_id, f"row {seq} (written before rows were bound to their position)")
        if key_id is not None:
            self._check_key(session_id, key_id, f"history row {seq}")
            try:
                blob = self.cipher.decrypt(blob, associated_data=self._associated_data(session_id, None))
            except InvalidTag:
                raise CorruptHistoryError(
                    session_id, f"history row {seq} failed authentication.", _REMEDY_DAMAGED, positions=[], readable=[]
                ) from None
        try:
            return _decoded_message(blob)
        except _DamagedRow as damage:
            raise CorruptHistoryError(
                session_id,
                f"history row {seq} is {damage}.",
                _REMEDY_DAMAGED,
                positions=[],
                readable=[],
            ) from None

    def _check_key(self, session_id: str, key_id: str, what: str) -> None:
        if self.cipher is None or self.cipher.key_id != key_id:
            have = f"the configured key has id {self.cipher.key_id}" if self.cipher else "no key is configured"
            raise DecryptionError(
                session_id,
                f"{what} is encrypted with key id {key_id} and {have}.",
                "Set CONVERSATION_ENCRYPTION_KEY to the key it was written with.",
            )

    def _refuse_plaintext(self, session_id: str, what: str) -> None:
        if self.cipher is None or self.allow_plaintext_migration:
            return
        raise PlaintextRecordError(
            session_id,
            f"a key is configured (key id {self.cipher.key_id}), but {what} is not authenticated, so it was refused.",
            "To migrate history written before encryption was switched on: open the provider with "
            "allow_plaintext_migration=True, read(session_id), clear(session_id), append(session_id, messages), "
            "and reopen it without the flag. Otherwise treat the row as planted and delete it.",
        )


class _DamagedRow(Exception):
    """One history row cannot be read; `read` collects these by position."""


def _message_json(message: Message) -> bytes:
    return json.dumps(message.to_dict(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decoded_message(blob: bytes) -> Message:
    """The message a row holds, or `_DamagedRow` saying why it holds none."""
    try:
        value = json.loads(blob)
        if isinstance(value, dict):
            return Message.from_dict(value)
        reason = "not a JSON object"
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as error:
        reason = type(error).__name__
    raise _DamagedRow(f"not a readable message ({reason})")


def redis_history_provider(redis: str | Any, *, application_id: str = COURSE_APPLICATION_ID, **options: Any) -> Any:
    """The framework's `RedisHistoryProvider`, configured the way the course uses it.

    `redis` is a URL (the provider then owns its connection; 5 s timeouts are added) or a
    borrowed `redis.asyncio.Redis(..., decode_responses=True)` that you close yourself.
    Keys are scoped by `application_id` (required by the framework's scoped key format),
    the provider's source id and the session id; other options go to the provider.

    Args:
        redis: A `redis://` URL, or a borrowed `redis.asyncio.Redis(decode_responses=True)`.
        application_id: The scope of the keys.
        **options: Passed to `RedisHistoryProvider` (source_id, key_prefix, ...).

    Returns:
        An `agent_framework.redis.RedisHistoryProvider`.
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
