"""Function tools in the local Responses service, over real HTTP, with the stock `openai` client and Agent Framework.

The small model's *choice* of tool is weak, so the tests name the tool with `tool_choice` wherever the choice is not
what is tested, and assert the mechanism: schema-valid arguments, call ids that round-trip, what is stored.
"""

import json

import jsonschema
import openai
import pytest
from agent_framework import tool
from agent_framework.openai import OpenAIChatClient
from service_support import SERVICE_TOKEN

TOKEN = SERVICE_TOKEN
MULTIPLY = {
    "type": "function",
    "name": "multiply",
    "description": "Multiply two numbers.",
    "parameters": {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
        "required": ["a", "b"],
    },
}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TOOLS = [MULTIPLY, WEATHER]
# Generated cases of the schema class: every JSON-schema feature a call can be asked to fit.
SCHEMAS = {
    "enum_and_integer": {
        "type": "object",
        "properties": {"unit": {"enum": ["km", "mi"]}, "count": {"type": "integer", "minimum": 0}},
        "required": ["unit", "count"],
    },
    "nested_object": {
        "type": "object",
        "properties": {
            "point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
            "label": {"type": "string", "maxLength": 12},
        },
        "required": ["point"],
    },
    "array_of_strings": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}, "minItems": 1}},
        "required": ["items"],
    },
    "boolean_and_optional": {
        "type": "object",
        "properties": {"urgent": {"type": "boolean"}, "note": {"type": "string"}},
        "required": ["urgent"],
    },
    "no_parameters": {"type": "object", "properties": {}},
}


def only_call(response):
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == 1, response.output
    return calls[0]


def items(client, path):
    return client.get(path, cast_to=object)["data"]


def test_a_named_tool_is_called_with_arguments_valid_for_its_schema(client):
    response = client.responses.create(
        model="local-service",
        input="What is 48 * 12?",
        tools=TOOLS,
        tool_choice={"type": "function", "name": "multiply"},
    )
    call = only_call(response)
    assert call.name == "multiply" and call.call_id.startswith("call_") and call.id.startswith("fc_")
    jsonschema.validate(json.loads(call.arguments), MULTIPLY["parameters"])
    assert response.status == "completed" and response.tool_choice.name == "multiply"
    assert [t.name for t in response.tools] == ["multiply", "get_weather"]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_call_fits_its_schema(client, name):
    schema = SCHEMAS[name]
    tool_def = {"type": "function", "name": name, "description": "Record it.", "parameters": schema}
    response = client.responses.create(
        model="local-service",
        input="Fill in the form for a trip of 3 km to Lyon.",
        tools=[tool_def],
        tool_choice="required",
    )
    call = only_call(response)
    assert call.name == name
    jsonschema.validate(json.loads(call.arguments), schema)


def test_tool_choice_none_never_calls_and_required_always_does(client):
    none = client.responses.create(
        model="local-service", input="What is 48 * 12?", tools=TOOLS, tool_choice="none", max_output_tokens=16
    )
    assert [item.type for item in none.output] == ["message"]
    required = client.responses.create(model="local-service", input="Hello!", tools=TOOLS, tool_choice="required")
    call = only_call(required)
    assert call.name in {"multiply", "get_weather"}
    jsonschema.validate(json.loads(call.arguments), next(t for t in TOOLS if t["name"] == call.name)["parameters"])


def test_auto_answers_with_either_a_valid_call_or_text(client):
    response = client.responses.create(
        model="local-service", input="What is the weather in Oslo?", tools=TOOLS, max_output_tokens=32
    )
    kinds = [item.type for item in response.output]
    assert kinds in (["function_call"], ["message"]), kinds
    if kinds == ["function_call"]:
        call = response.output[0]
        jsonschema.validate(json.loads(call.arguments), next(t for t in TOOLS if t["name"] == call.name)["parameters"])


