"""Function tools on the embedded tier (Agent Framework's tool loop over `EmbeddedChatClient`), and tool calls in the
exchange record of a hybrid conversation, for both tiers.

The small model's choice of tool is weak: the tests name the tool with `tool_choice` and assert the mechanism.
"""

from __future__ import annotations

import json

import jsonschema
import pytest
from agent_framework import ChatContext, ChatMiddleware, Content, Message, tool
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.config import load_settings
from modules.hybrid_conversation import HybridConversationManager
from modules.routing import HybridRouter
from modules.runtime.local_service import running_local_service
from modules.storage import SqliteStore
from modules.tiers import EmbeddedChatClient, Tiers
from modules.tiers.clients import LOCAL_SERVICE_MODEL
from modules.tiers.local_tools import MAX_STRING_CHARS, as_text, bounded

MULTIPLY_NAMED = {"mode": "required", "required_function_name": "multiply"}


class ModelCalls(ChatMiddleware):
    """Counts the chat calls (model turns) of a run."""

    def __init__(self) -> None:
        self.count = 0

    async def process(self, context: ChatContext, call_next) -> None:
        self.count += 1
        await call_next()


def tools_with(ledger: list):
    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        ledger.append(("multiply", a, b))
        return a * b

    @tool
    def convert_units(value: float, unit_from: str, unit_to: str) -> str:
        """Convert a value from one unit to another."""
        ledger.append(("convert_units", value, unit_from, unit_to))
        return f"{value} {unit_from} = ? {unit_to}"

    return [multiply, convert_units]


@pytest.fixture
def ledger() -> list:
    return []


@pytest.mark.parametrize("stream", [False, True])
async def test_a_named_tool_runs_once_its_result_goes_back_and_the_answer_follows(ledger, stream):
    tools = tools_with(ledger)
    calls = ModelCalls()
    agent = EmbeddedChatClient(middleware=[calls]).as_agent(tools=tools, default_options={"max_tokens": 48})
    if stream:
        run = agent.run("What is 48 * 12?", stream=True, options={"tool_choice": MULTIPLY_NAMED})
        async for _ in run:
            pass
        result = await run.get_final_response()
    else:
        result = await agent.run("What is 48 * 12?", options={"tool_choice": MULTIPLY_NAMED})
    call = next(c for m in result.messages for c in m.contents if c.type == "function_call")
    outcome = next(c for m in result.messages for c in m.contents if c.type == "function_result")
    assert call.name == "multiply" and outcome.call_id == call.call_id
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, tools[0].parameters())
    assert ledger == [("multiply", float(arguments["a"]), float(arguments["b"]))]  # ran exactly once
    assert result.messages[-1].role == "assistant" and result.messages[-1].text  # the answer after the result
    assert calls.count == 2  # one call turn, one answer turn: the loop ends after the result


async def test_tool_choice_none_answers_without_calling(ledger):
    agent = EmbeddedChatClient().as_agent(tools=tools_with(ledger), default_options={"max_tokens": 16})
    result = await agent.run("What is 48 * 12?", options={"tool_choice": "none"})
    assert ledger == [] and all(c.type == "text" for m in result.messages for c in m.contents)


async def test_required_calls_one_of_the_tools_with_valid_arguments(ledger):
    tools = tools_with(ledger)
    agent = EmbeddedChatClient().as_agent(tools=tools, default_options={"max_tokens": 128})
    result = await agent.run("Convert 3 miles to kilometres.", options={"tool_choice": "required"})
    calls = [c for m in result.messages for c in m.contents if c.type == "function_call"]
    assert len(calls) == 1, [m.to_dict() for m in result.messages]
    call = calls[0]
    schema = next(t for t in tools if t.name == call.name).parameters()
    jsonschema.validate(json.loads(call.arguments), schema)
    assert len(ledger) == 1 and ledger[0][0] == call.name


def test_the_model_sees_calls_and_results_as_text_and_never_approval_bookkeeping():
    call = Content.from_function_call("call_1", "multiply", arguments='{"a": 2, "b": 3}')
    shown = as_text(
        [
            Message("user", ["What is 2 * 3?"]),
            Message("assistant", [call]),
            Message("tool", [Content.from_function_result("call_1", result=6)]),
            Message("assistant", [Content.from_function_approval_request(id="r1", function_call=call)]),
        ]
    )
    assert [(m.role, m.text) for m in shown] == [
        ("user", "What is 2 * 3?"),
        ("assistant", '<tool_call>{"name": "multiply", "arguments": {"a": 2, "b": 3}}</tool_call>'),
        ("user", "<tool_response>\n6\n</tool_response>"),
    ]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"s": {"type": "string"}}},
        {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "string"}}}},
        {"type": "object", "properties": {"o": {"type": "object", "properties": {"s": {"type": ["string", "null"]}}}}},
        {"type": "object", "properties": {"u": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}},
    ],
)
def test_the_grammar_bounds_every_string_and_array_and_never_the_callers_schema(schema):
    original = json.dumps(schema, sort_keys=True)
    grammar_schema = bounded(schema)
    assert json.dumps(schema, sort_keys=True) == original
    strings, arrays, pending = [], [], [grammar_schema]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            kinds = node.get("type") if isinstance(node.get("type"), list) else [node.get("type")]
            strings += [node] if "string" in kinds else []
            arrays += [node] if "array" in kinds else []
            pending += list(node.values())
        elif isinstance(node, list):
            pending += node
    assert strings or arrays
    assert all(s["maxLength"] == MAX_STRING_CHARS for s in strings) and all("maxItems" in a for a in arrays)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_local_service(tmp_path_factory.mktemp("svc") / "service.sqlite3") as running:
        yield running


@pytest.mark.parametrize("tier", ["local", "cloud"])
async def test_the_exchange_records_each_tool_call_with_its_tier(service, ledger, tier, tmp_path):
    http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=180, max_retries=0)
    tiers = Tiers(load_settings(), EmbeddedChatClient(), OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http))
    conversation = HybridConversationManager(
        HybridRouter(), tiers, max_tokens=48, tools=tools_with(ledger), tool_choice=MULTIPLY_NAMED
    )
    turn = await conversation.chat("What is 48 * 12?", force_tier=tier)
    assert turn.tier == tier
    [recorded] = turn.metadata["tool_calls"]
    assert recorded["tool"] == "multiply" and recorded["tier"] == tier and recorded["error"] is None
    assert (float(recorded["arguments"]["a"]), float(recorded["arguments"]["b"])) == ledger[0][1:]
    assert float(recorded["result"]) == ledger[0][1] * ledger[0][2]
    assert recorded["duration_s"] >= 0
    assert conversation.context.routing_metadata[-1]["tool_calls"] == [recorded]
    store = SqliteStore(tmp_path / "conversations.sqlite3")
    await conversation.save(store)  # the record keeps it, as JSON
    assert store.load(conversation.conversation_id).routing_metadata[-1]["tool_calls"] == [recorded]
