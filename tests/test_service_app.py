"""The service app in-process (FastAPI's TestClient): validation, errors and auth, answered in the OpenAI shape.

These requests are refused before the model runs, so they need no model; the 500 test gives the app a broken one.
"""

import pytest
from fastapi.testclient import TestClient

from modules.service.app import create_app
from modules.service.store import ServiceStore

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
