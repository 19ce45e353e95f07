"""Which questions each chat client was sent, and when: a checker reads it to tell which agent ran a turn.

Both of a lab's agents may carry the same name, so a session cannot say which tier wrote a reply. A challenge
that needs to know watches the clients of the lab's agents (`watch(agent)`); the verifier then asks what each was
sent after the challenge was issued (`asked(agent, since)`).
"""

from __future__ import annotations

import time
from typing import Any

from agent_framework import ChatContext, chat_middleware

_sent: dict[int, list[tuple[float, str]]] = {}  # id(chat client) -> [(when, the newest user text it was sent)]


def _last_user_text(messages: Any) -> str:
    for message in reversed(list(messages or [])):
        if getattr(message, "role", None) == "user":
            return getattr(message, "text", "") or ""
    return ""


def watch(agent: Any) -> None:
    """Record every request the agent's chat client is sent from now on (once per client)."""
    client = getattr(agent, "client", None)
    middleware = getattr(client, "chat_middleware", None)
    if client is None or not isinstance(middleware, list) or id(client) in _sent:
        return
    sent = _sent.setdefault(id(client), [])

    @chat_middleware
    async def record_question(context: ChatContext, call_next: Any) -> None:
        sent.append((time.time(), _last_user_text(context.messages)))
        await call_next()

    middleware.append(record_question)


def asked(agent: Any, since: float) -> list[str] | None:
    """The questions the agent's client was sent after `since`, or None if it is not watched."""
    sent = _sent.get(id(getattr(agent, "client", None)))
    return None if sent is None else [text for when, text in sent if when >= since]
