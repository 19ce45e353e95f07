"""Shared test set-up: the suite runs offline unless asked otherwise, against this checkout's code.

`COURSE_OFFLINE=1` makes `load_settings()` ignore keys in the environment or `.env`,
so a developer's real credentials are never used (or billed) by `pytest`. Notebook
kernels started by nbval inherit it. Set COURSE_TEST_REAL=1 to run against `.env`.

PYTHONPATH puts this checkout first, so notebook kernels and child processes import the
`modules` package under test even when another checkout is the one installed with `pip -e`.

Each lab runs once under nbval, with its exercise cells as shipped (unsolved). Right after each exercise's check
cell, two more cells run in the same kernel: that exercise's solution (with every other exercise's names removed
first) and its check in strict mode. So one run of a lab proves that it runs in its attendee state and that each
exercise's solution passes on its own.
"""

import os
from collections import defaultdict
from pathlib import Path

import nbformat

if os.environ.get("COURSE_TEST_REAL") != "1":
    os.environ["COURSE_OFFLINE"] = "1"

_ROOT = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)


def pytest_collection_modifyitems(session, config, items):
    """After each exercise's check cell of a lab under nbval, run that exercise's solution and its strict check."""
    from modules.exercises import notebook_cells as cells

    runs_by_notebook = {}
    extended = []
    for item in items:
        extended.append(item)
        cell = getattr(item, "cell", None)
        if cell is None or cells.role_of(cell) != "exercise-check":
            continue
        path = Path(str(item.fspath))
        if path not in runs_by_notebook:
            runs_by_notebook[path] = cells.solution_runs(item.parent.nb, cells.lab_of(path))
        exercise_id = cells.exercise_tag(cell)
        for what, source in zip(("solution", "strict check"), runs_by_notebook[path][exercise_id], strict=True):
            extended.append(
                type(item).from_parent(
                    item.parent,
                    name=f"{item.name} {what} of {exercise_id}",
                    cell_num=item.cell_num,
                    cell=nbformat.v4.new_code_cell(source),
                    options=defaultdict(bool, check=False),
                )
            )
    items[:] = extended
