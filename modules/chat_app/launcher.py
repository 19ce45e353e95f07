"""Run the chat page as a separate process, from a notebook cell or a test.

    with ChatPage() as page:                 # a free port on 127.0.0.1; stops when the block ends
        print("Open", page.url)
        page.wait()                          # until the cell is interrupted (the stop button); or wait(60)

The process also exits by itself when the Python process that started it goes away.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from modules.chat_app.errors import ChatPageError
from modules.chat_app.server import DEFAULT_STORE, URL_LINE_PREFIX
from modules.config import PROJECT_ROOT
from modules.runtime import ProcessError

START_TIMEOUT_S = 180.0  # first start loads the model and the local service
WAIT_ENV = "CHAT_PAGE_WAIT_S"
HEADLESS_WAIT_S = 5.0


def someone_is_there() -> bool:
    """Whether a person can press stop: an interactive notebook frontend, or a terminal.

    Jupyter frontends (JupyterLab, Notebook, VS Code) send each cell with `allow_stdin=True`; nbclient, nbconvert and
    nbval send it with `allow_stdin=False`, because no one is there to type (or to press stop).
    """
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    kernel = getattr(get_ipython() if get_ipython else None, "kernel", None)
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    return sys.stdin is not None and sys.stdin.isatty()


class ChatPageStartError(ChatPageError, ProcessError):
    """The chat page process exited or printed no URL in time; the message ends with its output."""


class ChatPage:
    """The chat page as a child process on 127.0.0.1 (`python -m modules.chat_app`), started and stopped from Python.

    Args:
        port: The port to serve on; 0 (the default) takes a free one.
        store_path: The SQLite file Save and Resume use.
        args: Further command-line options for the page (e.g. ["--max-tokens", "40"]).
        env: The page process's environment; by default this process's own.

    Raises:
        ChatPageStartError: from `start()`, when the process exits or prints no address in time.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        store_path: Path | str = DEFAULT_STORE,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.port, self.store_path, self.args = port, Path(store_path), list(args)
        self.env = dict(os.environ if env is None else env)
        self.url: str | None = None
        self._process: subprocess.Popen[str] | None = None
        self._output: list[str] = []
        self._url_seen = threading.Event()

    @property
    def pid(self) -> int | None:
        """The page process's id while it runs, else None."""
        return self._process.pid if self.running and self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = START_TIMEOUT_S) -> ChatPage:
        if self.running:
            return self
        command = [
            sys.executable, "-m", "modules.chat_app", "--port", str(self.port), "--store", str(self.store_path),
            "--parent-pid", str(os.getpid()), *self.args,
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**self.env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._read_output, daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not self._url_seen.wait(0.2):
            if self._process.poll() is not None or time.monotonic() > deadline:
                code = self._process.poll()
                self.stop()
                why = f"exited with code {code}" if code is not None else f"printed no URL within {timeout_s:.0f} s"
                raise ChatPageStartError(f"The chat page {why}. Its output:\n{self.output_tail()}")
        return self

    def _read_output(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._output.append(line.rstrip("\n"))
            if line.startswith(URL_LINE_PREFIX) and self.url is None:
                self.url = line[len(URL_LINE_PREFIX) :].split()[0]
                self._url_seen.set()

    def output_tail(self, lines: int = 30) -> str:
        return "\n".join(self._output[-lines:])

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until interrupted (Ctrl+C, or a notebook's stop button) or `timeout_s` passes, then stop.

        With no one there to press stop (Run All under nbconvert or nbval, a script without a terminal) it serves
        HEADLESS_WAIT_S seconds, says so, and stops, so a headless run of the lab ends. CHAT_PAGE_WAIT_S overrides.
        """
        if timeout_s is None and os.environ.get(WAIT_ENV):
            timeout_s = float(os.environ[WAIT_ENV])
        if timeout_s is None and not someone_is_there():
            timeout_s = HEADLESS_WAIT_S
            print(f"No one is here to press stop (a headless run): serving {timeout_s:.0f} s more, then stopping.")
        try:
            deadline = None if timeout_s is None else time.monotonic() + timeout_s
            while self.running and (deadline is None or time.monotonic() < deadline):
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("Interrupted: stopping the chat page.")
        finally:
            self.stop()

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=15)
        self._process = None

    def __enter__(self) -> ChatPage:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ChatPage({self.url or 'not started'}, {'running' if self.running else 'stopped'})"
