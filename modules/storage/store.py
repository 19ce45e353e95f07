"""The one interface every conversation backend implements.

    store.save(record)                      # insert, or replace the revision it was loaded at; returns bytes
    store.load(conversation_id)             # -> ConversationRecord, or a typed StorageError
    store.list(user_id=..., tag=..., updated_after=...)   # -> [ConversationSummary], newest first
    store.delete(conversation_id)           # -> True if something was deleted
    store.delete_user_data(user_id)         # right to erasure -> number of conversations erased
    store.cleanup_expired()                 # -> number of expired conversations removed

The envelope (`modules.storage.envelope`) does all encoding, compression, encryption and
version handling, so a backend only moves bytes and keeps an index. A record that fails to
decode as corrupt is moved to the backend's quarantine, never deleted; a record that is
merely unreadable *here* (newer version, wrong key, plaintext where a key is configured) is left exactly
where it is. Every record carries a revision: a save that would replace a newer revision than the one
it was loaded at raises `ConversationConflictError` (`modules.storage.revision`), in every backend. A delete
leaves a tombstone (id, revision, time; no content) so a copy loaded before it is refused too.
"""

from __future__ import annotations

import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from modules.storage.cipher import Cipher
from modules.storage.envelope import DEFAULT_COMPRESS_ABOVE, decode, encode
from modules.storage.errors import ConversationNotFoundError, CorruptRecordError, StorageUnavailableError
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import DEFAULT_TOMBSTONE_TTL_S, Tombstone, check_revision
from modules.timeutil import utc_iso

_Method = TypeVar("_Method", bound=Callable[..., Any])


