"""Start and stop the course's local Responses service (`python -m modules.service`) as a separate process.

    with running_local_service() as service:
        client = OpenAIChatClient(base_url=service.base_url, api_key=service.api_key, model="local-service")

The process gets a free port on 127.0.0.1, is waited for until `/health` answers, and
is stopped when the block ends, when `stop()` is called, or when Python exits. Without a
`db_path` it keeps its data in a temporary folder that `stop()` removes; if this process is killed
before it can, the service notices its parent is gone, removes the folder and exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx

from modules.config import PROJECT_ROOT
from modules.runtime.child_process import start_child, stop_child, wait_until_ready
from modules.runtime.errors import ProcessError, ServiceStartError
from modules.runtime.ports import free_port, port_is_free

__all__ = [
    "SERVICE_URL_ENV",
    "LocalService",
    "ServiceStartError",
    "environment_for_child",
    "parent_service",
    "running_local_service",
]

START_TIMEOUT_S = 90.0


class LocalService:
    """The course's Responses service as a separate process on this machine (the offline cloud tier).

    Args:
        db_path: The service's SQLite file; None keeps the data in a temporary folder removed on `stop()`.
        token: A bearer token the service requires (`api_key` sends it), or None for none.
        port: The TCP port; None picks a free one.
        host: The address to listen on.
    """

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
        self._given_db_path = Path(db_path) if db_path else None
        self._temp_dir: Path | None = None  # created on start when no db_path is given, removed on stop
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def db_path(self) -> Path | None:
        """The service's SQLite file (a temporary one exists only while the service runs)."""
        if self._given_db_path is not None:
            return self._given_db_path
        return self._temp_dir / "service.sqlite3" if self._temp_dir else None

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
        """Start the process and wait until `/health` answers (nothing happens if it is already running).

        Args:
            timeout_s: How long to wait for the service, in seconds.

        Returns:
            This service, running.

        Raises:
            ServiceStartError: The port is taken, the process exited while starting, or it did not answer in time.
        """
        if self.running:
            return self
        if not port_is_free(self.host, self.port):
            raise ServiceStartError(
                f"Port {self.port} on {self.host} is in use. Stop the program using it, or pass another port (or "
                "none, to pick a free one)."
            )
        if self._given_db_path is None and self._temp_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="course-service-"))
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
        if self._temp_dir is not None:  # a parent killed hard cannot remove it: the service does, as it exits
            command += ["--remove-with-parent", str(self._temp_dir)]
        atexit.register(self.stop)  # the temporary folder goes too, even if nobody calls stop()
        self._process = start_child(command, cwd=PROJECT_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(
                self._process,
                self._healthy,
                timeout_s,
                on_exit=self._exited,
                on_timeout=lambda: self._timed_out(timeout_s),
            )
        except ServiceStartError:
            self.stop()
            raise
        return self

    def _healthy(self) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://{self.host}:{self.port}/health", timeout=2).status_code == 200
        return False

    def _exited(self, code: int):
        raise ServiceStartError(
            f"The local service exited with code {code} while starting; its log below names the cause (a broken "
            f".env setting or a missing package are the usual ones: fix it, then start again):\n{self.log_tail()}"
        )

    def _timed_out(self, timeout_s: float):
        raise ServiceStartError(
            f"The local service did not answer /health within {timeout_s:.0f} s. The machine may be busy: retry, or "
            f"pass a longer timeout_s to start(). Its log:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 20) -> str:
        self._log.seek(0)
        return "\n".join(self._log.read().decode(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the process and remove its temporary folder, if it made one (idempotent)."""
        self._stop_process()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def _stop_process(self) -> None:
        if self._process is not None:
            stop_child(self._process)
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
        self._stop_process()
        return self.start()

    def __enter__(self) -> LocalService:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_local_service(
    db_path: Path | str | None = None, *, token: str | None = None, port: int | None = None
) -> Iterator[LocalService]:
    """Run the service for the duration of a `with` block; a temporary database unless `db_path` is given.

    Args:
        db_path: The service's SQLite file, or None for a temporary one.
        token: A bearer token the service requires, or None.
        port: The TCP port, or None for a free one.

    Yields:
        The running LocalService; it is stopped when the block ends.

    Raises:
        ServiceStartError: The service did not start.
    """
    with LocalService(db_path, token=token, port=port) as service:
        yield service


SERVICE_URL_ENV = "COURSE_SERVICE_URL"


def environment_for_child(service: LocalService | None) -> dict[str, str]:
    """This process's environment plus what a child needs to reach `service` (unchanged when it is None).

    Args:
        service: The running LocalService the child should use, or None (real endpoints).

    Returns:
        The environment to start the child with.
    """
    env = dict(os.environ)
    if service is not None:
        env[SERVICE_URL_ENV] = service.base_url
        if service.token:
            env["LOCAL_SERVICE_TOKEN"] = service.token
    return env


def parent_service() -> SimpleNamespace:
    """In a child started with `environment_for_child`: the parent's service, as `cloud_chat_client` needs it.

    Returns:
        An object with the parent service's `base_url` and `api_key`.

    Raises:
        ProcessError: This process was not started with `environment_for_child(service)`.
    """
    if SERVICE_URL_ENV not in os.environ:
        raise ProcessError(
            f"{SERVICE_URL_ENV} is not set, so this process does not know its parent's service: start it with "
            "env=environment_for_child(service)."
        )
    return SimpleNamespace(
        base_url=os.environ[SERVICE_URL_ENV], api_key=os.environ.get("LOCAL_SERVICE_TOKEN") or "not-needed"
    )
