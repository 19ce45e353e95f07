"""The service app in-process (FastAPI's TestClient): validation, errors and auth, answered in the OpenAI shape.

These requests are refused before the model runs, so they need no model; the 500 test gives the app a broken one.
"""

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from modules.service.app import create_app
from modules.service.store import ConversationMovedError, ServiceStore

TOKEN = "app-token-91c2"


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    with TestClient(create_app(tmp_path_factory.mktemp("app") / "s.sqlite3", token=TOKEN)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        yield client


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("max_output_tokens", -5, "an integer of at least 1; got -5"),
        ("max_output_tokens", 0, "an integer of at least 1; got 0"),
        ("max_output_tokens", 2.5, "an integer of at least 1; got 2.5"),
        ("max_output_tokens", True, "an integer of at least 1; got true"),
        ("max_output_tokens", "16", 'an integer of at least 1; got "16"'),
        ("temperature", 2.5, "a number from 0 to 2; got 2.5"),
        ("temperature", -0.1, "a number from 0 to 2; got -0.1"),
        ("top_p", 1.01, "a number from 0 to 1; got 1.01"),
        ("top_logprobs", 21, "an integer from 0 to 20; got 21"),
        ("max_tool_calls", 0, "an integer of at least 1; got 0"),
    ],
)
def test_numeric_options_out_of_range_are_a_400_naming_the_field(app_client, field, value, fragment):
    reply = app_client.post("/v1/responses", json={"input": "Hi.", field: value})
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["param"] == field and error["type"] == "invalid_request_error" and error["code"] == "invalid_value"
    assert error["message"] == f"`{field}` must be {fragment}."


def test_every_v1_route_needs_the_token_compared_in_full(app_client):
    for method, path in [
        ("GET", "/v1/models"),
        ("POST", "/v1/responses"),
        ("GET", "/v1/responses/resp_x"),
        ("POST", "/v1/conversations"),
    ]:
        for headers in ({"Authorization": ""}, {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN}):
            reply = app_client.request(method, path, headers=headers)
            assert reply.status_code == 401, (method, path, headers)
            assert reply.json()["error"]["code"] == "invalid_api_key" and TOKEN not in reply.text
    assert app_client.get("/health", headers={"Authorization": ""}).status_code == 200  # what LocalService polls


def test_unknown_routes_and_methods_answer_in_the_openai_shape(app_client):
    missing, wrong_method = app_client.get("/v1/nothing"), app_client.put("/v1/models")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405 and set(wrong_method.json()["error"]) == {"message", "type", "param", "code"}


def test_a_model_failure_is_a_500_in_the_openai_shape_that_reveals_no_details(tmp_path):
    broken = tmp_path / "secret-location" / "model.gguf"
    broken.parent.mkdir()
    broken.write_bytes(b"not a model")
    app = create_app(tmp_path / "s.sqlite3", model_path=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        reply = client.post("/v1/responses", json={"input": "Hi."})
    assert reply.status_code == 500
    error = reply.json()["error"]
    assert error["type"] == "server_error" and "ModelNotFoundError" in error["message"]
    assert "secret-location" not in reply.text


def test_the_store_refuses_malformed_ids_and_finds_nothing_under_them(tmp_path):
    store = ServiceStore(tmp_path / "s.sqlite3")
    with pytest.raises(ValueError, match="not a resp_ id"):
        store.add_turn("x'; DROP TABLE turns; --", parent_id=None, added=[], payload={})
    with pytest.raises(ValueError, match="not a conv_ id"):
        store.create_conversation("resp_abc", {}, [])
    assert store.response("conv_abc") is None and store.delete_response("../resp_abc") is False
    assert store.conversation("resp_abc") is None and store.delete_conversation("conv_") is False
    store.close()


WORDS = " ".join(["tokens"] * 1_900)  # about 1,900 words: under the character limit, over the model's context


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (b'{"input": "Hi \\ud800 there"}', "input", "invalid_value"),
        (b'{"input": [{"role": "user", "content": "\\udfff"}]}', "input[0].content", "invalid_value"),
        (b'{"input": "Hi.", "instructions": "Be \\ud83d brief."}', "instructions", "invalid_value"),
        (b'{"input": "Hi.", "metadata": {"\\ud800": "x"}}', "metadata", "invalid_value"),
        (json.dumps({"input": WORDS}).encode(), "input", "context_length_exceeded"),
        (
            json.dumps({"input": "Hi.", "instructions": "x" * 100_000}).encode(),
            "instructions",
            "string_above_max_length",
        ),
        (
            json.dumps({"input": "Hi.", "instructions": "be brief " * 1_500}).encode(),
            "input",
            "context_length_exceeded",
        ),
        (b'{"input": "Hi.", "stream": "false"}', "stream", "invalid_type"),
        (b'{"input": "Hi.", "stream": 0}', "stream", "invalid_type"),
        (b'{"input": "Hi.", "store": "false"}', "store", "invalid_type"),
        (b'{"input": "Hi.", "max_tokens": "abc"}', "max_tokens", "invalid_value"),
        (b'{"input": "Hi.", "instructions": ["a"]}', "instructions", "invalid_type"),
    ],
)
def test_text_and_flags_are_checked_at_the_edge_with_an_openai_code(app_client, body, param, code):
    reply = app_client.post("/v1/responses", content=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"input": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
        b'{"input": [1, 2]}',
        b'{"input": [{"role": "user", "content": 5}]}',
        b'{"input": [{"role": "user", "content": [{"type": "input_text"}]}]}',
        b'{"input": [{"type": "message"}]}',
        b'{"input": {"role": "user"}}',
        b'{"input": "Hi.", "previous_response_id": 5}',
        b'{"input": "Hi.", "conversation": {"id": 5}}',
        b'{"input": "Hi.", "conversation": "resp_x"}',
        b'{"input": "Hi.", "temperature": "hot"}',
        b'{"input": "Hi.", "max_output_tokens": 1e400}',
        b'{"input": "Hi.", "top_p": NaN}',
        b'{"input": null}',
        b"\xff\xfe{}",
    ],
)
def test_no_client_mistake_is_answered_with_a_500(app_client, body):
    for path in ("/v1/responses", "/v1/conversations"):
        reply = app_client.post(path, content=body if path.endswith("responses") else b'{"items": ' + body + b"}")
        assert 400 <= reply.status_code < 500, (path, reply.status_code, reply.text)
        assert set(reply.json()["error"]) == {"message", "type", "param", "code"}


