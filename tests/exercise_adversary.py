"""The generic adversary: every compatible object of a lab's namespace, and mutations of the real answers, handed
to an exercise's checker in place of each answer. Every one must be rejected, with a message, outside `ALLOWED`.

It runs inside the lab's own kernel, at the point where the exercise's check cell ran (see conftest.py): right
after the exercise's solution ran twice, so the answers of the first run are a stale set to try as well. Mutations:
a deep copy, case and spacing of strings, numbers off by one, the previous challenge's answer, a stored
conversation loaded from each of the lab's other stores, and a pending approval as listed after its decision.

    attack("04.1", globals(), stale)   # raises AssertionError naming every accepted wrong answer
"""

from __future__ import annotations

import abc
import ast
import copy
import dataclasses
import inspect
import json
import numbers
import os
import types
import typing
from collections.abc import Iterator, Mapping
from pathlib import PurePath
from typing import Any

from modules.exercises import definition, evaluate
from modules.exercises.challenge import Challenge

# Values the checker cannot tell from the right answer, reviewed one by one: (exercise, answer, how it was made).
ALLOWED: dict[tuple[str, str, str], str] = {
    ("*", "*", "deep copy of plain data"): "strings, numbers and paths (alone, in lists or dicts) have no identity: "
    "an equal value is the same answer.",
    ("*", "*", "deep copy of a value record"): "a dataclass of values (Settings, RoutingDecision, ConversationRecord, "
    "HybridTurn, Answer, StreamTiming) is what it holds: a copy of a loaded record or a measured timing carries the "
    "same revision, save time and numbers, so nothing tells it from the original.",
    ("*", "*", "deep copy of a AgentSession"): "a session is its ids and state: a copy holds the same messages.",
    ("*", "*", "deep copy of a AgentResponse"): "a response is its text, ids and usage: a copy carries them all.",
    ("*", "*", "deep copy of a HybridRouter"): "a router is its operating point: a copy routes every query the same.",
    ("*", "*", "deep copy of a ChartFigure"): "a copy of the chart draws the same bars with the same title.",
    ("05.2", "*", "spacing"): "the queries are the attendee's own words: spacing does not change them.",
    ("03.1", "my_saved", "spacing"): "JSON text: spacing outside its strings is not part of the data.",
    ("03.3", "memory_saved", "spacing"): "JSON text: spacing outside its strings is not part of the data.",
}
REPORT_ENV = "COURSE_ADVERSARY_REPORT"  # a file to append each exercise's counts to
PER_CONTAINER = 40  # items looked at inside one list, tuple or dict of the namespace
# Objects that hold processes, connections or a loaded model: a deep copy would duplicate them, not the answer.
NOT_COPIED = {"HybridConversationManager", "Tiers", "ResponseStream", "SqliteStore", "FileStore", "RedisStore", "Agent"}


def _plain(value: Any) -> bool:
    """A value without identity: a string, a number, a path, None."""
    return isinstance(value, (str, bytes, numbers.Number, type(None), PurePath))


