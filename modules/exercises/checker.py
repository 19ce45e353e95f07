"""Check an attendee's answer to one exercise and say what is right, or what to look at when it is not.

    from modules.exercises import check
    check("03.1", my_saved=my_saved, session=restored)

An answer still holding its placeholder (`...` or `None`) is "not done yet": the checker says what to fill in
and returns, so a notebook shipped with its exercises unsolved still runs top to bottom. A wrong answer gets a
message naming what was wrong and what to look at. With `COURSE_EXERCISES_STRICT=1` (set by the test that runs
every lab with its solutions filled in) both cases raise instead, so a broken solution fails CI.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import numbers
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules.errors import CourseError
from modules.exercises.challenge import Challenge, ValueMaker, issue, issued, made_before

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


class UnknownExerciseError(ExerciseError, KeyError):
    """No lab or exercise has this id; the message lists the ones there are."""

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0])


@dataclass(frozen=True)
class Exercise:
    """One exercise: the task the attendee reads, the cell they start from, and how their answer is checked.

    Attributes:
        id: "03.1": lab 03, first exercise.
        title: A short title.
        level: "easy", "medium" or "stretch".
        task: The markdown shown above the attendee's cell.
        starter: The attendee's cell as shipped: placeholders only.
        check_call: The cell that runs the checker.
        verify: Checks the answers; returns what was right, raises WrongAnswerError naming what is wrong.
        answers: The names the attendee fills in (placeholders are looked for here).
        challenge: Builds the values `exercise(id)` hands out (a random token and the cell's namespace in, a dict
            out); the verifier receives the challenge as `challenge=` when it takes that argument.
    """

    id: str  # "03.1": lab 03, first exercise
    title: str
    level: str  # "easy", "medium" or "stretch"
    task: str  # markdown shown above the attendee's cell
    starter: str  # the attendee's cell as shipped: placeholders only
    check_call: str  # the cell that runs the checker
    verify: Callable[..., str] = field(repr=False)  # returns what was right; raises Wrong
    answers: tuple[str, ...] = ()  # the names the attendee fills in (placeholders are looked for here)
    challenge: ValueMaker | None = field(default=None, repr=False)  # the values `exercise(id)` hands out

    @property
    def lab(self) -> str:
        return self.id.split(".")[0]

    @property
    def starter_cell(self) -> str:
        """The attendee's cell as shipped: the line that asks for a challenge, then the starter."""
        return f'challenge = exercise("{self.id}")  # this run\'s inputs: print(challenge) to see them\n{self.starter}'

    def task_markdown(self) -> str:
        return f"### Exercise {self.id} ({self.level}) — {self.title}\n\n{self.task.strip()}"


@dataclass(frozen=True)
class Feedback:
    """A checker's verdict: `status` is "passed", "not done yet" or "not right yet"; `message` says what was seen.

    Attributes:
        exercise_id: The exercise checked, e.g. "03.1".
        status: "passed", "not done yet" or "not right yet".
        message: What was right, or what was seen and what to look at.
    """

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
    """Every exercise of one lab, or of the whole course, in order.

    Args:
        lab: a lab number such as "03"; None for every lab.

    Returns:
        The exercise definitions, in the order the notebooks show them.
    """
    found = []
    for number in LABS if lab is None else (lab,):
        module = importlib.import_module(f"modules.exercises.lab{number}")
        found.extend(module.EXERCISES)
    return found


def definition(exercise_id: str) -> Exercise:
    """The definition of one exercise (the task, the cells, the verifier).

    Args:
        exercise_id: e.g. "03.1".

    Returns:
        Its `Exercise`.

    Raises:
        UnknownExerciseError: no such lab or exercise (a KeyError); the message lists the ones there are.
    """
    lab = exercise_id.split(".")[0]
    if lab not in LABS:
        raise UnknownExerciseError(
            f"No exercises for lab {lab!r} (exercise {exercise_id!r}); labs with exercises: {', '.join(LABS)}."
        )
    for candidate in exercises(lab):
        if candidate.id == exercise_id:
            return candidate
    known = ", ".join(e.id for e in exercises(lab))
    raise UnknownExerciseError(f"No exercise {exercise_id!r}; lab {lab} has {known}.")


