"""Function tools in the service, as the Responses API defines them.

    tools        [{"type": "function", "name": ..., "description": ..., "parameters": <JSON schema>}]
    tool_choice  "auto" | "none" | "required" | {"type": "function", "name": ...}
    input items  {"type": "function_call", "call_id", "name", "arguments"}   (a call the model made earlier)
                 {"type": "function_call_output", "call_id", "output"}      (its result, from the client)
    output item  {"type": "function_call", "id": "fc_...", "call_id": "call_...", "name", "arguments", "status"}
    streaming    response.output_item.added, response.function_call_arguments.delta / .done, response.output_item.done

The service never runs a tool: it returns the call, the client runs it and sends the result back as a
`function_call_output` item, continuing the chain (`previous_response_id`) or the conversation. The model writes the
arguments under a grammar built from the tool's schema, so every call is valid JSON for its schema
(`modules.tiers.local_tools`). A tool type the service cannot run (web_search, file_search, mcp, ...) or a schema
it cannot turn into a grammar is a 400 naming the tool, never ignored.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from agent_framework import Content, FunctionTool, Message
from agent_framework_hosting_responses import messages_from_responses_input, responses_to_run

from modules.service.errors import ApiError
from modules.tiers import ToolSpec, call_schema, result_text

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TOOLS = 32
MAX_RESULT_CHARS = 16_000  # a function result is input too: the same bound as the input's text
_EMPTY_PARAMETERS = {"type": "object", "properties": {}}


def tool_aware_run(body: Mapping[str, Any]) -> dict[str, Any]:
    """`responses_to_run(body)`, with `function_call` / `function_call_output` input items read as well.

    Args:
        body: The request body (already checked to be a JSON object).

    Returns:
        The run arguments (`messages`, `options`, `stream`), the messages holding the tool items in order.

    Raises:
        ValueError: The input is malformed (the caller answers a 400).
    """
    messages = input_messages(body.get("input"))
    run = responses_to_run({**body, "input": "-"})  # the options and flags; the input was read above
    run["messages"] = messages
    return run


def input_messages(value: Any) -> list[Message]:
    """The `input` as messages: tool items become an assistant `function_call` or a tool `function_result`."""
    if not isinstance(value, list):
        return messages_from_responses_input(value)
    messages: list[Message] = []
    plain: list[Any] = []
    for index, item in enumerate(value):
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind not in ("function_call", "function_call_output"):
            plain.append(item)
            continue
        if plain:
            messages += messages_from_responses_input(plain)
            plain = []
        messages.append(_tool_message(item, index))
    if plain:
        messages += messages_from_responses_input(plain)
    if not messages:
        raise ApiError(400, "`input` produced no messages: give at least one message.", param="input")
    return messages


def _tool_message(item: Mapping[str, Any], index: int) -> Message:
    call_id = item.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise ApiError(400, f"input[{index}] ({item['type']}) needs a `call_id` string.", param=f"input[{index}]")
    if item["type"] == "function_call":
        name, arguments = item.get("name"), item.get("arguments")
        if not isinstance(name, str) or not isinstance(arguments, str):
            raise ApiError(
                400, f"input[{index}] (function_call) needs `name` and `arguments` strings.", param=f"input[{index}]"
            )
        extra = {"fc_id": item["id"]} if isinstance(item.get("id"), str) else {}
        return Message("assistant", [Content.from_function_call(call_id, name, arguments=arguments, **_props(extra))])
    return Message("tool", [Content.from_function_result(call_id, result=_output_text(item.get("output"), index))])


def _props(extra: dict[str, str]) -> dict[str, Any]:
    return {"additional_properties": extra} if extra else {}


def _output_text(output: Any, index: int) -> str:
    """A function_call_output's `output`: a string, or a list of `input_text` parts (joined), of bounded length."""
    if isinstance(output, list) and all(isinstance(p, Mapping) and p.get("type") == "input_text" for p in output):
        output = "".join(str(p.get("text", "")) for p in output)
    if isinstance(output, str):
        if len(output) > MAX_RESULT_CHARS:
            raise ApiError(
                400,
                f"input[{index}].output is {len(output)} characters; this service accepts at most "
                f"{MAX_RESULT_CHARS}. Return a shorter result from the tool.",
                param=f"input[{index}].output",
                code="string_above_max_length",
            )
        return output
    raise ApiError(
        400,
        f"input[{index}].output must be a string or a list of input_text parts; this service reads no images or "
        "files in a function result.",
        param=f"input[{index}].output",
        code="invalid_value",
    )


