"""The numbers of the page's side panel: the analytics module's figures for one conversation, as plain JSON.

    panel_numbers(manager.context.routing_metadata)

The all-cloud baseline prices every exchange's tokens as if the cloud tier had answered it, so
"saved" is what routing saved on this very conversation (an estimate from data/pricing.csv).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from modules.analytics import conversation_totals, exchanges_frame, summary_by_tier
from modules.pricing import TIERS


def panel_numbers(exchanges: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Distribution, switches, fallbacks, cost against the all-cloud baseline, and mean latency per tier.

    Args:
        exchanges: One conversation's routing metadata (`manager.context.routing_metadata`).

    Returns:
        Plain JSON numbers: counts per tier, switches, fallbacks, forced, costs (USD) and mean latency per tier
        (None for a tier that has not answered).
    """
    frame = exchanges_frame(list(exchanges))
    totals = conversation_totals(frame)
    by_tier = summary_by_tier(frame)
    saved = totals["all_cloud_usd"] - totals["cost_usd"]
    return {
        "total_exchanges": totals["exchanges"],
        "routing_distribution": {tier: totals[tier] for tier in TIERS},
        "model_switches": totals["switches"],
        "fallbacks": totals["fallbacks"],
        "forced": totals["forced"],
        "cost_usd": totals["cost_usd"],
        "all_cloud_usd": totals["all_cloud_usd"],
        "saved_usd": saved,
        "saved_share": totals["saving_vs_all_cloud"],
        "mean_latency_s": {tier: _number(by_tier.loc[tier, "latency mean (s)"]) for tier in TIERS},
    }


def _number(value: float) -> float | None:
    """NaN (no exchange on that tier) is not JSON: None instead."""
    return None if math.isnan(value) else round(float(value), 3)
