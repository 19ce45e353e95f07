"""Where a hybrid conversation is persisted: a file path (the persistence guide's usage) or any store.

    save_record(record, "conversation.json")          # one envelope file, written atomically
    save_record(record, SqliteStore("var/c.sqlite3")) # or FileStore / RedisStore
    load_record("conversation.json")                  # -> ConversationRecord, or a typed StorageError

An `ExchangeJournal` is the append-only alternative: it is given only the new exchanges.
A file holds exactly what a store holds: the versioned envelope of `modules.storage`, uncompressed
so it stays readable (encrypted when a cipher is given). Files written by the persistence guide's
`persist_to_storage()` load too. Failures leave the file or stored record untouched.

A file is replaced under its folder's lock, after comparing the revision it holds with the one the
record was loaded at, exactly as `FileStore` does: a second writer gets `ConversationConflictError`,
and temp files left by killed writers of that file are removed.
"""

from __future__ import annotations

import json
import os
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
    check_revision,
    decode,
    encode,
    locked,
    read_first_line,
    remove_temp_files,
    stored_revision,
    write_atomically,
)

Target = ConversationStore | ExchangeJournal | str | os.PathLike


def save_record(record: ConversationRecord, target: Target, *, cipher: Cipher | None = None) -> int:
    """Store the record; returns the bytes written (a journal: the exchanges appended).

    Args:
        record: the conversation; its `revision` must be the one stored at the target (0 if nothing is).
        target: a file path, a store (which uses its own cipher) or an `ExchangeJournal`.
        cipher: encrypts a file; ignored for stores and journals.

    Returns:
        Bytes written; for a journal, the number of exchanges appended. `record.revision` is advanced.

    Raises:
        ConversationConflictError: the target holds a newer revision (another writer saved meanwhile).
        StorageUnavailableError: the file cannot be written; the previous file is unchanged.
    """
    if isinstance(target, ConversationStore):
        return target.save(record)
    if isinstance(target, ExchangeJournal):
        return target.append_record(record)
    path = _file_path(target)
    expected = record.revision
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path.parent):  # read, compare and rename with no other writer in between
            remove_temp_files(path.parent, path.name)  # a killed writer's leftovers hold conversation text
            current = None if path.is_symlink() else stored_revision(read_first_line(path))
            check_revision(record.conversation_id, expected, current, f"file {path}")
            record.revision = expected + 1
            data = encode(record, compress_above=None, cipher=cipher)
            write_atomically(path, data)
    except OSError as error:
        record.revision = expected
        raise StorageUnavailableError(
            record.conversation_id,
            f"could not write {path}: {type(error).__name__}: {error.strerror or error}.",
            "Check the directory exists and is writable (and the disk not full); the previous file is unchanged.",
        ) from None
    except BaseException:
        record.revision = expected
        raise
    return len(data)


def load_record(
    target: Target,
    *,
    conversation_id: str | None = None,
    cipher: Cipher | None = None,
    allow_plaintext_migration: bool = False,
) -> ConversationRecord:
    """Read a record from a file (any id: the file says which conversation it holds) or from a store (by id).

    With a `cipher`, a plaintext file is refused (`PlaintextRecordError`) unless `allow_plaintext_migration`.
    """
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
    return decode(
        stored_id if stored_id and _is_safe(stored_id) else "unnamed",
        data,
        cipher=cipher,
        allow_plaintext_migration=allow_plaintext_migration,
    )


def describe_target(target: Target) -> str:
    if isinstance(target, (ConversationStore, ExchangeJournal)):
        return target.location
    return f"file {_file_path(target)}"


def target_key(target: Target) -> str:
    """One name per place a conversation can be stored (a file by its absolute path), for tracking revisions."""
    if isinstance(target, (ConversationStore, ExchangeJournal)):
        return f"{type(target).__name__} {target.location}"
    return f"file {_file_path(target).resolve()}"


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
        except (ValueError, UnicodeDecodeError, RecursionError):
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

    Args:
        record: A stored hybrid conversation, e.g. from `store.load(conversation_id)`.

    Returns:
        The messages as {"role": ..., "content": ...} dicts, in order.
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
