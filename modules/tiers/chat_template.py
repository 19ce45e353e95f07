"""The model's own chat template: render a conversation as llama.cpp does, and count its tokens.

    prompt_token_count(llm, [{"role": "user", "content": "Hi"}])    # the tokens the model is given
    prompt_text(llm, chat)                                            # the prompt, ready for the assistant's answer

Fitting (`context_fit`), the embedded client (`local_model`) and its tool calls (`local_tools`) all count and render
through here, so what is measured is what llama.cpp tokenises.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["chat_formatter", "prompt_text", "prompt_token_count", "special_token"]


def prompt_token_count(llm: Any, messages: Sequence[Mapping[str, str]]) -> int:
    """How many tokens the model is given for `messages`: rendered with the model's own chat template, as llama.cpp
    renders it (ChatML for SmolLM2, another format for another GGUF).

    Args:
        llm: A model from `load_model()`.
        messages: Chat messages as `{"role": ..., "content": ...}` dicts.

    Returns:
        The prompt's length in tokens, as the model will count it.
    """
    template = llm.metadata.get("tokenizer.chat_template")
    if template is None:  # an old GGUF without a template: llama.cpp uses a generic format; count the text itself
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages)
        return len(llm.tokenize(text.encode(), add_bos=True))
    formatter = chat_formatter(template, special_token(llm, llm.token_eos()), special_token(llm, llm.token_bos()))
    prompt = formatter(messages=list(messages)).prompt
    return len(llm.tokenize(prompt.encode(), add_bos=False, special=True))  # the template writes the BOS itself


def prompt_text(llm: Any, chat: Sequence[Mapping[str, str]]) -> str:
    """`chat` rendered with the model's chat template, ready for the assistant's answer."""
    template = llm.metadata.get("tokenizer.chat_template")
    if template is None:
        return "".join(f"{m['role']}: {m['content']}\n" for m in chat) + "assistant: "
    formatter = chat_formatter(template, special_token(llm, llm.token_eos()), special_token(llm, llm.token_bos()))
    return formatter(messages=list(chat)).prompt


@functools.lru_cache(maxsize=4)
def chat_formatter(template: str, eos_token: str, bos_token: str) -> Any:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    return Jinja2ChatFormatter(template=template, eos_token=eos_token, bos_token=bos_token)


def special_token(llm: Any, token: int) -> str:
    return llm.detokenize([token], special=True).decode(errors="ignore") if token != -1 else ""
