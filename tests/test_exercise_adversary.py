"""The generic adversary itself: it must reject what a sound checker rejects and catch a checker that is not sound.

The adversary runs in each lab's own kernel under nbval (see conftest.py and tests/exercise_adversary.py). Here it
runs on lab 01, whose exercises need no model, in this process: the solutions pass, every namespace object and
mutation is rejected, and a checker weakened on purpose is caught, so the adversary can fail.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from modules.exercises import STRICT_ENV, check, exercise, exercises
from modules.exercises import notebook_cells as cells
from tests import exercise_adversary as adversary

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "01_environment_setup.ipynb"


def solved(exercise_id: str) -> tuple[dict, dict]:
    """A namespace where lab 01's exercise ran twice (the first run's answers kept as stale), as in the kernel,
    after the lab made objects of its own (settings loaded before the challenge, a configuration error)."""
    from modules.config import ConfigError, load_settings

    prepare, _ = cells.solution_runs(cells.read(NOTEBOOK), "01")[exercise_id]
    namespace = {"check": check, "exercise": exercise, "settings": load_settings(), "mode": "offline"}
    try:
        load_settings(environ={"AZURE_OPENAI_ENDPOINT": "https://example.openai.azure.com"}, env_file=None)
    except ConfigError as error:
        namespace["lab_error"] = error
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(prepare, "<solution>", "exec"), namespace)  # noqa: S102 - the solution cell, as a kernel runs it
        stale = {name: namespace[name] for name in adversary.definition(exercise_id).answers}
        exec(compile(prepare, "<solution>", "exec"), namespace)  # noqa: S102
    return namespace, stale


@pytest.mark.parametrize("exercise_id", [ex.id for ex in exercises("01")])
def test_every_candidate_is_rejected_for_lab_01(exercise_id, monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    namespace, stale = solved(exercise_id)
    counts = adversary.attack(exercise_id, namespace, stale)
    assert counts["mutations"] >= 1


def test_a_checker_that_trusts_its_answers_is_caught(monkeypatch):
    monkeypatch.delenv(STRICT_ENV, raising=False)
    namespace, stale = solved("01.3")
    definition = adversary.definition("01.3")
    trusting = type(definition)(**{**definition.__dict__, "verify": lambda **answers: "anything goes"})
    monkeypatch.setattr(adversary, "definition", lambda exercise_id: trusting)
    monkeypatch.setattr("modules.exercises.checker.definition", lambda exercise_id: trusting)
    with pytest.raises(AssertionError, match="accepted"):
        adversary.attack("01.3", namespace, stale)


def test_plain_values_equal_to_the_answer_are_the_same_answer_and_objects_are_not():
    import numpy as np

    assert adversary._same(np.int64(3), 3) and adversary._same({"local": 1}, {"local": 1})
    assert not adversary._same(True, 1) and not adversary._same("3", 3)
    assert not adversary._same(object(), object())
    kinds = dict(adversary.mutations("What is 2 + 2?"))
    assert {"upper case", "lower case", "spacing (spaces around)"} <= kinds.keys()


def test_the_allow_list_is_short_and_gives_a_reason_for_each_entry():
    assert len(adversary.ALLOWED) <= 12
    assert all(len(reason) > 30 for reason in adversary.ALLOWED.values())
