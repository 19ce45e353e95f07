"""Shared test set-up: the suite runs offline unless asked otherwise, against this checkout's code.

`COURSE_OFFLINE=1` makes `load_settings()` ignore keys in the environment or `.env`,
so a developer's real credentials are never used (or billed) by `pytest`. Notebook
kernels started by nbval inherit it. Set COURSE_TEST_REAL=1 to run against `.env`.

PYTHONPATH puts this checkout first, so notebook kernels and child processes import the
`modules` package under test even when another checkout is the one installed with `pip -e`.

Each lab runs once under nbval, with its exercise cells as shipped (unsolved). Right after each exercise's check
cell, two more cells run in the same kernel: that exercise's solution (with every other exercise's names removed
first) and its check in strict mode; exercises that follow one another are run once more in reverse order after the
last of them. So one run of a lab proves that it runs in its attendee state and that each exercise's solution
passes on its own, before and after the others.

After an exercise's first strict check, the generic adversary (tests/exercise_adversary.py) runs in the same kernel:
the solution runs once more (so the first run's answers answer a stale challenge), then every compatible object of
the lab's namespace and mechanical mutations of the answers go to the checker, and each must be rejected.
"""

import gc
import os
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

if os.environ.get("COURSE_TEST_REAL") != "1":
    os.environ["COURSE_OFFLINE"] = "1"

_ROOT = str(Path(__file__).resolve().parent)
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, os.environ.get("PYTHONPATH")) if p)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Format a failure with the garbage collector paused, so a failing test is reported instead of crashing the run.

    pytest parses the failing source with `ast.parse` to show it. On CPython before 3.11.8 and 3.12.1, a collection
    that runs a `__del__` which raises (a half-built client, say) inside that parse ends it with
    `SystemError: AST constructor recursion depth mismatch`: an INTERNALERROR that stops the worker and hides every
    test after it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if was_enabled:
            gc.enable()


def pytest_collection_modifyitems(session, config, items):
    """Under nbval, after each exercise's check cell run its solution and strict check; where several exercises
    follow one another with no lab cell between them, run the earlier ones once more after the last one, latest
    first, so each also passes after the exercises that follow it."""
    from modules.exercises import notebook_cells as cells

    runs_by_notebook, extended, cluster = {}, [], []
    adversary = str(Path(__file__).resolve().parent / "tests" / "exercise_adversary.py")

    def cell_item(check_item, name, source):
        """A cell run right after `check_item`, in the same kernel, reported under `name`."""
        return type(check_item).from_parent(
            check_item.parent,
            name=name,
            cell_num=check_item.cell_num,
            cell=nbformat.v4.new_code_cell(source),
            options=defaultdict(bool, check=False),
        )

    def adversary_items(check_item, exercise_id):
        path = Path(str(check_item.fspath))
        answers = next(ex.answers for ex in cells.exercises(cells.lab_of(path)) if ex.id == exercise_id)
        keep = f"_adversary_stale = {{_n: globals().get(_n) for _n in {answers!r}}}"
        attack = (
            "import importlib.util as _adversary_util\n"
            f"_adversary_spec = _adversary_util.spec_from_file_location('exercise_adversary', {adversary!r})\n"
            "_adversary = _adversary_util.module_from_spec(_adversary_spec)\n"
            "_adversary_spec.loader.exec_module(_adversary)\n"
            f"_adversary.attack({exercise_id!r}, globals(), _adversary_stale)"
        )
        solution = runs_by_notebook[path][exercise_id][0]
        for what, source in (("answers kept", keep), ("solution run again", solution), ("attack", attack)):
            yield cell_item(check_item, f"{check_item.name} adversary ({what}) for {exercise_id}", source)

    def solution_items(check_item, exercise_id, label=""):
        path = Path(str(check_item.fspath))
        if path not in runs_by_notebook:
            runs_by_notebook[path] = cells.solution_runs(check_item.parent.nb, cells.lab_of(path))
        for what, source in zip(("solution", "strict check"), runs_by_notebook[path][exercise_id], strict=True):
            yield cell_item(check_item, f"{check_item.name} {what} of {exercise_id}{label}", source)

    def end_of_cluster():
        last = cluster[-1][0] if cluster else None
        for _, exercise_id in reversed(cluster[:-1]):
            extended.extend(solution_items(last, exercise_id, ", again after the later ones"))
        cluster.clear()

    for item in items:
        cell = getattr(item, "cell", None)
        role = cells.role_of(cell) if cell is not None else None
        if cluster and (cell is None or item.parent is not cluster[-1][0].parent or role is None):
            end_of_cluster()  # a lab cell (or another file) follows: the run of consecutive exercises ended
        extended.append(item)
        if role == "exercise-check":
            exercise_id = cells.exercise_tag(cell)
            extended.extend(solution_items(item, exercise_id))
            extended.extend(adversary_items(item, exercise_id))
            cluster.append((item, exercise_id))
    end_of_cluster()
    items[:] = extended