def exercise(exercise_id: str) -> Challenge:
    """Issue this run's challenge for one exercise: the first line of the exercise's cell.

    The checker judges the answers against the latest challenge issued (the id to store under, the question to ask,
    the file to write), so an object the lab made earlier, or one from an earlier run of the cell, does not pass.

    Args:
        exercise_id: e.g. "04.1".

    Returns:
        The `Challenge`: its values are attributes (`challenge.question`); `print(challenge)` shows them.

    Raises:
        KeyError: no such exercise.
    """
    ex = definition(exercise_id)
    caller = sys._getframe(1).f_globals  # the cell's namespace: what exists before the attendee's work
    return issue(ex.id, ex.challenge, caller)


def is_placeholder(value: Any) -> bool:
    return value is ... or value is None


def evaluate(exercise_id: str, **answers: Any) -> Feedback:
    """Judge the answers without printing or raising (the notebook uses `check`).

    Args:
        exercise_id: e.g. "03.1".
        **answers: what the check cell passes.

    Returns:
        The `Feedback`: passed, not done yet (a placeholder is left), or not right yet, with what was seen.

    Raises:
        KeyError: no such exercise.
    """
    ex = definition(exercise_id)
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
    current = issued(ex.id)
    if current is None:
        return Feedback(
            ex.id,
            NOT_DONE,
            f"no challenge was issued for {ex.id} in this kernel: run your cell from its first line, "
            f'`challenge = exercise("{ex.id}")`, then this check.',
        )
    for name in ex.answers:
        before = made_before(ex.id, answers[name])
        if before is not None:
            was = "it" if before == name else f"`{before}`"
            return Feedback(
                ex.id,
                WRONG,
                f'`{name}` is an object that already existed when `challenge = exercise("{ex.id}")` ran ({was}, made '
                "by the lab or by an earlier run of your cell), so it cannot answer this challenge: make it in your "
                "cell, after that line, and run the cell again from the top.",
            )
    global _step
    _step = "reading your answers"
    takes_challenge = "challenge" in inspect.signature(ex.verify).parameters
    try:
        return Feedback(ex.id, PASSED, ex.verify(**answers, **({"challenge": current} if takes_challenge else {})))
    except Wrong as wrong:
        return Feedback(ex.id, WRONG, str(wrong))
    except Exception as error:  # noqa: BLE001 - a checker never shows a traceback: it says what it was doing
        return Feedback(
            ex.id,
            WRONG,
            f"the checker stopped while {_step}: {type(error).__name__}: {str(error)[:300]}. Your answers do not "
            "have what that step needs: compare your cell with the task, run it again from its first line, "
            "then this check.",
        )


_step = "reading your answers"


def step(what: str) -> None:
    """Name what the verifier does next ("reloading `my_store`"), for the message if that step fails unexpectedly."""
    global _step
    _step = what


def strict() -> bool:
    return os.environ.get(STRICT_ENV) == "1"


