"""Time a streamed answer: time to first token, tokens per second, total time."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from agent_framework import Message


@dataclass
class StreamTiming:
    """How one streamed answer arrived (from `time_stream`).

    Attributes:
        prompt: The question asked.
        text: The whole answer.
        first_token_s: Seconds until the first token (the prompt's processing).
        total_s: Seconds until the last token.
        output_tokens: Tokens written, as the backend reported them.
    """

    prompt: str
    text: str
    first_token_s: float
    total_s: float
    output_tokens: int

    @property
    def tokens_per_s(self) -> float:
        """Decoding speed after the first token (prompt processing is in first_token_s)."""
        decoding = self.total_s - self.first_token_s
        return (self.output_tokens - 1) / decoding if self.output_tokens > 1 and decoding > 0 else 0.0


async def time_stream(client: Any, prompt: str, *, max_tokens: int = 64) -> StreamTiming:
    """Stream one answer from `client` and time it: first token, last token, tokens written.

    Args:
        client: An Agent Framework chat client (either tier's).
        prompt: The question to ask.
        max_tokens: The cap on the answer's length.

    Returns:
        The answer and its timings.
    """
    started = time.perf_counter()
    first_token_at = None
    stream = client.get_response(
        [Message("user", [prompt])], stream=True, options={"max_tokens": max_tokens, "store": False}
    )
    async for update in stream:
        if update.text and first_token_at is None:
            first_token_at = time.perf_counter()
    final = await stream.get_final_response()
    ended = time.perf_counter()
    usage = final.usage_details or {}
    return StreamTiming(
        prompt, final.text, (first_token_at or ended) - started, ended - started, usage.get("output_token_count") or 0
    )
