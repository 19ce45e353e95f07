"""Start and stop a real `redis-server` on 127.0.0.1 for the tests and lab 04.

    with RedisServer() as server:          # free port, temporary directory, nothing saved to disk
        store = RedisStore(server.url)

    server = RedisServer().start(); ...; server.stop()

The server is waited for until it answers PING, and stopped when the block ends, on
`stop()`, or when Python exits; if Python is killed hard (SIGKILL), a small watcher process stops it and
removes its temporary directory. It listens on 127.0.0.1 only.

    server = course_redis().start()        # REDIS_URL's server when it is set, else a RedisServer

`course_redis()` is what lab 04 and the tests use: with `REDIS_URL` (environment or `.env`)
they use a server the attendee already runs (Docker, a managed Redis) and never stop it.

    server = lab_redis()                   # lab 04: started, or None when COURSE_SKIP_REDIS=1 turns Redis off

Without a usable Redis, `lab_redis()` raises `RedisServerError` naming the three fixes: a dead `REDIS_URL` or a
missing `redis-server` is an error, never a silent skip; only `COURSE_SKIP_REDIS=1` skips.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from modules.config import course_environment, load_settings, redact_url, reveal
from modules.runtime import (
    ProcessError,
    free_port,
    port_is_free,
    start_child,
    stop_child,
    stop_with_parent,
    wait_until_ready,
)

START_TIMEOUT_S = 15.0
SKIP_VARIABLE = "COURSE_SKIP_REDIS"
INSTALL_HINT = (
    "install it with: apt-get install redis-server (Debian/Ubuntu), brew install redis (macOS), "
    "dnf install redis (Fedora), or run Redis elsewhere (e.g. docker run -p 6379:6379 redis) "
    "and set REDIS_URL=redis://127.0.0.1:6379/0 in .env."
)


class RedisServerError(ProcessError):
    """redis-server is missing, or did not start."""


def redis_server_executable() -> str | None:
    """Path of `redis-server` on PATH, or None."""
    return shutil.which("redis-server")


class RedisServer:
    """A `redis-server` child process with its own temporary data directory.

    Args:
        port: The port to listen on; None picks a free one.
        host: The address to bind.
        data_dir: Where redis keeps its files; None makes a temporary folder.
    """

    def __init__(self, port: int | None = None, *, host: str = "127.0.0.1", data_dir: Path | str | None = None) -> None:
        self.host = host
        self.port = port
        self._requested_port = port
        self._data_dir = Path(data_dir) if data_dir else None
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._watcher: subprocess.Popen[bytes] | None = None  # stops redis-server if this process is killed

    @property
    def url(self) -> str:
        if self.port is None:
            raise RedisServerError("The Redis server has not been started; call start() first.")
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        return f"RedisServer({self.host}:{self.port}, {'running' if self.running else 'stopped'})"

    def start(self, timeout_s: float = START_TIMEOUT_S) -> RedisServer:
        if self.running:
            return self
        if self._requested_port is not None and not port_is_free(self.host, self._requested_port):
            raise RedisServerError(
                f"Port {self._requested_port} on {self.host} is in use. Stop the program using it, "
                "or pass port=None to pick a free one."
            )
        executable = redis_server_executable()
        if executable is None:
            raise RedisServerError(f"redis-server is not installed (not found on PATH); {INSTALL_HINT}")
        self.port = self._requested_port or free_port(self.host)
        if self._data_dir is None:
            self._temp_dir = tempfile.TemporaryDirectory(prefix="course-redis-")
        directory = self._data_dir or Path(self._temp_dir.name)  # type: ignore[union-attr]
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            executable,
            "--bind",
            self.host,
            "--port",
            str(self.port),
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            "--daemonize",
            "no",
            "--logfile",
            str(directory / "redis.log"),
        ]
        atexit.register(self.stop)
        self._process = start_child(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        # redis-server cannot notice that a kernel killed hard is gone: a watcher stops it and removes its folder.
        self._watcher = stop_with_parent(self._process, remove_on_exit=self._temp_dir.name if self._temp_dir else None)
        wait_until_ready(
            self._process, self.ping, timeout_s, on_exit=self._exited, on_timeout=self._timed_out, poll_s=0.05
        )
        return self

    def _exited(self, code: int):
        stderr = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
        detail = self.log_tail() or stderr
        self._cleanup()
        raise RedisServerError(
            f"redis-server exited with code {code} while starting "
            f"(port {self.port} taken by another program?):\n{detail}"
        )

    def _timed_out(self):
        self._cleanup()
        raise RedisServerError(
            f"redis-server did not answer PING on {self.host}:{self.port} in time. The machine may be busy: retry, "
            "or pass a longer timeout_s to start()."
        )

    def ping(self) -> bool:
        """True if the server answers PING (raw RESP over a socket: no client library needed)."""
        if self.port is None:
            return False
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as connection:
                connection.sendall(b"*1\r\n$4\r\nPING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log_tail(self, lines: int = 20) -> str:
        directory = self._data_dir or (Path(self._temp_dir.name) if self._temp_dir else None)
        log = directory / "redis.log" if directory else None
        if log is None or not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self._process is not None:
            stop_child(self._process)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._process is not None and self._process.stderr is not None:
            self._process.stderr.close()
        self._process = None
        if self._watcher is not None:
            stop_child(self._watcher)
            self._watcher = None
        if self._temp_dir is not None:
            with contextlib.suppress(OSError):
                self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class ExistingRedis:
    """A Redis server someone else runs, named by a URL: `start()` checks it answers, `stop()` leaves it running."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"ExistingRedis({redact_url(self.url)}, {'answering' if self.running else 'not answering'})"

    @property
    def running(self) -> bool:
        return self.ping()

    def ping(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=3, socket_connect_timeout=3)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def start(self) -> ExistingRedis:
        if not self.ping():
            raise RedisServerError(
                f"REDIS_URL={redact_url(self.url)} does not answer PING. Start that server, fix REDIS_URL in .env, "
                "or remove REDIS_URL to let the course start its own redis-server."
            )
        return self

    def stop(self) -> None:
        """Nothing to do: the server belongs to whoever started it."""

    def __enter__(self) -> ExistingRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def course_redis(url: str | None = None) -> RedisServer | ExistingRedis:
    """The Redis server to use (not yet started): `url`, else REDIS_URL from the environment or `.env`, else a
    redis-server of our own on a free port."""
    if url is None:
        url = load_settings().redis_url
    return ExistingRedis(reveal(url)) if url else RedisServer()


def redis_turned_off() -> bool:
    """True when COURSE_SKIP_REDIS=1 is set (environment or `.env`): the Redis parts skip, saying why."""
    return course_environment().get(SKIP_VARIABLE) == "1"


def lab_redis() -> RedisServer | ExistingRedis | None:
    """Lab 04's Redis server, started; None only when Redis was deliberately turned off.

    Returns:
        REDIS_URL's server (left running afterwards) or a redis-server of our own (stop it at the end);
        None when COURSE_SKIP_REDIS=1.

    Raises:
        RedisServerError: REDIS_URL names a server that does not answer, or redis-server is missing or does not
            start; the message names the fixes, including COURSE_SKIP_REDIS=1 to skip the Redis part.
    """
    if redis_turned_off():
        return None
    try:
        return course_redis().start()
    except RedisServerError as error:
        raise RedisServerError(
            f"{error} To run this lab without Redis, set {SKIP_VARIABLE}=1 (environment or .env) and restart the "
            "kernel: the Redis part then skips and says so."
        ) from None
