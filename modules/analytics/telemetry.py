"""OpenTelemetry spans of hybrid turns, collected in memory: router decision -> tier call -> storage write.

    telemetry = start_telemetry()                     # console=True also prints each span as it ends
    manager = HybridConversationManager(trace_router(HybridRouter()), tiers, store=trace_store(store))
    turn, trace_id = await traced_turn(manager, "Hi!")
    telemetry.spans_frame(trace_id)                   # one row per span; charts.waterfall_chart(...) draws it

Agent Framework instruments its own chat clients and agents: every tier call becomes a `chat <model>` span
(and `invoke_agent <name>` when an agent runs it) with token counts. The router and the stores are this
course's code, so `trace_router` and `trace_store` add spans for them, and `traced_turn` opens one parent span
per turn. Sensitive-data capture (prompts and answers in spans) stays off; attributes that would carry them
are dropped and secrets are redacted before spans reach a table, a file or the console.

Spans also go wherever the standard OTEL_EXPORTER_OTLP_* variables point (e.g. a local Aspire dashboard or
Jaeger), because `configure_otel_providers` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from agent_framework.observability import OBSERVABILITY_SETTINGS, configure_otel_providers, enable_instrumentation
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from modules.analytics.errors import AnalyticsInputError
from modules.analytics.redact import redact, safe_attributes, secret_values

SERVICE_NAME = "hybrid-llm-router-workshop"
TURN_SPAN = "hybrid turn"
_tracer = trace.get_tracer("modules.analytics")


def _category(span: ReadableSpan) -> str:
    operation = (span.attributes or {}).get("gen_ai.operation.name")
    if span.name == TURN_SPAN:
        return "turn"
    if span.name.startswith("router."):
        return "router"
    if span.name.startswith("storage."):
        return "storage"
    return "tier" if operation in ("chat", "invoke_agent") else "framework"


@dataclass
class Telemetry:
    """The in-memory span collector of this process (one per process: OpenTelemetry's provider is global)."""

    exporter: InMemorySpanExporter
    provider: TracerProvider
    extra_secrets: list[str] = field(default_factory=list)

    @property
    def sensitive_data_enabled(self) -> bool:
        """Whether Agent Framework would record prompts and answers in spans (kept False by this module)."""
        return OBSERVABILITY_SETTINGS.SENSITIVE_DATA_ENABLED

    def spans(self) -> tuple[ReadableSpan, ...]:
        """Every finished span so far (after flushing the batch processor)."""
        self.provider.force_flush()
        return self.exporter.get_finished_spans()

    def clear(self) -> None:
        self.provider.force_flush()
        self.exporter.clear()

    def spans_frame(self, trace_id: str | None = None) -> pd.DataFrame:
        """One row per span of one trace (default: the latest), in start order, secrets redacted.

        Columns: trace_id, span_id, parent_id, name, category (turn/router/tier/storage/framework), depth,
        start (UTC), start_ms and duration_ms (from the trace's first span), status, attributes (a dict)."""
        return spans_frame(self.spans(), trace_id, secrets=secret_values(self.extra_secrets))


_telemetry: Telemetry | None = None


def start_telemetry(*, console: bool = False, extra_secrets: Sequence[str | None] = ()) -> Telemetry:
    """Turn on Agent Framework's instrumentation (sensitive data off) and collect spans in memory.

    Call once per process; later calls return the same collector (adding console output if asked).
    `extra_secrets` are values to redact besides the environment's keys and tokens.

    Args:
        console: Also print every span (secrets redacted) as it ends.
        extra_secrets: Values to redact besides the environment's keys and tokens.
    """
    global _telemetry
    secrets = [s for s in extra_secrets if s]
    if _telemetry is not None:
        _telemetry.extra_secrets.extend(secrets)
        if console:
            _telemetry.provider.add_span_processor(SimpleSpanProcessor(_console_exporter(_telemetry)))
        return _telemetry
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):  # someone set up OpenTelemetry already: add to it
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        enable_instrumentation(enable_sensitive_data=False)
    else:
        configure_otel_providers(
            service_name=SERVICE_NAME, exporters=[exporter], enable_sensitive_data=False, enable_console_exporters=False
        )
        provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        raise RuntimeError(
            "OpenTelemetry has no SDK tracer provider after set-up; is ENABLE_INSTRUMENTATION=false set? "
            "Remove it to collect spans."
        )
    _telemetry = Telemetry(exporter, provider, secrets)
    if console:
        provider.add_span_processor(SimpleSpanProcessor(_console_exporter(_telemetry)))
    return _telemetry


def _console_exporter(telemetry: Telemetry) -> ConsoleSpanExporter:
    def redacted(span: ReadableSpan) -> str:
        as_dict = json.loads(span.to_json())
        as_dict["attributes"] = safe_attributes(as_dict.get("attributes"), set())
        return json.dumps(redact(as_dict, secret_values(telemetry.extra_secrets)), indent=2) + "\n"

    return ConsoleSpanExporter(formatter=redacted)


