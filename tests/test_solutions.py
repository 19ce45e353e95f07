"""Every lab runs to the end with its exercise solutions filled in, and every checker passes.

Each test builds a filled copy of one lab notebook in a temporary directory (labs whose notebook does not carry
its exercise cells yet get them inserted first), then runs it with nbclient from `notebooks/`, in strict mode:
a solution the checker rejects raises, and the test reads every check's verdict from the outputs.
The shipped notebooks, exercises unsolved, run under nbval as usual.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from modules.exercises import STRICT_ENV, exercises
from modules.exercises import notebook_cells as cells

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LAB_NOTEBOOKS = {path.name[:2]: path for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}
LABS_WITH_EXERCISES = sorted({ex.lab for ex in exercises()} & set(LAB_NOTEBOOKS))


def filled_copy(lab: str, directory: Path) -> Path:
    nb = cells.read(LAB_NOTEBOOKS[lab])
    cells.insert(nb, lab)  # a no-op where the notebook already has its exercises
    assert sorted(cells.fill(nb, lab)) == sorted(ex.id for ex in exercises(lab))
    path = directory / LAB_NOTEBOOKS[lab].name
    cells.write(nb, path)
    return path


def printed(nb: nbformat.NotebookNode) -> str:
    return "\n".join(
        output.get("text", "") for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("lab", LABS_WITH_EXERCISES)
def test_lab_runs_with_its_solutions(lab, tmp_path, monkeypatch):
    monkeypatch.setenv(STRICT_ENV, "1")  # the kernel inherits it: a failing check raises
    nb = nbformat.read(str(filled_copy(lab, tmp_path)), as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    output = printed(nb)
    for ex in exercises(lab):
        assert f"Exercise {ex.id}: passed" in output, f"the check of exercise {ex.id} did not report a pass"


def test_every_lab_with_exercises_has_a_notebook_to_run_them_in():
    assert set(LABS_WITH_EXERCISES) == {"01", "02", "03", "04", "05", "06", "07", "08"}
