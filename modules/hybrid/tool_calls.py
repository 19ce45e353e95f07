"""Record the tool calls of a turn: which tool, with which arguments, what it returned, how long it took, which tier.

    calls = ToolCallRecorder(tier="local")
    await agent.run("What is 48 * 12?", session=session, middleware=[calls])
    calls.calls   # [{"tool": "multiply", "arguments": {"a": 48, "b": 12}, "result": "576.0", "duration_s": 0.0002,
                  #   "tier": "local", "error": None}]

It is a function middleware, so it sees every call Agent Framework's tool loop runs, whichever client asked for it:
the embedded model's and the cloud service's calls are recorded alike. The entries are plain JSON and go into the
exchange record under `tool_calls`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from agent_framework import FunctionInvocationContext, FunctionMiddleware

MAX_RESULT_CHARS = 500


class ToolCallRecorder(FunctionMiddleware):
    """Keeps one JSON-safe entry per tool call that passes through it, oldest first.

    Args:
        tier: The tier whose model asked for the calls ("local" or "cloud").
    """

    def __init__(self, tier: str) -> None:
        self.tier = tier
        self.calls: list[dict[str, Any]] = []

    async def process(self, context: FunctionInvocationContext, call_next: Callable[[], Awaitable[None]]) -> None:
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            await call_next()
        except BaseException as failure:
            error = failure
            raise
        finally:
            self.calls.append(
                {
                    "tool": context.function.name,
                    "arguments": _json_safe(context.arguments),
                    "result": None if error else _result_text(context.result),
                    "duration_s": round(time.perf_counter() - started, 6),
                    "tier": self.tier,
                    "error": None if error is None else type(error).__name__,
                }
            )


def _json_safe(arguments: Any) -> Any:
    if hasattr(arguments, "model_dump"):
        arguments = arguments.model_dump()
    try:
        return json.loads(json.dumps(arguments, default=str))
    except (TypeError, ValueError):
        return str(arguments)


def _result_text(result: Any) -> str:
    """The result as the model received it: text of its contents (a function's return is wrapped in Content)."""
    if isinstance(result, list):
        text = "".join(getattr(item, "text", None) or str(getattr(item, "result", "") or "") for item in result)
    else:
        text = result if isinstance(result, str) else json.dumps(result, default=str)
    return text if len(text) <= MAX_RESULT_CHARS else text[: MAX_RESULT_CHARS - 3] + "..."
