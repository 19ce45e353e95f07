"""Telemetry: the spans of one traced turn (router -> tier -> storage), and no secret in any span or export.

The turns run the real embedded model and, for the cloud tier, the real local Responses service with a
bearer token. `TurnTaker` stands in for the hybrid manager's `chat()` only (its interface: route, answer
with the session, save the record, return the turn's metadata), so these tests do not depend on lab 06's code.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace

import pytest
from agent_framework import AgentSession
from opentelemetry import trace

from modules.analytics import exchanges_frame
from modules.analytics.export import export_exchanges, export_spans, export_table
from modules.analytics.redact import REDACTED
from modules.analytics.telemetry import (
    _console_exporter,
    start_telemetry,
    trace_router,
    trace_store,
    traced_turn,
)
from modules.pricing import estimate_cost
from modules.routing import HybridRouter, RuleStrategy
from modules.storage import ConversationRecord, FileStore

FAKE_OPENAI_KEY = "sk-test-FAKEKEY0123456789abcdefXYZ"
FAKE_SERVICE_TOKEN = "svc-token-FAKE-7f3a9c2e41"


class TurnTaker:
    """The part of HybridConversationManager that traced_turn uses: chat() -> object with .metadata."""

    def __init__(self, router, tiers, store) -> None:
        self.router, self.store, self.revision = router, store, 0
        self.agents = {
            "local": tiers.local_client.as_agent(name="local", instructions="Answer in a few words."),
            "cloud": tiers.cloud_client.as_agent(name="cloud", default_options={"store": False}),
        }
        self.session = AgentSession(session_id="traced-conversation")
        self.routing_metadata: list[dict] = []

    async def chat(self, text: str, force_tier: str | None = None):
        decision = self.router.route(text)
        tier = force_tier or decision.target
        started = time.perf_counter()
        response = await self.agents[tier].run(text, session=self.session, options={"max_tokens": 8})
        usage = response.usage_details or {}
        entry = {
            "turn": len(self.routing_metadata) + 1,
            "at": time.time(),
            "source": tier,
            "response_time_s": time.perf_counter() - started,
            "input_tokens": usage.get("input_token_count"),
            "output_tokens": usage.get("output_token_count"),
            "cost_usd": estimate_cost(tier, usage.get("input_token_count"), usage.get("output_token_count")),
            "switched": bool(self.routing_metadata) and self.routing_metadata[-1]["source"] != tier,
            "fell_back": False,
            "error": None,
        }
        self.routing_metadata.append(entry)
        record = ConversationRecord.from_session(self.session, routing_metadata=self.routing_metadata)
        record.revision = self.revision  # the stored revision this turn continues (saves refuse stale ones)
        self.store.save(record)
        self.revision = record.revision
        return SimpleNamespace(text=response.text, metadata=entry)


@pytest.fixture(scope="module")
def telemetry():
    return start_telemetry()


@pytest.fixture(scope="module")
def tiers():
    # The offline cloud tier is the real local service, started with a bearer token that must never leak.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LOCAL_SERVICE_TOKEN", FAKE_SERVICE_TOKEN)
        env.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)  # ignored offline, but present in the environment
        from modules.tiers import start_tiers

        with start_tiers() as started:
            assert started.service is not None and started.service.api_key == FAKE_SERVICE_TOKEN
            yield started


@pytest.fixture
def secrets_in_env(monkeypatch):
    monkeypatch.setenv("LOCAL_SERVICE_TOKEN", FAKE_SERVICE_TOKEN)
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI_KEY)


async def test_trace_of_one_turn_is_router_then_tier_then_storage(telemetry, tiers, tmp_path):
    router = trace_router(HybridRouter(RuleStrategy()))
    store = trace_store(FileStore(tmp_path))
    assert isinstance(store, FileStore) and isinstance(router, HybridRouter)  # still their own types
    taker = TurnTaker(router, tiers, store)
    turn, trace_id = await traced_turn(taker, "Hello there!")

    spans = telemetry.spans_frame(trace_id)
    by_name = spans.set_index("name")
    assert spans.loc[0, "name"] == "hybrid turn" and spans.loc[0, "depth"] == 0
    assert list(spans["category"]) == ["turn", "router", "tier", "tier", "storage"]
    assert by_name.loc["router.route", "attributes"]["routing.target"] == "local"
    assert by_name.loc["router.route", "depth"] == by_name.loc["storage.save", "depth"] == 1
    chat = spans[spans["name"].str.startswith("chat ")].iloc[0]
    assert chat["depth"] == 2  # the framework's chat span sits inside its invoke_agent span
    assert chat["attributes"]["gen_ai.usage.input_tokens"] == turn.metadata["input_tokens"]
    assert by_name.loc["storage.save", "attributes"]["storage.backend"] == "FileStore"
    assert by_name.loc["storage.save", "attributes"]["conversation.exchanges"] == 1
    # router before the tier call, storage write after it, all inside the turn
    router_start, tier_start = by_name.loc["router.route", "start_ms"], chat["start_ms"]
    storage_start = by_name.loc["storage.save", "start_ms"]
    assert router_start < tier_start < storage_start
    assert (spans["start_ms"] + spans["duration_ms"]).max() <= spans.loc[0, "duration_ms"] + 1e-6
    assert store.load("traced-conversation").routing_metadata[0]["turn"] == 1


async def test_no_prompt_answer_key_or_token_in_any_span_or_export(telemetry, tiers, tmp_path, secrets_in_env):
    assert not telemetry.sensitive_data_enabled
    telemetry.clear()
    taker = TurnTaker(trace_router(HybridRouter(RuleStrategy())), tiers, trace_store(FileStore(tmp_path / "store")))
    question = "My secret code word is PELICAN-4471."
    _, local_trace = await traced_turn(taker, question, force_tier="local")
    turn, cloud_trace = await traced_turn(taker, "And the weather?", force_tier="cloud")
    assert turn.metadata["source"] == "cloud" and turn.text  # the token-protected service answered

    raw = json.dumps([json.loads(span.to_json()) for span in telemetry.spans()])
    assert FAKE_SERVICE_TOKEN not in raw and FAKE_OPENAI_KEY not in raw
    assert "PELICAN-4471" not in raw  # sensitive-data capture is off: the prompt is not in the spans

    paths = [
        *export_spans(telemetry.spans_frame(local_trace), tmp_path, name="local-spans").values(),
        *export_spans(telemetry.spans_frame(cloud_trace), tmp_path, name="cloud-spans").values(),
        *export_exchanges(taker.routing_metadata, tmp_path).values(),
    ]
    assert len(paths) == 6
    for path in paths:
        text = path.read_text()
        assert text and FAKE_SERVICE_TOKEN not in text and FAKE_OPENAI_KEY not in text


def test_secrets_that_slip_into_spans_or_exchanges_are_redacted(telemetry, tmp_path, secrets_in_env):
    telemetry.clear()
    tracer = trace.get_tracer("tests")
    with tracer.start_as_current_span("hybrid turn") as root:
        with tracer.start_as_current_span("storage.save") as child:
            child.set_attribute("error", f"401 Unauthorized: Bearer {FAKE_SERVICE_TOKEN}")
            child.set_attribute("gen_ai.input.messages", "the user's prompt")
            child.set_attribute("note", f"key={FAKE_OPENAI_KEY}")
    spans = telemetry.spans_frame(f"{root.get_span_context().trace_id:032x}")
    attributes = spans.set_index("name").loc["storage.save", "attributes"]
    assert "gen_ai.input.messages" not in attributes
    assert attributes["error"] == f"401 Unauthorized: Bearer {REDACTED}" and attributes["note"] == f"key={REDACTED}"

    exchanges = [
        {"turn": 1, "source": "cloud", "response_time_s": 1.0, "error": f"AuthenticationError: {FAKE_OPENAI_KEY}"}
    ]
    files = export_exchanges(exchanges_frame(exchanges), tmp_path) | export_spans(spans, tmp_path)
    for path in files.values():
        text = path.read_text()
        assert FAKE_OPENAI_KEY not in text and FAKE_SERVICE_TOKEN not in text and REDACTED in text

    printed = _console_exporter(telemetry).formatter(telemetry.spans()[0])  # what console=True would print
    assert FAKE_SERVICE_TOKEN not in printed and REDACTED in printed


def test_exports_write_csv_and_json_and_refuse_paths_as_names(tmp_path):
    rows = [{"turn": 1, "source": "local", "response_time_s": 0.25, "reasons": ["short query"]}]
    paths = export_exchanges(rows, tmp_path)
    assert json.loads(paths["json"].read_text())[0]["tier"] == "local"
    assert paths["csv"].read_text().splitlines()[0].startswith("conversation,time,turn,tier,")
    with pytest.raises(ValueError, match="plain file stem"):
        export_table(exchanges_frame(rows), "../outside", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exchanges.csv", "exchanges.json"]  # nothing partial


def test_start_telemetry_is_one_collector_per_process(telemetry):
    assert start_telemetry() is telemetry


async def test_the_workload_needs_one_manager_per_session():
    from modules.analytics.workload import SESSIONS, run_workload

    assert len(SESSIONS) == 4 and sum(len(steps) for steps in SESSIONS) == 40
    with pytest.raises(ValueError, match="one manager per session: 4 sessions, 1 managers"):
        await run_workload([object()], progress=False)
