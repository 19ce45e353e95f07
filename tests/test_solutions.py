"""Each exercise's solution passes on its own: how the suite proves it, checked without a kernel.

The proof runs under nbval (see conftest.py): each lab runs once with its exercise cells as shipped, and right
after each exercise's check cell two more cells run in the same kernel — that exercise's solution, which first
removes every name the lab's other exercises bind, then its check in strict mode. So an exercise whose solution
needs another exercise's answer fails with a NameError, and a rejected solution fails the lab's run. The tests
below check those generated cells, and run lab 01's (which need no model) end to end in this process.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from modules.exercises import STRICT_ENV, ExerciseNotPassedError, check, exercise, exercises
from modules.exercises import notebook_cells as cells

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LAB_NOTEBOOKS = {path.name[:2]: path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
LABS_WITH_EXERCISES = sorted({ex.lab for ex in exercises()} & set(LAB_NOTEBOOKS))


def test_every_lab_with_exercises_has_a_notebook_to_run_them_in():
    assert set(LABS_WITH_EXERCISES) == {"01", "02", "03", "04", "05", "06", "07", "08"}


@pytest.mark.parametrize("lab", LABS_WITH_EXERCISES)
def test_each_solution_runs_after_its_exercise_without_the_other_exercises_names(lab):
    nb = cells.read(LAB_NOTEBOOKS[lab])
    runs = cells.solution_runs(nb, lab)
    assert list(runs) == [ex.id for ex in exercises(lab)]
    lab_names = set().union(
        *(cells.assigned_names(c.source) for c in nb.cells if c.cell_type == "code" and cells.role_of(c) is None)
    )
    solutions = cells.load_solutions(lab)
    for ex in exercises(lab):
        prepare, strict_check = runs[ex.id]
        assert prepare.endswith(solutions[ex.id]) and f'check("{ex.id}"' in strict_check
        assert "with strict_mode():" in strict_check
        others = {name for o in exercises(lab) if o is not ex for name in o.answers}
        forgotten = set(others) - lab_names
        assert all(repr(name) in prepare.split("\n", 1)[0] for name in forgotten), ex.id
        assert not any(repr(name) in prepare.split("\n", 1)[0] for name in lab_names), "a lab name is never removed"


def test_no_exercise_answer_shadows_a_name_the_lab_itself_uses():
    for lab in LABS_WITH_EXERCISES:
        nb = cells.read(LAB_NOTEBOOKS[lab])
        lab_names = set().union(
            *(cells.assigned_names(c.source) for c in nb.cells if c.cell_type == "code" and cells.role_of(c) is None)
        )
        for ex in exercises(lab):
            assert not set(ex.answers) & lab_names, f"{ex.id} answers with a name the lab binds itself"


def run(source: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cell>", "exec"), namespace)  # noqa: S102 - the generated cells, as a kernel runs them
    return out.getvalue()


def test_lab_01_solutions_pass_one_at_a_time_in_any_order(monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    runs = cells.solution_runs(cells.read(LAB_NOTEBOOKS["01"]), "01")
    for order in (list(runs), list(reversed(runs))):
        namespace = {"check": check, "exercise": exercise}
        for exercise_id in order:
            prepare, strict_check = runs[exercise_id]
            run(prepare, namespace)
            assert f"Exercise {exercise_id}: passed" in run(strict_check, namespace)


def test_a_solution_that_needs_another_exercises_answer_fails(monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    runs = cells.solution_runs(cells.read(LAB_NOTEBOOKS["01"]), "01")
    namespace = {"check": check, "exercise": exercise}
    run(runs["01.3"][0], namespace)
    leaning_on_01_3 = runs["01.2"][0].split("\n", 2)[:2]  # the removal lines of 01.2's cell, then a borrowed answer
    with pytest.raises(NameError):
        run("\n".join(leaning_on_01_3) + "\nprint(described)", namespace)
    namespace["my_settings"], namespace["my_mode"] = None, "real"
    with pytest.raises(ExerciseNotPassedError):
        run(runs["01.1"][1], namespace)  # the strict check raises on an unsolved exercise


def test_pytest_runs_each_solution_in_its_lab_and_again_after_the_exercises_that_follow_it():
    import subprocess
    import sys

    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:randomly", str(NOTEBOOKS)],
        cwd=NOTEBOOKS.parent,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout.splitlines()
    for lab in LABS_WITH_EXERCISES:
        names = [line.split("::", 1)[1] for line in collected if line.startswith(f"notebooks/{lab}_")]
        for ex in exercises(lab):
            solution = next(i for i, n in enumerate(names) if n.endswith(f" solution of {ex.id}"))
            assert names[solution + 1].endswith(f" strict check of {ex.id}"), (lab, ex.id)
            assert names[solution - 1].startswith("Cell "), "right after the exercise's own check cell"
    lab_06 = [line for line in collected if line.startswith("notebooks/06_") and "again after the later ones" in line]
    assert [line.split(" of ")[-1].split(",")[0] for line in lab_06 if "solution" in line] == ["06.3", "06.2", "06.1"]
