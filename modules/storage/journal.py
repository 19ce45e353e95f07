"""ExchangeJournal: the append-only store for hybrid conversations, one SQLite row per exchange.

    journal = ExchangeJournal("var/hybrid.sqlite3")
    await manager.save(journal)                        # appends only the exchanges not yet in the journal
    await HybridAgentContextManager("x").resume(journal, "ana-hybrid")

Saving a whole record rewrites every message on every turn, so turn N costs N. The journal is
given only what is new — each exchange's two messages and its metadata entry, in one transaction —
so turn 5,000 costs what turn 1 costs (bench/bench_hybrid.py measures both). It holds messages as
the session's own `Message.to_dict()` and does not encrypt: use a store with a cipher for that.
The rest of the session's state (the compaction summary of `modules.hybrid.compaction`, for one) is small and
changes only with an exchange: each append stores it with its newest exchange, and `load` restores the newest.

It is a `ConversationStore` like the others: `save(record)` appends the record's new exchanges,
`load`, `list`, `delete`, `delete_user_data` and `cleanup_expired` work as everywhere, and so does the
revision rule of `modules.storage.revision`. A journal's revision counts exchanges: each appended exchange
is one revision, numbered on after a deleted conversation's tombstone. `append` is the capability the
other stores do not have: it is given the whole conversation's lists and serializes only their new tail,
after checking, in the same transaction, that the journal still holds `expected_revision`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from agent_framework import AgentSession, Message

from modules.storage.envelope import FORMAT_VERSION
from modules.storage.errors import CorruptRecordError, ExchangeCountError, StorageError
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import Tombstone, check_revision
from modules.storage.sqlite_db import SqliteDatabase
from modules.storage.sqlite_store import TOMBSTONES_SCHEMA, purge_tombstones, read_tombstone
from modules.storage.store import ConversationStore, reports_backend_failures

_SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS exchanges (
    conversation_id TEXT NOT NULL,
    turn            INTEGER NOT NULL,   -- the revision this exchange made (1, 2, ...; on after a tombstone)
    written_at      REAL NOT NULL,
    messages        TEXT NOT NULL,      -- JSON list of Message.to_dict(): the exchange's question and answer
    metadata        TEXT NOT NULL,      -- JSON: the exchange's routing metadata entry
    state           TEXT,               -- JSON: the session's state besides its messages, on an append's last row
    PRIMARY KEY (conversation_id, turn)
);
"""
    + TOMBSTONES_SCHEMA
)
_TAGS = ("hybrid",)
_HISTORY = "in_memory"  # where the session's state holds its messages (Agent Framework's InMemoryHistoryProvider)


class Appended(NamedTuple):
    """What `ExchangeJournal.append` did.

    Attributes:
        exchanges: How many exchanges were appended.
        revision: The journal's revision of the conversation now (what the next append expects).
    """

    exchanges: int
    revision: int


