"""Without redis-server the Redis tests skip with the reason (COURSE_SKIP_REDIS=1) or fail naming the fixes;
REDIS_URL points them, and lab 04, at a server someone already runs. Lab 04's Redis cell fails on a dead
REDIS_URL or a missing redis-server, and skips only when COURSE_SKIP_REDIS=1 turns Redis off.

The child `pytest` runs see a PATH without `redis-server`, as on a laptop that never installed it. The tests that
need a server "someone else runs" use the test Redis (REDIS_URL's, else one of their own): with neither, they
skip under COURSE_SKIP_REDIS=1 like every other Redis test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_support import PROJECT_ROOT, open_test_redis, python_subprocess_env

from modules.labkit import redis_server as helper
from modules.labkit.redis_server import ExistingRedis, RedisServer, RedisServerError, course_redis, lab_redis
from modules.runtime.ports import free_port

REDIS_TESTS = ["tests/test_storage_conformance.py", "tests/test_storage_history.py", "-k", "redis"]


@pytest.fixture(scope="module")
def path_without_redis_server(tmp_path_factory) -> str:
    """A PATH like this machine's, minus redis-server."""
    folder = tmp_path_factory.mktemp("bin-without-redis")
    for directory in os.environ["PATH"].split(os.pathsep):
        for program in Path(directory).glob("*") if Path(directory).is_dir() else []:
            link = folder / program.name
            if program.name != "redis-server" and not link.exists():
                link.symlink_to(program)
    return str(folder)


def _child_pytest(path: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in python_subprocess_env().items() if k not in ("REDIS_URL", "COURSE_SKIP_REDIS")}
    env.update(PATH=path, **environ)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", *REDIS_TESTS],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def someone_elses_redis() -> Iterator[RedisServer | ExistingRedis]:
    """A running Redis these tests did not get from the code under test: skipped under COURSE_SKIP_REDIS=1."""
    server = open_test_redis()
    yield server
    server.stop()  # a REDIS_URL server stays up: ExistingRedis.stop() leaves it alone


def _counts(output: str) -> dict[str, int]:
    return {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|skipped|error)", output)}


def test_without_redis_server_COURSE_SKIP_REDIS_skips_with_the_reason(path_without_redis_server):
    run = _child_pytest(path_without_redis_server, COURSE_SKIP_REDIS="1")
    counts = _counts(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:]
    assert counts.get("skipped", 0) > 0 and "failed" not in counts and "error" not in counts
    assert "Redis part skipped because COURSE_SKIP_REDIS=1: redis-server is not installed" in run.stdout


def test_without_redis_server_the_redis_tests_fail_naming_the_three_fixes(path_without_redis_server):
    run = _child_pytest(path_without_redis_server)
    assert run.returncode == 1
    assert "apt-get install redis-server" in run.stdout and "REDIS_URL=redis://" in run.stdout
    assert "COURSE_SKIP_REDIS=1" in run.stdout


def test_REDIS_URL_points_the_redis_tests_at_an_existing_server(path_without_redis_server, someone_elses_redis):
    server = someone_elses_redis  # the child cannot start a redis-server of its own
    run = _child_pytest(path_without_redis_server, REDIS_URL=server.url)
    assert server.running  # the tests used it and left it running
    counts = _counts(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:]
    assert counts.get("passed", 0) >= 10 and "skipped" not in counts


def test_course_redis_uses_REDIS_URL_and_never_stops_that_server(monkeypatch, someone_elses_redis):
    server = someone_elses_redis
    monkeypatch.setenv("REDIS_URL", server.url)
    existing = course_redis()
    assert isinstance(existing, ExistingRedis) and existing.url == server.url
    with existing as same:
        assert same.running
    assert server.ping()  # leaving the block did not stop someone else's server


def test_an_existing_redis_that_does_not_answer_names_REDIS_URL():
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    with pytest.raises(
        RedisServerError, match=r"REDIS_URL=redis://:\*\*\*@127\.0\.0\.1.*does not answer PING"
    ) as caught:
        ExistingRedis(url).start()
    assert "s3cret-pw" not in str(caught.value) and "s3cret-pw" not in repr(ExistingRedis(url))


