"""Where a hybrid conversation is persisted: a file path (the persistence guide's usage) or any store.

    save_record(record, "conversation.json")          # one envelope file, written atomically
    save_record(record, SqliteStore("var/c.sqlite3")) # or FileStore / RedisStore
    load_record("conversation.json")                  # -> ConversationRecord, or a typed StorageError

An `ExchangeJournal` is the append-only alternative: it is given only the new exchanges.
A file holds exactly what a store holds: the versioned envelope of `modules.storage`, uncompressed
so it stays readable (encrypted when a cipher is given). Files written by the persistence guide's
`persist_to_storage()` load too. Failures leave the file or stored record untouched.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path
from typing import Any

from modules.hybrid.errors import UnsupportedTargetError
from modules.hybrid.journal import ExchangeJournal
from modules.storage import (
    Cipher,
    ConversationNotFoundError,
    ConversationRecord,
    ConversationStore,
    StorageUnavailableError,
    decode,
    encode,
)

Target = ConversationStore | ExchangeJournal | str | os.PathLike


def save_record(record: ConversationRecord, target: Target, *, cipher: Cipher | None = None) -> int:
    """Store the record; returns the bytes written (a journal: the exchanges appended).

    A file's cipher is `cipher`; a store uses its own; a journal appends only the exchanges it lacks.
    """
    if isinstance(target, ConversationStore):
        return target.save(record)
    if isinstance(target, ExchangeJournal):
        return target.append_record(record)
    path = _file_path(target)
    data = encode(record, compress_above=None, cipher=cipher)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, flush to disk, rename over: a crash leaves the old file or the new one, never half.
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise StorageUnavailableError(
            record.conversation_id,
            f"could not write {path}: {type(error).__name__}: {error.strerror or error}.",
            "Check the directory exists and is writable (and the disk not full); the previous file is unchanged.",
        ) from None
    return len(data)


def load_record(
    target: Target, *, conversation_id: str | None = None, cipher: Cipher | None = None
) -> ConversationRecord:
    """Read a record from a file (any id: the file says which conversation it holds) or from a store (by id)."""
    if isinstance(target, (ConversationStore, ExchangeJournal)):
        if conversation_id is None:
            raise UnsupportedTargetError("Loading from a store needs the conversation id: pass conversation_id=...")
        return target.load(conversation_id)
    path = _file_path(target)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConversationNotFoundError(
            None,
            f"There is no file {path}.",
            "Check the path (and the working directory); persist_to_storage(path) writes one.",
        ) from None
    except OSError as error:
        raise StorageUnavailableError(
            None, f"could not read {path}: {error.strerror or error}.", "Check the file's permissions."
        ) from None
    stored_id = _conversation_id_in(data)
    # Without a usable id the bytes are not a record; decode() then says so with its own typed error.
    return decode(stored_id if stored_id and _is_safe(stored_id) else "unnamed", data, cipher=cipher)


def describe_target(target: Target) -> str:
    if isinstance(target, (ConversationStore, ExchangeJournal)):
        return target.location
    return f"file {_file_path(target)}"


def _file_path(target: Any) -> Path:
    if isinstance(target, (str, os.PathLike)):
        return Path(target)
    raise UnsupportedTargetError(
        f"Cannot persist to a {type(target).__name__}: give a file path (str or Path) or a store from "
        "modules.storage (FileStore, SqliteStore, RedisStore)."
    )


def _conversation_id_in(data: bytes) -> str | None:
    """The id a stored conversation declares: the envelope header's, or an older document's."""
    for candidate in (data.partition(b"\n")[0], data):
        try:
            document = json.loads(candidate)
        except (ValueError, UnicodeDecodeError):
            continue
        if isinstance(document, dict):
            found = document.get("conversation_id") or document.get("session_id")
            if isinstance(found, str):
                return found
    return None


def _is_safe(conversation_id: str) -> bool:
    from modules.storage import InvalidConversationIdError, validate_conversation_id

    try:
        validate_conversation_id(conversation_id)
    except InvalidConversationIdError:
        return False
    return True


def openai_messages(record: ConversationRecord) -> list[dict[str, str]]:
    """A stored hybrid conversation's history in OpenAI format, read straight from `record.session`.

    The messages are stored once, in the session's in-memory history; this gives the same list as the
    manager's `.messages` without rebuilding the session (cheap enough for analytics over many records).
    """
    stored = record.session.get("state", {}).get("in_memory", {}).get("messages", [])
    return [
        {
            "role": str(message.get("role", "user")),
            "content": "".join(
                part.get("text", "") for part in message.get("contents", []) if part.get("type") == "text"
            ),
        }
        for message in stored
    ]
