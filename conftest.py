"""Shared test set-up: the suite runs offline unless asked otherwise, against this checkout's code.

`COURSE_OFFLINE=1` makes `load_settings()` ignore keys in the environment or `.env`,
so a developer's real credentials are never used (or billed) by `pytest`. Notebook
kernels started by nbval inherit it. Set COURSE_TEST_REAL=1 to run against `.env`.

PYTHONPATH puts this checkout first, so notebook kernels and child processes import the
`modules` package under test even when another checkout is the one installed with `pip -e`.
"""

import os
from pathlib import Path

if os.environ.get("COURSE_TEST_REAL") != "1":
    os.environ["COURSE_OFFLINE"] = "1"
# A notebook cell that serves the chat page until interrupted serves it this long under nbval.
os.environ.setdefault("CHAT_PAGE_WAIT_S", "3")

_ROOT = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)
