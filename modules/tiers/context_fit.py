"""Fit a prompt into a model's context window, and say exactly what was kept: never a silent cut.

    fitted = fit_prompt(llm, chat, window=2048, max_tokens=64)                      # refuses what does not fit
    fitted = fit_prompt(llm, chat, window=2048, max_tokens=64, truncation="auto", keep_last=1)
    fitted.messages, fitted.prompt_tokens, fitted.dropped                            # what the model is given

`truncation` follows OpenAI's Responses API: `"disabled"` (the default) refuses a prompt that, with the answer's
tokens, exceeds the window (`ContextWindowExceededError`); `"auto"` drops the oldest messages, whole turns at a
time, never the system prompt or the `keep_last` newest messages (the new input), and reports how many it dropped.
Sizes are counted with the model's own chat template, so `prompt_tokens` is what llama.cpp tokenises.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from modules.tiers.chat_template import prompt_token_count
from modules.tiers.errors import TierError, TierUsageError

Truncation = Literal["auto", "disabled"]
TRUNCATION_MODES: tuple[str, ...] = ("disabled", "auto")


class ContextWindowExceededError(TierError, ValueError):
    """A prompt does not fit a tier's context window; the message names the tier, its window and the sizes.

    Attributes:
        window: The model's context window, in tokens.
        budget: What the window leaves for the prompt once the answer's tokens are kept aside.
        needed: The prompt's size in tokens (with `truncation="auto"`: the part that cannot be dropped).
    """

    def __init__(self, tier: str, *, window: int, max_tokens: int, needed: int, what: str, fix: str) -> None:
        budget = window - max_tokens
        super().__init__(
            tier,
            "context_length_exceeded",
            f"The {tier} tier's context window is {window:,} tokens; with {max_tokens:,} kept for the answer, "
            f"{budget:,} are left for the prompt, and {what} is {needed:,} tokens. {fix}",
        )
        self.window, self.budget, self.needed = window, budget, needed


@dataclass(frozen=True)
class FittedPrompt:
    """What a model is given after fitting: the messages, their size as the model counts it, and what was dropped.

    Attributes:
        messages: The chat messages the model is given, as `{"role": ..., "content": ...}` dicts.
        prompt_tokens: Their size in tokens, rendered with the model's chat template.
        dropped: How many of the oldest messages were left out (0 with `truncation="disabled"`).
        window: The model's context window, in tokens.
        max_tokens: The tokens kept for the answer.
        dropped_messages: The messages left out, oldest first (not stored anywhere: for the caller to report).
    """

    messages: list[dict[str, str]]
    prompt_tokens: int
    dropped: int = 0
    window: int = 0
    max_tokens: int = 0
    dropped_messages: list[dict[str, str]] = field(default_factory=list, repr=False)

    def as_record(self) -> dict[str, Any]:
        """The JSON-safe summary an exchange record or a response stores: counts, never the text."""
        return {
            "messages": len(self.messages),
            "prompt_tokens": self.prompt_tokens,
            "dropped_messages": self.dropped,
            "context_window": self.window,
            "max_output_tokens": self.max_tokens,
        }


def fit_prompt(
    llm: Any,
    messages: Sequence[Mapping[str, str]],
    *,
    window: int,
    max_tokens: int,
    truncation: Truncation = "disabled",
    keep_last: int = 1,
    tier: str = "local",
) -> FittedPrompt:
    """The messages the model can be given within `window - max_tokens` tokens.

    Args:
        llm: A model from `modules.tiers.load_model()` (anything with its `tokenize` and chat template).
        messages: The chat, `{"role": ..., "content": ...}` dicts; a leading system message is the instructions.
        window: The model's context window, in tokens.
        max_tokens: The tokens kept for the answer.
        truncation: "disabled" refuses a prompt that does not fit; "auto" drops the oldest turns and says how many.
        keep_last: With "auto", how many newest messages (the new input) are never dropped.
        tier: The tier's name, for the error message.

    Returns:
        The fitted prompt: messages, their token count, how many were dropped.

    Raises:
        ContextWindowExceededError: the prompt does not fit ("disabled"), or its undroppable part alone does not.
        TierUsageError: (a ValueError) `truncation` is neither "auto" nor "disabled".
    """

    if truncation not in TRUNCATION_MODES:
        raise TierUsageError(
            tier, "invalid_truncation", f"truncation must be 'auto' or 'disabled', not {truncation!r}."
        )
    chat = [{"role": m["role"], "content": m["content"]} for m in messages]
    budget = window - max_tokens
    needed = prompt_token_count(llm, chat)
    if needed <= budget:
        return FittedPrompt(chat, needed, 0, window, max_tokens)
    system = chat[:1] if chat and chat[0]["role"] == "system" else []
    body = chat[len(system) :]
    keep_last = max(1, min(keep_last, len(body)))
    if truncation == "disabled":
        newest = prompt_token_count(llm, system + body[-keep_last:])
        if newest > budget:
            raise _too_large_anyway(tier, window, max_tokens, newest)
        raise ContextWindowExceededError(
            tier,
            window=window,
            max_tokens=max_tokens,
            needed=needed,
            what=f"this prompt ({len(chat)} messages)",
            fix="Compact the conversation first (a sliding window or a summary: see the persistence guide), or "
            "send truncation='auto' to drop its oldest turns.",
        )
    # "auto": the fewest oldest messages whose removal makes the prompt fit (the size only shrinks as more go).
    droppable = len(body) - keep_last
    low, high = 1, droppable
    if prompt_token_count(llm, system + body[droppable:]) > budget:
        raise _too_large_anyway(tier, window, max_tokens, prompt_token_count(llm, system + body[droppable:]))
    while low < high:
        middle = (low + high) // 2
        if prompt_token_count(llm, system + body[middle:]) <= budget:
            high = middle
        else:
            low = middle + 1
    cut = low
    while cut < droppable and body[cut]["role"] != "user":  # whole turns: the kept history starts with a question
        cut += 1
    kept = system + body[cut:]
    return FittedPrompt(kept, prompt_token_count(llm, kept), cut, window, max_tokens, body[:cut])


def _too_large_anyway(tier: str, window: int, max_tokens: int, needed: int) -> ContextWindowExceededError:
    return ContextWindowExceededError(
        tier,
        window=window,
        max_tokens=max_tokens,
        needed=needed,
        what="the newest message with the instructions alone",
        fix="No history can be dropped to make room: shorten the message or the instructions, or lower max_tokens.",
    )
