"""What of a conversation the model is given, under the Responses API's `truncation` setting. Nothing is cut silently.

The model's window (2,048 tokens for SmolLM2) must hold the instructions, the stored turns the request continues,
the new input and the `max_output_tokens` kept for the answer. When it cannot:

- `truncation: "disabled"` (the default, as in OpenAI's API): a 400 `context_length_exceeded`;
- `truncation: "auto"`: the oldest stored turns are left out, whole turns at a time, and the response says how many
  in its `input_truncation` object; the instructions and the new input are never dropped (if they alone do not fit,
  it is the same 400).

Stored turns are never deleted: `input_items` lists the whole history; only the model's view is shorter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_framework import Message

from modules.service.errors import ApiError
from modules.tiers import CONTEXT_TOKENS, ContextWindowExceededError, FittedPrompt, fit_prompt, load_model

# The extension object every response carries (beside OpenAI's `truncation` field) to say what the model was given.
INPUT_TRUNCATION_FIELD = "input_truncation"


@dataclass(frozen=True)
class FittedHistory:
    """What the model is given for one request, and the report the response carries.

    Attributes:
        history: The stored messages kept (the newest ones), in order.
        input: The request's input messages kept (all of them unless `truncation="auto"` had to drop some).
        dropped_items: How many messages (stored first, then input) were left out, oldest first.
        prompt: The fitted prompt (instructions, kept messages) with its token count.
    """

    history: list[Message]
    input: list[Message]
    dropped_items: int
    prompt: FittedPrompt

    def report(self, truncation: str) -> dict[str, Any]:
        """The response's `input_truncation` object: what the model was given and what was left out."""
        return {
            "truncation": truncation,
            "dropped_items": self.dropped_items,
            "kept_items": len(self.history) + len(self.input),
            "input_tokens": self.prompt.prompt_tokens,
            "context_window": self.prompt.window,
            "max_output_tokens": self.prompt.max_tokens,
        }


def fit_history(
    model_path: Path | None,
    history: list[Message],
    messages: list[Message],
    instructions: str | None,
    max_tokens: int,
    truncation: str = "disabled",
) -> FittedHistory:
    """The stored turns and input to give the model, under `truncation`; a 400 when they cannot fit.

    With "auto", items are dropped from the start of the conversation (the stored turns, then the input's older
    messages, as OpenAI does), whole turns at a time; the newest input message and the instructions never are.
    Synchronous (it tokenizes with the model): call it off the event loop.

    Args:
        model_path: The GGUF file the service runs (None: SmolLM2).
        history: The stored messages the request continues, oldest first.
        messages: The request's new input.
        instructions: The request's instructions, or None.
        max_tokens: The tokens kept for the answer.
        truncation: "disabled" or "auto".

    Returns:
        The kept history and input, how many messages were dropped, and the fitted prompt.

    Raises:
        ApiError: 400 `context_length_exceeded`, naming the sizes and what to do.
    """
    conversation = [*history, *messages]
    chat = [(index, chat) for index, message in enumerate(conversation) if (chat := _chat(message)) is not None]
    system = [{"role": "system", "content": instructions}] if instructions else []
    try:
        fitted = fit_prompt(
            load_model(model_path),
            [*system, *(item for _, item in chat)],
            window=CONTEXT_TOKENS,
            max_tokens=max_tokens,
            truncation="auto" if truncation == "auto" else "disabled",
            keep_last=1,
            tier="cloud",
        )
    except ContextWindowExceededError as error:
        raise _too_long(error, truncation, len(chat) > 1) from None
    if not fitted.dropped:
        return FittedHistory(list(history), list(messages), 0, fitted)
    # fit_prompt keeps a leading system message: the instructions, or else a stored one (which stays too).
    pinned = [chat[0][0]] if not system and chat[0][1]["role"] == "system" else []
    cut = chat[len(pinned) + fitted.dropped][0]  # the oldest message after a pinned one that the model gets
    kept = [*pinned, *range(cut, len(conversation))]
    kept_history = [history[i] for i in kept if i < len(history)]
    kept_input = [messages[i - len(history)] for i in kept if i >= len(history)]
    return FittedHistory(kept_history, kept_input, len(conversation) - len(kept), fitted)


def _chat(message: Message) -> dict[str, str] | None:
    """The message as the model is given it (the embedded client's rule: text of system, user, assistant)."""
    role = "system" if message.role in ("system", "developer") else str(message.role)
    if role in ("system", "user", "assistant") and message.text:
        return {"role": role, "content": message.text}
    return None


def _too_long(error: ContextWindowExceededError, truncation: str, has_history: bool) -> ApiError:
    what = "Instructions and input are" if truncation == "auto" or not has_history else "The conversation so far is"
    fix = (
        "Shorten the input or the instructions, or lower max_output_tokens."
        if truncation == "auto" or not has_history
        else "Send truncation='auto' to drop its oldest turns, start a new conversation, or compact the history "
        "before sending it."
    )
    return ApiError(
        400,
        f"{what} {error.needed} tokens; with {error.window - error.budget} tokens kept for the answer, this "
        f"model's context window of {error.window} tokens leaves room for {error.budget}. {fix}",
        param="input",
        code="context_length_exceeded",
    )
