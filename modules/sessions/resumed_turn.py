"""The child's side of `resume_session_in_new_process`: restore the session from JSON, run one turn, hand it back.

Run as `python -m modules.sessions.resumed_turn` with the request as JSON on stdin; prints the reply as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from modules.runtime import parent_service

__all__ = ["run_resumed_turn"]

AGENT_NAME = "assistant"


async def run_resumed_turn(request: dict[str, Any]) -> dict[str, Any]:
    """The child's side: exactly the lines lab 03 teaches.

    Args:
        request: The parent's request: `session_json`, `question`, `store`, `instructions`, `max_tokens`.

    Returns:
        The answer `text`, the `session_json` after the turn, this process's `pid` and the `input_tokens` sent.
    """
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
    from modules.tiers import cloud_chat_client

    settings = load_settings()
    client = cloud_chat_client(settings, parent_service() if settings.cloud.backend == "local_service" else None)
    return client.as_agent(
        name=AGENT_NAME, instructions=request.get("instructions"), default_options={"store": request["store"]}
    )


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run_resumed_turn(json.loads(sys.stdin.read())))))
