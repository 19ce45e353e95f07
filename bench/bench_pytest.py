"""Time README's test command, `pytest`, from start to end, and write the "pytest" section of docs/performance.md.

    python bench/bench_pytest.py

It runs the whole suite once (every core, as configured in pyproject.toml) and records the wall time, the summary
line and the machine's load average next to it: on a shared machine the same suite runs slower.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    started = time.perf_counter()
    # This interpreter's pytest: a bare "pytest" would be whatever PATH finds, or nothing outside the venv.
    finished = subprocess.run([sys.executable, "-m", "pytest"], cwd=ROOT, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    summary = next((line for line in reversed(finished.stdout.splitlines()) if line.startswith("=")), "").strip("= ")
    print(finished.stdout[-3000:])
    print(f"pytest: {seconds / 60:.1f} min ({summary})")
    if " in " not in summary:  # pytest did not run the suite (not installed, bad arguments): nothing to record
        print(finished.stderr[-3000:], file=sys.stderr)
        return finished.returncode or 1
    write_section(
        "pytest",
        "## pytest\n\n"
        "README's test command, `pytest`, timed from start to end by `bench/bench_pytest.py` (every core, each file's "
        "tests in one worker; each lab runs once and checks each exercise's solution in the same kernel).\n\n"
        "| wall time | result | load average before / after (1 min) |\n|---|---|---|\n"
        f"| {seconds / 60:.1f} min ({seconds:.0f} s) | {summary} | {load_before:.1f} / {load_after:.1f} |",
    )
    record_figures(
        "pytest",
        {
            "wall_minutes": figure(round(seconds / 60, 1), "minutes", "{:.0f}"),
            "load_average": figure(round(max(load_before, load_after), 1), "", "{:.0f}"),
        },
    )
    return finished.returncode


if __name__ == "__main__":
    sys.exit(main())
