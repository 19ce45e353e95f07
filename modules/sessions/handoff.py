"""Continue a suspended conversation in a brand-new Python process.

The parent passes the child nothing but the suspended session as JSON (`json.dumps(session.to_dict())`) and the
next question. The child rebuilds the agent from the settings, restores the session with
`AgentSession.from_dict(json.loads(...))`, runs one turn with `agent.run(question, session=session)`, and hands
back `json.dumps(session.to_dict())` again. Endpoints and keys reach the child through its environment, never
through the conversation.

    result = resume_session_in_new_process(json.dumps(session.to_dict()), "And then?", service=tiers.service)
    session = AgentSession.from_dict(json.loads(result.session_json))
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modules.runtime import ProcessError, environment_for_child, run_json_child

__all__ = [
    "HandoffError",
    "HandoffInputError",
    "SessionHandoffResult",
    "resume_session_in_new_process",
    "result_observers",
]

HANDOFF_TIMEOUT_S = 180.0


class HandoffError(ProcessError):
    """The child process could not continue the conversation; the message carries its error output.

    Raised by both hand-overs: `resume_session_in_new_process` (lab 03) and `resume_hybrid_in_new_process` (lab 06).
    """


class HandoffInputError(HandoffError, TypeError):
    """`session_json` is not the JSON text of a session."""


@dataclass
class SessionHandoffResult:
    """What the child process answered and the session it hands back (from `resume_session_in_new_process`).

    Args:
        text: The child's answer.
        session_json: `json.dumps(session.to_dict())` after the child's turn.
        child_pid: The child's process id (not this process's).
        input_tokens: What the child's turn sent the model, as the backend reported it.
    """

    text: str
    session_json: str  # json.dumps(session.to_dict()) after the child's turn
    child_pid: int
    input_tokens: int | None = None  # what the child's turn sent the model, as the backend reported it


# Called with every result a child hands back. The exercises register one to tell such a result from one built by
# hand; the registry itself lives with them (`modules.exercises.handoffs`).
result_observers: list[Callable[[SessionHandoffResult], None]] = []


def resume_session_in_new_process(
    session_json: str,
    question: str,
    *,
    service: Any = None,
    store: bool = True,
    instructions: str | None = None,
    max_tokens: int = 120,
    timeout_s: float = HANDOFF_TIMEOUT_S,
) -> SessionHandoffResult:
    """Run one more turn of the suspended conversation in a fresh interpreter; return its answer and new JSON.

    Args:
        session_json: The suspended session, `json.dumps(session.to_dict())`.
        question: The next question to ask in the child process.
        service: The running LocalService in the offline default (None for real endpoints).
        store: How the conversation was held: True for service-managed, False for in-memory.
        instructions: The agent's instructions in the child, or None.
        max_tokens: The cap on the answer's length.
        timeout_s: How long the child may take, in seconds.

    Returns:
        The child's answer, the session JSON after its turn, its process id and the input tokens it sent.

    Raises:
        HandoffInputError: (a TypeError) `session_json` is not a string.
        json.JSONDecodeError: `session_json` is not JSON (checked here, before any child starts).
        HandoffError: The child failed, timed out or printed no reply; the message carries its error output.
    """
    if not isinstance(session_json, str):
        raise HandoffInputError(
            f"session_json must be the JSON text of a session, not a {type(session_json).__name__}: "
            "pass json.dumps(session.to_dict())."
        )
    json.loads(session_json)  # fail here, in the parent, on text that is not JSON
    request = {
        "session_json": session_json,
        "question": question,
        "store": store,
        "instructions": instructions,
        "max_tokens": max_tokens,
    }
    reply = run_json_child(
        "modules.sessions.resumed_turn",
        stdin=json.dumps(request),
        env=environment_for_child(service),
        timeout_s=timeout_s,
        error=HandoffError,
    )
    result = SessionHandoffResult(reply["text"], reply["session_json"], reply["pid"], reply.get("input_tokens"))
    for observe in result_observers:
        observe(result)
    return result
