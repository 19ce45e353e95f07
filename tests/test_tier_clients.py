"""Every kind of HTTP tier client the course builds sends a real request and reads the answer.

The endpoints are a stub server on 127.0.0.1 that answers the Responses API and Chat Completions like OpenAI does.
Each client is built by the course's own factories from settings naming that stub, so a type handed from one library
to another (an `httpx.Timeout` given to an openai client built on `httpx2`, say) fails here, before a lab does.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from agent_framework import Message

from modules.config import load_settings
from modules.tiers.clients import cloud_chat_client, local_chat_client

FAKE_KEY = "sk-fake-tier-clients-0123456789"

RESPONSE = {
    "id": "resp_stub",
    "object": "response",
    "created_at": 0,
    "model": "stub-model",
    "status": "completed",
    "output": [
        {
            "type": "message",
            "id": "msg_stub",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": "pong", "annotations": []}],
        }
    ],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
    "usage": {
        "input_tokens": 3,
        "output_tokens": 1,
        "total_tokens": 4,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    },
}
CHAT_COMPLETION = {
    "id": "chatcmpl-stub",
    "object": "chat.completion",
    "created": 0,
    "model": "stub-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
}


class StubEndpoint:
    """Answers POST .../responses and POST .../chat/completions with one fixed, well-formed answer each."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer.requests.append((self.path, body))
                answer = CHAT_COMPLETION if "/chat/completions" in self.path else RESPONSE
                payload = json.dumps(answer).encode()
                self.send_response(200 if "/responses" in self.path or "/chat/completions" in self.path else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[StubEndpoint]:
    with StubEndpoint() as server:
        yield server


def _settings(**environ: str):
    return load_settings(environ=environ, env_file=None)


def _clients(url: str) -> dict[str, object]:
    """One client of every HTTP kind, built by the course's factories from settings that name the stub."""
    offline_service = SimpleNamespace(base_url=f"{url}/v1", api_key="service-token")
    return {
        "offline service": cloud_chat_client(_settings(), service=offline_service),
        "OpenAI": cloud_chat_client(_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=f"{url}/v1")),
        "Azure OpenAI": cloud_chat_client(
            _settings(AZURE_OPENAI_ENDPOINT=url, AZURE_OPENAI_API_KEY=FAKE_KEY, AZURE_OPENAI_DEPLOYMENT="stub-deploy")
        ),
        "OpenAI-compatible server": local_chat_client(_settings(LOCAL_BASE_URL=f"{url}/v1", LOCAL_MODEL="stub")),
        "Ollama": local_chat_client(
            _settings(LOCAL_BACKEND="ollama", LOCAL_MODEL="llama3.2:1b", LOCAL_BASE_URL=f"{url}/v1")
        ),
        "Foundry Local": local_chat_client(
            _settings(LOCAL_BACKEND="foundry_local", LOCAL_MODEL="phi-4-mini", LOCAL_BASE_URL=f"{url}/v1")
        ),
    }


@pytest.mark.parametrize(
    ("kind", "api"),
    [
        ("offline service", "/responses"),
        ("OpenAI", "/responses"),
        ("Azure OpenAI", "/responses"),
        ("OpenAI-compatible server", "/chat/completions"),
        ("Ollama", "/chat/completions"),
        ("Foundry Local", "/chat/completions"),
    ],
)
async def test_each_tier_client_sends_one_request_and_reads_the_answer(stub, kind, api):
    client = _clients(stub.url)[kind]
    response = await client.get_response([Message("user", ["ping"])], options={"max_tokens": 8})
    assert response.text == "pong"
    assert len(stub.requests) == 1
    path, body = stub.requests[0]
    assert api in path, f"{kind} sent {path}"
    assert "ping" in json.dumps(body)


def test_no_httpx_object_is_handed_to_an_openai_client(stub):
    # The openai SDK documents its timeout as a number or its own `openai.Timeout`; an httpx object is another
    # library's type, which the SDK's own HTTP library may refuse after any release.
    import openai

    for kind, client in _clients(stub.url).items():
        timeout = client.client.timeout
        assert isinstance(timeout, float | int | openai.Timeout), f"{kind}: {type(timeout)!r}"
        assert type(timeout).__module__.split(".")[0] != "httpx", f"{kind}: {type(timeout)!r}"
