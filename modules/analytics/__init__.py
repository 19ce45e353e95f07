"""Routing analytics and telemetry (lab 07): exchanges as a DataFrame, summary tables, findings, charts,
OpenTelemetry spans of a hybrid turn, and CSV/JSON exports.

    from modules.analytics import exchanges_frame, summary_by_tier, findings, charts
    df = exchanges_frame(manager)        # or a ConversationRecord loaded from any store, or the metadata list
    charts.dashboard(df)

Modules: `frame` (DataFrame and summary tables), `findings` (sentences written from the numbers),
`charts` (matplotlib figures), `telemetry` (Agent Framework's OpenTelemetry spans, in memory),
`export` (CSV/JSON files in a git-ignored folder, secrets redacted).
"""

from modules.analytics import charts
from modules.analytics.errors import AnalyticsInputError, ExchangeDataError, ExchangeSourceError
from modules.analytics.export import export_exchanges, export_spans
from modules.analytics.findings import findings
from modules.analytics.frame import (
    COLUMNS,
    conversation_totals,
    cost_baselines,
    exchanges_frame,
    routing_distribution,
    routing_metadata_of,
    summary_by_tier,
)
from modules.analytics.redact import redact, secret_values
from modules.analytics.telemetry import start_telemetry, trace_router, trace_store
from modules.analytics.workload import CASCADE_TURNS, SESSIONS, run_workload

__all__ = [
    "CASCADE_TURNS",
    "COLUMNS",
    "SESSIONS",
    "AnalyticsInputError",
    "ExchangeDataError",
    "ExchangeSourceError",
    "charts",
    "conversation_totals",
    "cost_baselines",
    "exchanges_frame",
    "export_exchanges",
    "export_spans",
    "findings",
    "redact",
    "routing_distribution",
    "routing_metadata_of",
    "run_workload",
    "secret_values",
    "start_telemetry",
    "summary_by_tier",
    "trace_router",
    "trace_store",
]
