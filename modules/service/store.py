"""Durable storage for the local Responses service: turns, response payloads, conversations.

Storage grows linearly with a conversation: each turn row keeps only the messages that turn
added (its input and the answer) and points at the turn it continues, so the history behind
any `resp_…` id is the chain of its ancestors (one recursive query). Branching from an earlier
response is a second child of that row; nothing is copied. A conversation is a pointer to its
newest turn; its opening items (if any) are a root row under the `conv_…` id.

The methods are synchronous SQLite calls: the routes run them off the event loop
(`asyncio.to_thread`). SQLite makes all of it survive a restart of the service: a method that
returns has committed (`synchronous=FULL`), which is what lets the routes acknowledge a turn only
after it is stored. Reads use a second connection, so in WAL mode they never wait behind a writer
(another process holding the write lock, or this process waiting for it). One process at a time
serves a file: `DatabaseLock` makes a second service on the same file refuse to start.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from agent_framework import Message

from modules.service.db_lock import DatabaseLock
from modules.service.errors import ServiceError
from modules.storage import SqliteDatabase

# How long a write waits for another connection's write lock before the turn fails (and is not acknowledged).
WRITE_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    id         TEXT PRIMARY KEY,   -- resp_... (or conv_... for a conversation's opening items)
    parent_id  TEXT,               -- the turn this one continues; NULL starts a chain
    messages   TEXT NOT NULL,      -- JSON list: only the messages this turn added
    payload    TEXT,               -- the response as returned; NULL: not retrievable (store=false or deleted)
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_parent ON turns(parent_id);
CREATE TABLE IF NOT EXISTS conversations (
    id         TEXT PRIMARY KEY,
    metadata   TEXT NOT NULL,
    created_at REAL NOT NULL,
    head_id    TEXT NOT NULL       -- the newest turn of the conversation
);
"""
_HISTORY = """
WITH RECURSIVE chain(id, parent_id, messages, depth) AS (
    SELECT id, parent_id, messages, 0 FROM turns WHERE id = ?
    UNION ALL
    SELECT turns.id, turns.parent_id, turns.messages, chain.depth + 1
    FROM turns JOIN chain ON turns.id = chain.parent_id
)
SELECT messages FROM chain ORDER BY depth DESC
"""
_ID = re.compile(r"(resp|conv)_[A-Za-z0-9_-]{1,120}")


class ConversationMovedError(ServiceError):
    """A turn continued a conversation whose newest turn had changed meanwhile; it was not stored."""


class MalformedIdError(ServiceError, ValueError):
    """An id handed to the store is not a well-formed id of its kind; nothing was read or written."""


def valid_id(value: str, kind: str) -> bool:
    """True if `value` is a well-formed id of this kind ("resp" or "conv")."""
    return bool(_ID.fullmatch(value)) and value.startswith(f"{kind}_")


def _checked(value: str, kind: str) -> str:
    if not valid_id(value, kind):
        raise MalformedIdError(f"not a {kind}_ id: {value[:80]!r}; ids come from the service's own answers.")
    return value


