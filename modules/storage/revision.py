"""Optimistic concurrency: every stored record carries a revision, and a save must name the one it replaces.

    record = store.load("ana-1")        # record.revision == 4
    ...                                 # meanwhile another writer saves: the stored revision is now 5
    store.save(record)                  # ConversationConflictError: reload, apply the change again, save

A record that was never stored has revision 0 and may only be saved where nothing is stored under its id.
A record saved where nothing was ever stored (a copy into another store) is inserted at its own revision.

Erasure does not reset the count. `delete()` and `delete_user_data()` leave a `Tombstone` per conversation: its
id, its last revision and the time, never its content. While the tombstone lasts (`tombstone_ttl_s`, 30 days by
default), a save of a copy loaded before the erasure (any revision above 0) is refused with
`ConversationErasedError`, and a new record (revision 0) under the id starts after the tombstone's revision, so a
copy loaded before the erasure can never replace it either. Expiry (`expires_at`, Redis TTLs) is not erasure and
leaves no tombstone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from modules.storage.errors import ConversationConflictError, ConversationErasedError

DEFAULT_TOMBSTONE_TTL_S = 30 * 24 * 3600.0  # how long an erased conversation's revision is remembered

_REMEDY = "Load it again (store.load(id)), apply your change to that fresh copy, and save it; nothing was overwritten."
_ERASED_REMEDY = (
    "Discard this copy: saving it would undo the erasure. To start a conversation under this id on purpose, save a "
    "new record (revision 0); nothing was written."
)


@dataclass(frozen=True)
class Tombstone:
    """What erasing a conversation leaves behind: its id, its last revision and when it was erased; no content.

    Attributes:
        conversation_id: The erased conversation's id.
        revision: The last revision it was stored at; a new record under the id continues after it.
        erased_at: Epoch seconds (the store's clock) when it was erased.
    """

    conversation_id: str
    revision: int
    erased_at: float

    def to_bytes(self) -> bytes:
        """The tombstone as one line of JSON (how the file store and Redis keep it)."""
        fields = {"conversation_id": self.conversation_id, "revision": self.revision, "erased_at": self.erased_at}
        return json.dumps(fields, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, conversation_id: str, data: bytes | None) -> Tombstone | None:
        """A tombstone read back from `to_bytes()`; None when there is none. A damaged one counts as revision 1.

        Args:
            conversation_id: The id it belongs to (the one the caller looked up).
            data: The stored bytes, or None.

        Returns:
            The tombstone, or None when `data` is empty.
        """
        if not data:
            return None
        try:
            fields = json.loads(data)
            revision, erased_at = int(fields["revision"]), float(fields["erased_at"])
        except (ValueError, TypeError, KeyError, RecursionError):
            return cls(conversation_id, 1, float("inf"))  # unreadable: never lets a stale copy through
        return cls(conversation_id, max(revision, 1), erased_at)

    def is_expired(self, now: float, ttl_s: float) -> bool:
        """True once `ttl_s` seconds have passed since the erasure."""
        return self.erased_at + ttl_s <= now


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


def check_revision(
    conversation_id: str, expected: int, stored: int | None, location: str, *, erased: Tombstone | None = None
) -> int:
    """The revision a save continues from, or `ConversationConflictError` if a record loaded at `expected` may not.

    The rule every store applies in the same atomic step as its write:

    - something is stored: only a copy loaded at that revision may replace it;
    - nothing is stored and an unexpired tombstone is: a new record (revision 0) continues after the tombstone's
      revision; any other copy (revision above 0) may hold what was erased and is refused
      (`ConversationErasedError`);
    - nothing was ever stored: the record is inserted, continuing its own revision.

    Args:
        conversation_id: the conversation, for the message.
        expected: the revision the record being saved was loaded at (0: never stored).
        stored: the revision stored now (None: nothing is stored).
        location: where it is stored, for the message.
        erased: the conversation's unexpired tombstone, when it was erased and nothing is stored since.

    Returns:
        The revision the save continues from: the new record's revision is this plus one (a journal adds one per
        exchange).

    Raises:
        ConversationErasedError: the conversation was erased after this copy was loaded.
        ConversationConflictError: another writer saved since `expected`, or a new record's id is taken.
    """
    if stored is None and erased is not None:
        if expected == 0:
            return erased.revision
        raise ConversationErasedError(
            conversation_id,
            f"it was erased from {location} (at revision {erased.revision}) after this copy was loaded at revision "
            f"{expected}.",
            _ERASED_REMEDY,
            expected_revision=expected,
            stored_revision=erased.revision,
        )
    if stored is None or stored == expected:
        return expected
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
