"""One conversation turn in a fresh process, with the history in Redis: the scale-out story.

    reply = run_turn_in_new_process(server.url, session_id, "My name is Ana")              # process 1
    reply = run_turn_in_new_process(server.url, session_id, "What is my name?")            # process 2

Each call starts a new Python process that knows nothing but the Redis URL and the
session id. It builds an agent with `RedisHistoryProvider`, runs one turn, and exits. The
second process still answers with the full history, because the history never lived in a
process: any number of workers on any number of machines can serve one conversation.

Command line:
    COURSE_REDIS_URL=redis://... python -m modules.labkit.redis_turn --session-id ID [--model local|echo] MESSAGE
(the URL travels in the environment, not the command line, where `ps` would show a password in it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from typing import Any

from agent_framework import AgentSession

from modules.runtime import run_json_child
from modules.storage import redis_history_provider

REDIS_URL_ENV = "COURSE_REDIS_URL"
TURN_TIMEOUT_S = 300.0  # the local model answers in seconds; this only stops a hung process


def _chat_client(model: str) -> Any:
    if model == "echo":
        from modules.labkit.context_echo import ContextEchoClient

        return ContextEchoClient()
    from modules.config import load_settings
    from modules.tiers import local_chat_client

    return local_chat_client(load_settings())


async def run_turn(redis_url: str, session_id: str, message: str, *, model: str = "local") -> dict[str, Any]:
    """Run one turn in *this* process; returns the reply, this process's id and the stored history length."""
    history = redis_history_provider(redis_url)
    try:
        agent = _chat_client(model).as_agent(
            name="assistant", instructions="You are a helpful, brief assistant.", context_providers=[history]
        )
        # Only the id crosses the process boundary: the session holds no messages, Redis does.
        session = AgentSession(session_id=session_id)
        response = await agent.run(message, session=session)
        stored = await history.get_messages(session_id)
        return {"reply": response.text, "pid": os.getpid(), "history_messages": len(stored)}
    finally:
        await history.aclose()


def run_turn_in_new_process(
    redis_url: str, session_id: str, message: str, *, model: str = "local", timeout_s: float = TURN_TIMEOUT_S
) -> dict[str, Any]:
    """Run one turn in a separate Python process and return what it reported.

    Args:
        redis_url: The Redis server holding the session's history.
        session_id: The session to continue.
        message: The user's message for this turn.
        model: The tier whose chat client answers.
        timeout_s: How long the child may take.
    """
    arguments = ["--session-id", session_id, "--model", model, message]
    return run_json_child(
        "modules.labkit.redis_turn",
        *arguments,
        env={**os.environ, REDIS_URL_ENV: redis_url},
        timeout_s=timeout_s,
        what="The turn process",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--session-id", required=True)
    parser.add_argument("--model", choices=("local", "echo"), default="local")
    parser.add_argument("message")
    args = parser.parse_args(argv)
    redis_url = os.environ.get(REDIS_URL_ENV)
    if not redis_url:
        parser.error(f"set {REDIS_URL_ENV} to the Redis URL, e.g. redis://127.0.0.1:6379/0")
    print(json.dumps(asyncio.run(run_turn(redis_url, args.session_id, args.message, model=args.model))))


if __name__ == "__main__":
    main()
