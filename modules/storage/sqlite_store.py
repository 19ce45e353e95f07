"""SqliteStore: all conversations in one SQLite file (stdlib `sqlite3`) — the embedded default.

One row per conversation: the envelope bytes plus indexed columns copied from its header
(user, tags, timestamps), so listing, erasure and expiry are single SQL statements.
WAL mode lets readers proceed while one process writes; every change is one transaction,
so a crash leaves the previous version. Several processes may share the file: a save is a
conditional UPDATE on the `revision` column inside its transaction, so a concurrent writer gets
a `ConversationConflictError` instead of losing an update. `secure_delete` overwrites erased
rows, and erasure checkpoints the write-ahead log, so no erased text stays in the files.
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
from modules.storage.revision import check_revision
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


class SqliteStore(ConversationStore):
    """Conversations in one SQLite file (WAL, synchronous=FULL); several processes may share it.

    Args:
        path: The SQLite file (created if missing).
        cipher: Encrypts every record (AES-256-GCM); with one, only authenticated records are accepted.
        compress_above: Records larger than this many bytes are zlib-compressed; None never compresses.
        clock: Epoch seconds for `updated_at` and expiry (tests pass a clock they can move).
        allow_plaintext_migration: With a cipher, read plaintext records anyway (a one-off migration to encryption).

    Raises:
        StorageUnavailableError: The file cannot be opened, or is not a SQLite database.
    """

    backend = "sqlite"
    unavailable_errors = (sqlite3.DatabaseError,)  # locked past the busy timeout, disk full, not a database file

    def __init__(
        self,
        path: Path | str,
        *,
        cipher: Cipher | None = None,
        compress_above: int | None = DEFAULT_COMPRESS_ABOVE,
        clock: Callable[[], float] = time.time,
        allow_plaintext_migration: bool = False,
    ) -> None:
        super().__init__(
            cipher=cipher,
            compress_above=compress_above,
            clock=clock,
            allow_plaintext_migration=allow_plaintext_migration,
        )
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

    def _put(self, record: ConversationRecord, data: bytes, expected_revision: int) -> None:
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
        )
        with self._db.transaction() as db:
            # The conditional UPDATE replaces only the revision this record was loaded at.
            updated = db.execute(
                "UPDATE conversations SET user_id = ?, tags = ?, created_at = ?, updated_at = ?, expires_at = ?, "
                "codec = ?, data = ?, revision = ? WHERE conversation_id = ? AND revision = ?",
                (*columns, record.conversation_id, expected_revision),
            ).rowcount
            if updated:
                return
            row = db.execute(
                "SELECT revision FROM conversations WHERE conversation_id = ?", (record.conversation_id,)
            ).fetchone()
            check_revision(record.conversation_id, expected_revision, None if row is None else row[0], self.location)
            db.execute(
                "INSERT INTO conversations (user_id, tags, created_at, updated_at, expires_at, codec, data, revision, "
                "conversation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*columns, record.conversation_id),
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
        self._db.checkpoint()
        return deleted > 0

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # Same contract as the base class, in one transaction (quarantined copies included).
        validate_conversation_id(user_id, "user id")
        with self._db.transaction() as db:
            erased = db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,)).rowcount
            db.execute("DELETE FROM quarantine WHERE user_id = ?", (user_id,))
        self._db.checkpoint()  # the erased rows' old pages leave the write-ahead log too
        return erased

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        with self._db.transaction() as db:
            removed = db.execute(
                "DELETE FROM conversations WHERE expires_at IS NOT NULL AND expires_at <= ?", (self.clock(),)
            ).rowcount
        self._db.checkpoint()
        return removed

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
