"""FileStore: one envelope file per conversation in a directory. No server, easy to inspect.

Writes are atomic: the bytes go to a temporary file in the same directory, are flushed to
disk (fsync), and the temporary file is renamed over the old one. A crash at any moment
leaves either the old version or the new one, never half a file. Every change happens under
the directory's lock (`modules.storage.atomic_file`): a save compares the stored revision with
the one its record was loaded at before renaming, so a concurrent writer gets a
`ConversationConflictError` instead of losing an update. Temp files a killed writer left behind
are removed at start-up and by `delete()`, `delete_user_data()` and `cleanup_expired()`.
An erased conversation leaves `<id>.erased`: its id, last revision and time (see `modules.storage.revision`).

File names work on every file system: ids that differ only in case would share one file on
macOS and Windows, and a Windows device name (CON, NUL, COM1, ...) is no file at all, so such
an id is stored under its lower-case form plus `^` and a hex mask of its upper-case letters
(`Ana` -> `ana^1.conv`, `nul.v2` -> `nul^0.v2.conv`). Other ids are the file name as they are.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from modules.storage.atomic_file import locked, read_first_line, remove_temp_files, write_atomically
from modules.storage.envelope import read_summary
from modules.storage.errors import (
    ConversationNotFoundError,
    InvalidConversationIdError,
    StorageError,
    StorageUnavailableError,
)
from modules.storage.record import ConversationRecord, ConversationSummary, validate_conversation_id
from modules.storage.revision import Tombstone, stored_revision
from modules.storage.store import ConversationStore, reports_backend_failures

_SUFFIX = ".conv"
_TOMBSTONE_SUFFIX = ".erased"  # an erased conversation's id, last revision and time (modules.storage.revision)
_QUARANTINE_DIR = "quarantine"
_CASE_MARK = "^"  # not allowed in ids, so a stem holding it is always an encoded one
_WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))]
)


class FileStore(ConversationStore):
    """Conversations as envelope files in one directory: atomic writes, no server, easy to inspect.

    Args:
        directory: The folder that holds the files (created if missing).
        **options: The options of every store (`StoreOptions`): cipher, compress_above, clock,
            allow_plaintext_migration, tombstone_ttl_s.
    """

    backend = "file"
    unavailable_errors = (OSError,)  # permission denied, disk full, directory removed

    # Temp files of this name prefix are this store's ("": every temp file in the directory).
    _temp_prefix = ""

    def __init__(self, directory: Path | str, **options: Any) -> None:
        super().__init__(**options)
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._root = self.directory.resolve()
            with locked(self._root):
                self._remove_temp_files()  # left by writers killed mid-save: they may hold conversation text
        except OSError as error:
            raise StorageUnavailableError(
                None,
                f"{self.location} cannot be used: {type(error).__name__}: {error.strerror or error}.",
                "Check that the directory is readable and writable by this user; nothing was changed.",
            ) from None

    @property
    def location(self) -> str:
        return f"directory {self.directory}"

    def path_of(self, conversation_id: str) -> Path:
        """The file holding a conversation (ids are validated, so this cannot leave the directory)."""
        path = self._root / f"{file_stem(conversation_id)}{_SUFFIX}"
        if path.parent != self._root:  # defence in depth; validate_conversation_id already forbids separators
            raise StorageError(conversation_id, "the id would leave the storage directory.", "Use a plain id.")
        return path

    def _legacy_path(self, conversation_id: str) -> Path | None:
        """Where stores written before case-safe file names kept this id (None when the name is the same)."""
        legacy = self._root / f"{conversation_id}{_SUFFIX}"
        return None if legacy == self.path_of(conversation_id) else legacy

    def tombstone_path_of(self, conversation_id: str) -> Path:
        """The file holding an erased conversation's tombstone (its id, last revision and time; no content)."""
        return self._root / f"{file_stem(conversation_id)}{_TOMBSTONE_SUFFIX}"

    def _remove_temp_files(self) -> None:
        remove_temp_files(self._root, self._temp_prefix)

    def _put(self, record: ConversationRecord, seal: Callable[[int | None, Tombstone | None], bytes]) -> bytes:
        path = self.path_of(record.conversation_id)
        # Read, compare and rename under the directory's lock, so no other save lands in between.
        with locked(self._root):
            if self._temp_prefix:  # a one-file store's folder is not ours: clean only its file's leftovers, here
                self._remove_temp_files()
            # A symlink is never a record this store wrote (the rename replaces the link, never its target).
            current = None if path.is_symlink() else stored_revision(self._header(record.conversation_id))
            data = seal(current, self._tombstone(record.conversation_id))
            write_atomically(path, data)
            self.tombstone_path_of(record.conversation_id).unlink(missing_ok=True)
            legacy = self._legacy_path(record.conversation_id)
            if legacy is not None and legacy.exists() and legacy.name in os.listdir(self._root):
                legacy.unlink()  # the new file now holds this conversation
        return data

    def _tombstone(self, conversation_id: str) -> Tombstone | None:
        try:
            return Tombstone.from_bytes(conversation_id, self.tombstone_path_of(conversation_id).read_bytes())
        except FileNotFoundError:
            return None

    def _get(self, conversation_id: str) -> bytes | None:
        try:
            return self.path_of(conversation_id).read_bytes()
        except FileNotFoundError:
            pass
        legacy = self._legacy_path(conversation_id)
        # Exact names only: on a case-folding system 'Ana.conv' would also open another id's 'ana.conv'.
        if legacy is not None and legacy.exists() and legacy.name in os.listdir(self._root):
            return legacy.read_bytes()
        return None

    def _header(self, conversation_id: str) -> bytes | None:
        """The stored record's first line (its header: what a save compares), without reading the body."""
        header = read_first_line(self.path_of(conversation_id))
        legacy = self._legacy_path(conversation_id)
        if header is None and legacy is not None and legacy.name in os.listdir(self._root):
            header = read_first_line(legacy)
        return header

    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        for path in self._root.glob(f"*{_SUFFIX}"):
            conversation_id = conversation_id_of(path.name[: -len(_SUFFIX)])
            try:
                yield read_summary(conversation_id, path.read_bytes())
            except (StorageError, FileNotFoundError):
                continue  # deleted meanwhile, or corrupt: load() reports and quarantines it

    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        with locked(self._root):
            self._remove_temp_files()  # a killed writer's temp file may hold this conversation's text
            revision = stored_revision(self._header(conversation_id))
            existed = self._delete_files(conversation_id)
            if erased_at is not None and revision is not None:
                earlier = self._tombstone(conversation_id)
                revision = max(revision, earlier.revision if earlier else 0)
                tombstone = Tombstone(conversation_id, revision, erased_at)
                write_atomically(self.tombstone_path_of(conversation_id), tombstone.to_bytes())
            return existed

    def _purge_tombstones(self, erased_before: float) -> None:
        with locked(self._root):
            for path in self._tombstone_files():
                conversation_id = conversation_id_of(path.name[: -len(_TOMBSTONE_SUFFIX)])
                tombstone = Tombstone.from_bytes(conversation_id, path.read_bytes())
                if tombstone is not None and tombstone.erased_at < erased_before:
                    path.unlink(missing_ok=True)

    def _tombstone_files(self) -> list[Path]:
        return list(self._root.glob(f"*{_TOMBSTONE_SUFFIX}"))

    def _delete_files(self, conversation_id: str) -> bool:
        path = self.path_of(conversation_id)
        existed = path.exists()
        path.unlink(missing_ok=True)
        legacy = self._legacy_path(conversation_id)
        if legacy is not None and legacy.exists() and legacy.name in os.listdir(self._root):
            legacy.unlink()
            existed = True
        for copy in self._quarantine_files(conversation_id):
            copy.unlink(missing_ok=True)
            existed = True
        return existed

    @reports_backend_failures
    def delete_user_data(self, user_id: str) -> int:
        # Quarantined copies are erased too when their header still names the user.
        erased = super().delete_user_data(user_id)
        with locked(self._root):
            self._remove_temp_files()
            for copy in self._quarantine_files(None):
                if _lenient_user_id(copy) == user_id:
                    copy.unlink(missing_ok=True)
        return erased

    @reports_backend_failures
    def cleanup_expired(self) -> int:
        removed = super().cleanup_expired()
        with locked(self._root):
            self._remove_temp_files()  # temp files exist only while their writer holds the lock
        return removed

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        with locked(self._root):
            return self._move_to_quarantine(conversation_id, data)

    def _move_to_quarantine(self, conversation_id: str, data: bytes) -> str | None:
        path = self.path_of(conversation_id)
        quarantine = self._root / _QUARANTINE_DIR
        quarantine.mkdir(exist_ok=True)
        target = quarantine / f"{file_stem(conversation_id)}.{time.time_ns()}.corrupt"
        # Move first, compare after: comparing first would leave a gap in which a good write could land and be moved.
        try:
            os.replace(path, target)
        except FileNotFoundError:
            return None
        if target.read_bytes() == data:
            return str(target)
        _put_back(target, path)  # a good write landed after we read the corrupt bytes: it stays the record
        return None

    def _quarantined(self, conversation_id: str) -> list[bytes]:
        return [path.read_bytes() for path in self._quarantine_files(conversation_id)]

    def _quarantine_files(self, conversation_id: str | None) -> list[Path]:
        folder = self._root / _QUARANTINE_DIR
        if not folder.is_dir():
            return []
        # Name is "<id>.<time_ns>.corrupt"; ids may contain dots, so split from the right.
        stem = None if conversation_id is None else file_stem(conversation_id)
        files = [p for p in folder.glob("*.corrupt") if stem is None or p.name.rsplit(".", 2)[0] == stem]
        return sorted(files, key=lambda p: int(p.name.rsplit(".", 2)[1]))


