"""Three findings about one conversation, written from its numbers (never typed in by hand).

for line in findings(df):
    print("-", line)
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from modules.analytics.errors import ExchangeDataError
from modules.analytics.frame import _frame, conversation_totals, summary_by_tier

CLOSE_CALL_CONFIDENCE = 0.6  # confidence runs from 0.5 (on the threshold) to 1.0


def cost_finding(df: pd.DataFrame) -> str:
    totals = conversation_totals(df)
    n, local = totals["total_exchanges"], totals["routing_distribution"]["local"]
    modes = totals["modes"]
    where = f"Routed in {' and '.join(modes)} mode, " if modes else ""
    text = f"{where}{local} of {n} exchanges ({local / n:.0%}) were answered by the local tier"
    if totals["escalated"]:  # recorded by HybridConversationManager(..., strategy="cascade")
        wasted = int(df["wasted_local_tokens"].fillna(0).sum()) if "wasted_local_tokens" in df else 0
        text += (
            f" ({totals['escalated']} judged unsure by the cascade and escalated to the cloud, after {wasted} local "
            "tokens that were not served)"
        )
    if totals["saving_vs_all_cloud"] is None:
        return text + "; at the configured prices no exchange had a cost, so routing saved nothing measurable."
    return (
        f"{text}: the estimated bill was ${totals['cost_usd']:.5f}, {totals['saving_vs_all_cloud']:.0%} below "
        f"the ${totals['all_cloud_usd']:.5f} of sending every exchange to the cloud."
    )


def latency_finding(df: pd.DataFrame) -> str:
    summary = summary_by_tier(df)
    answered = summary[summary["exchanges"] > 0]
    if len(answered) == 1:
        tier, median = answered.index[0], answered["latency p50 (s)"].iloc[0]
        return f"Every exchange went to the {tier} tier; its median response time was {median:.2f} s."
    p50 = answered["latency p50 (s)"]
    faster, slower = p50.idxmin(), p50.idxmax()
    ratio = p50[slower] / p50[faster] if p50[faster] > 0 else float("inf")
    return (
        f"Median response time: local {p50['local']:.2f} s, cloud {p50['cloud']:.2f} s; the {faster} tier was "
        f"{ratio:.1f}x faster at the median (p95: local {answered.loc['local', 'latency p95 (s)']:.2f} s, "
        f"cloud {answered.loc['cloud', 'latency p95 (s)']:.2f} s)."
    )


def switching_finding(df: pd.DataFrame) -> str:
    totals = conversation_totals(df)
    n, switches = totals["total_exchanges"], totals["model_switches"]
    routed = df.loc[df["p_cloud"].notna() & ~df["forced"], "confidence"]  # the router's own decisions
    close = int((routed < CLOSE_CALL_CONFIDENCE).sum())
    sessions = df["conversation"].nunique()
    who = "The conversation" if sessions <= 1 else f"The {sessions} sessions"
    text = f"{who} changed tier {switches} time{'s' * (switches != 1)} in {n} exchanges"
    if switches:
        text += f" (once every {n / switches:.1f} exchanges)"
    text += f", with {totals['fallbacks']} fallback{'s' * (totals['fallbacks'] != 1)}"
    if len(routed):
        text += (
            f"; {close} of {len(routed)} routing decisions ({close / len(routed):.0%}) were close calls "
            f"(confidence below {CLOSE_CALL_CONFIDENCE})"
        )
    return text + "."


def findings(data: Any) -> list[str]:
    """Cost against the all-cloud baseline, latency per tier, switching and close calls.

    Args:
        data: An exchanges frame, or anything `exchanges_frame` accepts (a manager, a record, their lists).

    Returns:
        One sentence per finding, with the figures measured in `data`.

    Raises:
        ValueError: `data` holds no exchanges yet.
    """
    df = _frame(data)
    if df.empty:
        raise ExchangeDataError("No exchanges yet: run some turns before asking for findings.")
    return [cost_finding(df), latency_finding(df), switching_finding(df)]