def spans_frame(spans: Sequence[ReadableSpan], trace_id: str | None = None, *, secrets: set[str]) -> pd.DataFrame:
    """The spans of one trace as a DataFrame (see `Telemetry.spans_frame`)."""
    columns = ["trace_id", "span_id", "parent_id", "name", "category", "depth", "start", "start_ms",
               "duration_ms", "status", "attributes"]  # fmt: skip
    if not spans:
        return pd.DataFrame(columns=columns)
    if trace_id is None:
        trace_id = f"{max(spans, key=lambda s: s.end_time or 0).context.trace_id:032x}"
    chosen = [s for s in spans if f"{s.context.trace_id:032x}" == trace_id]
    if not chosen:
        raise AnalyticsInputError(
            f"No finished span belongs to trace {trace_id}; pass a trace id that traced_turn returned."
        )
    parents = {s.context.span_id: (s.parent.span_id if s.parent else None) for s in chosen}

    def depth(span_id: int) -> int:
        level, parent = 0, parents.get(span_id)
        while parent in parents:
            level, parent = level + 1, parents[parent]
        return level

    origin = min(s.start_time for s in chosen)
    rows = [
        {
            "trace_id": trace_id,
            "span_id": f"{s.context.span_id:016x}",
            "parent_id": f"{s.parent.span_id:016x}" if s.parent else None,
            "name": redact(s.name, secrets),
            "category": _category(s),
            "depth": depth(s.context.span_id),
            "start": pd.Timestamp(s.start_time, unit="ns", tz="UTC"),
            "start_ms": (s.start_time - origin) / 1e6,
            "duration_ms": ((s.end_time or s.start_time) - s.start_time) / 1e6,
            "status": s.status.status_code.name,
            "attributes": safe_attributes(s.attributes, secrets),
        }
        for s in chosen
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["start_ms", "depth"]).reset_index(drop=True)


# --------------------------------------------------------------------------- spans for the course's own parts


def trace_router(router: Any) -> Any:
    """Make every decision of `router` a `router.route` span (target, strategy, P(cloud), confidence); returns
    the same router, still of its own type. The query text is not recorded: it is the user's content.

    Args:
        router: A `HybridRouter` (or anything with `route`).
    """
    if getattr(router, "_traced", False):
        return router
    route = router.route

    def traced_route(query: str, context: Any = None) -> Any:
        with _tracer.start_as_current_span("router.route") as span:
            decision = route(query, context)
            span.set_attributes(
                {
                    "routing.target": decision.target,
                    "routing.strategy": decision.strategy,
                    "routing.p_cloud": float(decision.cloud_probability),
                    "routing.confidence": float(decision.confidence),
                    "routing.threshold": float(decision.threshold),
                    "routing.reason_count": len(decision.reasons),
                }
            )
            return decision

    router.route, router._traced = traced_route, True
    return router


def trace_store(store: Any) -> Any:
    """Make `save` and `load` of a conversation store `storage.save` / `storage.load` spans (backend, conversation
    id, size); returns the same store, still of its own type, so code that checks the type keeps working.

    Args:
        store: A conversation store from `modules.storage`.
    """
    if getattr(store, "_traced", False):
        return store
    save, load = store.save, store.load

    def span(operation: str, conversation_id: str) -> Any:
        attributes = {"storage.backend": type(store).__name__, "conversation.id": conversation_id}
        return _tracer.start_as_current_span(f"storage.{operation}", attributes=attributes)

    def traced_save(record: Any, *args: Any, **kwargs: Any) -> Any:
        with span("save", record.conversation_id) as current:
            written = save(record, *args, **kwargs)
            current.set_attribute("conversation.exchanges", len(record.routing_metadata))
            if isinstance(written, int):
                current.set_attribute("storage.bytes", written)
            return written

    def traced_load(conversation_id: str, *args: Any, **kwargs: Any) -> Any:
        with span("load", conversation_id):
            return load(conversation_id, *args, **kwargs)

    store.save, store.load, store._traced = traced_save, traced_load, True
    return store


async def traced_turn(manager: Any, text: str, *, force_tier: str | None = None) -> tuple[Any, str]:
    """One hybrid turn under a `hybrid turn` span; with a traced router and a traced store given to the manager
    the trace holds router decision -> tier call -> storage write.

    Returns (the HybridTurn, the trace id for `Telemetry.spans_frame`)."""
    with _tracer.start_as_current_span(TURN_SPAN) as span:
        turn = await manager.chat(text, force_tier=force_tier)
        metadata = turn.metadata
        span.set_attributes(
            {
                "hybrid.turn": int(metadata["turn"]),
                "hybrid.source": metadata["source"],
                "hybrid.switched": bool(metadata["switched"]),
                "hybrid.fell_back": bool(metadata["fell_back"]),
            }
        )
        return turn, f"{span.get_span_context().trace_id:032x}"