class ServiceStore:
    """The service's SQLite file (see the module docstring for the layout)."""

    def __init__(self, path: Path | str, *, write_timeout_s: float = WRITE_TIMEOUT_S) -> None:
        self.path = Path(path)
        self._lock = DatabaseLock(self.path)  # raises DatabaseInUseError if another service has this file
        opened: list[SqliteDatabase] = []
        try:
            opened.append(SqliteDatabase(self.path, _SCHEMA))
            opened.append(SqliteDatabase(self.path))  # reads never queue behind a write on the first connection
        except BaseException:
            for database in opened:
                database.close()
            self._lock.release()
            raise
        self._db, self._reader = opened
        with self._db.reading() as db:  # a connection setting, not a read: bound the wait for the write lock
            db.execute(f"PRAGMA busy_timeout = {int(write_timeout_s * 1000)}")

    def close(self) -> None:
        self._reader.close()
        self._db.close()
        self._lock.release()

    # ---- responses --------------------------------------------------------------------------------

    def add_turn(
        self,
        response_id: str,
        *,
        parent_id: str | None,
        added: list[Message],
        payload: dict[str, Any] | None,
        conversation_id: str | None = None,
    ) -> None:
        """Store one turn: the messages it added, its payload (None: not retrievable), the conversation it extends."""
        row = (
            _checked(response_id, "resp"),
            parent_id,
            json.dumps([m.to_dict() for m in added]),
            None if payload is None else json.dumps(payload),
            time.time(),
        )
        with self._db.transaction() as db:
            db.execute("INSERT INTO turns (id, parent_id, messages, payload, created_at) VALUES (?, ?, ?, ?, ?)", row)
            if conversation_id is not None:
                # Revision-checked: the head moves only from the turn this one continues, so a turn that raced
                # another one (which DatabaseLock and the per-conversation lock prevent) can never hide it.
                moved = db.execute(
                    "UPDATE conversations SET head_id = ? WHERE id = ? AND head_id = ?",
                    (response_id, conversation_id, parent_id),
                ).rowcount
                exists = db.execute("SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
                if not moved and exists:
                    raise ConversationMovedError(
                        f"Conversation {conversation_id} gained a newer turn while this one was answered; this turn "
                        "was not stored. Send it again: it will continue from the newest turn."
                    )

    def response(self, response_id: str) -> dict[str, Any] | None:
        """The stored payload of a response, or None (unknown, stored with store=false, or deleted)."""
        if not valid_id(response_id, "resp"):
            return None
        with self._reader.reading() as db:
            row = db.execute("SELECT payload FROM turns WHERE id = ?", (response_id,)).fetchone()
        return json.loads(row[0]) if row and row[0] is not None else None

    def history(self, turn_id: str) -> list[Message]:
        """Every message up to and including this turn, oldest first (empty for an unknown id)."""
        with self._reader.reading() as db:
            rows = db.execute(_HISTORY, (turn_id,)).fetchall()
        return [Message.from_dict(m) for (messages,) in rows for m in json.loads(messages)]

    def delete_response(self, response_id: str) -> bool:
        """Make a response unretrievable; its messages are dropped once no later turn or conversation needs them."""
        if not valid_id(response_id, "resp"):
            return False
        with self._db.transaction() as db:
            deleted = db.execute(
                "UPDATE turns SET payload = NULL WHERE id = ? AND payload IS NOT NULL", (response_id,)
            ).rowcount
            _prune(db, response_id)
        return deleted > 0

    # ---- conversations ----------------------------------------------------------------------------

    def create_conversation(self, conversation_id: str, metadata: dict[str, str], items: list[Message]) -> None:
        created_at = time.time()
        with self._db.transaction() as db:
            db.execute(
                "INSERT INTO turns (id, parent_id, messages, payload, created_at) VALUES (?, NULL, ?, NULL, ?)",
                (_checked(conversation_id, "conv"), json.dumps([m.to_dict() for m in items]), created_at),
            )
            db.execute(
                "INSERT INTO conversations (id, metadata, created_at, head_id) VALUES (?, ?, ?, ?)",
                (conversation_id, json.dumps(metadata), created_at, conversation_id),
            )

    def conversation(self, conversation_id: str) -> dict[str, Any] | None:
        row = self._conversation_row(conversation_id)
        if row is None:
            return None
        metadata, created_at, _ = row
        return {"id": conversation_id, "object": "conversation", "created_at": int(created_at), "metadata": metadata}

    def conversation_head(self, conversation_id: str) -> str | None:
        """The newest turn of the conversation (None: no such conversation)."""
        row = self._conversation_row(conversation_id)
        return None if row is None else row[2]

    def delete_conversation(self, conversation_id: str) -> bool:
        """Delete the conversation; turns still needed by a stored response or a branch are kept for those."""
        if not valid_id(conversation_id, "conv"):
            return False
        with self._db.transaction() as db:
            row = db.execute("SELECT head_id FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
            _prune(db, row[0])
        return True

    def _conversation_row(self, conversation_id: str) -> tuple[dict[str, str], float, str] | None:
        if not valid_id(conversation_id, "conv"):
            return None
        with self._reader.reading() as db:
            row = db.execute(
                "SELECT metadata, created_at, head_id FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
        return None if row is None else (json.loads(row[0]), row[1], row[2])


def _prune(db: Any, turn_id: str | None) -> None:
    """Delete turns nobody needs any more, from `turn_id` towards the root of its chain."""
    while turn_id is not None:
        row = db.execute("SELECT parent_id, payload FROM turns WHERE id = ?", (turn_id,)).fetchone()
        if row is None or row[1] is not None:
            return  # gone already, or a retrievable response
        needed = db.execute(
            "SELECT EXISTS (SELECT 1 FROM turns WHERE parent_id = ?) OR EXISTS (SELECT 1 FROM conversations "
            "WHERE head_id = ?)",
            (turn_id, turn_id),
        ).fetchone()[0]
        if needed:
            return
        db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
        turn_id = row[0]
