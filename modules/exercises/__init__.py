"""Exercises with checked answers (every lab): `from modules.exercises import check, exercise`.

    challenge = exercise("03.1")                          # this run's inputs (an id, a question, a file name)
    check("03.1", my_saved=my_saved, session=restored)   # prints passed / not done yet / not right yet, and why

Instructors: `python -m modules.exercises reset notebooks/03_sessions_suspend_resume.ipynb` puts a notebook
back to its exercise state. Definitions: `labNN.py`; cells: `notebook_cells.py`; solutions: `solutions/`.
"""

from modules.exercises.awaits import watch_for_missing_await
from modules.exercises.challenge import Challenge
from modules.exercises.checker import (
    STRICT_ENV,
    Exercise,
    ExerciseError,
    ExerciseNotPassedError,
    Feedback,
    WrongAnswerError,
    check,
    definition,
    evaluate,
    exercise,
    exercises,
    strict_mode,
)

watch_for_missing_await()  # in a notebook: a missing `await` is reported under the cell that made the mistake

__all__ = [
    "STRICT_ENV",
    "Challenge",
    "Exercise",
    "ExerciseError",
    "ExerciseNotPassedError",
    "Feedback",
    "WrongAnswerError",
    "check",
    "definition",
    "evaluate",
    "exercise",
    "exercises",
    "strict_mode",
]
