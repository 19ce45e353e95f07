"""A stand-in model that answers with what it was given: the number of messages and the user's lines.

    agent = ContextEchoClient().as_agent(name="echo")
    await agent.run("My name is Ana", session=session)   # -> "I received 1 messages. You said: My name is Ana"

Storage tests and the scale-out demo use it to *prove* that a conversation continued in
another process arrived with its full history, which a real model's answer cannot show
reliably. Deterministic, instant, no weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent_framework import BaseChatClient, ChatMiddlewareLayer, ChatResponse, FunctionInvocationLayer, Message
from agent_framework.observability import ChatTelemetryLayer


class _RawContextEchoClient(BaseChatClient):
    model = "context-echo"

    async def _echo(self, messages: Sequence[Message]) -> ChatResponse:
        said = " | ".join(m.text for m in messages if m.role == "user")
        reply = f"I received {len(messages)} messages. You said: {said}"
        return ChatResponse(messages=[Message("assistant", [reply])], model=self.model)

    def _inner_get_response(
        self, *, messages: Sequence[Message], stream: bool, options: Mapping[str, Any], **kwargs: Any
    ) -> Any:
        if stream:
            raise NotImplementedError("ContextEchoClient does not stream.")
        return self._echo(messages)


class ContextEchoClient(FunctionInvocationLayer, ChatMiddlewareLayer, ChatTelemetryLayer, _RawContextEchoClient):
    """Agent Framework chat client whose reply reports the context it received."""
