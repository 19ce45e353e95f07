"""SqliteStore: all conversations in one SQLite file (stdlib `sqlite3`) — the embedded default.

One row per conversation: the envelope bytes plus indexed columns copied from its header
(user, tags, timestamps), so listing, erasure and expiry are single SQL statements.
WAL mode lets readers proceed while one process writes; every change is one transaction,
so a crash leaves the previous version. Several processes may share the file: a save compares the
`revision` column and writes in one `BEGIN IMMEDIATE` transaction, so a concurrent writer gets
a `ConversationConflictError` instead of losing an update. Erasure leaves a row in `tombstones`
(id, last revision, time; no content). `secure_delete` overwrites erased
rows, and erasure checkpoints the write-ahead log, so no erased text stays in the files.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from modules.storage.envelope import FORMAT_VERSION
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import Tombstone
from modules.storage.sqlite_db import SqliteDatabase
from modules.storage.store import ConversationStore, reports_backend_failures

# Erased conversations: id, last revision, time; never content (SqliteStore and ExchangeJournal keep one each).
TOMBSTONES_SCHEMA = """
CREATE TABLE IF NOT EXISTS tombstones (
    conversation_id TEXT PRIMARY KEY,
    revision        INTEGER NOT NULL,
    erased_at       REAL NOT NULL
);
"""

_SCHEMA = (
    TOMBSTONES_SCHEMA
    + """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    user_id         TEXT,
    tags            TEXT NOT NULL,          -- JSON array, queried with json_each
    created_at      REAL NOT NULL,
    updated_at      REAL NOT NULL,
    expires_at      REAL,
    codec           TEXT NOT NULL,          -- JSON array, e.g. ["json","zlib"]
    data            BLOB NOT NULL,          -- the envelope, exactly as encode() returned it
    revision        INTEGER NOT NULL DEFAULT 1  -- as in the envelope's header; saves compare it
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
)


# Tombstones for the rows a statement is about to delete (the caller appends the WHERE clause, then _KEEP_HIGHER).
_LEAVE_TOMBSTONES = (
    "INSERT INTO tombstones (conversation_id, revision, erased_at) SELECT conversation_id, revision, ? "
    "FROM conversations "
)
_KEEP_HIGHER = (
    " ON CONFLICT(conversation_id) DO UPDATE SET revision = max(revision, excluded.revision), "
    "erased_at = excluded.erased_at"
)


def read_tombstone(db: sqlite3.Connection, conversation_id: str) -> Tombstone | None:
    """The conversation's tombstone in a database holding the `tombstones` table, or None."""
    row = db.execute(
        "SELECT revision, erased_at FROM tombstones WHERE conversation_id = ?", (conversation_id,)
    ).fetchone()
    return None if row is None else Tombstone(conversation_id, row[0], row[1])


def purge_tombstones(db: SqliteDatabase, erased_before: float) -> None:
    """Remove the tombstones of erasures before `erased_before` (epoch seconds)."""
    with db.transaction() as connection:
        connection.execute("DELETE FROM tombstones WHERE erased_at < ?", (erased_before,))


class SqliteStore(ConversationStore):
    """Conversations in one SQLite file (WAL, synchronous=FULL); several processes may share it.

    Args:
        path: The SQLite file (created if missing).
        **options: The options of every store (`StoreOptions`): cipher, compress_above, clock,
            allow_plaintext_migration, tombstone_ttl_s.

    Raises:
        StorageUnavailableError: The file cannot be opened, or is not a SQLite database.
    """

    backend = "sqlite"
    unavailable_errors = (sqlite3.DatabaseError,)  # locked past the busy timeout, disk full, not a database file

    def __init__(self, path: Path | str, **options: Any) -> None:
        super().__init__(**options)
        self.path = Path(path)
        self._db = SqliteDatabase(self.path, _SCHEMA)
        self._db.add_column("conversations", "revision", "INTEGER NOT NULL DEFAULT 1")  # files of older versions

    @property
    def location(self) -> str:
        return f"SQLite file {self.path}"

    def close(self) -> None:
        self._db.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file (so its size is the data's size)."""
        self._db.checkpoint()

    def _put(self, record: ConversationRecord, seal: Callable[[int | None, Tombstone | None], bytes]) -> bytes:
        with self._db.transaction() as db:  # BEGIN IMMEDIATE: no other writer between the check and the write
            row = db.execute(
                "SELECT revision FROM conversations WHERE conversation_id = ?", (record.conversation_id,)
            ).fetchone()
            data = seal(None if row is None else row[0], read_tombstone(db, record.conversation_id))
            codec = json.loads(data.partition(b"\n")[0])["codec"]
            columns = (
                record.user_id,
                json.dumps(record.tags),
                record.created_at,
                record.updated_at,
                record.expires_at,
                json.dumps(codec),
                data,
                record.revision,
                record.conversation_id,
            )
            if row is None:
                db.execute(
                    "INSERT INTO conversations (user_id, tags, created_at, updated_at, expires_at, codec, data, "
                    "revision, conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    columns,
                )
                db.execute("DELETE FROM tombstones WHERE conversation_id = ?", (record.conversation_id,))
            else:
                db.execute(
                    "UPDATE conversations SET user_id = ?, tags = ?, created_at = ?, updated_at = ?, expires_at = ?, "
                    "codec = ?, data = ?, revision = ? WHERE conversation_id = ?",
                    columns,
                )
        return data

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

    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        with self._db.transaction() as db:
            if erased_at is not None:
                db.execute(_LEAVE_TOMBSTONES + "WHERE conversation_id = ?" + _KEEP_HIGHER, (erased_at, conversation_id))
            deleted = db.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)).rowcount
            deleted += db.execute("DELETE FROM quarantine WHERE conversation_id = ?", (conversation_id,)).rowcount
        self._db.checkpoint()
        return deleted > 0

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # Same contract as the base class, in one transaction (quarantined copies included).
        validate_conversation_id(user_id, "user id")
        with self._db.transaction() as db:
            db.execute(_LEAVE_TOMBSTONES + "WHERE user_id = ?" + _KEEP_HIGHER, (self.clock(), user_id))
            erased = db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,)).rowcount
            db.execute("DELETE FROM quarantine WHERE user_id = ?", (user_id,))
        self._db.checkpoint()  # the erased rows' old pages leave the write-ahead log too
        return erased

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        now = self.clock()
        with self._db.transaction() as db:
            removed = db.execute(
                "DELETE FROM conversations WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,)
            ).rowcount
        purge_tombstones(self._db, now - self.tombstone_ttl_s)
        self._db.checkpoint()
        return removed

    def _purge_tombstones(self, erased_before: float) -> None:
        purge_tombstones(self._db, erased_before)

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
