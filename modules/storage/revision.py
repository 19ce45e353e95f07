"""Optimistic concurrency: every stored record carries a revision, and a save must name the one it replaces.

    record = store.load("ana-1")        # record.revision == 4
    ...                                 # meanwhile another writer saves: the stored revision is now 5
    store.save(record)                  # ConversationConflictError: reload, apply the change again, save

A record that was never stored has revision 0 and may only be saved where nothing is stored under its id.
A record saved where nothing is stored (a copy into another store, or after a delete) is inserted.
"""

from __future__ import annotations

import json

from modules.storage.errors import ConversationConflictError

_REMEDY = "Load it again (store.load(id)), apply your change to that fresh copy, and save it; nothing was overwritten."


def stored_revision(data: bytes | None) -> int | None:
    """The revision of stored bytes (their envelope header's); None if nothing is stored.

    Bytes without a readable revision (older formats, damaged headers) count as revision 1: they exist, so a
    never-stored record cannot silently replace them.

    Args:
        data: the stored record, or just its first line (the header); None or empty when nothing is stored.

    Returns:
        The revision (1 or more), or None.
    """
    if not data:
        return None
    try:
        header = json.loads(bytes(data).partition(b"\n")[0])
    except (ValueError, UnicodeDecodeError, RecursionError):
        return 1
    revision = header.get("revision") if isinstance(header, dict) else None
    return revision if isinstance(revision, int) and not isinstance(revision, bool) and revision >= 1 else 1


def check_revision(conversation_id: str, expected: int, stored: int | None, location: str) -> None:
    """Raise `ConversationConflictError` unless a record loaded at `expected` may replace what is `stored`.

    Args:
        conversation_id: the conversation, for the message.
        expected: the revision the record being saved was loaded at (0: never stored).
        stored: the revision stored now (None: nothing is stored, so the save is an insert).
        location: where it is stored, for the message.

    Raises:
        ConversationConflictError: another writer saved since `expected`, or a new record's id is taken.
    """
    if stored is None or stored == expected:
        return
    if expected == 0:
        cause = (
            f"{location} already holds a conversation with this id (revision {stored}); this new one would replace it."
        )
    else:
        cause = (
            f"it was saved by another writer since this copy was loaded: {location} holds revision {stored}, "
            f"this copy was loaded at revision {expected}."
        )
    raise ConversationConflictError(conversation_id, cause, _REMEDY, expected_revision=expected, stored_revision=stored)