class ExchangeJournal(ConversationStore):
    """Append-only SQLite store of hybrid exchanges; several processes may share the file.

    Args:
        path: The SQLite file (created if missing).
        **options: The options of every store (`StoreOptions`); a journal uses clock and tombstone_ttl_s, and
            does not compress or encrypt.

    Raises:
        StorageError: A cipher was given (a journal does not encrypt).
        StorageUnavailableError: The file cannot be opened, or is not a SQLite database.
    """

    backend = "journal"
    unavailable_errors = (sqlite3.DatabaseError,)

    def __init__(self, path: Path | str, **options: Any) -> None:
        super().__init__(**options)
        if self.cipher is not None:
            raise StorageError(
                None,
                f"ExchangeJournal({path}) stores exchanges unencrypted, and was given a cipher.",
                "Save encrypted conversations with SqliteStore(path, cipher=...) (or another store) instead.",
            )
        self.path = Path(path)
        self._db = SqliteDatabase(self.path, _SCHEMA)  # WAL, synchronous=FULL, busy timeout: as SqliteStore
        self._db.add_column("exchanges", "user_id", "TEXT")  # files of older versions
        self._db.add_column("exchanges", "state", "TEXT")
        with self._db.transaction() as db:
            db.execute("CREATE INDEX IF NOT EXISTS exchanges_by_user ON exchanges(user_id)")

    @property
    def location(self) -> str:
        return f"journal {self.path}"

    def __repr__(self) -> str:
        return f"ExchangeJournal({self.path})"

    def close(self) -> None:
        self._db.close()

    @reports_backend_failures
    def turns(self, conversation_id: str) -> int:
        """How many exchanges of the conversation are in the journal."""
        with self._db.reading() as db:
            row = db.execute(
                "SELECT count(*) FROM exchanges WHERE conversation_id = ?", (validate_conversation_id(conversation_id),)
            ).fetchone()
        return row[0]

    @reports_backend_failures
    def append(
        self,
        conversation_id: str,
        messages: Sequence[Any],
        routing_metadata: Sequence[dict[str, Any]],
        *,
        expected_revision: int,
        user_id: str | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> Appended:
        """Append the exchanges the journal does not have yet, if it still holds `expected_revision`.

        Args:
            conversation_id: the conversation.
            messages: the whole conversation's messages (two per exchange: `Message`, its dict, or an OpenAI-format
                dict); only the new tail is serialized, so the cost does not grow with the conversation.
            routing_metadata: the whole conversation's metadata, one entry per exchange.
            expected_revision: the revision the writer last loaded or appended (0: it never did).
            user_id: whom the conversation belongs to (for `delete_user_data`), or None.
            state: the session's state besides its messages, as `AgentSession.to_dict()` gives it (e.g. the
                compaction summary), stored with the newest appended exchange; `load` restores the newest. None:
                the state stored before is kept.

        Returns:
            How many exchanges were appended, and the revision the journal holds now.

        Raises:
            ConversationConflictError: another writer appended since `expected_revision`; nothing was written.
            ConversationErasedError: the conversation was erased after the writer loaded it; nothing was written.
            ExchangeCountError: the lists do not have two messages per exchange, or the journal holds more
                exchanges than they do; nothing was written.
        """
        conversation_id = validate_conversation_id(conversation_id)
        if user_id is not None:
            validate_conversation_id(user_id, "user id")
        if len(messages) != 2 * len(routing_metadata):
            raise ExchangeCountError(
                conversation_id,
                f"it has {len(messages)} messages for {len(routing_metadata)} exchanges; {self.location} stores "
                "exactly two per exchange.",
                "Save it to another store (SqliteStore, FileStore, RedisStore) instead; nothing was written.",
            )
        now = self.clock()
        with self._db.transaction() as db:
            have, stored = db.execute(
                "SELECT count(*), max(turn) FROM exchanges WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            base = check_revision(
                conversation_id,
                expected_revision,
                stored,
                self.location,
                erased=self._unexpired(read_tombstone(db, conversation_id)),
            )
            if have > len(routing_metadata):
                raise ExchangeCountError(
                    conversation_id,
                    f"{self.location} already holds {have} exchanges of it, more than the {len(routing_metadata)} "
                    "being saved.",
                    "Resume it from the journal before continuing; nothing was written.",
                )
            new = range(have, len(routing_metadata))
            rows = [
                (
                    conversation_id,
                    base + offset,
                    now,
                    json.dumps([_as_dict(m) for m in messages[2 * index : 2 * index + 2]], separators=(",", ":")),
                    json.dumps(routing_metadata[index], separators=(",", ":")),
                    user_id,
                    _state_json(state) if index == new[-1] else None,
                )
                for offset, index in enumerate(new, start=1)
            ]
            db.executemany(
                "INSERT INTO exchanges (conversation_id, turn, written_at, messages, metadata, user_id, state) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            if rows:
                db.execute("DELETE FROM tombstones WHERE conversation_id = ?", (conversation_id,))
        return Appended(len(rows), base + len(rows))

    @reports_backend_failures
    def save(self, record: ConversationRecord) -> int:
        """Append the record's exchanges that the journal does not have yet (`append`, with `record.revision`).

        Args:
            record: a hybrid conversation's record (two messages per exchange), e.g. from `load()`.

        Returns:
            The number of exchanges appended. `record.revision` and `record.updated_at` are updated.

        Raises:
            ConversationConflictError, ConversationErasedError, ExchangeCountError: as `append`; nothing was written.
        """
        state = record.session.get("state", {})
        appended = self.append(
            record.conversation_id,
            state.get(_HISTORY, {}).get("messages", []),
            record.routing_metadata,
            expected_revision=record.revision,
            user_id=record.user_id,
            state={key: value for key, value in state.items() if key != _HISTORY},
        )
        record.revision, record.updated_at = appended.revision, self.clock()
        return appended.exchanges

    @reports_backend_failures
    def load(self, conversation_id: str) -> ConversationRecord:
        """The whole conversation rebuilt from its exchanges, as a record any manager can resume."""
        conversation_id = validate_conversation_id(conversation_id)
        with self._db.reading() as db:
            rows = db.execute(
                "SELECT turn, written_at, messages, metadata, user_id, state FROM exchanges "
                "WHERE conversation_id = ? ORDER BY turn",
                (conversation_id,),
            ).fetchall()
        if not rows:
            raise self._not_stored(conversation_id)
        messages: list[dict[str, Any]] = []
        metadata: list[dict[str, Any]] = []
        state: dict[str, Any] = {}
        for turn, _, message_json, metadata_json, _, state_json in rows:
            try:
                stored_messages, entry = json.loads(message_json), json.loads(metadata_json)
                stored_state = json.loads(state_json) if state_json is not None else state
            except (ValueError, RecursionError):
                stored_messages = entry = stored_state = None
            shapes = ((stored_messages, list), (entry, dict), (stored_state, dict))
            if not all(isinstance(value, kind) for value, kind in shapes):
                raise CorruptRecordError(
                    conversation_id,
                    f"exchange {turn} in {self.location} is not valid JSON.",
                    "Delete that row or restore the file from a backup; nothing else was changed.",
                )
            messages += stored_messages
            metadata.append(entry)
            state = stored_state  # the newest append's state wins
        session = AgentSession(session_id=conversation_id).to_dict()
        session["state"] = {**state, _HISTORY: {"messages": messages}}
        return ConversationRecord(
            conversation_id=conversation_id,
            session=session,
            user_id=rows[-1][4],
            routing_metadata=metadata,
            tags=list(_TAGS),
            created_at=rows[0][1],
            updated_at=rows[-1][1],
            revision=rows[-1][0],  # the newest exchange's revision (what `append` compares)
        )

    # ---- what a ConversationStore implements ---------------------------------------------------------------

    def _put(self, record: ConversationRecord, seal: Callable[[int | None, Tombstone | None], bytes]) -> bytes:
        raise NotImplementedError("ExchangeJournal.save appends exchanges; it stores no envelope")  # pragma: no cover

    def _get(self, conversation_id: str) -> bytes | None:
        return None  # no envelope bytes: load() rebuilds the record from its rows

    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        if tag is not None and tag not in _TAGS:
            return []
        query = (
            "SELECT conversation_id, max(user_id), min(written_at), max(written_at), "
            "sum(length(messages) + length(metadata) + coalesce(length(state), 0)) FROM exchanges"
        )
        parameters: list[object] = []
        if user_id is not None:
            query += " WHERE user_id = ?"
            parameters.append(user_id)
        with self._db.reading() as db:
            rows = db.execute(query + " GROUP BY conversation_id", parameters).fetchall()
        return [
            ConversationSummary(cid, uid, _TAGS, created, updated, None, FORMAT_VERSION, ("json",), size)
            for cid, uid, created, updated, size in rows
        ]

    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        with self._db.transaction() as db:
            if erased_at is not None:
                db.execute(
                    "INSERT INTO tombstones (conversation_id, revision, erased_at) "
                    "SELECT conversation_id, max(turn), ? FROM exchanges WHERE conversation_id = ? "
                    "GROUP BY conversation_id "
                    "ON CONFLICT(conversation_id) DO UPDATE SET revision = max(revision, excluded.revision), "
                    "erased_at = excluded.erased_at",
                    (erased_at, conversation_id),
                )
            deleted = db.execute("DELETE FROM exchanges WHERE conversation_id = ?", (conversation_id,)).rowcount
        self._db.checkpoint()  # secure_delete overwrote the rows; the write-ahead log lets go of them too
        return deleted > 0

    def _purge_tombstones(self, erased_before: float) -> None:
        purge_tombstones(self._db, erased_before)

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        return None  # a damaged row is reported (CorruptRecordError) and left in place

    def _quarantined(self, conversation_id: str) -> list[bytes]:
        return []


def _state_json(state: Mapping[str, Any] | None) -> str | None:
    """The state to store with an append's newest exchange (never the messages, which have rows of their own)."""
    if state is None:
        return None
    return json.dumps({key: value for key, value in state.items() if key != _HISTORY}, separators=(",", ":"))


def _as_dict(message: Any) -> dict[str, Any]:
    """A message as the session stores it: `Message.to_dict()` (an OpenAI-format dict is converted)."""
    if not isinstance(message, dict):
        return message.to_dict()
    if "contents" not in message and "content" in message:  # {"role", "content"}: a framework-free manager's
        return Message(str(message.get("role", "user")), [str(message["content"])]).to_dict()
    return message
