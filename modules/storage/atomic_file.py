"""Files that are replaced whole, under a lock: how FileStore (and OneFileStore, a file path) write.

    with locked(folder):                           # one writer at a time in the folder, across processes
        remove_temp_files(folder)                  # anything a killed writer left behind
        write_atomically(path, data)               # temp file + fsync + rename: old or new, never half

The lock is an OS lock on the folder itself (`fcntl.flock`; on Windows `msvcrt.locking` on a `.lock` file
in it): the OS releases it when its holder dies, even by SIGKILL, so a crashed writer never blocks the
next one. It is not re-entrant: never take it twice in one call chain. Temp files are
written only while the lock is held, so any temp file found by a lock holder belongs to a dead writer.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def locked(directory: Path) -> Iterator[None]:
    """Hold the exclusive lock of `directory` for the block; waits while another thread or process holds it.

    Args:
        directory: the folder whose writers take turns (it must exist).

    Returns:
        A context manager; the lock is released when the block ends, or by the OS when the process dies.

    Raises:
        OSError: the folder cannot be opened.
    """
    if os.name == "posix":
        descriptor = os.open(directory, os.O_RDONLY)  # flock works on a directory: no lock file to clean up
    else:  # pragma: no cover - Windows cannot open a directory
        descriptor = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock(descriptor)
        try:
            yield
        finally:
            _unlock(descriptor)
    finally:
        os.close(descriptor)


def temp_path_for(path: Path) -> Path:
    """A fresh hidden temp name next to `path` (same directory, so the rename is atomic)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}{TEMP_SUFFIX}")


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: a crash at any moment leaves the old file or the new one, never half of one.

    Args:
        path: the file to replace (created if missing; a symlink there is replaced, never written through).
        data: its new content, written to a temp file, fsynced, then renamed over `path`.

    Raises:
        OSError: the write failed; `path` is unchanged and the temp file removed.
    """
    temp = temp_path_for(path)
    # O_EXCL: never write through a pre-existing file or symlink; 0600: conversations are personal data.
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the rename makes them visible
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)  # make the rename itself durable


def read_first_line(path: Path, limit: int = 65536) -> bytes | None:
    """The first line of `path` (at most `limit` bytes; a record's header), or None if there is no such file.

    Args:
        path: the file to read.
        limit: the most bytes to read.

    Returns:
        The line including its newline, or None when the file does not exist.
    """
    try:
        with path.open("rb") as handle:
            return handle.readline(limit)
    except FileNotFoundError:
        return None


def remove_temp_files(directory: Path, name: str = "") -> int:
    """Delete the temp files of `directory` (only those of file `name` when given).

    Call it only while holding the directory's lock: then no live writer owns a temp file.

    Args:
        directory: the folder to clean.
        name: a file name whose temp files alone are removed; empty for all of them.

    Returns:
        How many temp files were removed.
    """
    removed = 0
    for temp in directory.glob(f".{name}*{TEMP_SUFFIX}" if name else f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
            removed += 1
    return removed


def fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; NTFS journals the rename
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


if os.name == "posix":
    import fcntl

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)

else:  # pragma: no cover - Windows
    import msvcrt
    import time

    def _lock(descriptor: int) -> None:
        while True:  # LK_LOCK gives up after 10 s; keep waiting as flock does
            try:
                os.lseek(descriptor, 0, os.SEEK_SET)
                msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                time.sleep(0.05)

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, 0, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)
