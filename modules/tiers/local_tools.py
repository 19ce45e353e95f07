"""Function calling for the embedded model: the tool decision, and arguments generated under a JSON-schema grammar.

A 135M model cannot be trusted to write valid JSON, let alone JSON that fits a tool's schema, so it is never asked
to. When a call is due, llama.cpp samples it under a grammar built from the tools' schemas
(`LlamaGrammar.from_json_schema`): the output is `{"name": <one of the tools>, "arguments": <that tool's schema>}`
by construction. Which tool, and whether to call one at all, is still the model's choice, and a weak one (see the
graded tool set): name the tool with `tool_choice` where the choice matters.

    tool_choice  none      -> a text answer, the tools unused
                 auto      -> the model's first token decides: "<" (or "{") starts a call, anything else a text answer
                 required  -> a call to one of the tools (the model picks which)
                 named     -> a call to that tool

After a function result the model answers in text: it makes at most one call per user turn (so Agent Framework's
tool loop ends after one round trip instead of running to its iteration limit).

Strings without a `maxLength` get one of MAX_STRING_CHARS and arrays without `maxItems` one of MAX_ARRAY_ITEMS in
the grammar (never in the schema the caller sees), so a call always ends; any output still fits the schema.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent_framework import Content, Message

from modules.tiers.errors import TierUsageError

MAX_STRING_CHARS = 200
MAX_ARRAY_ITEMS = 8
CALL_OPENING = "<tool_call>"
CALL_CLOSING = "</tool_call>"
# Contents only Agent Framework reads (approval bookkeeping); the model never sees them.
_CONTROL_CONTENTS = ("function_approval_request", "function_approval_response", "usage")


@dataclass(frozen=True)
class ToolSpec:
    """One function the model may call.

    Args:
        name: The function's name.
        description: What it does, as the model is told.
        parameters: Its arguments' JSON schema (an object schema).
    """

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """A call the model made: `arguments` is JSON text valid for the tool's schema."""

    call_id: str
    name: str
    arguments: str
    prompt_tokens: int
    completion_tokens: int


def tool_specs(tools: Any) -> list[ToolSpec]:
    """The function tools among Agent Framework's `options["tools"]` (FunctionTool objects), as ToolSpecs.

    Args:
        tools: What a chat client receives as `options["tools"]`: None, one tool, or a sequence.

    Returns:
        One ToolSpec per function tool, in order; other tool kinds are left out.
    """
    if tools is None:
        return []
    listed = tools if isinstance(tools, Sequence) and not isinstance(tools, (str, bytes)) else [tools]
    specs = []
    for tool in listed:
        parameters = getattr(tool, "parameters", None)
        if callable(parameters) and getattr(tool, "name", None):
            specs.append(ToolSpec(tool.name, getattr(tool, "description", "") or "", dict(parameters())))
    return specs


def tool_mode(options: Mapping[str, Any]) -> tuple[str, str | None]:
    """`options["tool_choice"]` as (mode, required function name): ("auto", None), ("required", "add"), ...

    Args:
        options: A chat client's options; `tool_choice` may be a string or Agent Framework's ToolMode dict.

    Returns:
        The mode ("none", "auto" or "required") and the one tool it names, if any. Default: auto.
    """
    choice = options.get("tool_choice")
    if choice is None:
        return "auto", None
    if isinstance(choice, str):
        return choice, None
    return choice.get("mode", "auto"), choice.get("required_function_name")


def calls_due(messages: Sequence[Message], options: Mapping[str, Any]) -> bool:
    """True when this turn may call a tool: function tools are offered, tool_choice is not "none", and the newest
    message is not a function result (after a result the model answers in text)."""
    if not tool_specs(options.get("tools")) or tool_mode(options)[0] == "none":
        return False
    newest = messages[-1] if messages else None
    return not (newest is not None and any(c.type == "function_result" for c in newest.contents))


def as_text(messages: Sequence[Message]) -> list[Message]:
    """The messages with tool calls and results written out as text, the way the model is shown them.

    A function call becomes the assistant's `<tool_call>{"name": ..., "arguments": ...}</tool_call>`, a result a
    user message `<tool_response>...</tool_response>`; approval bookkeeping is left out.

    Args:
        messages: Agent Framework messages, possibly holding `function_call` / `function_result` contents.

    Returns:
        New messages carrying only text (messages without tool contents are returned as they are).
    """
    shown: list[Message] = []
    for message in messages:
        if not any(c.type in ("function_call", "function_result", *_CONTROL_CONTENTS) for c in message.contents):
            shown.append(message)
            continue
        for content in message.contents:
            if content.type == "function_call":
                shown.append(Message("assistant", [Content.from_text(text=call_text(content.name, content.arguments))]))
            elif content.type == "function_result":
                result = result_text(content.result)
                shown.append(Message("user", [Content.from_text(text=f"<tool_response>\n{result}\n</tool_response>")]))
            elif content.type == "text" and content.text:
                shown.append(Message(message.role, [content]))
    return shown


