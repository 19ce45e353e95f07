"""ExchangeJournal: the append-only way to persist a hybrid conversation, one SQLite row per exchange.

    journal = ExchangeJournal("var/hybrid.sqlite3")
    await manager.persist_to_storage(journal)      # appends only the exchanges not yet in the journal
    await HybridAgentContextManager("x").resume_from_storage(journal, conversation_id="ana-hybrid")

Saving a whole record rewrites every message on every turn, so turn N costs N. The journal is
given only what is new — each exchange's two messages and its metadata entry, in one transaction —
so turn 5,000 costs what turn 1 costs (bench/bench_hybrid.py measures both). It holds messages as
the session's own `Message.to_dict()` and does not encrypt: use a store with a cipher for that.

Two writers never interleave: an append says how many exchanges it expects the journal to hold
(`expected_turns`, what its writer last loaded or appended), and the check and the insert are one
transaction. A writer that is behind gets `ConversationConflictError`; the hybrid manager always
passes it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent_framework import AgentSession

from modules.hybrid.errors import HybridError
from modules.storage import (
    ConversationConflictError,
    ConversationNotFoundError,
    ConversationRecord,
    CorruptRecordError,
    SqliteDatabase,
    validate_conversation_id,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
    conversation_id TEXT NOT NULL,
    turn            INTEGER NOT NULL,
    written_at      REAL NOT NULL,
    messages        TEXT NOT NULL,   -- JSON list of Message.to_dict(): the exchange's question and answer
    metadata        TEXT NOT NULL,   -- JSON: the exchange's routing metadata entry
    PRIMARY KEY (conversation_id, turn)
);
"""


class ExchangeJournal:
    """Append-only SQLite log of hybrid exchanges; several processes may share the file.

    Args:
        path: The SQLite file (created if missing).

    Raises:
        StorageUnavailableError: The file cannot be opened, or is not a SQLite database.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._db = SqliteDatabase(self.path, _SCHEMA)  # WAL, synchronous=FULL, busy timeout: as SqliteStore

    @property
    def location(self) -> str:
        return f"journal {self.path}"

    def __repr__(self) -> str:
        return f"ExchangeJournal({self.path})"

    def turns(self, conversation_id: str) -> int:
        """How many exchanges of the conversation are in the journal."""
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT count(*) FROM exchanges WHERE conversation_id = ?", (validate_conversation_id(conversation_id),)
            ).fetchone()
        return row[0]

    def append(
        self,
        conversation_id: str,
        messages: Sequence[Any],
        routing_metadata: Sequence[dict[str, Any]],
        *,
        expected_turns: int | None = None,
    ) -> int:
        """Append the exchanges the journal does not have yet; returns how many were appended.

        Args:
            conversation_id: the conversation.
            messages: the whole conversation's messages (two per exchange); only the new tail is serialized,
                so the cost does not grow with the conversation.
            routing_metadata: the whole conversation's metadata, one entry per exchange.
            expected_turns: how many exchanges the writer knows the journal holds (what it loaded or last
                appended). None skips the check: only for a single writer.

        Returns:
            The number of exchanges appended.

        Raises:
            ConversationConflictError: the journal holds another number of exchanges than `expected_turns` (another
                writer appended meanwhile); nothing was written.
            HybridError: the lists do not have two messages per exchange, or the journal holds more exchanges.
        """
        conversation_id = validate_conversation_id(conversation_id)
        if len(messages) != 2 * len(routing_metadata):
            raise HybridError(
                f"Conversation {conversation_id!r} has {len(messages)} messages for {len(routing_metadata)} "
                "exchanges; a journal stores exactly two per exchange. Persist it to a store or a file instead."
            )
        with self._db.transaction() as connection:
            have = connection.execute(
                "SELECT count(*) FROM exchanges WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            if expected_turns is not None and have != expected_turns:
                raise ConversationConflictError(
                    conversation_id,
                    f"{self.location} holds {have} exchanges of it, but this writer expected {expected_turns}: "
                    "another writer appended meanwhile.",
                    "Resume it from the journal (resume_from_storage), add your exchange again, and persist; "
                    "nothing was written.",
                    expected_revision=expected_turns,
                    stored_revision=have,
                )
            if have > len(routing_metadata):
                raise HybridError(
                    f"{self.location} already holds {have} exchanges of {conversation_id!r}, more than the "
                    f"{len(routing_metadata)} being saved: resume from the journal before continuing. "
                    "Nothing was written."
                )
            rows = [
                (
                    conversation_id,
                    turn,
                    time.time(),
                    json.dumps([_as_dict(m) for m in messages[2 * turn - 2 : 2 * turn]], separators=(",", ":")),
                    json.dumps(routing_metadata[turn - 1], separators=(",", ":")),
                )
                for turn in range(have + 1, len(routing_metadata) + 1)
            ]
            connection.executemany("INSERT INTO exchanges VALUES (?, ?, ?, ?, ?)", rows)
        return len(rows)

    def append_record(self, record: ConversationRecord, *, expected_turns: int | None = None) -> int:
        """`append` for a whole `ConversationRecord` (e.g. one loaded from a store)."""
        messages = record.session.get("state", {}).get("in_memory", {}).get("messages", [])
        return self.append(record.conversation_id, messages, record.routing_metadata, expected_turns=expected_turns)

    def load(self, conversation_id: str) -> ConversationRecord:
        """The whole conversation rebuilt from its exchanges, as a record any manager can resume."""
        conversation_id = validate_conversation_id(conversation_id)
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT turn, written_at, messages, metadata FROM exchanges WHERE conversation_id = ? ORDER BY turn",
                (conversation_id,),
            ).fetchall()
        if not rows:
            raise ConversationNotFoundError(
                conversation_id,
                f"nothing is stored under this id in {self.location}.",
                "Check the id; persist_to_storage(journal) writes it.",
            )
        messages: list[dict[str, Any]] = []
        metadata: list[dict[str, Any]] = []
        for turn, _, message_json, metadata_json in rows:
            try:
                stored_messages, entry = json.loads(message_json), json.loads(metadata_json)
                if not (isinstance(stored_messages, list) and isinstance(entry, dict)):
                    raise ValueError("wrong shape")
                messages += stored_messages
                metadata.append(entry)
            except (ValueError, RecursionError):
                raise CorruptRecordError(
                    conversation_id,
                    f"exchange {turn} in {self.location} is not valid JSON.",
                    "Delete that row or restore the file from a backup; nothing else was changed.",
                ) from None
        session = AgentSession(session_id=conversation_id).to_dict()
        session["state"] = {"in_memory": {"messages": messages}}
        return ConversationRecord(
            conversation_id=conversation_id,
            session=session,
            routing_metadata=metadata,
            tags=["hybrid"],
            created_at=rows[0][1],
            updated_at=rows[-1][1],
            revision=len(rows),  # a journal's revision is its number of exchanges (what `expected_turns` compares)
        )

    def delete(self, conversation_id: str) -> int:
        """Erase every exchange of the conversation.

        Args:
            conversation_id: the conversation to erase.

        Returns:
            How many exchanges were deleted. Their bytes are overwritten (`secure_delete`) and the write-ahead
            log is checkpointed, so no erased text stays in the files.
        """
        with self._db.transaction() as connection:
            deleted = connection.execute(
                "DELETE FROM exchanges WHERE conversation_id = ?", (validate_conversation_id(conversation_id),)
            ).rowcount
        self._db.checkpoint()
        return deleted

    def close(self) -> None:
        self._db.close()


def _as_dict(message: Any) -> dict[str, Any]:
    return message if isinstance(message, dict) else message.to_dict()
