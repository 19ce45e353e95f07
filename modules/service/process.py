"""Start and stop the local Responses service as a separate process.

    with running_local_service() as service:
        client = OpenAIChatClient(base_url=service.base_url, api_key=service.api_key, model="local-service")

The process gets a free port on 127.0.0.1, is waited for until `/health` answers, and
is stopped when the block ends, when `stop()` is called, or when Python exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from modules.config import PROJECT_ROOT
from modules.labkit.ports import free_port, port_is_free

START_TIMEOUT_S = 90.0


class ServiceStartError(RuntimeError):
    """The local service process did not become healthy."""


class LocalService:
    """A running local Responses service process."""

    def __init__(
        self,
        db_path: Path | str | None = None,
        *,
        token: str | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.host, self.token = host, token
        self.port = port or free_port(host)
        self.db_path = (
            Path(db_path) if db_path else Path(tempfile.mkdtemp(prefix="course-service-")) / "service.sqlite3"
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def api_key(self) -> str:
        """What an OpenAI client sends as its key: the token when one is set (the service ignores keys otherwise)."""
        return self.token or "not-needed"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LocalService({self.base_url}, db={self.db_path}, {state})"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = START_TIMEOUT_S) -> LocalService:
        if self.running:
            return self
        if not port_is_free(self.host, self.port):
            raise ServiceStartError(
                f"Port {self.port} on {self.host} is in use. Stop the program using it, or pass another port (or "
                "none, to pick a free one)."
            )
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("LOCAL_SERVICE_TOKEN", None)
        if self.token:
            env["LOCAL_SERVICE_TOKEN"] = self.token
        command = [
            sys.executable,
            "-m",
            "modules.service",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--db",
            str(self.db_path),
            "--parent-pid",
            str(os.getpid()),
        ]
        self._process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        atexit.register(self.stop)
        self._wait_until_healthy(timeout_s)
        return self

    def _wait_until_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServiceStartError(
                    f"The local service exited with code {self._process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://{self.host}:{self.port}/health", timeout=2).status_code == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise ServiceStartError(
            f"The local service did not answer /health within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None

    def history(self, response_or_conversation_id: str) -> list[tuple[str, str]]:
        """The (role, text) turns the service has stored for a `resp_…` or `conv_…` id."""
        kind = "conversations" if response_or_conversation_id.startswith("conv_") else "responses"
        suffix = "items" if kind == "conversations" else "input_items"
        reply = httpx.get(
            f"{self.base_url}/{kind}/{response_or_conversation_id}/{suffix}",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )
        reply.raise_for_status()
        return [(item["role"], item["content"][0]["text"]) for item in reply.json()["data"]]

    def restart(self) -> LocalService:
        """Stop and start again on the same port and database (conversations survive)."""
        self.stop()
        return self.start()

    def __enter__(self) -> LocalService:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_local_service(
    db_path: Path | str | None = None, *, token: str | None = None, port: int | None = None
) -> Iterator[LocalService]:
    """Run the service for the duration of a `with` block; a temporary database unless `db_path` is given."""
    with LocalService(db_path, token=token, port=port) as service:
        yield service
