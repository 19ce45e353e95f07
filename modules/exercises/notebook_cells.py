"""Find, reset, fill and insert the exercise cells of a lab notebook.

Every exercise has three cells, each tagged with its id (`ex-03.1`) and its role: the task (markdown,
`exercise-task`), the attendee's cell (`exercise`) and the check cell (`exercise-check`). Their text comes
from the exercise definitions in `modules/exercises/labNN.py`, so resetting a notebook is deterministic: the
same definitions always give the same bytes. Solutions live in `solutions/labNN.md`, one fenced block per exercise.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from modules.config import PROJECT_ROOT
from modules.exercises.checker import Exercise, ExerciseError, exercises

SOLUTIONS_DIR = PROJECT_ROOT / "solutions"
ROLES = ("exercise-task", "exercise", "exercise-check")
SETUP_ROLE = "exercise-setup"
SETUP_IMPORT = "from modules.exercises import check, exercise"
_SOLUTION_BLOCK = re.compile(r"^## (\d\d\.\d+)\b[^\n]*\n.*?^```python\n(.*?)^```", re.S | re.M)


class ExerciseCellError(ExerciseError, ValueError):
    """A notebook's exercise cells do not match the lab's exercise definitions."""


def lab_of(notebook_path: Path | str) -> str:
    """'03' for notebooks/03_sessions_suspend_resume.ipynb."""
    name = Path(notebook_path).name
    if not re.match(r"\d\d_", name):
        raise ExerciseCellError(f"{name} is not a numbered lab notebook (expected a name like 03_topic.ipynb).")
    return name[:2]


def exercise_tag(cell: nbformat.NotebookNode) -> str | None:
    """The exercise id a cell belongs to ('03.1'), or None."""
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith("ex-"):
            return tag[3:]
    return None


def role_of(cell: nbformat.NotebookNode) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    return next((role for role in (*ROLES, SETUP_ROLE) if role in tags), None)


def cell_source(ex: Exercise, role: str) -> str:
    return {"exercise-task": ex.task_markdown(), "exercise": ex.starter_cell, "exercise-check": ex.check_call}[
        role
    ].strip()


def new_cells(ex: Exercise) -> list[nbformat.NotebookNode]:
    """The three cells of one exercise, as shipped."""
    cells = []
    for role in ROLES:
        make = nbformat.v4.new_markdown_cell if role == "exercise-task" else nbformat.v4.new_code_cell
        cell = make(cell_source(ex, role), metadata={"tags": [role, f"ex-{ex.id}"]})
        cell.id = f"ex-{ex.id.replace('.', '-')}-{role.removeprefix('exercise').strip('-') or 'cell'}"
        cells.append(cell)
    return cells


def read(path: Path | str) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def write(nb: nbformat.NotebookNode, path: Path | str) -> None:
    nbformat.write(nb, str(path))


def clear_outputs(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.get("metadata", {}).pop("execution", None)


def reset(nb: nbformat.NotebookNode, lab: str) -> int:
    """Put every exercise cell back to its shipped text and clear all outputs; returns how many cells changed."""
    definitions = {ex.id: ex for ex in exercises(lab)}
    changed = 0
    for cell in nb.cells:
        exercise_id, role = exercise_tag(cell), role_of(cell)
        if exercise_id is None or role not in ROLES:
            continue
        if exercise_id not in definitions:
            raise ExerciseCellError(f"A cell is tagged ex-{exercise_id}, but lab {lab} has no such exercise.")
        shipped = cell_source(definitions[exercise_id], role)
        if cell.source != shipped:
            cell.source, changed = shipped, changed + 1
    clear_outputs(nb)
    return changed


def load_solutions(lab: str, directory: Path = SOLUTIONS_DIR) -> dict[str, str]:
    """{exercise id: code} from solutions/labNN.md (a '## 03.1 …' heading, then a ```python block)."""
    path = directory / f"lab{lab}.md"
    return {match[1]: match[2].strip() for match in _SOLUTION_BLOCK.finditer(path.read_text(encoding="utf-8"))}


def fill(nb: nbformat.NotebookNode, lab: str, solutions: dict[str, str] | None = None) -> list[str]:
    """Replace each attendee cell with its solution; returns the exercise ids filled."""
    solutions = load_solutions(lab) if solutions is None else solutions
    filled = []
    for cell in nb.cells:
        exercise_id = exercise_tag(cell)
        if exercise_id is not None and role_of(cell) == "exercise":
            if exercise_id not in solutions:
                raise ExerciseCellError(f"solutions/lab{lab}.md has no solution for exercise {exercise_id}.")
            cell.source = solutions[exercise_id]
            filled.append(exercise_id)
    return filled


def present_ids(nb: nbformat.NotebookNode) -> list[str]:
    """Exercise ids that have an attendee cell in the notebook, in notebook order."""
    return [exercise_tag(c) for c in nb.cells if exercise_tag(c) and role_of(c) == "exercise"]


def insert(nb: nbformat.NotebookNode, lab: str) -> int:
    """Add the lab's exercises under an '## Exercises' heading (before '## What you did'); idempotent.

    Used for labs whose notebook is maintained elsewhere: the cells come from the definitions, so running it
    twice changes nothing. Returns how many exercises were added.
    """
    missing = [ex for ex in exercises(lab) if ex.id not in present_ids(nb)]
    if not missing:
        reset(nb, lab)
        return 0
    heading = nbformat.v4.new_markdown_cell(
        "## Exercises\n\n"
        "Each exercise has a task, a cell for you (replace every `...`) and a check cell that says what is right "
        "or what to look at. They run on their own, after everything above.",
        metadata={"tags": [SETUP_ROLE]},
    )
    heading.id = "exercises-heading"
    setup = nbformat.v4.new_code_cell(SETUP_IMPORT, metadata={"tags": [SETUP_ROLE]})
    setup.id = "exercises-import"
    block = ([heading, setup] if not any(role_of(c) == SETUP_ROLE for c in nb.cells) else []) + [
        cell for ex in missing for cell in new_cells(ex)
    ]
    placeholder = next((i for i, c in enumerate(nb.cells) if _is_exercises_heading(c)), None)
    if placeholder is not None:
        del nb.cells[placeholder]  # a "## Exercises … coming" heading left for these cells: ours replaces it
        position = placeholder
    else:
        position = next(
            (
                i
                for i, c in enumerate(nb.cells)
                if c.cell_type == "markdown" and c.source.lstrip().startswith("## What you did")
            ),
            len(nb.cells),
        )
    nb.cells[position:position] = block
    clear_outputs(nb)
    return len(missing)


def _is_exercises_heading(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises") and role_of(cell) is None


# --------------------------------------------------------------------------- solutions, run one at a time

FORGET = "for _name in {names!r}:\n    globals().pop(_name, None)  # as if no other exercise of this lab was done\n"


def assigned_names(source: str) -> set[str]:
    """Names a cell binds at top level or in its loops (assignments, imports, `for`, `with … as`, `except … as`)."""
    try:
        tree = compile(source, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except SyntaxError:  # IPython-only syntax (magics): such a cell binds nothing we need to know about
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def solution_runs(nb: nbformat.NotebookNode, lab: str) -> dict[str, tuple[str, str]]:
    """{exercise id: (solution cell, strict check cell)} to run right after that exercise's check cell.

    The solution cell first removes every name the lab's other exercises bind (their answers, their helpers) but
    no name the lab's own cells bind, so an exercise that needs another one's answer fails; the check cell
    raises unless the checker passes. Run in the same kernel as the lab in its attendee state (the test suite
    does this under nbval), they prove that each exercise's solution passes on its own, in one run of the lab.
    """
    solutions = load_solutions(lab)
    lab_names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and role_of(cell) not in ROLES:
            lab_names |= assigned_names(cell.source)
    runs = {}
    for ex in exercises(lab):
        others = set().union(*(assigned_names(solutions[o.id]) | set(o.answers) for o in exercises(lab) if o is not ex))
        forget = sorted(others - lab_names)
        prepare = (FORGET.format(names=tuple(forget)) if forget else "") + solutions[ex.id]
        strict_check = f"from modules.exercises import strict_mode\n\nwith strict_mode():\n    {ex.check_call.strip()}"
        runs[ex.id] = (prepare, strict_check.replace("\n      ", "\n          "))
    return runs
