"""A child process that ends with its parent: a notebook kernel killed hard never runs its clean-up.

    exit_with_parent(parent_pid, remove_on_exit=temp_folder)   # in the child, before it serves

A daemon thread checks once a second whether the child still has the parent it was started by; when it does not
(the parent died, even by SIGKILL, and the child was re-parented), it removes `remove_on_exit` (the temporary
folder the dead parent can no longer remove) and ends the process at once.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

__all__ = ["exit_with_parent"]

WATCH_INTERVAL_S = 1.0


def exit_with_parent(
    parent_pid: int, *, remove_on_exit: Path | str | None = None, interval_s: float = WATCH_INTERVAL_S
) -> threading.Thread:
    """Watch `parent_pid` from a daemon thread; when it is gone, remove `remove_on_exit` and exit this process.

    Args:
        parent_pid: The process id of the parent that started this process.
        remove_on_exit: A folder to delete (with everything in it) before exiting, or None.
        interval_s: How often to check, in seconds.

    Returns:
        The started watch thread (a daemon: it never keeps the process alive).
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval_s)
        if remove_on_exit is not None:
            shutil.rmtree(remove_on_exit, ignore_errors=True)
        os._exit(0)  # no clean-up handlers: the parent that needed them is gone

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread
