"""Challenges: inputs an exercise's checker hands out and the lab has not used, new on every run.

    challenge = exercise("04.1")     # the first line of an exercise's cell
    challenge.filename               # 'mine-3f9a1c.sqlite3': the checker opens that file, not one the lab made

Issuing a challenge also notes which objects the cell's namespace already holds: an answer that is one of them
(the lab's store, a reply from a lab cell, the answer of an earlier run) was not made for this challenge, and the
checker says so by name. The registry of issued challenges lives here, with the exercises, not in the library.
"""

from __future__ import annotations

import inspect
import numbers
import secrets
import time
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Challenge:
    """What one exercise asks for this time: read its values as attributes (`challenge.question`).

    Attributes:
        exercise_id: The exercise it was issued for, e.g. "04.1".
        token: A random word that differs on every run.
        issued_at: When it was issued (epoch seconds): what the checker sees must have happened after it.
        values: The inputs handed out, by name; a name starting with "_" is what the checker noted when it issued
            the challenge (what a store held, for instance), kept out of `print(challenge)`.
    """

    exercise_id: str
    token: str
    issued_at: float
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        offered = (
            ", ".join(f"challenge.{key}" for key in values if not key.startswith("_"))
            or "no values, only the time it was issued"
        )
        raise AttributeError(f"This exercise's challenge has no {name!r}: it offers {offered}.")

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self.values.items() if not key.startswith("_"))
        issued = time.strftime("%H:%M:%S", time.localtime(self.issued_at))
        return f"Challenge for exercise {self.exercise_id}, issued at {issued}: {shown or 'answers made after it'}"


ValueMaker = Callable[[str, Mapping[str, Any]], dict[str, Any]]

_issued: dict[str, Challenge] = {}
_existing: dict[str, dict[int, tuple[str, Any]]] = {}  # exercise id -> {id(object): (its name, the object)}

_VALUES = (str, bytes, numbers.Number, type(None), type(...), types.ModuleType, type, Challenge)


def _guarded(value: Any) -> bool:
    """Whether identity means something for this value: not a plain value, a module, a function or a class."""
    return not isinstance(value, _VALUES) and not callable(value) or inspect.isawaitable(value)


def issue(exercise_id: str, make: ValueMaker | None, namespace: Mapping[str, Any]) -> Challenge:
    """Hand out a new challenge for one exercise and note the objects `namespace` already holds.

    Args:
        exercise_id: e.g. "04.1".
        make: builds the challenge's values from a random token and the namespace (None: no values).
        namespace: the globals of the cell that asked for it.

    Returns:
        The challenge; the checker judges the exercise against the latest one issued.
    """
    token = secrets.token_hex(3)
    values = make(token, namespace) if make is not None else {}
    challenge = Challenge(exercise_id, token, time.time(), values)
    _existing[exercise_id] = {
        id(value): (name, value)
        for name, value in namespace.items()
        if not name.startswith("_") and name != "challenge" and _guarded(value)
    }
    _issued[exercise_id] = challenge
    return challenge


def issued(exercise_id: str) -> Challenge | None:
    """The latest challenge issued for an exercise in this interpreter, or None."""
    return _issued.get(exercise_id)


def made_before(exercise_id: str, value: Any) -> str | None:
    """The name `value` was bound to when the exercise's challenge was issued, if it already existed then."""
    if not _guarded(value):
        return None
    found = _existing.get(exercise_id, {}).get(id(value))
    return found[0] if found is not None and found[1] is value else None


def forget(exercise_id: str | None = None) -> None:
    """Drop the challenges issued (all, or one exercise's), as a new kernel would."""
    for registry in (_issued, _existing):
        if exercise_id is None:
            registry.clear()
        else:
            registry.pop(exercise_id, None)
