"""Fixtures and helpers shared by tests/test_storage_*.py (imported by them, not a conftest).

Redis tests use the server REDIS_URL names (environment or `.env`), else start their own
`redis-server` on 127.0.0.1. Without either they FAIL with the install command, because CI
installs it; set COURSE_SKIP_REDIS=1 to skip them instead. Each test keeps to its own key prefix.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from modules.labkit.redis_server import (
    ExistingRedis,
    RedisServer,
    RedisServerError,
    course_redis,
    redis_server_executable,
)
from modules.storage import ConversationStore, FileStore, SqliteStore
from modules.storage.cipher import Cipher

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["file", "sqlite", "redis"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer | ExistingRedis]:
    """REDIS_URL's server when set, else a redis-server started here; skipped or failed with the fix when neither."""
    server = open_test_redis()
    yield server
    server.stop()


def open_test_redis() -> RedisServer | ExistingRedis:
    """A started Redis for the tests; without one, skip (COURSE_SKIP_REDIS=1) or fail naming the three fixes."""
    server = course_redis()
    if isinstance(server, RedisServer) and redis_server_executable() is None:
        message = (
            "redis-server is not installed (apt-get install redis-server, brew install redis), and REDIS_URL is not set"
        )
        if os.environ.get("COURSE_SKIP_REDIS") == "1":
            pytest.skip(f"Redis part skipped because COURSE_SKIP_REDIS=1: {message}.")
        pytest.fail(
            f"{message}. Install it, set REDIS_URL=redis://host:6379/0, or set COURSE_SKIP_REDIS=1 to skip "
            "the Redis tests.",
            pytrace=False,
        )
    try:
        return server.start()
    except RedisServerError as error:
        pytest.fail(str(error), pytrace=False)


def make_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest, **options: object) -> ConversationStore:
    """A fresh, empty store of the given backend (Redis: a unique namespace on the shared test server)."""
    if backend == "file":
        return FileStore(tmp_path / f"files-{uuid.uuid4().hex[:6]}", **options)  # type: ignore[arg-type]
    if backend == "sqlite":
        return SqliteStore(tmp_path / f"store-{uuid.uuid4().hex[:6]}.sqlite3", **options)  # type: ignore[arg-type]
    from modules.storage.redis_store import RedisStore

    server = request.getfixturevalue("redis_server")
    return RedisStore(server.url, namespace=f"test-{uuid.uuid4().hex[:12]}", **options)  # type: ignore[arg-type]


def reopen(store: ConversationStore, **options: object) -> ConversationStore:
    """Another store object on the same data (same directory / file / Redis namespace), e.g. with another key."""
    if isinstance(store, FileStore):
        return FileStore(store.directory, **options)  # type: ignore[arg-type]
    if isinstance(store, SqliteStore):
        return SqliteStore(store.path, **options)  # type: ignore[arg-type]
    return type(store)(store._redis, namespace=store.namespace, **options)  # type: ignore[call-arg]


def write_raw(store: ConversationStore, conversation_id: str, data: bytes) -> None:
    """Put arbitrary bytes where the store keeps a record, as a disk fault or a foreign writer would."""
    if isinstance(store, FileStore):
        store.path_of(conversation_id).write_bytes(data)
    elif isinstance(store, SqliteStore):
        with store._db.transaction() as db:
            db.execute("UPDATE conversations SET data = ? WHERE conversation_id = ?", (data, conversation_id))
    else:
        store._redis.set(store.key_of(conversation_id), data)


def read_raw(store: ConversationStore, conversation_id: str) -> bytes | None:
    """The bytes currently stored for a record, bypassing decoding."""
    return store._get(conversation_id)


class MovableClock:
    """A store clock the test moves forward instead of sleeping. For Redis, whose own clock enforces TTLs,
    moving it also takes the same time off every TTL in the store's namespace, as that much waiting would."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float, store: ConversationStore) -> None:
        self.now += seconds
        if store.backend == "redis":
            client = store._redis
            for key in client.scan_iter(f"{store.namespace}:*"):
                left_ms = client.pttl(key)
                if left_ms > seconds * 1000:
                    client.pexpire(key, left_ms - int(seconds * 1000))
                elif left_ms > 0:
                    client.delete(key)  # its time is up


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


def fixed_cipher(fill: bytes = b"k") -> Cipher:
    """A cipher with a known key (tests only: real keys come from CONVERSATION_ENCRYPTION_KEY)."""
    return Cipher(fill * 32)


def python_subprocess_env() -> dict[str, str]:
    """Environment for child Python processes: the project importable, output unbuffered."""
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
    }


PYTHON = sys.executable


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path, clock):
    """The same conversation store interface, once per backend, on a clock the test moves (`clock.advance`)."""
    backend_store = make_store(request.param, tmp_path, request, clock=clock)
    yield backend_store
    backend_store.close()
