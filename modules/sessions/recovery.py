"""Recover when a stored service id no longer resolves (expired, deleted, or another service's).

A service-managed session holds only an id; if the service has forgotten it, the next run
fails with a 404. Recovery is either a fresh session, or a fresh session seeded with a
transcript the app kept itself — the service then stores that history under new ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openai
from agent_framework import AgentSession, Message
from agent_framework.exceptions import ChatClientException


@dataclass
class RecoveredRun:
    response: Any
    session: AgentSession
    recovered: bool
    reason: str | None = None


def is_unknown_service_id(error: BaseException) -> bool:
    """True when the service answered 404 for the session's stored id.

    Args:
        error: The error a run raised.
    """
    cause = error.__cause__ if isinstance(error, ChatClientException) else error
    return isinstance(cause, openai.NotFoundError)


async def run_or_recover(
    agent: Any, session: AgentSession, question: str, *, transcript: Sequence[Message] = (), **run_options: Any
) -> RecoveredRun:
    """Run `question`; if the service no longer knows the session's id, start again (replaying `transcript`, if any).

    Args:
        agent: The agent to run.
        session: The session to continue.
        question: The user's message.
        transcript: Earlier messages to replay into a new session.
        run_options: Passed on to `agent.run`.
    """
    try:
        return RecoveredRun(await agent.run(question, session=session, **run_options), session, recovered=False)
    except ChatClientException as error:
        if not is_unknown_service_id(error):
            raise
        reason = f"the service no longer has {session.service_session_id!r}"
    fresh = agent.create_session()
    messages = [*transcript, Message("user", [question])]
    return RecoveredRun(await agent.run(messages, session=fresh, **run_options), fresh, recovered=True, reason=reason)
