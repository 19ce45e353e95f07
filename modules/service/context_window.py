"""Whether a request fits the model's context window, checked before the model runs.

The model drops the oldest stored turns to make room, but it cannot drop the instructions or the new
input: if those alone, plus the tokens reserved for the answer, exceed the window, the request is a 400
(`context_length_exceeded`), as OpenAI answers it, instead of a model failure halfway through a turn.
"""

from __future__ import annotations

from pathlib import Path

from agent_framework import Message

from modules.service.errors import ApiError
from modules.tiers import CONTEXT_TOKENS, load_model, prompt_token_count


def check_fits_context(
    model_path: Path | None, messages: list[Message], instructions: str | None, max_tokens: int
) -> None:
    """Raise a 400 unless the instructions, the new input and the answer's `max_tokens` fit the context window.

    Synchronous (it tokenizes with the model): call it off the event loop.
    """
    chat = [{"role": "system", "content": instructions}] if instructions else []
    for message in messages:
        role = "system" if message.role in ("system", "developer") else message.role
        if message.text:
            chat.append({"role": role, "content": message.text})
    needed = prompt_token_count(load_model(model_path), chat)
    budget = CONTEXT_TOKENS - max_tokens
    if needed > budget:
        raise ApiError(
            400,
            f"Instructions and input are {needed} tokens; with {max_tokens} tokens kept for the answer, this "
            f"model's context window of {CONTEXT_TOKENS} tokens leaves room for {budget}. Shorten the input or "
            "the instructions, or lower max_output_tokens.",
            param="input",
            code="context_length_exceeded",
        )