def tool_options(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request's `tools` and `tool_choice`, checked: (options for the agent, fields the response reports).

    Args:
        body: The request body.

    Returns:
        Agent Framework options (declaration-only `FunctionTool`s and a `tool_choice`; empty without tools) and the
        `tools` / `tool_choice` / `parallel_tool_calls` fields of the response, as the client sent them.

    Raises:
        ApiError: 400 for a tool type the service cannot run, a malformed tool or schema, a duplicate name, or a
            `tool_choice` that names no offered tool.
    """
    tools = body.get("tools")
    if tools is None:
        tools = []
    if not isinstance(tools, list):
        raise ApiError(400, "`tools` must be a list of tool objects.", param="tools", code="invalid_type")
    if len(tools) > MAX_TOOLS:
        raise ApiError(400, f"At most {MAX_TOOLS} tools per request; got {len(tools)}.", param="tools")
    specs = [_spec(tool, index) for index, tool in enumerate(tools)]
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ApiError(400, f"Two tools are named {duplicate!r}; names must be unique.", param="tools")
    choice = _choice(body.get("tool_choice"), names)
    fields = {"tools": tools, "tool_choice": body.get("tool_choice") or "auto"}
    fields["parallel_tool_calls"] = bool(body.get("parallel_tool_calls", True))
    if not specs:
        return {}, fields
    declared = [
        FunctionTool(name=s.name, description=s.description, func=None, input_model=s.parameters) for s in specs
    ]
    return {"tools": declared, "tool_choice": choice}, fields


def _spec(tool: Any, index: int) -> ToolSpec:
    where = f"tools[{index}]"
    if not isinstance(tool, Mapping):
        raise ApiError(400, f"`{where}` must be an object.", param=where, code="invalid_type")
    kind = tool.get("type")
    if kind != "function":
        raise ApiError(
            400,
            f"Tool type {str(kind)[:40]!r} ({where}) is not supported by the course's local service: it runs function "
            "tools only (type 'function'), which your code executes. Remove this tool, or use a real OpenAI endpoint "
            "for hosted tools.",
            param=f"{where}.type",
            code="unsupported_value",
        )
    name = tool.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ApiError(
            400,
            f"`{where}.name` must be 1-64 letters, digits, '_' or '-'.",
            param=f"{where}.name",
            code="invalid_value",
        )
    description = tool.get("description") or ""
    if not isinstance(description, str):
        raise ApiError(400, f"`{where}.description` must be a string.", param=f"{where}.description")
    parameters = tool.get("parameters")
    parameters = dict(_EMPTY_PARAMETERS) if parameters is None else parameters
    if not isinstance(parameters, Mapping) or parameters.get("type", "object") != "object":
        raise ApiError(
            400,
            f"`{where}.parameters` must be a JSON schema of type 'object'.",
            param=f"{where}.parameters",
            code="invalid_value",
        )
    spec = ToolSpec(name, description, dict(parameters))
    _check_schema(spec, where)
    return spec


def _check_schema(spec: ToolSpec, where: str) -> None:
    """A schema the service can enforce: valid JSON Schema, and one llama.cpp can turn into a grammar."""
    import jsonschema
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    try:
        jsonschema.Draft202012Validator.check_schema(spec.parameters)
        json_schema_to_gbnf(json.dumps(call_schema([spec])))
    except Exception as error:  # noqa: BLE001 - any failure here means: this schema cannot be enforced
        reason = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        raise ApiError(
            400,
            f"`{where}.parameters` cannot be enforced as a grammar ({str(reason)[:160]}). Use plain JSON Schema: "
            "object, string, number, integer, boolean, array, enum, const, required; no remote $ref.",
            param=f"{where}.parameters",
            code="invalid_value",
        ) from None


def _choice(value: Any, names: Sequence[str]) -> Any:
    """`tool_choice` as Agent Framework's ToolMode."""
    if value is None:
        return "auto"
    if value in ("auto", "none", "required"):
        if value == "required" and not names:
            raise ApiError(400, "tool_choice 'required' needs at least one tool in `tools`.", param="tool_choice")
        return value
    if isinstance(value, Mapping) and value.get("type") == "function":
        name = value.get("name")
        if name not in names:
            raise ApiError(
                400,
                f"tool_choice names the function {str(name)[:64]!r}, which is not in `tools` "
                f"({', '.join(names) or 'no tools'}). Add it to `tools` or name one of them.",
                param="tool_choice",
                code="invalid_value",
            )
        return {"mode": "required", "required_function_name": name}
    shown = json.dumps(value)[:80]
    raise ApiError(
        400,
        f"tool_choice {shown} is not supported by the course's local service. Use 'auto', 'none', 'required' or "
        '{"type": "function", "name": ...}.',
        param="tool_choice",
        code="unsupported_value",
    )


def with_item_ids(payload: dict[str, Any]) -> dict[str, Any]:
    """Give every `function_call` output item an `fc_...` id (as OpenAI does); returns the payload."""
    for item in payload.get("output") or []:
        if isinstance(item, dict) and item.get("type") == "function_call" and not item.get("id"):
            item["id"] = f"fc_{uuid.uuid4().hex}"
    return payload


def tool_item(message: Message) -> list[dict[str, Any]]:
    """The Responses items for a stored message holding tool contents (empty for a plain message)."""
    items = []
    for content in message.contents:
        if content.type == "function_call":
            item_id = content.additional_properties.get("fc_id") if content.additional_properties else None
            arguments = content.arguments if isinstance(content.arguments, str) else json.dumps(content.arguments)
            items.append(
                {
                    "type": "function_call",
                    "id": item_id,
                    "call_id": content.call_id,
                    "name": content.name,
                    "arguments": arguments,
                    "status": "completed",
                }
            )
        elif content.type == "function_result":
            items.append(
                {"type": "function_call_output", "call_id": content.call_id, "output": result_text(content.result)}
            )
    return items


async def with_function_call_events(events: AsyncIterator[str]) -> AsyncIterator[str]:
    """The SSE events of a streamed turn, with the function-call events added before the terminal one.

    The stream helper reports a function call only inside the final response; a Responses client also expects
    `response.output_item.added`, `response.function_call_arguments.delta` / `.done` and
    `response.output_item.done` for it. Sequence numbers are renumbered so they stay consecutive.

    Args:
        events: SSE event strings from `responses_from_streaming_run`.

    Yields:
        SSE event strings.
    """
    number = 0

    def sse(kind: str, data: dict[str, Any]) -> str:
        nonlocal number
        data = {**data, "type": kind, "sequence_number": number}
        number += 1
        return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"

    async for event in events:
        head, _, raw = event.partition("\ndata: ")
        kind, data = head.removeprefix("event: "), json.loads(raw)
        response = data.get("response")
        if kind in ("response.completed", "response.incomplete") and isinstance(response, dict):
            with_item_ids(response)
            for index, item in enumerate(response.get("output") or []):
                if item.get("type") != "function_call":
                    continue
                yield sse(
                    "response.output_item.added",
                    {"output_index": index, "item": {**item, "arguments": "", "status": "in_progress"}},
                )
                common = {"item_id": item["id"], "output_index": index}
                yield sse("response.function_call_arguments.delta", {**common, "delta": item["arguments"]})
                yield sse(
                    "response.function_call_arguments.done",
                    {**common, "arguments": item["arguments"], "name": item["name"]},
                )
                yield sse("response.output_item.done", {"output_index": index, "item": item})
        yield sse(kind, data)
