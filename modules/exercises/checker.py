"""Check an attendee's answer to one exercise and say what is right, or what to look at when it is not.

    from modules.exercises import check
    check("03.1", my_saved=my_saved, session=restored)

An answer still holding its placeholder (`...` or `None`) is "not done yet": the checker says what to fill in
and returns, so a notebook shipped with its exercises unsolved still runs top to bottom. A wrong answer gets a
message naming what was wrong and what to look at. With `COURSE_EXERCISES_STRICT=1` (set by the test that runs
every lab with its solutions filled in) both cases raise instead, so a broken solution fails CI.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modules.errors import CourseError

STRICT_ENV = "COURSE_EXERCISES_STRICT"
LABS = ("01", "02", "03", "04", "05", "06", "07", "08")
PASSED, NOT_DONE, WRONG = "passed", "not done yet", "not right yet"


class ExerciseError(CourseError):
    """Base class of the exercises' errors."""


class WrongAnswerError(ExerciseError):
    """Raised by a verifier: the message says what is wrong and what to look at."""


Wrong = WrongAnswerError  # the verifiers' short name: `raise Wrong("...")`


class ExerciseNotPassedError(ExerciseError, AssertionError):
    """Strict mode only: an exercise was left unsolved or its answer is wrong."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: the task the attendee reads, the cell they start from, and how their answer is checked."""

    id: str  # "03.1": lab 03, first exercise
    title: str
    level: str  # "easy", "medium" or "stretch"
    task: str  # markdown shown above the attendee's cell
    starter: str  # the attendee's cell as shipped: placeholders only
    check_call: str  # the cell that runs the checker
    verify: Callable[..., str] = field(repr=False)  # returns what was right; raises Wrong
    answers: tuple[str, ...] = ()  # the names the attendee fills in (placeholders are looked for here)

    @property
    def lab(self) -> str:
        return self.id.split(".")[0]

    def task_markdown(self) -> str:
        return f"### Exercise {self.id} ({self.level}) — {self.title}\n\n{self.task.strip()}"


@dataclass(frozen=True)
class Feedback:
    exercise_id: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        mark = {PASSED: "✅", NOT_DONE: "✏️ ", WRONG: "❌"}[self.status]
        return f"{mark} Exercise {self.exercise_id}: {self.status}. {self.message}"


def exercises(lab: str | None = None) -> list[Exercise]:
    """Every exercise of one lab ("03"), or of the whole course, in order."""
    found = []
    for number in LABS if lab is None else (lab,):
        module = importlib.import_module(f"modules.exercises.lab{number}")
        found.extend(module.EXERCISES)
    return found


def exercise(exercise_id: str) -> Exercise:
    lab = exercise_id.split(".")[0]
    if lab not in LABS:
        raise KeyError(
            f"No exercises for lab {lab!r} (exercise {exercise_id!r}); labs with exercises: {', '.join(LABS)}."
        )
    for candidate in exercises(lab):
        if candidate.id == exercise_id:
            return candidate
    known = ", ".join(e.id for e in exercises(lab))
    raise KeyError(f"No exercise {exercise_id!r}; lab {lab} has {known}.")


def is_placeholder(value: Any) -> bool:
    return value is ... or value is None


def evaluate(exercise_id: str, **answers: Any) -> Feedback:
    """Judge the answers without printing or raising (the notebook uses `check`)."""
    ex = exercise(exercise_id)
    missing = [name for name in ex.answers if name not in answers]
    if missing:
        return Feedback(ex.id, WRONG, f"The check cell must pass {', '.join(missing)}; run the cell as it was shipped.")
    unfilled = [name for name in ex.answers if is_placeholder(answers[name])]
    if unfilled:
        return Feedback(
            ex.id, NOT_DONE, f"Replace the `...` in {', '.join(f'`{n}`' for n in unfilled)} and run both cells."
        )
    earlier = [name for name, value in answers.items() if name not in ex.answers and is_placeholder(value)]
    if earlier:
        names = ", ".join(f"`{n}`" for n in earlier)
        return Feedback(ex.id, NOT_DONE, f"{names} comes from an earlier exercise of this lab: finish that one first.")
    try:
        return Feedback(ex.id, PASSED, ex.verify(**answers))
    except Wrong as wrong:
        return Feedback(ex.id, WRONG, str(wrong))


def strict() -> bool:
    return os.environ.get(STRICT_ENV) == "1"


def check(exercise_id: str, **answers: Any) -> None:
    """Print whether the exercise is passed, not done yet, or wrong (and why); raise only in strict mode.

    Returns nothing, so a check call at the end of a cell shows its message once.
    """
    feedback = evaluate(exercise_id, **answers)
    print(feedback)
    if strict() and not feedback.passed:
        raise ExerciseNotPassedError(str(feedback))


# --------------------------------------------------------------------------- helpers for the verifiers


def expect_type(value: Any, kind: type | tuple[type, ...], name: str, hint: str) -> None:
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(k.__name__ for k in kinds)
        raise Wrong(f"`{name}` is a {type(value).__name__}, not a {wanted}. {hint}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Wrong(message)
