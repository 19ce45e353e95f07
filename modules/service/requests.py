"""Reading a `POST /v1/responses` body: the size limits, the store flag and every numeric option."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from agent_framework import Message
from agent_framework_hosting_responses import responses_session_id, responses_to_run
from fastapi import Request

from modules.service.errors import ApiError

MAX_BODY_BYTES = 256 * 1024
MAX_INPUT_CHARS = 16_000
MAX_OUTPUT_TOKENS = 512
# Request fields passed on to the model; everything else (tools, reasoning, ...) is accepted and ignored.
PASSED_OPTIONS = ("instructions", "temperature", "top_p", "max_tokens")
# Numeric options of the Responses API: (integer only, lowest, highest). Checked even when not passed on.
NUMERIC_OPTIONS: dict[str, tuple[bool, float, float | None]] = {
    "max_output_tokens": (True, 1, None),
    "temperature": (False, 0.0, 2.0),
    "top_p": (False, 0.0, 1.0),
    "top_logprobs": (True, 0, 20),
    "max_tool_calls": (True, 1, None),
}


@dataclass
class ResponseRequest:
    messages: list[Message]
    options: dict[str, Any]
    stream: bool
    store: bool
    previous_id: str | None  # a resp_... or conv_... id, or None for a new chain
    in_conversation: bool


async def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(
            413, f"Request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}.", code="request_too_large"
        )
    if not raw.strip() and allow_empty:
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, f"Request body is not valid JSON ({error}).") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return body


def response_request(body: dict[str, Any]) -> ResponseRequest:
    """Validate a Responses request body; ApiError (400) names the first field that is wrong."""
    for name, (integer, lowest, highest) in NUMERIC_OPTIONS.items():
        if body.get(name) is not None:
            check_number(name, body[name], integer=integer, lowest=lowest, highest=highest)
    try:
        previous_id, in_conversation = responses_session_id(body)
        run = responses_to_run(body)
    except ValueError as error:
        raise ApiError(400, str(error)) from None
    store = body.get("store", True)
    if not isinstance(store, bool):
        raise ApiError(400, "`store` must be true or false.", param="store")
    check_input_size(run["messages"])
    options = {key: run["options"][key] for key in PASSED_OPTIONS if run["options"].get(key) is not None}
    options["max_tokens"] = min(int(options.get("max_tokens", MAX_OUTPUT_TOKENS)), MAX_OUTPUT_TOKENS)
    return ResponseRequest(run["messages"], options, run["stream"], store, previous_id, bool(in_conversation))


def check_number(name: str, value: Any, *, integer: bool, lowest: float, highest: float | None) -> None:
    kind = "an integer" if integer else "a number"
    allowed = f"from {lowest:g} to {highest:g}" if highest is not None else f"of at least {lowest:g}"
    is_number = isinstance(value, int) if integer else isinstance(value, (int, float)) and math.isfinite(value)
    if isinstance(value, bool) or not is_number or value < lowest or (highest is not None and value > highest):
        raise ApiError(
            400, f"`{name}` must be {kind} {allowed}; got {json.dumps(value)}.", param=name, code="invalid_value"
        )


def check_input_size(messages: list[Message]) -> None:
    size = sum(len(m.text or "") for m in messages)
    if size > MAX_INPUT_CHARS:
        raise ApiError(
            400,
            f"Input is {size} characters; this service accepts at most {MAX_INPUT_CHARS}.",
            param="input",
            code="input_too_long",
        )
