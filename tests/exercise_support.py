"""What the checker tests share: pin a challenge, and expect an answer to be rejected, passed or to raise."""

from __future__ import annotations

from modules.exercises import evaluate
from modules.exercises.challenge import issue
from modules.exercises.checker import WRONG


def pin(exercise_id: str, **values):
    """Issue a challenge with known values (the random ones are tried by the adversary in each lab's run)."""
    return issue(exercise_id, lambda token, namespace: dict(values), {})


def rejected(exercise_id: str, phrase: str, **answers) -> str:
    """Assert the checker rejects these answers with a message containing `phrase`; return the message."""
    feedback = evaluate(exercise_id, **answers)
    assert feedback.status == WRONG, f"{exercise_id} accepted a wrong answer: {feedback}"
    assert phrase in feedback.message, f"{exercise_id}: {phrase!r} not in {feedback.message!r}"
    return feedback.message


def passed(exercise_id: str, **answers) -> None:
    feedback = evaluate(exercise_id, **answers)
    assert feedback.passed, str(feedback)


def raised(action) -> BaseException:
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the test keeps whatever the action raised, as an attendee would
        return error
    raise AssertionError("nothing was raised")