def file_stem(conversation_id: str) -> str:
    """The file name (without suffix) of a validated id: unique under case folding, never a Windows device."""
    first, dot, rest = conversation_id.lower().partition(".")
    mask = sum(1 << i for i, c in enumerate(conversation_id) if c.isupper())
    if mask == 0 and first not in _WINDOWS_DEVICES:
        return conversation_id
    return f"{first}{_CASE_MARK}{mask:x}{dot}{rest}"  # the mark goes before the first dot: Windows reads up to it


def conversation_id_of(stem: str) -> str:
    """The id a file name stem stands for (the inverse of `file_stem`)."""
    first, mark, mask_and_rest = stem.partition(_CASE_MARK)
    if not mark:
        return stem
    mask, dot, rest = mask_and_rest.partition(".")
    lower, bits = f"{first}{dot}{rest}", int(mask, 16)
    return "".join(c.upper() if bits >> i & 1 else c for i, c in enumerate(lower))


def _put_back(moved: Path, path: Path) -> None:
    """Return `moved` to `path` unless a newer write is there by now (then `moved` was superseded anyway)."""
    try:
        if os.name == "posix":
            os.link(moved, path)  # fails if `path` exists; rename would replace the newer write
            moved.unlink()
        else:
            os.rename(moved, path)  # Windows: fails if `path` exists
    except FileExistsError:
        moved.unlink(missing_ok=True)