def test_a_conversation_with_a_lone_surrogate_item_is_refused_and_not_created(app_client, tmp_path):
    reply = app_client.post("/v1/conversations", content=b'{"items": [{"role": "user", "content": "\\ud800"}]}')
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid_value"


def test_the_api_schema_needs_the_token_and_there_is_no_docs_page(app_client):
    assert app_client.get("/openapi.json", headers={"Authorization": ""}).status_code == 401
    assert app_client.get("/openapi.json", headers={"Authorization": f"Bearer {TOKEN[:-1]}"}).status_code == 401
    schema = app_client.get("/openapi.json")
    assert schema.status_code == 200 and "/v1/responses" in schema.json()["paths"]
    for page in ("/docs", "/redoc"):
        assert app_client.get(page, headers={"Authorization": ""}).status_code == 404


class LoopWatchingStore:
    """Wraps the real store and notes every call made from a thread that runs an event loop (it would block it)."""

    def __init__(self, store: ServiceStore) -> None:
        self.store, self.calls, self.on_loop = store, [], []

    def __getattr__(self, name):
        method = getattr(self.store, name)
        if not callable(method):
            return method

        def watched(*args, **kwargs):
            try:
                asyncio.get_running_loop()
                self.on_loop.append(name)
            except RuntimeError:
                pass  # a worker thread: where store calls belong
            self.calls.append(name)
            return method(*args, **kwargs)

        return watched


def test_no_store_call_runs_on_the_event_loop(tmp_path):
    app = create_app(tmp_path / "s.sqlite3")
    watcher = LoopWatchingStore(app.state.service.store)
    app.state.service.store = watcher
    with TestClient(app) as client:
        conversation = client.post("/v1/conversations", json={"items": [{"role": "user", "content": "Hi."}]}).json()
        turn = client.post(
            "/v1/responses", json={"input": "Hi.", "conversation": conversation["id"], "max_output_tokens": 4}
        )
        first = client.post("/v1/responses", json={"input": "Hi.", "max_output_tokens": 4}).json()
        with client.stream(
            "POST", "/v1/responses", json={"input": "Hi.", "previous_response_id": first["id"], "stream": True}
        ) as streamed:
            assert streamed.status_code == 200 and list(streamed.iter_lines())
        for path in (f"/v1/responses/{first['id']}", f"/v1/responses/{first['id']}/input_items"):
            assert client.get(path).status_code == 200
        assert client.get(f"/v1/conversations/{conversation['id']}/items").status_code == 200
        assert client.delete(f"/v1/responses/{first['id']}").status_code == 200
        assert client.delete(f"/v1/conversations/{conversation['id']}").status_code == 200
    assert turn.status_code == 200
    assert {"add_turn", "response", "history", "create_conversation", "delete_response"} <= set(watcher.calls)
    assert watcher.on_loop == []


def test_an_error_names_what_was_sent_without_echoing_all_of_it(app_client):
    for body in ({"input": "Hi.", "stream": "x" * 10_000}, {"input": "Hi.", "temperature": "y" * 10_000}):
        reply = app_client.post("/v1/responses", json=body)
        assert reply.status_code == 400 and len(reply.json()["error"]["message"]) < 300


def test_a_conversation_head_moves_only_from_the_turn_a_new_one_continues(tmp_path):
    store = ServiceStore(tmp_path / "s.sqlite3")
    store.create_conversation("conv_a", {}, [])
    store.add_turn("resp_1", parent_id="conv_a", added=[], payload={}, conversation_id="conv_a")
    with pytest.raises(ConversationMovedError, match="Send it again"):  # a second turn raced from the old head
        store.add_turn("resp_2", parent_id="conv_a", added=[], payload={}, conversation_id="conv_a")
    assert store.conversation_head("conv_a") == "resp_1" and store.response("resp_2") is None
    store.close()
