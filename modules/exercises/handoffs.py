"""Which `SessionHandoffResult`s a child process handed back in this interpreter (exercise 03.3's registry).

The hand-over itself (`modules.sessions`) keeps no exercise state: it calls its `result_observers`, and this module
registers one that remembers each result by identity, so a result built by hand is told apart from a real one.
"""

from __future__ import annotations

import sys
import weakref

from modules.sessions import SessionHandoffResult, result_observers

_handed_back: weakref.WeakValueDictionary[int, SessionHandoffResult] = weakref.WeakValueDictionary()


def remember(result: SessionHandoffResult) -> None:
    """Note a result a child process handed back (called by the hand-over for every result), with the instructions
    the child's agent was given (read from the hand-over's own call: the result does not carry them)."""
    _handed_back[id(result)] = result
    caller = sys._getframe(1).f_locals
    object.__setattr__(result, "child_instructions", caller.get("instructions"))


def child_instructions(result: object) -> str | None:
    """The instructions the child's agent ran with (None: none, or a result not handed back here)."""
    return getattr(result, "child_instructions", None)


def handed_back_by_a_child(result: object) -> bool:
    """Whether `result` is a result `resume_session_in_new_process` returned, not one built by hand.

    Args:
        result: Any object.

    Returns:
        True for the very object a child process's turn produced in this interpreter.
    """
    return _handed_back.get(id(result)) is result


if remember not in result_observers:
    result_observers.append(remember)