def test_the_result_goes_back_by_call_id_and_the_chain_stores_the_tool_turn(client):
    asked = client.responses.create(
        model="local-service",
        input="What is 48 * 12?",
        tools=TOOLS,
        tool_choice={"type": "function", "name": "multiply"},
    )
    call = only_call(asked)
    answered = client.responses.create(
        model="local-service",
        previous_response_id=asked.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "576"}],
        tools=TOOLS,
        max_output_tokens=24,
    )
    assert answered.status == "completed" and answered.previous_response_id == asked.id
    assert [item.type for item in answered.output] == ["message"]  # after a result the model answers
    stored = items(client, f"/responses/{answered.id}/input_items")
    assert [item["type"] for item in stored] == ["message", "function_call", "function_call_output", "message"]
    assert stored[1]["call_id"] == stored[2]["call_id"] == call.call_id
    assert stored[1]["arguments"] == call.arguments and stored[1]["id"] == call.id and stored[2]["output"] == "576"


def test_a_conversation_keeps_tool_turns(client):
    conversation = client.conversations.create()
    asked = client.responses.create(
        model="local-service",
        conversation=conversation.id,
        input="Weather in Rome?",
        tools=TOOLS,
        tool_choice={"type": "function", "name": "get_weather"},
    )
    call = only_call(asked)
    client.responses.create(
        model="local-service",
        conversation=conversation.id,
        input=[
            {
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": [{"type": "input_text", "text": "sunny"}],
            }
        ],
        max_output_tokens=16,
    )
    stored = items(client, f"/conversations/{conversation.id}/items")
    assert [item["type"] for item in stored] == ["message", "function_call", "function_call_output", "message"]
    assert stored[2] == {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}


def test_a_client_may_send_the_whole_tool_history_without_a_chain(client):
    response = client.responses.create(
        model="local-service",
        store=False,
        input=[
            {"role": "user", "content": "What is 6 * 7?"},
            {"type": "function_call", "call_id": "call_abc", "name": "multiply", "arguments": '{"a": 6, "b": 7}'},
            {"type": "function_call_output", "call_id": "call_abc", "output": "42"},
        ],
        tools=TOOLS,
        max_output_tokens=16,
    )
    assert response.status == "completed" and [item.type for item in response.output] == ["message"]


