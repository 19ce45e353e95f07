"""Continue a suspended conversation in a brand-new Python process.

The parent passes the child nothing but the suspended session as JSON (`json.dumps(session.to_dict())`) and the
next question. The child rebuilds the agent from the settings, restores the session with
`AgentSession.from_dict(json.loads(...))`, runs one turn with `agent.run(question, session=session)`, and hands
back `json.dumps(session.to_dict())` again. Endpoints and keys reach the child through its environment, never
through the conversation.

    result = continue_in_new_process(json.dumps(session.to_dict()), "And then?", service=tiers.service)
    session = AgentSession.from_dict(json.loads(result.session_json))
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

from modules.labkit.child_process import run_json_child
from modules.service.process import environment_for_child, parent_service

HANDOFF_TIMEOUT_S = 180.0
AGENT_NAME = "assistant"


class HandoffError(RuntimeError):
    """The child process could not continue the conversation."""


@dataclass
class HandoffResult:
    text: str
    session_json: str  # json.dumps(session.to_dict()) after the child's turn
    child_pid: int
    input_tokens: int | None = None  # what the child's turn sent the model, as the backend reported it


def continue_in_new_process(
    session_json: str,
    question: str,
    *,
    service: Any = None,
    store: bool = True,
    instructions: str | None = None,
    max_tokens: int = 120,
    timeout_s: float = HANDOFF_TIMEOUT_S,
) -> HandoffResult:
    """Run one more turn of the suspended conversation in a fresh interpreter; return its answer and new JSON.

    `service` is the running LocalService in the offline default (None for real endpoints);
    `store` must match how the conversation was held: True for service-managed, False for in-memory.
    """
    if not isinstance(session_json, str):
        raise TypeError(
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
        "modules.sessions.handoff",
        stdin=json.dumps(request),
        env=environment_for_child(service),
        timeout_s=timeout_s,
        error=HandoffError,
    )
    return HandoffResult(reply["text"], reply["session_json"], reply["pid"], reply.get("input_tokens"))


async def run_resumed_turn(request: dict[str, Any]) -> dict[str, Any]:
    """The child's side: exactly the lines lab 03 teaches."""
    from agent_framework import AgentSession

    agent = _build_agent(request)
    session = AgentSession.from_dict(json.loads(request["session_json"]))
    response = await agent.run(request["question"], session=session, options={"max_tokens": request["max_tokens"]})
    return {
        "text": response.text,
        "session_json": json.dumps(session.to_dict()),
        "pid": os.getpid(),
        "input_tokens": (response.usage_details or {}).get("input_token_count"),
    }


def _build_agent(request: dict[str, Any]) -> Any:
    from modules.config import load_settings
    from modules.tiers.clients import cloud_chat_client

    settings = load_settings()
    client = cloud_chat_client(settings, parent_service() if settings.cloud.backend == "local_service" else None)
    return client.as_agent(
        name=AGENT_NAME, instructions=request.get("instructions"), default_options={"store": request["store"]}
    )


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_resumed_turn(json.loads(sys.stdin.read())))))
