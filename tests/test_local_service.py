"""The local Responses service, exercised over real HTTP with the official `openai` client."""

import json
import sqlite3
import subprocess
import sys
import textwrap

import httpx
import openai
import pytest
from agent_framework import AgentSession
from agent_framework.openai import OpenAIChatClient
from service_support import SERVICE_TOKEN

from modules.runtime.local_service import LocalService, ServiceStartError, running_local_service
from modules.service.app import MAX_BODY_BYTES, MAX_INPUT_CHARS

TOKEN = SERVICE_TOKEN


def history(client, response_id):
    items = client.get(f"/responses/{response_id}/input_items", cast_to=object)
    return [(item["role"], item["content"][0]["text"]) for item in items["data"]]


def test_health_reports_the_model(service):
    assert httpx.get(f"http://127.0.0.1:{service.port}/health").json() == {
        "status": "ok",
        "model": "SmolLM2-135M-Instruct",
    }


def test_previous_response_id_chain_keeps_every_turn(client):
    first = client.responses.create(model="local-service", input="My name is Ada.", max_output_tokens=16)
    second = client.responses.create(
        model="local-service", input="What is my name?", previous_response_id=first.id, max_output_tokens=16
    )
    assert first.id.startswith("resp_") and second.id != first.id
    assert second.previous_response_id == first.id
    assert history(client, second.id) == [
        ("user", "My name is Ada."),
        ("assistant", first.output_text),
        ("user", "What is my name?"),
        ("assistant", second.output_text),
    ]
    # The model saw the first exchange: the second prompt is longer by at least that much.
    assert second.usage.input_tokens > first.usage.input_tokens + first.usage.output_tokens


def test_branching_from_an_earlier_response_keeps_both_branches(client):
    root = client.responses.create(model="local-service", input="Pick a colour.", max_output_tokens=8)
    left = client.responses.create(
        model="local-service", input="Why that one?", previous_response_id=root.id, max_output_tokens=8
    )
    right = client.responses.create(
        model="local-service", input="Pick another.", previous_response_id=root.id, max_output_tokens=8
    )
    left_history, right_history = history(client, left.id), history(client, right.id)
    assert left_history[:2] == right_history[:2] == history(client, root.id)
    assert left_history[2] == ("user", "Why that one?") and right_history[2] == ("user", "Pick another.")


def test_conversation_accumulates_turns(client):
    conversation = client.conversations.create(metadata={"topic": "test"})
    assert conversation.id.startswith("conv_")
    for text in ("Hello.", "How are you?"):
        reply = client.responses.create(
            model="local-service", input=text, conversation=conversation.id, max_output_tokens=8
        )
        assert reply.conversation.id == conversation.id
    items = client.conversations.items.list(conversation.id)
    assert [(item.role, item.content[0].text) for item in items.data][::2] == [
        ("user", "Hello."),
        ("user", "How are you?"),
    ]
    assert client.conversations.retrieve(conversation.id).metadata == {"topic": "test"}


def test_streaming_sends_text_deltas_and_stores_the_result(client):
    events = list(
        client.responses.create(model="local-service", input="Count to three.", stream=True, max_output_tokens=20)
    )
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    # A reply cut off by max_output_tokens ends with response.incomplete, as OpenAI's does.
    completed = [e for e in events if e.type in ("response.completed", "response.incomplete")]
    assert len(deltas) > 2 and len(completed) == 1
    response_id = completed[0].response.id
    assert "".join(deltas) == client.responses.retrieve(response_id).output_text
    assert history(client, response_id)[-1] == ("assistant", "".join(deltas))


def test_store_false_is_not_kept(client):
    reply = client.responses.create(model="local-service", input="Hi.", store=False, max_output_tokens=4)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(reply.id)
    with pytest.raises(openai.NotFoundError, match="Start a new conversation"):
        client.responses.create(model="local-service", input="Again.", previous_response_id=reply.id)


def test_get_and_delete_a_response(client):
    reply = client.responses.create(model="local-service", input="Hi.", max_output_tokens=4)
    assert client.responses.retrieve(reply.id).output_text == reply.output_text
    client.responses.delete(reply.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(reply.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(reply.id)


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"model": "m"}', 400, "input"),
        (b'{"input": ""}', 400, "input"),
        (b'{"input": "x", "store": "yes"}', 400, "store"),
        (b'{"input": "x", "previous_response_id": "resp_unknown"}', 404, "resp_unknown"),
        (b'{"input": "x", "conversation": "conv_unknown"}', 404, "conv_unknown"),
        (b'{"input": "x", "previous_response_id": "resp_a", "conversation": "conv_b"}', 400, "mutually exclusive"),
        (json.dumps({"input": "x" * (MAX_INPUT_CHARS + 1)}).encode(), 400, "at most"),
        (b'{"input": "' + b"x" * (MAX_BODY_BYTES + 1) + b'"}', 413, "limit"),
    ],
)
def test_bad_requests_get_openai_shaped_4xx(service, body, status, fragment):
    reply = httpx.post(
        f"{service.base_url}/responses", content=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30
    )
    assert reply.status_code == status
    error = reply.json()["error"]
    assert fragment in error["message"] and error["type"] == "invalid_request_error"


def test_unknown_ids_on_every_route_are_404(client):
    for call in (
        lambda: client.responses.retrieve("resp_nope"),
        lambda: client.conversations.retrieve("conv_nope"),
        lambda: client.conversations.items.list("conv_nope"),
        lambda: client.conversations.delete("conv_nope"),
    ):
        with pytest.raises(openai.NotFoundError):
            call()


