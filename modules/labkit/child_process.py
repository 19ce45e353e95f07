"""Start, wait for and stop the server processes the course runs (the local service, redis-server).

process = start_child(command, stdout=log)        # stopped at interpreter exit at the latest
wait_until_ready(process, is_ready, timeout_s, on_exit=..., on_timeout=...)
stop_child(process)                               # terminate, then kill if it does not end
"""

from __future__ import annotations

import atexit
import subprocess
import time
from collections.abc import Callable
from typing import Any, NoReturn

STOP_TIMEOUT_S = 10.0


def start_child(command: list[str], **popen: Any) -> subprocess.Popen:
    """Start `command` with no stdin; it is stopped when Python exits if nobody stopped it before."""
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, **popen)
    atexit.register(stop_child, process)
    return process


def wait_until_ready(
    process: subprocess.Popen,
    is_ready: Callable[[], bool],
    timeout_s: float,
    *,
    on_exit: Callable[[int], NoReturn],
    on_timeout: Callable[[], NoReturn],
    poll_s: float = 0.1,
) -> None:
    """Return once `is_ready()`; call `on_exit(code)` if the process ends first, `on_timeout()` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if (code := process.poll()) is not None:
            on_exit(code)
        if is_ready():
            return
        time.sleep(poll_s)
    stop_child(process)
    on_timeout()


def stop_child(process: subprocess.Popen, timeout_s: float = STOP_TIMEOUT_S) -> None:
    """Ask the process to end (SIGTERM), then kill it if it has not within `timeout_s` (idempotent)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)