def call_text(name: str | None, arguments: Any) -> str:
    """A call as the model writes it."""
    parsed = arguments if not isinstance(arguments, str) else _json_or_text(arguments)
    return f"{CALL_OPENING}{json.dumps({'name': name, 'arguments': parsed})}{CALL_CLOSING}"


def result_text(result: Any) -> str:
    """A function result as text.

    Args:
        result: What the function returned.

    Returns:
        The string itself, or JSON for anything else.
    """
    if isinstance(result, str):
        return result
    return json.dumps(result, default=str)


def tools_prompt(specs: Sequence[ToolSpec]) -> str:
    """The system text that tells the model which functions it can call, and how."""
    lines = [
        "You can call these functions. To call one, answer only with "
        f'{CALL_OPENING}{{"name": <function name>, "arguments": <JSON object>}}{CALL_CLOSING}. '
        "Otherwise answer in plain text.",
        "Functions:",
    ]
    lines += [f"- {s.name}: {s.description} Parameters: {json.dumps(s.parameters)}" for s in specs]
    return "\n".join(lines)


def chosen_tools(specs: Sequence[ToolSpec], required_name: str | None) -> list[ToolSpec]:
    """The tools a call may go to: the named one, or all of them."""
    if required_name is None:
        return list(specs)
    named = [s for s in specs if s.name == required_name]
    if not named:
        offered = ", ".join(s.name for s in specs) or "none"
        raise TierUsageError(
            "local",
            "unknown_tool",
            f"tool_choice names {required_name!r}, which is not among the tools offered ({offered}): name one of "
            "them, or pass the tool to the agent.",
        )
    return named


def call_schema(specs: Sequence[ToolSpec]) -> dict[str, Any]:
    """The JSON schema of one call to any of `specs`, bounded (see `bounded`).

    Args:
        specs: The tools a call may go to.

    Returns:
        `{"name": <const>, "arguments": <its schema>}` for one tool, a `oneOf` of those for several.
    """
    alternatives = [
        {
            "type": "object",
            "properties": {"name": {"const": s.name}, "arguments": bounded(s.parameters)},
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for s in specs
    ]
    return alternatives[0] if len(alternatives) == 1 else {"oneOf": alternatives}


def bounded(schema: Any) -> Any:
    """A copy of `schema` whose strings, arrays and objects cannot grow without end (see the module docstring)."""
    schema = copy.deepcopy(schema)
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "string" in kinds and not {"maxLength", "enum", "const", "pattern", "format"} & node.keys():
            node["maxLength"] = MAX_STRING_CHARS
        if "array" in kinds and "maxItems" not in node:
            node["maxItems"] = MAX_ARRAY_ITEMS
        if ("object" in kinds or "properties" in node) and "additionalProperties" not in node:
            node["additionalProperties"] = False
        pending.extend(v for k, v in node.items() if k not in ("enum", "const", "default", "examples"))
    return schema


@functools.lru_cache(maxsize=32)
def _grammar(schema_json: str) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema_json, verbose=False)


def wants_call(llm: Any, prompt: str) -> bool:
    """tool_choice "auto": the model's own first token says whether it calls a function."""
    first = llm.create_completion(prompt=prompt, max_tokens=1, temperature=0.0)["choices"][0]["text"]
    return first.lstrip().startswith(("<", "{"))


def generate_call(llm: Any, prompt: str, specs: Sequence[ToolSpec], max_tokens: int) -> ToolCall | None:
    """One call to one of `specs`, sampled under the call grammar (greedy, so the same prompt gives the same call).

    Args:
        llm: A model from `load_model()`.
        prompt: The rendered prompt (see `prompt_text`), ending where the assistant's answer begins.
        specs: The tools the call may go to.
        max_tokens: The cap on the call's length.

    Returns:
        The call, or None when `max_tokens` ran out before the call was complete (nothing half-written is returned).
    """
    grammar = _grammar(json.dumps(call_schema(specs), sort_keys=True))
    result = llm.create_completion(
        prompt=prompt + CALL_OPENING, grammar=grammar, max_tokens=max_tokens, temperature=0.0, repeat_penalty=1.0
    )
    choice, usage = result["choices"][0], result.get("usage") or {}
    if choice.get("finish_reason") == "length":
        return None
    call = json.loads(choice["text"])
    return ToolCall(
        call_id=f"call_{uuid.uuid4().hex[:24]}",
        name=call["name"],
        arguments=json.dumps(call["arguments"]),
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0),
    )


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
