"""Typed storage errors. Each message names the conversation, the cause and what to do.

Catch `StorageError` for all of them. Nothing here ever carries an encryption key or a
record's contents; ids are shown with `repr()` and shortened, since a rejected id may be
arbitrary input.
"""

from __future__ import annotations

from modules.errors import CourseError

_MAX_SHOWN_ID = 80


def shown_id(conversation_id: object) -> str:
    """A safe, bounded rendering of a conversation id for messages."""
    text = repr(conversation_id)
    return (
        text
        if len(text) <= _MAX_SHOWN_ID
        else f"{text[: _MAX_SHOWN_ID - 3]}...' ({len(str(conversation_id))} characters)"
    )


class StorageError(CourseError):
    """Base class: something went wrong storing or loading one conversation."""

    def __init__(self, conversation_id: object, cause: str, remedy: str = "") -> None:
        self.conversation_id = conversation_id
        self.cause = cause
        self.remedy = remedy
        message = cause if conversation_id is None else f"Conversation {shown_id(conversation_id)}: {cause}"
        super().__init__(f"{message} {remedy}".strip())


class InvalidConversationIdError(StorageError, ValueError):
    """The id (or a user id / tag) could escape a directory or inject into a key; it is refused before any I/O."""


class ConversationNotFoundError(StorageError, LookupError):
    """No stored conversation under this id (never saved, deleted, erased or expired)."""


class CorruptRecordError(StorageError):
    """The stored bytes are not a readable record (truncated, altered, not ours).

    `quarantined_to` says where the original bytes were moved; they are never deleted.
    """

    def __init__(
        self, conversation_id: object, cause: str, remedy: str = "", *, quarantined_to: str | None = None
    ) -> None:
        self.quarantined_to = quarantined_to
        if quarantined_to:
            remedy = f"The original bytes were moved aside to {quarantined_to} (nothing was deleted). {remedy}".strip()
        super().__init__(conversation_id, cause, remedy)


class CorruptHistoryError(CorruptRecordError):
    """History rows of a session failed authentication or are missing, replayed or out of place.

    `positions` lists the damaged positions (0-based, in append order); `readable` holds every other message of
    the session, in order, so the rest of the conversation is not lost with the damaged rows.
    """

    def __init__(
        self, conversation_id: object, cause: str, remedy: str = "", *, positions: list[int], readable: list
    ) -> None:
        self.positions = positions
        self.readable = readable
        super().__init__(conversation_id, cause, remedy)


class UnsupportedVersionError(StorageError):
    """The record was written in a format version this code cannot read (usually: newer code wrote it)."""


class DecryptionError(StorageError):
    """The record is encrypted and the configured key is missing or is not the one it was saved with."""


class ConversationConflictError(StorageError):
    """Another writer saved the conversation after this copy was loaded (or saved it first): nothing was written.

    `expected_revision` is the revision this copy was loaded at (0: never stored), `stored_revision` the one
    stored now. The fix is always the same: load it again, apply the change to the fresh copy, save.
    """

    def __init__(
        self, conversation_id: object, cause: str, remedy: str = "", *, expected_revision: int, stored_revision: int
    ) -> None:
        self.expected_revision = expected_revision
        self.stored_revision = stored_revision
        super().__init__(conversation_id, cause, remedy)


class ConversationErasedError(ConversationConflictError):
    """The conversation was erased (deleted) after this copy was loaded: saving it would undo the erasure.

    `stored_revision` is the erased conversation's last revision (its tombstone's). Nothing was written: discard
    the copy, or save a new record (revision 0) to start a conversation under the id on purpose.
    """


class ExchangeCountError(StorageError, ValueError):
    """A journal was given a conversation that is not two messages per exchange, or shorter than what it holds."""


class PlaintextRecordError(StorageError):
    """A key is configured, but the stored record or history row is not encrypted, so it cannot be authenticated.

    It is left in place. Reading it anyway is a migration step: open the store (or provider) with
    `allow_plaintext_migration=True`, load and save each record so it is stored encrypted, then reopen without it.
    """


class StorageUnavailableError(StorageError):
    """The backend itself failed: Redis unreachable or timing out, SQLite file locked or unwritable, disk full."""


class EncryptionKeyError(StorageError, ValueError):
    """The encryption key is malformed (conversation_id is None; the message never repeats the key)."""


class StoreOptionError(StorageError, ValueError):
    """A store was given something it cannot work with (conversation_id is None); the message names the fix."""
