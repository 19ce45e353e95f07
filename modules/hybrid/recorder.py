"""Record what a tier's chat client was actually given: the messages of every call, as (role, text) pairs.

    recorder = SentMessagesRecorder()
    await agent.run("Hi", session=session, middleware=[recorder])
    recorder.calls[-1]          # [("user", "..."), ("assistant", "..."), ..., ("user", "Hi")]

It is a chat middleware, so it sees the message list after the session's history was added and compacted for the
tier (`modules.hybrid.compaction`), and before the client turns it into a request: what the tier was given. The
client may not fit it any further: the embedded model refuses a prompt that does not fit instead of cutting it.
(Instructions travel as an option, not as a message, and are not counted.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from agent_framework import ChatContext, ChatMiddleware, Message


class SentMessagesRecorder(ChatMiddleware):
    """Keeps the (role, text) messages of every chat call that passes through it, oldest call first."""

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, str]]] = []
        self.messages: list[list[Message]] = []  # the same calls as the messages themselves (ids, annotations)

    async def process(self, context: ChatContext, call_next: Callable[[], Awaitable[None]]) -> None:
        self.calls.append([(str(m.role), m.text or "") for m in context.messages])
        self.messages.append(list(context.messages))
        await call_next()

    @property
    def last(self) -> list[tuple[str, str]]:
        if not self.calls:
            raise LookupError("No chat call has passed through this recorder yet.")
        return self.calls[-1]