def test_open_test_redis_skips_or_fails_by_COURSE_SKIP_REDIS(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(helper, "redis_server_executable", lambda: None)
    monkeypatch.setattr("storage_support.redis_server_executable", lambda: None)
    monkeypatch.setenv("COURSE_SKIP_REDIS", "1")
    with pytest.raises(pytest.skip.Exception, match="COURSE_SKIP_REDIS=1"):
        open_test_redis()
    monkeypatch.delenv("COURSE_SKIP_REDIS")
    with pytest.raises(pytest.fail.Exception, match="REDIS_URL=redis://host:6379/0.*COURSE_SKIP_REDIS=1"):
        open_test_redis()


def test_the_two_tests_needing_a_server_skip_cleanly_without_redis_server_under_COURSE_SKIP_REDIS(
    path_without_redis_server,
):
    env = {k: v for k, v in python_subprocess_env().items() if k not in ("REDIS_URL", "COURSE_SKIP_REDIS")}
    env.update(PATH=path_without_redis_server, COURSE_SKIP_REDIS="1")
    tests = [
        "tests/test_redis_setup.py::test_REDIS_URL_points_the_redis_tests_at_an_existing_server",
        "tests/test_redis_setup.py::test_course_redis_uses_REDIS_URL_and_never_stops_that_server",
    ]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *tests],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert _counts(run.stdout) == {"skipped": 2}, run.stdout[-3000:]
    assert "COURSE_SKIP_REDIS=1: redis-server is not installed" in run.stdout


def _lab04_redis_cell() -> str:
    notebook = json.loads((PROJECT_ROOT / "notebooks" / "04_conversation_storage.ipynb").read_text())
    (cell,) = [c for c in notebook["cells"] if c["cell_type"] == "code" and "lab_redis()" in "".join(c["source"])]
    return "".join(cell["source"])


def test_lab04_redis_cell_fails_on_a_dead_REDIS_URL_naming_the_fixes(monkeypatch, capsys):
    monkeypatch.setattr(helper, "course_environment", lambda: {})
    dead = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(helper, "course_redis", lambda url=None: ExistingRedis(dead))
    with pytest.raises(RedisServerError) as caught:
        exec(_lab04_redis_cell(), {"lab_redis": lab_redis})
    message = str(caught.value)
    assert f"REDIS_URL={dead} does not answer PING" in message and "COURSE_SKIP_REDIS=1" in message
    assert "Using" not in capsys.readouterr().out


def test_lab04_redis_cell_fails_without_redis_server_naming_the_three_fixes(monkeypatch):
    monkeypatch.setattr(helper, "course_environment", lambda: {})
    monkeypatch.setattr(helper, "redis_server_executable", lambda: None)
    monkeypatch.setattr(helper, "course_redis", lambda url=None: RedisServer())
    with pytest.raises(RedisServerError) as caught:
        exec(_lab04_redis_cell(), {"lab_redis": lab_redis})
    message = str(caught.value)
    assert "apt-get install redis-server" in message and "REDIS_URL=" in message and "COURSE_SKIP_REDIS=1" in message


def test_lab04_redis_cell_skips_only_when_COURSE_SKIP_REDIS_is_1(monkeypatch, capsys):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setattr(helper, "course_redis", lambda url=None: ExistingRedis(dead))  # would fail if asked
    for value, skipped in (("1", True), ("0", False), ("", False)):
        monkeypatch.setattr(helper, "course_environment", lambda value=value: {"COURSE_SKIP_REDIS": value})
        namespace = {"lab_redis": lab_redis}
        if skipped:
            exec(_lab04_redis_cell(), namespace)
            assert namespace["redis_server"] is None
            assert "COURSE_SKIP_REDIS=1 turns the Redis part off" in capsys.readouterr().out
        else:
            with pytest.raises(RedisServerError):
                exec(_lab04_redis_cell(), namespace)


def test_lab_redis_starts_the_course_redis_and_a_REDIS_URL_server_is_left_running(monkeypatch, someone_elses_redis):
    monkeypatch.setattr(helper, "course_environment", lambda: {})
    monkeypatch.setattr(helper, "course_redis", lambda url=None: ExistingRedis(someone_elses_redis.url))
    server = lab_redis()
    assert isinstance(server, ExistingRedis) and server.url == someone_elses_redis.url and server.running
    server.stop()
    assert someone_elses_redis.ping()