@contextlib.contextmanager
def strict_mode() -> Iterator[None]:
    """Within the block, `check` raises on an unfinished or wrong answer (the tests run each solution this way).

    Returns:
        A context manager; the previous setting comes back when the block ends.
    """
    before = os.environ.get(STRICT_ENV)
    os.environ[STRICT_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(STRICT_ENV, None)
        else:
            os.environ[STRICT_ENV] = before


def check(exercise_id: str, **answers: Any) -> None:
    """Print whether the exercise is passed, not done yet, or wrong (and why); raise only in strict mode.

    Returns nothing, so a check call at the end of a cell shows its message once.

    Args:
        exercise_id: the exercise, e.g. "03.1".
        **answers: the names the check cell passes: the attendee's answers and the lab's objects to compare with.

    Raises:
        ExerciseNotPassedError: only in strict mode (`COURSE_EXERCISES_STRICT=1`), when the answer is unfinished
            or wrong.
    """
    feedback = evaluate(exercise_id, **answers)
    print(feedback)
    if strict() and not feedback.passed:
        raise ExerciseNotPassedError(str(feedback))


# --------------------------------------------------------------------------- helpers for the verifiers

MODULES_DIR = Path(__file__).resolve().parent.parent


def kind_of(value: Any) -> str:
    """'a str', 'an int64': the type of a value, with its article, for messages."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def expect_type(value: Any, kind: type | tuple[type, ...], name: str, hint: str) -> None:
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(f"{'an' if k.__name__[:1].lower() in 'aeiou' else 'a'} {k.__name__}" for k in kinds)
        raise Wrong(f"`{name}` is {kind_of(value)}, not {wanted}. {hint}")


def expect_number(value: Any, name: str, hint: str, *, whole: bool = False) -> float | int:
    """A number of any kind (int, float, numpy's int64 and float64), never a bool; returns it as int or float."""
    kind = numbers.Integral if whole else numbers.Real
    if isinstance(value, bool) or type(value).__name__ == "bool_" or not isinstance(value, kind):
        wanted = "a whole number" if whole else "a number"
        raise Wrong(f"`{name}` is {kind_of(value)} ({str(value)[:60]!r}), not {wanted}. {hint}")
    return int(value) if whole else float(value)


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Wrong(message)


def expect_awaited(value: Any, name: str, call: str = "the call") -> None:
    """A coroutine means a missing `await`; close it so Python does not warn about it later, under another cell."""
    if inspect.iscoroutine(value):
        value.close()
        raise Wrong(f"`{name}` is a coroutine, not a result: put `await` before {call} in your cell and run it again.")


def raised_from(error: BaseException, package: str) -> bool:
    """Whether `error` was raised (not just built) by code inside modules/<package>."""
    folder = MODULES_DIR / package
    traceback = error.__traceback__
    while traceback is not None:
        if Path(traceback.tb_frame.f_code.co_filename).resolve().is_relative_to(folder):
            return True
        traceback = traceback.tb_next
    return False


def raised_in(error: BaseException, package: str, function: str) -> dict[str, Any] | None:
    """The local variables of the call to `function` (in modules/<package>) that raised `error`, or None.

    What the call was given (the environment, the store and its key) travels with the error's traceback, so an
    error raised for something else and re-worded afterwards is still told apart.
    """
    folder, found = MODULES_DIR / package, None
    traceback = error.__traceback__
    while traceback is not None:
        code = traceback.tb_frame.f_code
        if code.co_name == function and Path(code.co_filename).resolve().is_relative_to(folder):
            found = dict(traceback.tb_frame.f_locals)
        traceback = traceback.tb_next
    return found


def expect_raised_by(error: BaseException, name: str, package: str, call: str) -> None:
    """The error must come from running the course's code, not be typed in: it carries the traceback of its raise."""
    expect(
        error.__traceback__ is not None,
        f"`{name}` was built by hand ({type(error).__name__}(...)), not raised: call {call} inside try/except "
        "and keep the error it raises.",
    )
    expect(
        raised_from(error, package),
        f"`{name}` was raised by your own code, not by {call}: let {call} raise it, and keep that error.",
    )


def expect_agent_answered(messages: list[dict[str, Any]], name: str, fix: str) -> None:
    """The newest message must be an answer an agent wrote: agent.run stamps its replies with the agent's name."""
    last = messages[-1] if messages else {}
    expect(
        last.get("role") == "assistant" and bool(last.get("author_name")),
        f"the newest message in `{name}` was not written by an agent (no author name: it was added by hand): {fix}",
    )


def local_model() -> Any | None:
    """The in-process model when the local tier is the embedded one (to re-count and re-generate), else None."""
    from modules.config import load_settings

    settings = load_settings()
    if settings.local.backend not in ("embedded", "gguf"):
        return None
    from modules.tiers import load_model

    return load_model(settings.local.gguf_path)


def _chat(instructions: str | None, question: str) -> list[dict[str, str]]:
    return ([{"role": "system", "content": instructions}] if instructions else []) + [
        {"role": "user", "content": question}
    ]


def prompt_tokens(llm: Any, instructions: str | None, question: str) -> int:
    """How many tokens the model is given for this question: rendered by llama.cpp itself (one token generated)."""
    from modules.tiers import tier_completion

    return tier_completion(llm, _chat(instructions, question), 1)["usage"]["prompt_tokens"]


def answer_start(llm: Any, instructions: str | None, question: str, tokens: int = 8) -> str:
    """The first words the local model answers to this question: at temperature 0 it always answers the same."""
    from modules.tiers import tier_completion

    reply = tier_completion(llm, _chat(instructions, question), tokens)
    return (reply["choices"][0]["message"].get("content") or "").strip()


def starts_like(llm: Any, instructions: str | None, question: str, tokens: int, text: str) -> tuple[bool, str]:
    """Whether `text` starts the way the model answers `question`, and the start it expected.

    llama.cpp reuses the evaluated prefix of the previous prompt, which can tip a close call between two tokens; a
    text that matches neither the answer generated now nor the one from a cleared cache is an answer to something
    else.

    Returns:
        (whether it matches, the start generated first).
    """
    text = text.strip()
    first = answer_start(llm, instructions, question, tokens)
    if text.startswith(first):
        return True, first
    if callable(getattr(llm, "reset", None)):
        llm.reset()  # forget the cached prefix: the answer from a clean evaluation of the whole prompt
        if text.startswith(answer_start(llm, instructions, question, tokens)):
            return True, first
    return False, first