def _lenient_user_id(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            header = json.loads(handle.readline(65536))
        return header.get("user_id") if isinstance(header, dict) else None
    except (OSError, ValueError):
        return None


class OneFileStore(FileStore):
    """One conversation in one file: what a file path means wherever the course takes a store.

    The file holds exactly what a `FileStore` file holds (the versioned envelope; uncompressed by default, so it
    stays readable; encrypted with a cipher), written the same way: under its folder's lock, after the revision
    check, atomically. Temp files a killed writer left of this file are removed; the folder's other files are
    never touched. Files written by the persistence guide's `persist_to_storage()` load too. Erasing it leaves
    `<file>.erased` beside it (id, last revision, time). A damaged file is reported and left where it is.

    Args:
        path: The file (its folder is created if missing).
        **options: The options of every store (`StoreOptions`); compress_above defaults to None here.
    """

    default_options = {"compress_above": None}

    def __init__(self, path: Path | str, **options: Any) -> None:
        self.path = Path(path)
        self._temp_prefix = self.path.name
        super().__init__(self.path.parent, **options)
        self._file = self._root / self.path.name

    @property
    def location(self) -> str:
        return f"file {os.path.abspath(self.path)}"  # absolute: one name per file, however it was given

    def path_of(self, conversation_id: str) -> Path:
        """The one file, whatever the id: it holds one conversation."""
        return self._file

    def tombstone_path_of(self, conversation_id: str) -> Path:
        """Beside the file: `<file>.erased`."""
        return self._file.with_name(f"{self._file.name}{_TOMBSTONE_SUFFIX}")

    @reports_backend_failures
    def load(self, conversation_id: str | None = None) -> ConversationRecord:
        """The conversation the file holds.

        Args:
            conversation_id: The id expected; None for whichever conversation the file holds.

        Returns:
            The record.

        Raises:
            ConversationNotFoundError: There is no such file, or it holds another conversation.
            StorageError: damaged, wrong key, plaintext with a key, newer format: each names the fix.
        """
        data = self._get(conversation_id or "")
        if data is None:
            raise ConversationNotFoundError(
                conversation_id,
                f"there is no {self.location}.",
                "Check the path (and the working directory); save(path) writes one.",
            )
        stored_id = _conversation_id_in(data)
        # Without a usable id the bytes are not a record; decoding then says so with its own typed error.
        record = self._decode(stored_id if stored_id and _is_safe(stored_id) else "unnamed", data)
        if conversation_id is not None and record.conversation_id != validate_conversation_id(conversation_id):
            raise ConversationNotFoundError(
                conversation_id,
                f"{self.location} holds conversation {record.conversation_id!r}, not this one.",
                "Load it without an id, or pass the file that holds this conversation.",
            )
        return record

    def _legacy_path(self, conversation_id: str) -> Path | None:
        return None

    def _delete(self, conversation_id: str, *, erased_at: float | None) -> bool:
        data = self._get(conversation_id)
        if data is not None and _conversation_id_in(data) not in (conversation_id, None):
            return False  # the file holds another conversation: deleting this one deletes nothing
        return super()._delete(conversation_id, erased_at=erased_at)

    def _get(self, conversation_id: str) -> bytes | None:
        try:
            return self._file.read_bytes()
        except FileNotFoundError:
            return None

    def _header(self, conversation_id: str) -> bytes | None:
        return read_first_line(self._file)

    def _summaries(self, *, user_id: str | None, tag: str | None) -> Iterable[ConversationSummary]:
        data = self._get("")
        stored_id = None if data is None else _conversation_id_in(data)
        try:
            return [] if stored_id is None else [read_summary(stored_id, data)]
        except StorageError:
            return []  # damaged: load() reports it

    def _tombstone_files(self) -> list[Path]:
        path = self.tombstone_path_of("")
        return [path] if path.exists() else []

    def _quarantine(self, conversation_id: str, data: bytes) -> str | None:
        return None  # the file is the user's: a damaged one is reported and left where it is

    def _quarantine_files(self, conversation_id: str | None) -> list[Path]:
        return []


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
    try:
        validate_conversation_id(conversation_id)
    except InvalidConversationIdError:
        return False
    return True
