"""A child process that ends with its parent: a notebook kernel killed hard never runs its clean-up.

    exit_with_parent(parent_pid, remove_on_exit=temp_folder)   # in a Python child, before it serves
    watcher = stop_with_parent(process, remove_on_exit=folder)  # in the parent, for a child that is not Python

`exit_with_parent` runs a daemon thread that checks once a second whether the child still has the parent it was
started by; when it does not (the parent died, even by SIGKILL, and the child was re-parented), it removes
`remove_on_exit` (the temporary folder the dead parent can no longer remove) and ends the process at once.

A program that cannot watch its parent itself (redis-server) gets a watcher: `stop_with_parent` starts this file
as a small stdlib-only Python process that waits the same way, then stops that program and removes its folder.
"""

from __future__ import annotations

import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

__all__ = ["exit_with_parent", "stop_with_parent"]

WATCH_INTERVAL_S = 1.0
STOP_GRACE_S = 5.0  # how long a stopped program may take to end after SIGTERM before it is killed


def _wait_while_parent_lives(parent_pid: int, interval_s: float) -> None:
    # A process whose parent died is re-parented (to init or a subreaper), so its parent id changes.
    while os.getppid() == parent_pid:
        time.sleep(interval_s)


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
        _wait_while_parent_lives(parent_pid, interval_s)
        if remove_on_exit is not None:
            shutil.rmtree(remove_on_exit, ignore_errors=True)
        os._exit(0)  # no clean-up handlers: the parent that needed them is gone

    thread = threading.Thread(target=watch, name="exit-with-parent", daemon=True)
    thread.start()
    return thread


def stop_with_parent(
    process: subprocess.Popen, *, remove_on_exit: Path | str | None = None, interval_s: float = WATCH_INTERVAL_S
) -> subprocess.Popen:
    """Start a watcher that stops `process` and removes `remove_on_exit` once this Python process is gone.

    For a child that cannot watch its parent itself (redis-server). Stop the watcher (`stop_child`) when you stop
    `process` normally; it is also stopped when Python exits.

    Args:
        process: The running child to stop when this process dies.
        remove_on_exit: A folder to delete (with everything in it) after `process` has ended, or None.
        interval_s: How often the watcher checks, in seconds.

    Returns:
        The watcher process.
    """
    from modules.runtime.child_process import start_child  # not imported when this file runs as the watcher

    command = [sys.executable, "-I", str(Path(__file__).resolve()), str(os.getpid()), str(process.pid)]
    command += ["--interval", str(interval_s)]
    if remove_on_exit is not None:
        command += ["--remove", str(remove_on_exit)]
    return start_child(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class _Watched:
    """The process to stop, held by a pidfd where the system has them, so a recycled pid is never signalled."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.pidfd: int | None = None
        if hasattr(os, "pidfd_open"):
            try:
                self.pidfd = os.pidfd_open(pid)
            except ProcessLookupError:
                self.pid = 0  # already gone: nothing to stop
            except OSError:
                self.pidfd = None  # no pidfd support in this kernel: fall back to the pid

    def send(self, number: int) -> bool:
        """Send `number`; False when the process is already gone."""
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, number)
            elif self.pid:
                os.kill(self.pid, number)
            return bool(self.pid)
        except ProcessLookupError:
            return False

    def wait_gone(self, timeout_s: float) -> bool:
        """True once the process has ended (a zombie nobody reaps counts as ended)."""
        if self.pidfd is not None:
            return bool(select.select([self.pidfd], [], [], timeout_s)[0])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.send(0):
                return True
            time.sleep(0.05)
        return not self.send(0)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        if self.send(signal.SIGTERM) and not self.wait_gone(grace_s):
            self.send(getattr(signal, "SIGKILL", signal.SIGTERM))
            self.wait_gone(grace_s)


def _watch(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stop a process and remove its folder once our parent is gone.")
    parser.add_argument("parent_pid", type=int)
    parser.add_argument("pid", type=int)
    parser.add_argument("--interval", type=float, default=WATCH_INTERVAL_S)
    parser.add_argument("--remove")
    args = parser.parse_args(argv)
    watched = _Watched(args.pid)  # taken now, while the pid surely still names the parent's child
    _wait_while_parent_lives(args.parent_pid, args.interval)
    watched.stop()
    if args.remove:
        shutil.rmtree(args.remove, ignore_errors=True)


if __name__ == "__main__":
    _watch()
