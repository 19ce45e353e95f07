"""SqliteStore: all conversations in one SQLite file (stdlib `sqlite3`) — the embedded default.

One row per conversation: the envelope bytes plus indexed columns copied from its header
(user, tags, timestamps), so listing, erasure and expiry are single SQL statements.
WAL mode lets readers proceed while one process writes; every change is one transaction,
so a crash leaves the previous version. Several processes may share the file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from modules.storage.cipher import Cipher
from modules.storage.envelope import DEFAULT_COMPRESS_ABOVE, FORMAT_VERSION
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.sqlite_db import SqliteDatabase
from modules.storage.store import ConversationStore, reports_backend_failures

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    user_id         TEXT,
    tags            TEXT NOT NULL,          -- JSON array, queried with json_each
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    expires_at      REAL,
    codec           TEXT NOT NULL,          -- JSON array, e.g. ["json","zlib"]
    data            BLOB NOT NULL           -- the envelope, exactly as encode() returned it
);
CREATE INDEX IF NOT EXISTS conversations_by_user ON conversations(user_id);
CREATE INDEX IF NOT EXISTS conversations_by_expiry ON conversations(expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS quarantine (
    conversation_id TEXT NOT NULL,
    user_id         TEXT,                   -- kept so erasure reaches quarantined copies too
    quarantined_at  REAL NOT NULL,
    data            BLOB NOT NULL
);
"""


class SqliteStore(ConversationStore):
    backend = "sqlite"
    unavailable_errors = (sqlite3.DatabaseError,)  # locked past the busy timeout, disk full, not a database file

    def __init__(
        self,
        path: Path | str,
        *,
        cipher: Cipher | None = None,
        compress_above: int | None = DEFAULT_COMPRESS_ABOVE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(cipher=cipher, compress_above=compress_above, clock=clock)
        self.path = Path(path)
        self._db = SqliteDatabase(self.path, _SCHEMA)

    @property
    def location(self) -> str:
        return f"SQLite file {self.path}"

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (so its size is the data's size)."""
        with self._db.reading() as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _put(self, record: ConversationRecord, data: bytes) -> None:
        codec = json.loads(data.partition(b"\n")[0])["codec"]
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO conversations (conversation_id, user_id, tags, created_at, updated_at, expires_at, "
                "codec, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(conversation_id) DO UPDATE SET user_id = "
                "excluded.user_id, "
                "tags = excluded.tags, created_at = excluded.created_at, updated_at = excluded.updated_at, "
                "expires_at = excluded.expires_at, codec = excluded.codec, data = excluded.data",
                (
                    record.conversation_id,
                    record.user_id,
                    json.dumps(record.tags),
                    record.created_at,
                    record.updated_at,
                    record.expires_at,
                    json.dumps(codec),
                    data,
                ),
            )

    def _get(self, conversation_id: str) -> bytes | None:
        with self._db.reading() as db:
            row = db.execute("SELECT data FROM conversations WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return bytes(row[0]) if row else None

    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        query = (
            "SELECT conversation_id, user_id, tags, created_at, updated_at, expires_at, codec, length(data) "
            "FROM conversations WHERE 1=1"
        )
        parameters: list[object] = []
        if user_id is not None:
            query += " AND user_id = ?"
            parameters.append(user_id)
        if tag is not None:
            query += " AND EXISTS (SELECT 1 FROM json_each(conversations.tags) WHERE value = ?)"
            parameters.append(tag)
        with self._db.reading() as db:
            rows = db.execute(query, parameters).fetchall()
        return [
            ConversationSummary(
                cid,
                uid,
                tuple(json.loads(tags)),
                created,
                updated,
                expires,
                FORMAT_VERSION,
                tuple(json.loads(codec)),
                size,
            )
            for cid, uid, tags, created, updated, expires, codec, size in rows
        ]

    def _delete(self, conversation_id: str) -> bool:
        with self._db.transaction() as db:
            deleted = db.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)).rowcount
            deleted += db.execute("DELETE FROM quarantine WHERE conversation_id = ?", (conversation_id,)).rowcount
        return deleted > 0

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # Same contract as the base class, in one transaction (quarantined copies included).
        validate_conversation_id(user_id, "user id")
        with self._db.transaction() as db:
            erased = db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,)).rowcount
            db.execute("DELETE FROM quarantine WHERE user_id = ?", (user_id,))
        return erased

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        with self._db.transaction() as db:
            return db.execute(
                "DELETE FROM conversations WHERE expires_at IS NOT NULL AND expires_at <= ?", (self.clock(),)
            ).rowcount

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT user_id FROM conversations WHERE conversation_id = ? AND data = ?", (conversation_id, data)
            ).fetchone()
            if row is None:
                return None  # rewritten since we read it
            db.execute(
                "INSERT INTO quarantine (conversation_id, user_id, quarantined_at, data) VALUES (?, ?, ?, ?)",
                (conversation_id, row[0], time.time(), data),
            )
            db.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,))
        return f"table 'quarantine' of {self.path}"

    def _quarantined(self, conversation_id: str) -> list[bytes]:
        with self._db.reading() as db:
            rows = db.execute(
                "SELECT data FROM quarantine WHERE conversation_id = ? ORDER BY rowid", (conversation_id,)
            ).fetchall()
        return [bytes(row[0]) for row in rows]
