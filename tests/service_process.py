"""A service process the test owns outright (its pid, its signals), for failures only a real process shows."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from modules.config import PROJECT_ROOT
from modules.runtime import free_port

START_TIMEOUT_S = 90.0


class ServiceProcess:
    """`python -m modules.service` on a free port of 127.0.0.1, with `--db` given; `kill()` sends SIGKILL."""

    def __init__(self, db_path: Path) -> None:
        self.db_path, self.port = db_path, free_port("127.0.0.1")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("LOCAL_SERVICE_TOKEN", None)
        command = [sys.executable, "-m", "modules.service", "--port", str(self.port), "--db", str(db_path)]
        command += ["--parent-pid", str(os.getpid())]  # never outlives the test or bench that started it
        self.output = tempfile.TemporaryFile()  # a file, not a pipe: a chatty service never blocks on a full pipe
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=self.output, stderr=subprocess.STDOUT
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self) -> ServiceProcess:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"service exited: {self.printed()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("service did not answer /health in time")

    def exit_output(self, timeout_s: float = START_TIMEOUT_S) -> tuple[int, str]:
        """Wait for the process to end by itself: (exit code, everything it printed)."""
        self.process.wait(timeout=timeout_s)
        printed = self.printed()
        self.output.close()
        return self.process.returncode, printed

    def printed(self) -> str:
        self.output.seek(0)
        return self.output.read().decode(errors="replace")

    def peak_rss_bytes(self) -> int:
        """The process's peak resident memory so far (Linux: VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM line")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        self.output.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        self.kill()