def test_streaming_sends_the_function_call_argument_events(client):
    events = list(
        client.responses.create(
            model="local-service",
            input="Weather in Paris?",
            tools=TOOLS,
            tool_choice={"type": "function", "name": "get_weather"},
            stream=True,
        )
    )
    kinds = [event.type for event in events]
    assert kinds == [
        "response.created",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    added, delta, done, item_done, completed = events[1:]
    final = only_call(completed.response)
    assert added.item.type == "function_call" and added.item.call_id == final.call_id and added.item.arguments == ""
    assert delta.item_id == done.item_id == final.id and delta.delta == done.arguments == final.arguments
    assert item_done.item.arguments == final.arguments
    jsonschema.validate(json.loads(final.arguments), WEATHER["parameters"])
    stored = items(client, f"/responses/{completed.response.id}/input_items")
    assert stored[-1]["call_id"] == final.call_id  # committed before the terminal event


@pytest.mark.parametrize(
    ("tools", "tool_choice", "param", "code"),
    [
        ([{"type": "web_search"}], None, "tools[0].type", "unsupported_value"),
        ([MULTIPLY, {"type": "file_search", "vector_store_ids": ["vs_1"]}], None, "tools[1].type", "unsupported_value"),
        ([{"type": "mcp", "server_label": "x", "server_url": "http://x"}], None, "tools[0].type", "unsupported_value"),
        ([{"type": "code_interpreter", "container": {"type": "auto"}}], None, "tools[0].type", "unsupported_value"),
        (TOOLS, {"type": "function", "name": "launch"}, "tool_choice", "invalid_value"),
        ([], "required", "tool_choice", None),
        (TOOLS, {"type": "allowed_tools", "mode": "auto", "tools": []}, "tool_choice", "unsupported_value"),
        ([{"type": "function", "name": "bad name"}], None, "tools[0].name", "invalid_value"),
        ([{"type": "function", "name": "f", "parameters": {"type": "array"}}], None, "tools[0].parameters", None),
        (
            [{"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"a": {"type": 5}}}}],
            None,
            "tools[0].parameters",
            "invalid_value",
        ),
        ([MULTIPLY, MULTIPLY], None, "tools", None),
    ],
)
def test_what_the_service_cannot_do_is_a_400_in_the_openai_shape(client, tools, tool_choice, param, code):
    conversation = client.conversations.create()
    extra = {} if tool_choice is None else {"tool_choice": tool_choice}
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="local-service", input="Hi", conversation=conversation.id, tools=tools, **extra)
    error = raised.value.body
    assert error["param"] == param and error["type"] == "invalid_request_error" and error["message"]
    if code is not None:
        assert error["code"] == code
    assert items(client, f"/conversations/{conversation.id}/items") == []  # a refused turn stores nothing


def test_a_call_cut_short_by_max_output_tokens_is_incomplete_never_half_written(client):
    response = client.responses.create(
        model="local-service", input="What is 48 * 12?", tools=TOOLS, tool_choice="required", max_output_tokens=8
    )
    assert response.status == "incomplete" and response.incomplete_details.reason == "max_output_tokens"
    assert [item for item in response.output if item.type == "function_call"] == []


def test_a_malformed_tool_item_is_a_400(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="local-service", input=[{"type": "function_call_output", "output": "42"}])
    assert raised.value.body["param"] == "input[0]"


def test_a_function_result_longer_than_the_input_limit_is_a_400(client):
    long_output = {"type": "function_call_output", "call_id": "call_x", "output": "9" * 16_001}
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="local-service", input=[{"role": "user", "content": "Hi"}, long_output])
    assert raised.value.body["param"] == "input[1].output"
    assert raised.value.body["code"] == "string_above_max_length"


@pytest.fixture
def ledger():
    return []


def agent_with_tools(service, ledger, **options):
    @tool
    def multiply(a: float, b: float) -> float:
        """Multiply two numbers."""
        ledger.append((a, b))
        return a * b

    chat_client = OpenAIChatClient(base_url=service.base_url, api_key=TOKEN, model="local-service")
    return chat_client.as_agent(tools=[multiply], default_options={"max_tokens": 64, **options})


async def test_agent_framework_runs_the_tool_and_the_service_keeps_the_tool_turn(service, client, ledger):
    agent = agent_with_tools(service, ledger)
    session = agent.create_session()
    result = await agent.run(
        "What is 48 * 12?",
        session=session,
        options={"tool_choice": {"mode": "required", "required_function_name": "multiply"}},
    )
    assert len(ledger) == 1  # the tool ran once, in this process
    call = next(c for m in result.messages for c in m.contents if c.type == "function_call")
    outcome = next(c for m in result.messages for c in m.contents if c.type == "function_result")
    assert outcome.call_id == call.call_id and float(outcome.result) == ledger[0][0] * ledger[0][1]
    assert result.text  # the answer that followed the result
    assert session.service_session_id.startswith("resp_")  # service-managed: the service holds the tool turn
    stored = items(client, f"/responses/{session.service_session_id}/input_items")
    assert [item["type"] for item in stored] == ["message", "function_call", "function_call_output", "message"]
    assert stored[1]["call_id"] == stored[2]["call_id"] == call.call_id


async def test_agent_framework_streams_a_tool_turn_without_storage_on_the_service(service, ledger):
    agent = agent_with_tools(service, ledger, store=False)  # in-memory session: the history travels each request
    session = agent.create_session()
    stream = agent.run(
        "What is 7 * 6?",
        session=session,
        stream=True,
        options={"tool_choice": {"mode": "required", "required_function_name": "multiply"}},
    )
    async for _ in stream:
        pass
    result = await stream.get_final_response()
    assert len(ledger) == 1
    kinds = [c.type for m in result.messages for c in m.contents if c.type in ("function_call", "function_result")]
    assert kinds == ["function_call", "function_result"]
    stored = session.state["in_memory"]["messages"]
    assert [c.type for m in stored for c in m.contents if c.type.startswith("function")] == kinds