def test_bearer_token_is_enforced_and_never_echoed(service):
    wrong = openai.OpenAI(base_url=service.base_url, api_key="wrong-key-123", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.responses.create(model="local-service", input="Hi.")
    assert TOKEN not in str(caught.value) and "wrong-key-123" not in str(caught.value)


def test_conversation_survives_a_restart(tmp_path):
    with running_local_service(tmp_path / "durable.sqlite3") as service:
        client = openai.OpenAI(base_url=service.base_url, api_key="x", max_retries=0)
        conversation = client.conversations.create()
        first = client.responses.create(
            model="m", input="Remember: blue.", conversation=conversation.id, max_output_tokens=8
        )
        service.restart()
        client.responses.create(model="m", input="What did I say?", conversation=conversation.id, max_output_tokens=8)
        items = client.conversations.items.list(conversation.id).data
        assert [item.content[0].text for item in items][:3] == ["Remember: blue.", first.output_text, "What did I say?"]


async def test_agent_continues_in_another_process_from_the_serialized_session(service):
    agent = OpenAIChatClient(model="local-service", base_url=service.base_url, api_key=TOKEN).as_agent(name="a")
    session = agent.create_session()
    await agent.run("My favourite number is 7.", session=session, options={"max_tokens": 8})
    serialized = json.dumps(session.to_dict())
    assert "favourite" not in serialized  # service-managed: only ids travel

    child = textwrap.dedent(f"""
        import asyncio, json, sys
        from agent_framework import AgentSession
        from agent_framework.openai import OpenAIChatClient
        async def main():
            client = OpenAIChatClient(model="local-service", base_url="{service.base_url}", api_key="{TOKEN}")
            agent = client.as_agent(name="a")
            session = AgentSession.from_dict(json.loads(sys.stdin.read()))
            await agent.run("What is my favourite number?", session=session, options={{"max_tokens": 8}})
            print(session.service_session_id)
        asyncio.run(main())
    """)
    result = subprocess.run(
        [sys.executable, "-c", child], input=serialized, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    new_id = result.stdout.strip().splitlines()[-1]
    client = openai.OpenAI(base_url=service.base_url, api_key=TOKEN)
    turns = history(client, new_id)
    assert [text for role, text in turns if role == "user"] == [
        "My favourite number is 7.",
        "What is my favourite number?",
    ]
    assert AgentSession.from_dict(json.loads(serialized)).service_session_id != new_id


def test_port_in_use_is_a_clear_error(service):
    with pytest.raises(ServiceStartError, match=f"Port {service.port} .* is in use"):
        LocalService(port=service.port).start()


def test_stop_ends_the_process(tmp_path):
    service = LocalService(tmp_path / "s.sqlite3").start()
    assert service.running
    service.stop()
    assert not service.running
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{service.port}/health", timeout=2)


def test_the_service_announces_one_line_with_its_url_and_no_warnings(service):
    assert service.log_tail().splitlines() == [
        f"listening on http://127.0.0.1:{service.port}/v1 (model SmolLM2-135M-Instruct, data in {service.db_path})"
    ]
    helped = subprocess.run(
        [sys.executable, "-W", "always", "-m", "modules.service", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and "/v1/models" in helped.stdout and helped.stderr == ""


def test_models_lists_the_one_model_every_response_reports(client):
    (model,) = client.models.list().data
    assert client.models.retrieve(model.id).id == model.id == "SmolLM2-135M-Instruct"
    plain = client.responses.create(model="local-service", input="Hi.", max_output_tokens=4)
    events = list(client.responses.create(model="local-service", input="Hi.", max_output_tokens=4, stream=True))
    streamed = {e.response.model for e in events if hasattr(e, "response")}
    assert plain.model == model.id and streamed == {model.id}
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_a_chain_stores_each_message_once(service, client):
    """Storage grows linearly: a turn stores what it added, not a fresh copy of the whole history."""
    previous = None
    for turn in range(5):
        reply = client.responses.create(
            model="local-service", input=f"marker-{turn}-x", previous_response_id=previous, max_output_tokens=4
        )
        previous = reply.id
    assert [text for role, text in history(client, previous) if role == "user"] == [f"marker-{t}-x" for t in range(5)]
    with sqlite3.connect(service.db_path) as db:  # every table, every column: wherever a copy might hide
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = "".join(str(row) for table in tables for row in db.execute(f"SELECT * FROM {table}"))
    assert [stored.count(f"marker-{turn}-x") for turn in range(5)] == [1, 1, 1, 1, 1]


def test_deleting_a_response_keeps_the_history_of_later_turns(client):
    first = client.responses.create(model="local-service", input="One.", max_output_tokens=4)
    second = client.responses.create(
        model="local-service", input="Two.", previous_response_id=first.id, max_output_tokens=4
    )
    client.responses.delete(first.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="local-service", input="Three.", previous_response_id=first.id)
    assert [text for role, text in history(client, second.id) if role == "user"] == ["One.", "Two."]


def test_local_service_removes_its_temporary_folder_on_stop():
    service = LocalService().start()
    folder = service.db_path.parent
    assert folder.is_dir() and folder.name.startswith("course-service-")
    service.restart()  # a restart keeps the data...
    assert folder.is_dir()
    service.stop()  # ...stop removes it
    assert not folder.exists() and service.db_path is None