def _plain_data(value: Any) -> bool:
    """Strings, numbers and None, in lists, tuples and dicts: JSON-like data, which has no identity to check."""
    if isinstance(value, (list, tuple)):
        return all(_plain_data(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _plain_data(item) for key, item in value.items())
    return _plain(value)


def _related(candidate: Any, answer: Any) -> bool:
    """The two share a class of their own (a FileStore for a SqliteStore: both are conversation stores)."""
    ignored = {object, abc.ABC, typing.Generic}
    mine = {c for c in type(answer).__mro__ if c not in ignored and c.__module__ != "builtins"}
    return any(c in mine for c in type(candidate).__mro__)


def _compatible(candidate: Any, answer: Any) -> bool:
    if isinstance(candidate, (types.ModuleType, type, Challenge)) or inspect.isroutine(candidate):
        return False
    if isinstance(answer, bool) or isinstance(candidate, bool):
        return isinstance(answer, bool) and isinstance(candidate, bool)
    if isinstance(answer, numbers.Real) and isinstance(candidate, numbers.Real):
        return True
    return (
        isinstance(candidate, type(answer))
        or (type(candidate) is not object and isinstance(answer, type(candidate)))
        or _related(candidate, answer)
    )


def _same(candidate: Any, answer: Any) -> bool:
    """The very answer, or plain data equal to it: a number, string, list or dict has no identity to check, so an
    equal one from elsewhere is the same answer (1 == 1.0 == numpy's 1; "a" == "a"; but True is not 1)."""
    if candidate is answer:
        return True
    if _plain_data(candidate) and _plain_data(answer) and isinstance(candidate, bool) == isinstance(answer, bool):
        try:
            return bool(candidate == answer) and isinstance(candidate, str) == isinstance(answer, str)
        except Exception:  # noqa: BLE001 - an uncomparable value is not the same answer
            return False
    return False


def namespace_objects(namespace: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Every public object of the namespace, and the items of its lists, tuples and dicts (one level down)."""
    for name, value in list(namespace.items()):
        if name.startswith("_") or name in ("In", "Out", "exit", "quit", "get_ipython", "challenge"):
            continue
        yield name, value
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value[:PER_CONTAINER]):
                yield f"{name}[{index}]", item
        elif isinstance(value, dict):
            for key in list(value)[:PER_CONTAINER]:
                yield f"{name}[{key!r}]", value[key]


def mutations(answer: Any) -> Iterator[tuple[str, Any]]:
    """Mechanical changes of a right answer: a deep copy, case and whitespace, a number off by a little."""
    if isinstance(answer, str):
        for kind, changed in (
            ("upper case", answer.upper()),
            ("lower case", answer.lower()),
            ("spacing (spaces around)", f" {answer} "),
            ("spacing (a newline after)", answer + "\n"),
            ("spacing (a doubled space)", answer.replace(" ", "  ", 1)),
        ):
            if changed != answer:
                yield kind, changed
    elif isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        yield "plus one", answer + 1
        yield "minus one", answer - 1
        if isinstance(answer, numbers.Integral):
            yield "as a float", float(answer) + 0.5
        else:
            yield "off by a percent", answer * 1.01 + 1e-3
    elif answer is not None and type(answer).__name__ not in NOT_COPIED:
        try:
            kind = (
                "deep copy of plain data"
                if _plain_data(answer)
                else f"deep copy of a value record ({type(answer).__name__})"
                if dataclasses.is_dataclass(answer)
                else f"deep copy of a {type(answer).__name__}"
            )
            yield kind, copy.deepcopy(answer)
        except Exception:  # noqa: BLE001 - some objects (streams, open stores) cannot be copied: nothing to try
            pass


def decided_later(answer: Any) -> Iterator[tuple[str, Any]]:
    """A pending request (a PendingApproval) as a listing made after its decision shows it: not what was decided on."""
    if (
        dataclasses.is_dataclass(answer)
        and getattr(answer, "status", None) == "pending"
        and hasattr(answer, "decision")
    ):
        yield (
            "the same request, listed after it was decided",
            dataclasses.replace(answer, status="completed", decision="approved"),
        )


def from_other_stores(answer: Any, namespace: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """The same conversation loaded from every other store of the namespace (a record is only right from its own)."""
    conversation_id = getattr(answer, "conversation_id", None)
    if not isinstance(conversation_id, str) or not hasattr(answer, "revision"):
        return
    for name, store in namespace_objects(namespace):
        if not (callable(getattr(store, "load", None)) and callable(getattr(store, "save", None))):
            continue
        try:
            other = store.load(conversation_id)
        except Exception:  # noqa: BLE001 - a store without it, or that cannot read it: nothing to try
            continue
        same_copy = (other.revision, other.updated_at, other.session) == (
            answer.revision,
            answer.updated_at,
            answer.session,
        )
        if not same_copy:  # the very copy the answer was loaded from is the right answer, loaded again
            yield f"the same conversation from the lab's `{name}`", other


def check_arguments(exercise_id: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments the exercise's check cell passes, evaluated in the namespace."""
    call = ast.parse(definition(exercise_id).check_call.strip()).body[0].value
    return {kw.arg: eval(compile(ast.Expression(kw.value), "<check>", "eval"), dict(namespace)) for kw in call.keywords}  # noqa: S307


def attack(exercise_id: str, namespace: Mapping[str, Any], stale: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Hand every candidate to the checker in place of each answer; raise naming any that passed.

    Args:
        exercise_id: e.g. "04.1".
        namespace: the lab kernel's globals, right after the exercise's solution ran.
        stale: the solution's answers from its previous run (another challenge), to try as well.

    Returns:
        How many namespace objects and how many mutations were tried: {"objects": n, "mutations": m}.
    """
    ex = definition(exercise_id)
    arguments = check_arguments(exercise_id, namespace)
    right = evaluate(exercise_id, **arguments)
    assert right.passed, f"the solution of {exercise_id} does not pass before the adversary starts: {right}"
    accepted, counts = [], {"objects": 0, "mutations": 0}
    for name in ex.answers:
        answer = arguments[name]
        tries: list[tuple[str, str, Any]] = []
        seen: set[int] = set()
        for label, value in namespace_objects(namespace):
            if id(value) in seen or not _compatible(value, answer) or _same(value, answer):
                continue
            seen.add(id(value))
            tries.append(("objects", f"the lab's `{label}`", value))
        for kind, value in mutations(answer):
            tries.append(("mutations", kind, value))
        for kind, value in [*from_other_stores(answer, namespace), *decided_later(answer)]:
            tries.append(("mutations", kind, value))
        if stale is not None and name in stale and not _same(stale[name], answer) and stale[name] is not None:
            tries.append(("mutations", "the answer to the previous challenge", stale[name]))
        for group, label, value in tries:
            counts[group] += 1
            feedback = evaluate(exercise_id, **{**arguments, name: value})
            if feedback.passed:
                kind = label.split(" (")[0]
                keys = {(e, n, k) for e in (exercise_id, "*") for n in (name, "*") for k in (label, kind)}
                if not keys & ALLOWED.keys():
                    accepted.append(f"`{name}` = {label} ({type(value).__name__})")
                continue
            message = feedback.message
            assert len(message) >= 40 and "Traceback" not in message, (
                f"{exercise_id}: `{name}` = {label} was rejected without saying why: {message!r}"
            )
    again = evaluate(exercise_id, **arguments)
    assert again.passed, f"{exercise_id}: the adversary changed the state the solution left: {again}"
    assert not accepted, f"{exercise_id} accepted {len(accepted)} wrong answer(s): " + "; ".join(accepted)
    print(
        f"adversary {exercise_id}: {counts['objects']} namespace objects and {counts['mutations']} mutations rejected"
    )
    if os.environ.get(REPORT_ENV):  # the counts, one JSON line per exercise, for the closing note of a change
        with open(os.environ[REPORT_ENV], "a", encoding="utf-8") as report:
            report.write(json.dumps({"exercise": exercise_id, **counts}) + "\n")
    return counts
