"""Time every lab notebook, offline, under nbval — the way `pytest` runs them — and write the "course" section
of docs/performance.md.

    python bench/bench_course.py run            # every notebooks/NN*_*.ipynb (05b too), one pytest process each
    python bench/bench_course.py run 03 04      # only these labs (the table then lists only them)

The machine's load average is recorded with the figures: on a shared machine the same notebook runs
slower, so read the times next to it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUDGET_S = 240.0


def time_notebook(path: Path) -> tuple[float, bool, str]:
    """Wall seconds for `pytest <notebook>` (nbval-lax, offline), whether it passed, and pytest's last line."""
    env = {**os.environ, "COURSE_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COURSE_TEST_REAL", None)
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", str(path.relative_to(ROOT)), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    last = (finished.stdout.strip().splitlines() or ["(no output)"])[-1]
    return seconds, finished.returncode == 0, last


def figures(rows: list[tuple[str, float, bool]]) -> dict[str, dict]:
    """Seconds per lab (by its number) and in total: what docs/instructor-notes.md quotes."""
    found = {f"lab_s.{name.split('_')[0]}": figure(round(seconds, 1), "s", "{:.0f}") for name, seconds, _ in rows}
    found["total_s"] = figure(round(sum(seconds for _, seconds, _ in rows), 1), "s", "{:.0f}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/bench_course.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="time the lab notebooks and write docs/performance.md's course section")
    run.add_argument("labs", nargs="*", help="lab numbers such as 03 (default: every lab)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0

    notebooks = sorted(
        p for p in NOTEBOOKS.glob("[0-9][0-9]*_*.ipynb") if not args.labs or p.name.split("_")[0] in args.labs
    )
    load_before = os.getloadavg()[0]
    rows = []
    for path in tqdm(notebooks, desc="labs", unit="lab"):
        seconds, passed, last = time_notebook(path)
        rows.append((path.stem, seconds, passed))
        tqdm.write(f"{path.stem:40} {seconds:7.1f} s  {'passed' if passed else 'FAILED'}  ({last})")
    load_after = os.getloadavg()[0]
    total = sum(seconds for _, seconds, _ in rows)
    table = "\n".join(
        f"| `{name}` | {seconds:.0f} | {'passed' if ok else '**failed**'} |" for name, seconds, ok in rows
    )
    verdict = "within" if total <= BUDGET_S else "over"
    markdown = f"""## The course under nbval, offline (`bench/bench_course.py`)

Each lab notebook run by `pytest notebooks/<lab>.ipynb` (nbval-lax, offline, one process per lab, pytest start-up
included), one after another. Goal: the whole course in under {BUDGET_S:.0f} s on 2 cores after set-up.

| notebook | seconds | result |
|---|---|---|
{table}
| **total** | **{total:.0f}** | {verdict} the {BUDGET_S:.0f} s goal |

Load average (1 min) on this shared machine: {load_before:.1f} before the run, {load_after:.1f} after — with other
work on the same 2 cores, times are longer than on an idle laptop.
"""
    print(markdown)
    write_section("course", markdown)
    if not args.labs:  # a partial run leaves the quoted per-lab figures and total as they were
        record_figures("course", figures(rows))
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
