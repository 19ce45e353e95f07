"""A child process ends with its parent: a notebook kernel killed hard (SIGKILL) leaks no service, no redis-server
and no temp folder.

The parent here is a real Python process running `LocalService` (or `RedisServer`) with its temporary folder; the
test kills it with SIGKILL (so none of its clean-up runs) and then watches the orphaned processes and the folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modules.config import PROJECT_ROOT
from modules.labkit.redis_server import RedisServer, redis_server_executable

GONE_WITHIN_S = 30.0  # the watch checks once a second; generous for a busy 2-core machine

needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc (Linux)")
needs_redis_server = pytest.mark.skipif(
    redis_server_executable() is None and os.environ.get("COURSE_SKIP_REDIS") == "1",
    reason="Redis part skipped because COURSE_SKIP_REDIS=1 and redis-server is not installed",
)

PARENT = """
import json, sys, time
from modules.runtime import LocalService
service = LocalService().start()
print(json.dumps({"pid": service._process.pid, "folder": str(service.db_path.parent)}), flush=True)
time.sleep(600)
"""

REDIS_PARENT = """
import json, sys, time
from modules.labkit.redis_server import RedisServer
server = RedisServer().start()
print(json.dumps({"pid": server._process.pid, "watcher": server._watcher.pid, "folder": server._temp_dir.name,
                  "port": server.port}), flush=True)
time.sleep(600)
"""


def process_is_gone(pid: int) -> bool:
    """True once `pid` has exited (a zombie waiting for a parent that never reaps it counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@needs_proc
def test_a_service_whose_parent_is_killed_exits_and_removes_its_temp_folder():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
    )
    child_pid = None
    try:
        started = json.loads(parent.stdout.readline())
        child_pid, folder = started["pid"], Path(started["folder"])
        assert not process_is_gone(child_pid) and (folder / "service.sqlite3").exists()
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_for(lambda: process_is_gone(child_pid), GONE_WITHIN_S), "the service outlived its parent"
        assert wait_for(lambda: not folder.exists(), 5), f"the service's temp folder {folder} was left behind"
    finally:
        if parent.poll() is None:
            parent.kill()
        if child_pid is not None and not process_is_gone(child_pid):
            os.kill(child_pid, signal.SIGKILL)


def test_the_watch_removes_the_folder_and_exits_once_the_parent_is_gone(tmp_path):
    folder = tmp_path / "leftover"
    folder.mkdir()
    (folder / "data").write_text("x")
    # This process's parent never changes, so watching a pid that is not our parent ends at once.
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from modules.runtime import exit_with_parent\n"
            f"exit_with_parent(-1, remove_on_exit={str(folder)!r}, interval_s=0.05)\n"
            "time.sleep(30)\n"
            "sys.exit(3)",
        ],
        cwd=PROJECT_ROOT,
        timeout=20,
    )
    assert child.returncode == 0 and not folder.exists()


@needs_proc
@needs_redis_server
def test_a_redis_server_whose_parent_is_killed_is_stopped_and_its_temp_folder_removed():
    parent = subprocess.Popen(
        [sys.executable, "-c", REDIS_PARENT],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    pids: list[int] = []
    try:
        started = json.loads(parent.stdout.readline())
        pids = [started["pid"], started["watcher"]]
        folder = Path(started["folder"])
        assert not any(map(process_is_gone, pids)) and (folder / "redis.log").exists()
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        assert wait_for(lambda: process_is_gone(started["pid"]), GONE_WITHIN_S), "redis-server outlived its parent"
        assert wait_for(lambda: not folder.exists(), 5), f"redis-server's temp folder {folder} was left behind"
        assert wait_for(lambda: process_is_gone(started["watcher"]), 5), "the watcher outlived its work"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in pids:
            if not process_is_gone(pid):
                os.kill(pid, signal.SIGKILL)


@needs_proc
@needs_redis_server
def test_stopping_a_redis_server_also_stops_its_watcher_and_removes_the_folder():
    server = RedisServer().start()
    redis_pid, watcher_pid, folder = server._process.pid, server._watcher.pid, Path(server._temp_dir.name)
    assert not process_is_gone(watcher_pid) and folder.exists()
    server.stop()
    assert process_is_gone(redis_pid) and process_is_gone(watcher_pid) and not folder.exists()


def test_the_watcher_stops_its_process_and_removes_the_folder_once_the_parent_is_gone(tmp_path):
    folder = tmp_path / "leftover"
    folder.mkdir()
    (folder / "data").write_text("x")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # A parent pid that is not the watcher's parent counts as gone at once.
        watcher = subprocess.run(
            [sys.executable, "-I", "modules/runtime/parent_watch.py", "-1", str(sleeper.pid), "--remove", str(folder)],
            cwd=PROJECT_ROOT,
            timeout=20,
        )
        assert watcher.returncode == 0 and not folder.exists()
        assert sleeper.wait(timeout=5) == -signal.SIGTERM
    finally:
        if sleeper.poll() is None:
            sleeper.kill()