def reports_backend_failures(method: _Method) -> _Method:
    """Turn a backend's own exceptions (its `unavailable_errors`) into StorageUnavailableError naming the store."""

    @functools.wraps(method)
    def wrapper(self: ConversationStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except self.unavailable_errors as error:
            target = args[0] if args else None
            conversation_id = getattr(
                target,
                "conversation_id",
                target if isinstance(target, str) and method.__name__ != "delete_user_data" else None,
            )
            if getattr(getattr(self, "_db", None), "closed", False):  # the caller closed it (a lab's clean-up cell)
                raise StorageUnavailableError(
                    conversation_id,
                    f"{self.location} was closed (store.close(), as a lab's clean-up cell does)",
                    "Run the lab from the top (Run All) to open the store again, or make a new store object.",
                ) from None
            raise StorageUnavailableError(
                conversation_id,
                f"{self.location} failed: {type(error).__name__}: {error}",
                "Check that the backend is running and reachable (and the disk not full), then retry; "
                "a failed save leaves the previous version in place.",
            ) from None

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class StoreOptions:
    """The options every store takes as keywords, after its own (`FileStore(directory, cipher=...)`).

    Attributes:
        cipher: Encrypts every record (AES-256-GCM); with one, only authenticated records are accepted.
        compress_above: Records larger than this many bytes are zlib-compressed; None never compresses.
        clock: Epoch seconds for `updated_at`, expiry and tombstones (tests pass a clock they can move).
        allow_plaintext_migration: With a cipher, read plaintext records anyway (a one-off migration to encryption).
        tombstone_ttl_s: How long an erased conversation's tombstone (its id and last revision) refuses copies
            loaded before the erasure; `cleanup_expired()` removes older ones (`modules.storage.revision`).
    """

    cipher: Cipher | None = None
    compress_above: int | None = DEFAULT_COMPRESS_ABOVE
    clock: Callable[[], float] = time.time
    allow_plaintext_migration: bool = False
    tombstone_ttl_s: float = DEFAULT_TOMBSTONE_TTL_S


class ConversationStore(ABC):
    """Base class: validation, envelope, expiry, tombstone and quarantine policy. Subclasses implement the `_`-methods.

    Args:
        **options: The `StoreOptions` fields, as keywords: cipher, compress_above, clock, allow_plaintext_migration,
            tombstone_ttl_s.

    Raises:
        TypeError: An option that `StoreOptions` does not have.
    """

    backend: str = "abstract"
    # Exceptions of the backend's own library that mean "the store failed", reported as StorageUnavailableError.
    unavailable_errors: tuple[type[Exception], ...] = ()
    # Stores that keep one conversation compressed by default; a one-file store keeps its file readable.
    default_options: dict[str, Any] = {}

    def __init__(self, **options: Any) -> None:
        self.options = StoreOptions(**{**self.default_options, **options})
        self.cipher = self.options.cipher
        # With a cipher: read plaintext records anyway (a one-off migration to encryption; see docs/storage.md).
        self.allow_plaintext_migration = self.options.allow_plaintext_migration
        self.compress_above = self.options.compress_above
        self.clock = self.options.clock  # epoch seconds; expiry and updated_at use it (tests pass a clock they move)
        self.tombstone_ttl_s = self.options.tombstone_ttl_s

    # ---- public interface -------------------------------------------------------------------

    @reports_backend_failures
    def save(self, record: ConversationRecord) -> int:
        """Store the record, replacing the revision it was loaded at (or inserting it where nothing is stored).

        Args:
            record: a record from `load()` (its `revision` says which stored copy it continues), or a new one
                (revision 0), which may only be saved where nothing is stored under its id (after an erasure it
                continues the erased conversation's revisions).

        Returns:
            The number of bytes stored. The record's `updated_at` and `revision` are updated.

        Raises:
            ConversationConflictError: another writer saved the conversation since `record` was loaded; nothing
                was written. Load it again, apply the change, save.
            ConversationErasedError: the conversation was erased after `record` was loaded; nothing was written.
            InvalidConversationIdError, StorageUnavailableError: as every store call.
        """
        _validate_index_fields(record)
        expected, previous_update = record.revision, record.updated_at
        record.updated_at = self.clock()

        def seal(stored: int | None, erased: Tombstone | None) -> bytes:
            # Called by the backend inside its atomic step, with what is stored under the id right then.
            record.revision = (
                check_revision(record.conversation_id, expected, stored, self.location, erased=self._unexpired(erased))
                + 1
            )
            return encode(record, compress_above=self.compress_above, cipher=self.cipher)

        try:
            data = self._put(record, seal)
        except BaseException:
            record.updated_at, record.revision = previous_update, expected  # a failed save changes nothing
            raise
        return len(data)

    @reports_backend_failures
    def load(self, conversation_id: str) -> ConversationRecord:
        validate_conversation_id(conversation_id)
        data = self._get(conversation_id)
        if data is None:
            raise self._not_stored(conversation_id)
        record = self._decode(conversation_id, data)
        if record.is_expired(self.clock()):
            raise ConversationNotFoundError(
                conversation_id,
                f"it expired at {utc_iso(record.expires_at, timespec='seconds')}.",
                "Start a new conversation; cleanup_expired() removes expired ones.",
            )
        record.loaded_from = (self.location, record.revision, record.updated_at)  # not a field: set only here
        return record

    @reports_backend_failures
    def list(
        self,
        *,
        user_id: str | None = None,
        tag: str | None = None,
        updated_after: float | None = None,
        include_expired: bool = False,
    ) -> list[ConversationSummary]:
        """Summaries matching every given filter, most recently updated first (bodies are not decoded)."""
        if user_id is not None:
            validate_conversation_id(user_id, "user id")
        if tag is not None:
            validate_conversation_id(tag, "tag")
        summaries = list(self._summaries(user_id=user_id, tag=tag))
        now = self.clock()
        found = [
            s
            for s in summaries
            if (user_id is None or s.user_id == user_id)
            and (tag is None or tag in s.tags)
            and (updated_after is None or s.updated_at > updated_after)
            and (include_expired or not s.is_expired(now))
        ]
        return sorted(found, key=lambda s: s.updated_at, reverse=True)

    @reports_backend_failures
    def delete(self, conversation_id: str) -> bool:
        """Delete the conversation and any quarantined copies of it, leaving a tombstone; False if there was nothing.

        Args:
            conversation_id: The conversation to delete.

        Returns:
            True if something was deleted. The tombstone keeps only the id, the last revision and the time, so a
            copy loaded before the delete cannot be saved back (`ConversationErasedError`).
        """
        return self._delete(validate_conversation_id(conversation_id), erased_at=self.clock())

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        """Right to erasure: delete every conversation of `user_id` (expired and quarantined ones too), as `delete`."""
        validate_conversation_id(user_id, "user id")
        now = self.clock()
        return sum(self._delete(each, erased_at=now) for each in self._conversation_ids_of(user_id))

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        """Delete conversations whose expiry has passed (no tombstone), and tombstones older than `tombstone_ttl_s`.

        Returns:
            How many conversations were deleted.
        """
        summaries = list(self._summaries(user_id=None, tag=None))
        now = self.clock()
        removed = sum(self._delete(s.conversation_id, erased_at=None) for s in summaries if s.is_expired(now))
        self._purge_tombstones(now - self.tombstone_ttl_s)
        return removed

    @reports_backend_failures
    def quarantined(self, conversation_id: str) -> list[bytes]:
        """The original bytes of records of this id that were moved aside as corrupt, oldest first."""
        return self._quarantined(validate_conversation_id(conversation_id))

    def close(self) -> None:  # noqa: B027 - an optional hook: a store without connections has nothing to release
        """Release connections (idempotent)."""

    def __enter__(self) -> ConversationStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        encryption = f"encrypted with key id {self.cipher.key_id}" if self.cipher else "not encrypted"
        return f"{type(self).__name__}({self.location}, {encryption}, compress_above={self.compress_above})"

    # ---- shared policy ----------------------------------------------------------------------

    def _not_stored(self, conversation_id: str) -> ConversationNotFoundError:
        return ConversationNotFoundError(
            conversation_id,
            f"nothing is stored under this id in {self.location}.",
            "Check the id (store.list() shows what exists); it may have been deleted, erased or expired.",
        )

    def _decode(self, conversation_id: str, data: bytes) -> ConversationRecord:
        try:
            return decode(
                conversation_id, data, cipher=self.cipher, allow_plaintext_migration=self.allow_plaintext_migration
            )
        except CorruptRecordError as error:
            location = self._quarantine(conversation_id, data)
            if location is None and (newer := self._get(conversation_id)) not in (None, data):
                return self._decode(conversation_id, newer)  # rewritten since we read it: the new version counts
            raise CorruptRecordError(conversation_id, error.cause, error.remedy, quarantined_to=location) from None

    def _unexpired(self, tombstone: Tombstone | None) -> Tombstone | None:
        """The tombstone while it lasts (`tombstone_ttl_s` from the erasure), else None."""
        if tombstone is None or tombstone.is_expired(self.clock(), self.tombstone_ttl_s):
            return None
        return tombstone

    def _conversation_ids_of(self, user_id: str) -> Iterable[str]:
        return [s.conversation_id for s in self.list(user_id=user_id, include_expired=True)]

    # ---- what a backend implements ------------------------------------------------------------

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the data lives, for messages (never includes credentials)."""

    @abstractmethod
    def _put(self, record: ConversationRecord, seal: Callable[[int | None, Tombstone | None], bytes]) -> bytes:
        """Atomically store the envelope of `record` and index its header fields; return the bytes stored.

        In one atomic step: read the stored revision (None: nothing stored) and the id's tombstone, call
        `seal(stored, tombstone)` for the bytes (it applies `check_revision` and raises on a conflict: then write
        nothing), store them and remove the tombstone.
        """

    @abstractmethod
    def _get(self, conversation_id: str) -> bytes | None: ...

    @abstractmethod
    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        """Summaries of stored records, expired included; may pre-filter on user_id/tag, need not."""

    @abstractmethod
    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        """Delete the record and its quarantined copies; True if anything was there.

        With `erased_at`, in the same atomic step leave a `Tombstone(conversation_id, revision, erased_at)`, the
        revision being the deleted record's (or an existing tombstone's, whichever is higher); without a stored
        record, leave any tombstone as it is.
        """

    @abstractmethod
    def _purge_tombstones(self, erased_before: float) -> None:
        """Remove tombstones of erasures before `erased_before` (a backend whose tombstones expire by themselves
        may do nothing)."""

    @abstractmethod
    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        """Move `data` aside if it is still what is stored under the id.

        Returns where it went, or None if the record changed meanwhile (a newer good write is never moved).
        """

    @abstractmethod
    def _quarantined(self, conversation_id: str) -> list[bytes]: ...


def _validate_index_fields(record: ConversationRecord) -> None:
    validate_conversation_id(record.conversation_id)
    if record.user_id is not None:
        validate_conversation_id(record.user_id, "user id")
    for tag in record.tags:
        validate_conversation_id(tag, "tag")
