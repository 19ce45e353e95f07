"""Routing analytics of one conversation, computed from its exchange metadata alone.

routing_summary(manager.routing_metadata)   # switches, distribution, cost against all-cloud, latency per tier
conversation_flow(manager.routing_metadata, manager.messages)   # one row per exchange, in order
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from modules.config import TIERS
from modules.pricing import TierPrice, estimate_cost

_PREVIEW_CHARS = 60
SUMMARY_KEYS = (
    "total_exchanges",
    "model_switches",
    "routing_distribution",
    "routing_percentages",
    "fallbacks",
    "forced",
    "escalated",
    "modes",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "all_cloud_usd",
    "all_local_usd",
    "saving_vs_all_cloud",
    "by_source",
)


def routing_summary(
    metadata: Sequence[Mapping[str, Any]], *, pricing: Mapping[str, TierPrice] | None = None
) -> dict[str, Any]:
    """The summary numbers of a conversation: the one schema the manager, analytics and the chat page all return.

    Args:
        metadata: The exchanges' routing metadata, in turn order (`manager.routing_metadata`).
        pricing: Prices per tier for the all-cloud and all-local baselines; None reads data/pricing.csv.

    Returns:
        Plain JSON values, the keys of SUMMARY_KEYS: counts (exchanges, switches, fallbacks, forced, escalated,
        per tier and in percent), the modes used, tokens, the cost as routed against the all-cloud and all-local
        baselines (each exchange's own tokens priced at the other tier's rate, an estimate), the saving against
        all-cloud (None before any cost), and per tier its latency (mean, p50, p95; None before its first answer),
        tokens and cost.
    """
    by_source: dict[str, dict[str, Any]] = {}
    for source in TIERS:
        entries = [e for e in metadata if e.get("source") == source]
        times = [float(e["response_time_s"]) for e in entries if e.get("response_time_s") is not None]
        by_source[source] = {
            "exchanges": len(entries),
            "mean_response_time_s": _stat(times, np.mean),
            "p50_response_time_s": _stat(times, lambda t: np.percentile(t, 50)),
            "p95_response_time_s": _stat(times, lambda t: np.percentile(t, 95)),
            "input_tokens": sum(e.get("input_tokens") or 0 for e in entries),
            "output_tokens": sum(e.get("output_tokens") or 0 for e in entries),
            "cost_usd": round(sum(e.get("cost_usd") or 0.0 for e in entries), 8),
        }
    total = len(metadata)
    cost = sum(e.get("cost_usd") or 0.0 for e in metadata)  # the totals are exact sums; per tier is rounded
    baseline = {
        tier: sum(estimate_cost(tier, e.get("input_tokens"), e.get("output_tokens"), pricing) for e in metadata)
        for tier in TIERS
    }
    return {
        "total_exchanges": total,
        "model_switches": sum(bool(e.get("switched")) for e in metadata),
        "routing_distribution": {s: by_source[s]["exchanges"] for s in TIERS},
        "routing_percentages": {s: round(100 * by_source[s]["exchanges"] / total, 1) if total else 0.0 for s in TIERS},
        "fallbacks": sum(bool(e.get("fell_back")) for e in metadata),
        "forced": sum(bool(e.get("forced")) for e in metadata),
        "escalated": sum(bool(e.get("escalated")) for e in metadata),
        "modes": sorted({str(e["mode"]) for e in metadata if e.get("mode") is not None}),
        "input_tokens": sum(by_source[s]["input_tokens"] for s in TIERS),
        "output_tokens": sum(by_source[s]["output_tokens"] for s in TIERS),
        "cost_usd": cost,
        "all_cloud_usd": baseline["cloud"],
        "all_local_usd": baseline["local"],
        "saving_vs_all_cloud": 1 - cost / baseline["cloud"] if baseline["cloud"] > 0 else None,
        "by_source": by_source,
    }


def conversation_flow(
    metadata: Sequence[Mapping[str, Any]], messages: Sequence[Mapping[str, str]] = ()
) -> list[dict[str, Any]]:
    """One row per exchange: which tier answered, whether it switched, why, and the question's start.

    Messages are paired with exchanges in order (user, assistant per exchange); a conversation imported
    without its messages gets no previews.
    """
    questions = [m["content"] for m in messages if m.get("role") == "user"]
    rows = []
    for index, entry in enumerate(metadata):
        question = questions[index] if index < len(questions) and len(questions) == len(metadata) else ""
        rows.append(
            {
                "turn": entry.get("turn", index + 1),
                "source": entry.get("source"),
                "model": entry.get("model"),
                "switched": bool(entry.get("switched")),
                "fell_back": bool(entry.get("fell_back")),
                "forced": bool(entry.get("forced")),
                "strategy": entry.get("strategy"),
                "p_cloud": entry.get("p_cloud"),
                "response_time_s": entry.get("response_time_s"),
                "messages_sent": entry.get("messages_sent"),
                "question": question if len(question) <= _PREVIEW_CHARS else question[: _PREVIEW_CHARS - 1] + "…",
            }
        )
    return rows


def _stat(values: list[float], function: Any) -> float | None:
    return round(float(function(values)), 4) if values else None
