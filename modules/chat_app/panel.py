"""The numbers of the page's side panel, from a conversation's per-exchange routing metadata.

    panel_numbers(manager.context.routing_metadata, manager.context.get_routing_summary())

The all-cloud baseline prices every exchange's tokens as if the cloud tier had answered it,
so "saved" is what routing saved on this very conversation (an estimate from data/pricing.csv).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import fmean
from typing import Any

from modules.pricing import TIERS, estimate_cost


def panel_numbers(exchanges: Sequence[Mapping[str, Any]], summary: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Distribution, switches, fallbacks, cost against the all-cloud baseline and mean latency per tier.

    `summary` is the manager's `get_routing_summary()`: when given, its exchange count, switch count and
    distribution are the ones shown, so the page and the notebook report the same figures.
    """
    distribution = {tier: sum(e["source"] == tier for e in exchanges) for tier in TIERS}
    switches = sum(bool(e.get("switched")) for e in exchanges)
    total = len(exchanges)
    if summary is not None:
        total = summary.get("total_exchanges", total)
        switches = summary.get("model_switches", switches)
        distribution = {tier: summary.get("routing_distribution", {}).get(tier, distribution[tier]) for tier in TIERS}
    cost = sum(float(e.get("cost_usd") or 0.0) for e in exchanges)
    all_cloud = sum(estimate_cost("cloud", e.get("input_tokens"), e.get("output_tokens")) for e in exchanges)
    latency = {
        tier: round(fmean(times), 3) if times else None
        for tier in TIERS
        for times in [[e["response_time_s"] for e in exchanges if e["source"] == tier]]
    }
    return {
        "total_exchanges": total,
        "routing_distribution": distribution,
        "model_switches": switches,
        "fallbacks": sum(bool(e.get("fell_back")) for e in exchanges),
        "forced": sum(bool(e.get("forced")) for e in exchanges),
        "cost_usd": cost,
        "all_cloud_usd": all_cloud,
        "saved_usd": all_cloud - cost,
        "saved_share": (all_cloud - cost) / all_cloud if all_cloud > 0 else None,
        "mean_latency_s": latency,
    }
