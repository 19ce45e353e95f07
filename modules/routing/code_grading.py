"""Grade a code answer by running it: the answer's Python code, then unit tests, in a sandboxed subprocess.

    grade_code_tests("assert reverse('ab') == 'ba'", answer_text)   # True only when the tests pass

The subprocess runs in a fresh temporary folder with Python's isolated mode (`-I -S`: no user site, no
environment variables), an empty environment, limits on CPU time, memory, file size and open files (`resource`),
a wall-clock timeout, and sockets replaced by a function that raises, so a generated program cannot reach the
network. A function that reverses a linked list must pass the tests, not match a keyword.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["extract_code", "grade_code_tests", "validate_tests", "CPU_SECONDS", "MEMORY_BYTES", "WALL_SECONDS"]

CPU_SECONDS = 3
WALL_SECONDS = 10
MEMORY_BYTES = 512 * 1024 * 1024
FILE_BYTES = 1024 * 1024
OPEN_FILES = 64

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)
_CODE_START = re.compile(r"^(def |class |import |from \w+ import |@)", re.MULTILINE)

# Runs inside the sandbox: no network, then the answer, then the tests, in one namespace.
_HARNESS = """\
import socket

def _no_network(*args, **kwargs):
    raise OSError("the grading sandbox has no network")

socket.socket = socket.create_connection = socket.getaddrinfo = _no_network
namespace = {"__name__": "solution"}
exec(compile(open("solution.py", encoding="utf-8").read(), "solution.py", "exec"), namespace)
exec(compile(open("tests.py", encoding="utf-8").read(), "tests.py", "exec"), namespace)
"""


def extract_code(answer: str) -> str:
    """The Python code in an answer: its fenced blocks, or else everything from the first `def`/`class`/`import`.

    Args:
        answer: The model's answer text.

    Returns:
        The code, or "" when the answer holds none.
    """
    blocks = _FENCE.findall(answer)
    if blocks:
        return "\n\n".join(block.strip("\n") for block in blocks)
    start = _CODE_START.search(answer)
    return answer[start.start() :] if start else ""


def validate_tests(tests: str) -> None:
    """Raise SyntaxError when the unit tests of a graded query do not compile (checked when the set is loaded).

    Args:
        tests: Python statements (usually `assert`s) run after the answer's code.
    """
    compile(tests, "tests.py", "exec")


def _limit_resources() -> None:  # pragma: no cover - runs in the child process
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))


def grade_code_tests(tests: str, answer: str, query: str = "") -> bool:
    """True when the answer's code, run in the sandbox, passes the unit tests.

    Args:
        tests: Python statements run in the answer's namespace after its code; an exception means failed.
        answer: The model's answer text (the code is taken from it with `extract_code`).
        query: Unused; graders share one signature.

    Returns:
        Whether the subprocess exited cleanly within the limits.
    """
    code = extract_code(answer)
    if not code.strip():
        return False
    with tempfile.TemporaryDirectory(prefix="graded-code-") as folder:
        root = Path(folder)
        (root / "solution.py").write_text(code, encoding="utf-8")
        (root / "tests.py").write_text(tests, encoding="utf-8")
        (root / "harness.py").write_text(_HARNESS, encoding="utf-8")
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-S", "harness.py"],
                cwd=root,
                env={},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=WALL_SECONDS,
                preexec_fn=_limit_resources,  # noqa: PLW1509 - no threads are started before grading
                check=False,
            )
        except subprocess.TimeoutExpired:
            return False
    return done.returncode == 0
