"""Shared test set-up: the suite runs offline unless asked otherwise.

`COURSE_OFFLINE=1` makes `load_settings()` ignore keys in the environment or `.env`,
so a developer's real credentials are never used (or billed) by `pytest`. Notebook
kernels started by nbval inherit it. Set COURSE_TEST_REAL=1 to run against `.env`.
"""

import os

if os.environ.get("COURSE_TEST_REAL") != "1":
    os.environ["COURSE_OFFLINE"] = "1"
