"""Child processes: start, wait for and stop the servers the course runs; run a one-shot child for its answer.

process = start_child(command, stdout=log)        # stopped at interpreter exit at the latest
wait_until_ready(process, is_ready, timeout_s, on_exit=..., on_timeout=...)
stop_child(process)                               # terminate, then kill if it does not end
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from modules.runtime.errors import ProcessError

__all__ = ["run_json_child", "start_child", "stop_child", "wait_until_ready"]

STOP_TIMEOUT_S = 10.0


def start_child(command: list[str], **popen: Any) -> subprocess.Popen:
    """Start `command` with no stdin; it is stopped when Python exits if nobody stopped it before.

    Args:
        command: The program and its arguments.
        **popen: Passed to `subprocess.Popen` (cwd, env, stdout, stderr, ...).

    Returns:
        The running process.
    """
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
    """Return once `is_ready()`; call `on_exit(code)` if the process ends first, `on_timeout()` after `timeout_s`.

    Args:
        process: The started server process.
        is_ready: Answers whether the server is ready (e.g. its health check passes).
        timeout_s: How long to wait, in seconds; the process is stopped when it runs out.
        on_exit: Called with the exit code if the process ends while starting; it raises the caller's error.
        on_timeout: Called when `timeout_s` runs out; it raises the caller's error.
        poll_s: How often to check, in seconds.
    """
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
    """Ask the process to end (SIGTERM), then kill it if it has not within `timeout_s` (idempotent).

    Args:
        process: The process to stop.
        timeout_s: How long it may take to end after SIGTERM, in seconds.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout_s)


def run_json_child(
    module: str,
    *args: str,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float,
    error: type[Exception] = ProcessError,
    what: str = "The child process",
) -> dict[str, Any]:
    """Run `python -m module *args` from the project root and return the JSON object on its last stdout line.

    Args:
        module: The module to run, e.g. "modules.sessions.resumed_turn".
        *args: Its command-line arguments.
        stdin: Text for its standard input, or None for none.
        env: Its environment (this process's when None).
        timeout_s: How long it may run, in seconds.
        error: The error class to raise when it fails.
        what: How messages name the child.

    Returns:
        The JSON object the child printed last.

    Raises:
        ProcessError: (or `error`) The child timed out, exited non-zero (with the end of its stderr), or printed no
            JSON object on its last line.
    """
    from modules.config import PROJECT_ROOT

    try:
        finished = subprocess.run(
            [sys.executable, "-m", module, *args],
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
            env=dict(os.environ if env is None else env),
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        raise error(
            f"{what} did not finish within {timeout_s:.0f} s. The machine may be busy: retry, or give it a longer "
            "timeout_s."
        ) from None
    if finished.returncode != 0:
        raise error(
            f"{what} failed (exit code {finished.returncode}); the end of its error output names the cause to fix:\n"
            f"{finished.stderr.strip()[-2000:]}"
        )
    lines = finished.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise error(
            f"{what} printed no JSON reply (its last line must be one JSON object); it printed:\n"
            f"{finished.stdout.strip()[-500:]}"
        ) from None
