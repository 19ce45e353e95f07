"""One service process per database: an exclusive lock on a file next to the SQLite file.

Two service processes on one `--db` would each keep their own idea of a conversation's newest turn and
lose each other's turns. The second one therefore refuses to start, naming the process that holds the file.
The operating system releases the lock when its process ends, however it ends (SIGKILL included), so a
crashed service never blocks the next one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from modules.service.errors import ServiceError

__all__ = ["DatabaseInUseError", "DatabaseLock"]


class DatabaseInUseError(ServiceError):
    """Another service process already serves this database file."""


class DatabaseLock:
    """Hold `<db>.lock` exclusively for as long as this object is open (`release()` or process exit ends it)."""

    def __init__(self, db_path: Path) -> None:
        """Take the lock, or raise at once.

        Args:
            db_path: The SQLite file to guard; the lock file is this path with `.lock` appended.

        Raises:
            DatabaseInUseError: Another process holds the lock (the message names its pid and the fix).
        """
        self.path = db_path.with_name(db_path.name + ".lock")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle: IO[str] = open(self.path, "a+")  # noqa: SIM115 - held open on purpose: the lock lives with it
        if not _try_lock(handle):
            holder = _holder(handle)
            handle.close()
            raise DatabaseInUseError(
                f"{db_path} is in use by another service process (pid {holder}). Stop that service, or start this "
                "one with another --db."
            )
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle: IO[str] | None = handle

    def release(self) -> None:
        """Let another process open the database (idempotent)."""
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


def _holder(handle: IO[str]) -> str:
    """The pid the holder wrote into the lock file ("unknown" if it cannot be read, e.g. locked on Windows)."""
    try:
        handle.seek(0)
        return handle.read().strip() or "unknown"
    except OSError:
        return "unknown"


def _try_lock(handle: IO[str]) -> bool:
    """Lock the whole file without waiting; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
