"""Secrets never show: a `Secret` prints as ***, and a configured key of any shape never lands in a recorded error."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from agent_framework.openai import OpenAIChatClient
from openai import AsyncOpenAI

from modules.config import Secret, load_settings, reveal
from modules.hybrid_conversation import HybridConversationManager
from modules.redaction import REDACTED, redact_configured
from modules.routing import HybridRouter
from modules.tiers import EmbeddedChatClient, Tiers

# Not shaped like an OpenAI key (no "sk-"), so no pattern can catch it: only knowing the configured value can.
CLOUD_KEY = "azure0Key1Without2Any3Prefix4XYZ"


def test_a_secret_never_prints_its_value():
    secret = Secret(CLOUD_KEY)
    shown = [str(secret), repr(secret), f"{secret}", f"{secret!s}", f"{secret:>40}", format(secret)]
    shown += ["%s" % secret, "{}".format(secret), str([secret]), str({"key": secret})]  # noqa: UP031, UP032
    assert all(CLOUD_KEY not in text for text in shown), shown
    assert secret.reveal() == reveal(secret) == CLOUD_KEY and type(secret.reveal()) is str
    assert secret == CLOUD_KEY and secret.encode() == CLOUD_KEY.encode()  # still usable where it must be sent


def test_settings_hold_configured_keys_as_secrets(monkeypatch):
    settings = load_settings(environ={"OPENAI_API_KEY": CLOUD_KEY, "LOCAL_SERVICE_TOKEN": "tok-0123456789"})
    printed = f"{settings.cloud.api_key} {settings.service_token} {settings}"
    assert CLOUD_KEY not in printed and "tok-0123456789" not in printed
    assert settings.cloud.api_key.reveal() == CLOUD_KEY


class EchoingUpstream(BaseHTTPRequestHandler):
    """A cloud endpoint that refuses every key and, like some real ones, quotes the key back in its 401."""

    def do_POST(self):  # noqa: N802 - the http.server hook's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        body = f'{{"error": {{"message": "Incorrect API key provided: {key}.", "code": "invalid_api_key"}}}}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def echoing_upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoingUpstream)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()
    server.server_close()


async def test_a_configured_key_echoed_by_a_failing_upstream_is_not_recorded(monkeypatch, echoing_upstream):
    monkeypatch.setenv("OPENAI_API_KEY", CLOUD_KEY)  # configured: the redaction knows it by value
    http = AsyncOpenAI(base_url=echoing_upstream, api_key=CLOUD_KEY, max_retries=0, timeout=30)
    cloud = OpenAIChatClient(model="gpt-4o-mini", async_client=http)
    tiers = Tiers(load_settings(environ={}, env_file=None), EmbeddedChatClient(max_tokens=4), cloud)
    conversation = HybridConversationManager(HybridRouter(), tiers, max_tokens=4)

    turn = await conversation.chat("Hello.", force_tier="cloud")

    assert turn.metadata["fell_back"] and turn.metadata["failed_tier"] == "cloud"
    assert REDACTED in turn.metadata["error"] and "401" in turn.metadata["error"]  # the error is kept, not the key
    recorded = str(conversation.context.routing_metadata) + str(turn.decision.reasons)
    assert CLOUD_KEY not in recorded
    conversation.close()


def test_redaction_replaces_every_configured_value_whatever_its_shape(monkeypatch):
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "plain-words-token")
    monkeypatch.setenv("CONVERSATION_ENCRYPTION_KEY", "b64+/=KeyMaterial")
    text = "upstream said: plain-words-token and b64+/=KeyMaterial and sk-abcdefghijklmnop0123"
    assert redact_configured(text) == f"upstream said: {REDACTED} and {REDACTED} and {REDACTED}"
