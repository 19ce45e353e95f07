"""Write one benchmark's section of docs/performance.md, leaving the other sections alone."""

from __future__ import annotations

import platform
import re
from datetime import date
from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
_HEADER = (
    "# Performance\n\n"
    "Every figure here is written by a script in `bench/`; rerun it to refresh its section.\n"
    "Each figure sits beside what it is compared with.\n"
)


def machine_line() -> str:
    import os

    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today().isoformat()}"


def write_section(name: str, markdown: str, path: Path = PERFORMANCE_MD) -> None:
    """Replace (or append) the section delimited by markers named `name`."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{markdown.strip()}\n\n_Measured on: {machine_line()}._\n{end}"
    text = path.read_text() if path.exists() else _HEADER
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
