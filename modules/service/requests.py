"""Reading a request body: the size cap (applied while reading), valid text, and every option's type and range.

Every client mistake is answered here with a 400 (or 413) in the OpenAI error shape, before anything is stored
or the model runs; a request that passes cannot fail later because of what the client sent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from agent_framework import Message
from agent_framework_hosting_responses import responses_session_id
from fastapi import Request

from modules.service.errors import ApiError
from modules.service.tools import tool_aware_run, tool_options
from modules.tiers import TRUNCATION_MODES

MAX_BODY_BYTES = 256 * 1024
MAX_INPUT_CHARS = 16_000
MAX_INSTRUCTIONS_CHARS = 16_000
MAX_OUTPUT_TOKENS = 512
# Options that must be JSON booleans: `"stream": "false"` is a non-empty string, which Python would call true.
BOOLEAN_OPTIONS = ("stream", "store", "background", "parallel_tool_calls")
# Request fields passed on to the model (tools and tool_choice: modules.service.tools); everything else (reasoning,
# ...) is accepted and ignored.
PASSED_OPTIONS = ("instructions", "temperature", "top_p", "max_tokens")
# Numeric options of the Responses API: (integer only, lowest, highest). Checked even when not passed on.
NUMERIC_OPTIONS: dict[str, tuple[bool, float, float | None]] = {
    "max_output_tokens": (True, 1, None),
    "temperature": (False, 0.0, 2.0),
    "top_p": (False, 0.0, 1.0),
    "top_logprobs": (True, 0, 20),
    "max_tool_calls": (True, 1, None),
    "max_tokens": (True, 1, None),  # not a Responses field, but the model would receive it as given
}


@dataclass
class ResponseRequest:
    messages: list[Message]
    options: dict[str, Any]
    stream: bool
    store: bool
    previous_id: str | None  # a resp_... or conv_... id, or None for a new chain
    in_conversation: bool
    tool_fields: dict[str, Any] = field(default_factory=dict)  # tools, tool_choice, ... as the response reports them
    truncation: str = "disabled"  # "auto" drops the oldest stored turns that do not fit, and says so


async def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, read with a size cap; ApiError (413 or 400) says what is wrong with it."""
    raw = await capped_body(request)
    if not raw.strip() and allow_empty:
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, f"Request body is not valid JSON ({error}).") from None
    except RecursionError:
        raise ApiError(400, "Request body is nested too deeply to be a Responses request.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    if (where := first_invalid_text(body)) is not None:
        where = _shown(where)
        raise ApiError(
            400,
            f"`{where}` is not valid Unicode text (it holds a lone surrogate, such as \\ud800). Send UTF-8 text.",
            param=where,
            code="invalid_value",
        )
    return body


async def capped_body(request: Request) -> bytes:
    """The body, read chunk by chunk and refused (413) as soon as it passes MAX_BODY_BYTES, never read whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large(f"Request body is {declared} bytes; the limit is {MAX_BODY_BYTES}.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large(f"Request body is over the limit of {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(message: str) -> ApiError:
    return ApiError(413, f"{message} Send a shorter input.", code="request_too_large")


def first_invalid_text(value: Any) -> str | None:
    """Where the first string (or key) that UTF-8 cannot encode sits in `value`, as a dotted path; None if none."""
    pending: list[tuple[str, Any]] = [("body", value)]
    while pending:  # a loop, not recursion: depth is whatever json.loads accepted
        where, item = pending.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                if not _is_text(key):
                    return where
                pending.append((key if where == "body" else f"{where}.{key}", child))
        elif isinstance(item, list):
            pending.extend((f"{where}[{index}]", child) for index, child in enumerate(item))
    return None


def _shown(text: str, limit: int = 80) -> str:
    """`text` cut to `limit` characters: an error names what was sent, it does not echo a whole field."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def response_request(body: dict[str, Any]) -> ResponseRequest:
    """Validate a Responses request body; ApiError (400) names the first field that is wrong."""
    for name, (integer, lowest, highest) in NUMERIC_OPTIONS.items():
        if body.get(name) is not None:
            check_number(name, body[name], integer=integer, lowest=lowest, highest=highest)
    for name in BOOLEAN_OPTIONS:
        if body.get(name) is not None and not isinstance(body[name], bool):
            raise ApiError(
                400,
                f"`{name}` must be true or false (a JSON boolean); got {_shown(json.dumps(body[name]))}.",
                param=name,
                code="invalid_type",
            )
    check_instructions(body.get("instructions"))
    truncation = check_truncation(body.get("truncation"))
    try:
        previous_id, in_conversation = responses_session_id(body)
        run = tool_aware_run(body)
    except (ValueError, TypeError, AttributeError, KeyError) as error:  # the parser's word on a malformed input
        raise ApiError(400, f"Invalid request: {error}") from None
    check_input_size(run["messages"])
    options = {key: run["options"][key] for key in PASSED_OPTIONS if run["options"].get(key) is not None}
    options["max_tokens"] = min(int(options.get("max_tokens", MAX_OUTPUT_TOKENS)), MAX_OUTPUT_TOKENS)
    tools, tool_fields = tool_options(body)
    store = body.get("store", True)
    return ResponseRequest(
        run["messages"],
        options | tools,
        run["stream"],
        store,
        previous_id,
        bool(in_conversation),
        tool_fields=tool_fields,
        truncation=truncation,
    )


def check_truncation(truncation: Any) -> str:
    """`truncation` is "disabled" (the default, as in OpenAI's API) or "auto"; anything else is a 400."""
    if truncation is None:
        return "disabled"
    if truncation not in TRUNCATION_MODES:
        raise ApiError(
            400,
            f'`truncation` must be "auto" or "disabled"; got {_shown(json.dumps(truncation))}.',
            param="truncation",
            code="invalid_value",
        )
    return truncation


def check_instructions(instructions: Any) -> None:
    """Instructions are optional; when given, a string of at most MAX_INSTRUCTIONS_CHARS."""
    if instructions is None:
        return
    if not isinstance(instructions, str):
        raise ApiError(400, "`instructions` must be a string.", param="instructions", code="invalid_type")
    if len(instructions) > MAX_INSTRUCTIONS_CHARS:
        raise ApiError(
            400,
            f"`instructions` is {len(instructions)} characters; this service accepts at most "
            f"{MAX_INSTRUCTIONS_CHARS}. Shorten them.",
            param="instructions",
            code="string_above_max_length",
        )


def check_number(name: str, value: Any, *, integer: bool, lowest: float, highest: float | None) -> None:
    kind = "an integer" if integer else "a number"
    allowed = f"from {lowest:g} to {highest:g}" if highest is not None else f"of at least {lowest:g}"
    is_number = isinstance(value, int) if integer else isinstance(value, (int, float)) and math.isfinite(value)
    if isinstance(value, bool) or not is_number or value < lowest or (highest is not None and value > highest):
        got = _shown(json.dumps(value))
        raise ApiError(400, f"`{name}` must be {kind} {allowed}; got {got}.", param=name, code="invalid_value")


def check_input_size(messages: list[Message]) -> None:
    size = sum(len(m.text or "") for m in messages)
    if size > MAX_INPUT_CHARS:
        raise ApiError(
            400,
            f"Input is {size} characters; this service accepts at most {MAX_INPUT_CHARS}.",
            param="input",
            code="input_too_long",
        )
