"""The one way the course opens a SQLite file: connection settings and transactions.

    db = SqliteDatabase(path, schema)
    with db.transaction() as connection: ...    # BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any error)
    with db.reading() as connection: ...        # a consistent read, no write lock

Used by SqliteStore, SqliteHistoryProvider and the local Responses service. WAL mode lets readers
proceed while one process writes; `synchronous=FULL` makes a committed write survive power loss;
a busy timeout makes a second process wait for the write lock instead of failing; `secure_delete`
overwrites deleted rows with zeros, so erased conversation text does not linger in free pages.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from modules.storage.errors import StorageUnavailableError

BUSY_TIMEOUT_S = 30.0  # another process holding the write lock: wait, don't fail


class SqliteDatabase:
    """One SQLite file, one connection shared by this process's threads (serialised by a lock).

    Args:
        path: The SQLite file (its folder is created if missing).
        schema: SQL run once at opening (CREATE TABLE IF NOT EXISTS ...).

    Raises:
        StorageUnavailableError: The file cannot be opened, or is not a SQLite database.
    """

    closed = False  # set by close(): later calls fail with "run the lab from the top", not "is the backend running"

    def __init__(self, path: Path | str, schema: str = "") -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE), never implicit.
            self._connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
            )
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.execute("PRAGMA secure_delete=ON")
            if schema:
                self._connection.executescript(schema)
        except sqlite3.DatabaseError as error:
            raise StorageUnavailableError(
                None,
                f"SQLite file {self.path} cannot be opened: {error}.",
                "It is not a database, or is damaged: choose another path or restore it from a backup; "
                "it was not changed.",
            ) from None

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements in the block commit together or not at all."""
        # IMMEDIATE takes the write lock up front, so read-then-write steps cannot interleave across processes.
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection for reads (one statement at a time is atomic in SQLite)."""
        with self._lock:
            yield self._connection

    def add_column(self, table: str, column: str, definition: str) -> None:
        """Add `column` to `table` unless it is there (files written by older versions of the course)."""
        with self.transaction() as connection:
            existing = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if column not in existing:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the main file and empty the log (old page images included)."""
        with self._lock:
            self._connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._connection.close()
            self.closed = True

    def __repr__(self) -> str:
        return f"SqliteDatabase({self.path})"
