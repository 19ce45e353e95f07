"""Where a hybrid conversation is saved: any `ConversationStore`; a file path means a one-file store.

    await manager.save(SqliteStore("var/c.sqlite3"))     # or FileStore, RedisStore, ExchangeJournal
    await manager.save("conversation.json")               # OneFileStore("conversation.json"): one envelope file
    await manager.resume("conversation.json")             # whichever conversation the file holds

A file holds exactly what a `FileStore` file holds (`modules.storage.OneFileStore`), uncompressed so it
stays readable, encrypted when a cipher is given. Files written by the persistence guide's
`persist_to_storage()` load too.
"""

from __future__ import annotations

import os
from typing import Any

from modules.hybrid.errors import UnsupportedTargetError
from modules.storage import Cipher, ConversationRecord, ConversationStore, OneFileStore

Target = ConversationStore | str | os.PathLike


def as_store(
    target: Target, *, cipher: Cipher | None = None, allow_plaintext_migration: bool = False
) -> ConversationStore:
    """The store a save or resume target stands for.

    Args:
        target: a store from `modules.storage` (used as it is), or a file path (a `OneFileStore`).
        cipher: encrypts the file of a path; a store uses its own cipher.
        allow_plaintext_migration: with a `cipher`, read a plaintext file anyway (a one-off migration).

    Returns:
        The store.

    Raises:
        UnsupportedTargetError: `target` is neither a store nor a path.
        StorageUnavailableError: the file's folder cannot be created or used.
    """
    if isinstance(target, ConversationStore):
        return target
    if isinstance(target, (str, os.PathLike)):
        return OneFileStore(target, cipher=cipher, allow_plaintext_migration=allow_plaintext_migration)
    raise UnsupportedTargetError(
        f"Cannot save to a {type(target).__name__}: give a file path (str or Path) or a store from "
        "modules.storage (FileStore, SqliteStore, RedisStore, ExchangeJournal)."
    )


def store_key(store: ConversationStore) -> str:
    """One name per place a conversation can be stored, for tracking the revision a manager holds there."""
    return f"{type(store).__name__} {store.location}"


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
    return [{"role": str(message.get("role", "user")), "content": _text(message)} for message in stored]


def _text(message: Any) -> str:
    return "".join(part.get("text", "") for part in message.get("contents", []) if part.get("type") == "text")
