"""A wrong key, a wrong endpoint and no network each give one short TierError naming the setting to fix.

The "cloud" here is a real HTTP server on 127.0.0.1 that answers like an OpenAI endpoint refusing the
request (401, 404, 429), or a port nothing listens on, or the network switched off: the real OpenAI SDK
and Agent Framework clients talk to it, so the chain of exceptions is the one an attendee would get.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modules.config import load_settings
from modules.labkit.network_guard import network_disabled
from modules.runtime.ports import free_port
from modules.tiers.clients import start_tiers
from modules.tiers.errors import TierError

FAKE_KEY = "sk-fake-0123456789abcdefXYZ"


class RefusingEndpoint:
    """An HTTP server that answers every request with one error status, as OpenAI does, and records requests."""

    def __init__(self, status: int, body: dict) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                outer.requests.append((self.command, self.path, self.headers.get("Authorization")))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RefusingEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _openai_error(message: str, code: str) -> dict:
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


@pytest.fixture
def endpoint(request) -> Iterator[RefusingEndpoint]:
    status, body = request.param
    with RefusingEndpoint(status, body) as server:
        yield server


def _cloud_settings(**environ: str):
    return load_settings(environ=environ, env_file=None)


async def _check_error(settings) -> tuple[TierError, object]:
    tiers = start_tiers(settings)
    with pytest.raises(TierError) as caught:
        await tiers.check()
    return caught.value, tiers


def _assert_short(error: TierError) -> None:
    text = str(error)
    assert len(text.splitlines()) == 1 and len(text) < 400, text
    assert FAKE_KEY not in text and "Traceback" not in text
    rendered = error._render_traceback_()  # what a notebook shows instead of the traceback
    assert len(rendered) == 1 and "TierError" in rendered[0] and text in rendered[0]


WRONG_KEY = (401, _openai_error(f"Incorrect API key provided: {FAKE_KEY}.", "invalid_api_key"))


@pytest.mark.parametrize("endpoint", [WRONG_KEY], indirect=True)
async def test_a_wrong_openai_key_names_OPENAI_API_KEY_and_later_calls_repeat_it_short(endpoint):
    settings = _cloud_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=f"{endpoint.url}/v1")
    error, tiers = await _check_error(settings)
    assert (error.tier, error.kind) == ("cloud", "auth")
    assert "OPENAI_API_KEY" in str(error) and "401" in str(error) and endpoint.url in str(error)
    _assert_short(error)  # the server echoed the key; the message does not
    method, path, auth = endpoint.requests[0]
    assert (method, path, auth) == ("POST", "/v1/responses", f"Bearer {FAKE_KEY}")  # the key really was sent

    # The next cells get the same reason, short, instead of a NameError or a new traceback...
    with pytest.raises(TierError, match="cloud tier is not ready.*OPENAI_API_KEY.*restart the kernel") as later:
        await tiers.answer("cloud", "Hello")
    assert later.value.kind == "not_ready"
    with pytest.raises(TierError, match="not ready"):
        tiers.client("cloud").as_agent()
    # ...while the tier that works keeps working.
    assert (await tiers.answer("local", "Say hi.", max_tokens=4)).text
    tiers.close()


@pytest.mark.parametrize("endpoint", [WRONG_KEY], indirect=True)
async def test_a_wrong_azure_key_names_AZURE_OPENAI_API_KEY(endpoint):
    settings = _cloud_settings(
        AZURE_OPENAI_ENDPOINT=endpoint.url, AZURE_OPENAI_API_KEY=FAKE_KEY, AZURE_OPENAI_DEPLOYMENT="gpt-4o-mini"
    )
    error, tiers = await _check_error(settings)
    tiers.close()
    assert (error.kind, error.tier) == ("auth", "cloud")
    assert "AZURE_OPENAI_API_KEY" in str(error) and "Azure OpenAI" in str(error)
    _assert_short(error)
    assert endpoint.requests[0][0] == "POST"


NOT_FOUND = (404, _openai_error("The model `gpt-9` does not exist or you do not have access to it.", "model_not_found"))


@pytest.mark.parametrize("endpoint", [NOT_FOUND], indirect=True)
async def test_a_wrong_endpoint_or_model_names_both_variables(endpoint):
    settings = _cloud_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=f"{endpoint.url}/v1", OPENAI_MODEL="gpt-9")
    error, tiers = await _check_error(settings)
    tiers.close()
    assert error.kind == "not_found"
    assert "OPENAI_MODEL" in str(error) and "OPENAI_BASE_URL" in str(error) and "'gpt-9'" in str(error)
    _assert_short(error)


NO_CREDIT = (429, _openai_error("You exceeded your current quota.", "insufficient_quota"))


@pytest.mark.parametrize("endpoint", [NO_CREDIT], indirect=True)
async def test_no_credit_says_so(endpoint):
    settings = _cloud_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=f"{endpoint.url}/v1")
    error, tiers = await _check_error(settings)
    tiers.close()
    assert error.kind == "rate_limit" and "billing" in str(error)
    _assert_short(error)


async def test_an_unreachable_endpoint_names_the_url_variable():
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    error, tiers = await _check_error(_cloud_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=url))
    tiers.close()
    assert (error.kind, error.tier) == ("unreachable", "cloud")
    assert "cannot be reached" in str(error) and "OPENAI_BASE_URL" in str(error) and url in str(error)
    _assert_short(error)


async def test_no_network_says_check_the_network():
    # The real OpenAI URL would need DNS; a loopback URL with every connection refused is the same failure.
    settings = _cloud_settings(OPENAI_API_KEY=FAKE_KEY, OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1")
    tiers = start_tiers(settings)
    with network_disabled(), pytest.raises(TierError) as caught:
        await tiers.answer("cloud", "Hello", max_tokens=16)
    tiers.close()
    assert caught.value.kind == "unreachable"
    assert "network connection" in str(caught.value) and "network is disabled" in str(caught.value)
    _assert_short(caught.value)


async def test_a_local_server_that_is_not_running_says_how_to_start_it():
    url = f"http://127.0.0.1:{free_port()}/v1"
    settings = _cloud_settings(LOCAL_BACKEND="ollama", LOCAL_MODEL="llama3.2:1b", LOCAL_BASE_URL=url)
    error, tiers = await _check_error(settings)
    tiers.close()
    assert (error.tier, error.kind) == ("local", "unreachable")
    assert "ollama serve" in str(error) and "LOCAL_BASE_URL" in str(error) and "Ollama" in str(error)
    assert "cloud" not in tiers.problems  # the offline cloud tier passed its check
    _assert_short(error)


async def test_check_passes_offline_and_reports_seconds_per_tier():
    with start_tiers(load_settings(environ={"COURSE_OFFLINE": "1"}, env_file=None)) as tiers:
        seconds = await tiers.check()
        assert set(seconds) == {"local", "cloud"} and all(s > 0 for s in seconds.values())
        assert tiers.problems == {}


# ---- the message for each backend (the error objects the OpenAI SDK raises, built directly) ----------------


def _status_error(code: int):
    """The SDK's error for that status, from a real request (never built from another library's types)."""
    import openai

    with RefusingEndpoint(code, _openai_error("refused", "refused")) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key=FAKE_KEY, max_retries=0)
        try:
            client.responses.create(model="m", input="hi")
        except openai.APIStatusError as error:
            return error
    raise AssertionError(f"the endpoint answering {code} raised nothing")


def test_each_backend_names_its_own_variables():
    from modules.tiers.errors import explain_failure

    azure = _cloud_settings(
        AZURE_OPENAI_ENDPOINT="https://contoso.openai.azure.com",
        AZURE_OPENAI_API_KEY=FAKE_KEY,
        AZURE_OPENAI_DEPLOYMENT="gpt4o-prod",
    )
    message = str(explain_failure(azure, "cloud", _status_error(404)))
    assert "AZURE_OPENAI_DEPLOYMENT" in message and "deployment name" in message and "/v1" not in message
    ollama = _cloud_settings(LOCAL_BACKEND="ollama", LOCAL_MODEL="llama3.2:1b")
    assert "ollama pull llama3.2:1b" in str(explain_failure(ollama, "local", _status_error(404)))
    # The offline default has no "offline default" to go back to: restart instead.
    offline = _cloud_settings()
    for tier in ("local", "cloud"):
        message = str(explain_failure(offline, tier, RuntimeError("boom") if tier == "local" else _status_error(401)))
        assert "offline default" not in message
    assert "LOCAL_SERVICE_TOKEN" in str(explain_failure(offline, "cloud", _status_error(401)))


async def test_an_agent_made_before_close_says_the_cloud_tier_is_closed_in_one_line():
    # Offline default: a real local service; the agent holds the client itself, not `tiers`.
    tiers = start_tiers(load_settings())
    agent = tiers.cloud_client.as_agent(instructions="Answer briefly.")
    tiers.close()
    with pytest.raises(TierError, match="tiers.close\\(\\) stopped the course's service") as caught:
        await agent.run("Hello?")
    assert caught.value.tier == "cloud"
    with pytest.raises(TierError, match="closed"):
        await agent.run("Hello?", stream=True).get_final_response()
