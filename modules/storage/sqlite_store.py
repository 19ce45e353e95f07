"""SqliteStore: all conversations in one SQLite file (stdlib `sqlite3`) — the embedded default.

One row per conversation: the envelope bytes plus indexed columns copied from its header
(user, tags, timestamps), so listing, erasure and expiry are single SQL statements.
WAL mode lets readers proceed while one process writes; every change is one transaction,
so a crash leaves the previous version. Several processes may share the file.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from modules.storage.cipher import Cipher
from modules.storage.envelope import DEFAULT_COMPRESS_ABOVE, FORMAT_VERSION
from modules.storage.errors import StorageUnavailableError
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
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
_BUSY_TIMEOUT_S = 30.0  # another process holding the write lock: wait, don't fail


def open_database(path: Path) -> sqlite3.Connection:
    """A WAL-mode connection with explicit transactions; StorageUnavailableError if the file is not a database."""
    try:
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implicit.
        db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        return db
    except sqlite3.DatabaseError as error:
        raise StorageUnavailableError(
            None,
            f"SQLite file {path} cannot be opened: {error}.",
            "It is not a database, or is damaged: choose another path or restore it from a backup; it was not changed.",
        ) from None


class SqliteStore(ConversationStore):
    backend = "sqlite"
    unavailable_errors = (sqlite3.DatabaseError,)  # locked past the busy timeout, disk full, not a database file

    def __init__(
        self, path: Path | str, *, cipher: Cipher | None = None, compress_above: int | None = DEFAULT_COMPRESS_ABOVE
    ) -> None:
        super().__init__(cipher=cipher, compress_above=compress_above)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # one connection shared by this process's threads
        self._db = open_database(self.path)
        self._db.execute("PRAGMA synchronous=FULL")  # a committed save survives power loss, not just a crash
        self._db.executescript(_SCHEMA)

    @property
    def location(self) -> str:
        return f"SQLite file {self.path}"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front, so read-then-write steps cannot interleave across processes.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _put(self, record: ConversationRecord, data: bytes) -> None:
        codec = json.loads(data.partition(b"\n")[0])["codec"]
        with self._transaction() as db:
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
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM conversations WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
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
        with self._lock:
            rows = self._db.execute(query, parameters).fetchall()
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
        with self._transaction() as db:
            deleted = db.execute("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,)).rowcount
            deleted += db.execute("DELETE FROM quarantine WHERE conversation_id = ?", (conversation_id,)).rowcount
        return deleted > 0

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # Same contract as the base class, in one transaction (quarantined copies included).
        validate_conversation_id(user_id, "user id")
        with self._transaction() as db:
            erased = db.execute("DELETE FROM conversations WHERE user_id = ?", (user_id,)).rowcount
            db.execute("DELETE FROM quarantine WHERE user_id = ?", (user_id,))
        return erased

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        with self._transaction() as db:
            return db.execute(
                "DELETE FROM conversations WHERE expires_at IS NOT NULL AND expires_at <= ?", (time.time(),)
            ).rowcount

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        with self._transaction() as db:
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
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM quarantine WHERE conversation_id = ? ORDER BY rowid", (conversation_id,)
            ).fetchall()
        return [bytes(row[0]) for row in rows]
