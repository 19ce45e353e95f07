"""One exchange's routing metadata: the JSON-safe dict that analytics and the chat page read.

The keys are a contract (docs/conversation-persistence-guide.md lists them): keys may be added,
never renamed or removed. `exchange_metadata` builds a new entry; `normalize_exchange` brings an
entry written by an older format (the persistence guide's export, lab 04's records) to the same keys.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from modules.config import TIERS
from modules.hybrid.sources import tier_of
from modules.pricing import estimate_cost
from modules.redaction import short_error

EXCHANGE_KEYS = (
    "turn",
    "at",
    "source",
    "model",
    "strategy",
    "mode",
    "p_cloud",
    "confidence",
    "threshold",
    "reasons",
    "response_time_s",
    "ttft_s",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "switched",
    "fell_back",
    "failed_tier",
    "error",
    "forced",
    "escalated",
    "messages_sent",
    "tool_calls",
    "received",
    "cascade",
)


def exchange_metadata(
    *,
    turn: int,
    source: str,
    previous_source: str | None,
    response_time_s: float,
    model: str | None = None,
    decision: Any = None,
    ttft_s: float | None = None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    fell_back: bool = False,
    failed_tier: str | None = None,
    error: BaseException | str | None = None,
    forced: bool = False,
    messages_sent: int = 0,
    received: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    label: str | None = None,
    tool_calls: Sequence[Mapping[str, Any]] = (),
    cascade: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete metadata entry. `decision` is a `modules.routing.RoutingDecision` (None when not routed);
    `cascade` is what the cascade did on this exchange (`HybridConversationManager` with `strategy="cascade"`), None
    when it did not run."""
    tier = tier_of(source)
    entry: dict[str, Any] = {
        "turn": turn,
        "at": time.time(),
        "source": tier,
        "model": model,
        "strategy": getattr(decision, "strategy", None),
        "mode": _mode_of(decision),
        "p_cloud": _rounded(getattr(decision, "cloud_probability", None), 4),
        "confidence": getattr(decision, "confidence", None),
        "threshold": getattr(decision, "threshold", None),
        "reasons": list(getattr(decision, "reasons", None) or []),
        "response_time_s": round(float(response_time_s), 4),
        "ttft_s": _rounded(ttft_s, 4),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": estimate_cost(tier, input_tokens, output_tokens),
        "switched": previous_source is not None and previous_source != tier,
        "fell_back": fell_back,
        "failed_tier": failed_tier,
        "error": short_error(error),
        "forced": forced,
        "escalated": bool(getattr(decision, "escalated", False)),
        "messages_sent": messages_sent,
        "tool_calls": [dict(call) for call in tool_calls],  # modules.hybrid.tool_calls: tool, arguments, result, ...
        # What the tier was given after compaction: messages, tokens, how many stored messages were summarised or
        # left out, the summary's id (see modules.hybrid.compaction). None: not measured (older records).
        "received": dict(received) if received is not None else None,
        # The cascade's attempt: both answers, the local tokens and seconds not served, what the local tier received.
        "cascade": dict(cascade) if cascade is not None else None,
    }
    if label is not None and label != tier:
        entry["source_label"] = label  # what the caller called it, e.g. "foundry"
    if details:
        entry["details"] = dict(details)
    return entry


def normalize_exchange(entry: Mapping[str, Any], turn: int, previous_source: str | None) -> dict[str, Any]:
    """Fill an older entry's gaps so it has every contract key (the original keys are kept as they were).

    Lab 04 wrote `tier` and `latency_s`; the persistence guide's export (imported by `modules.storage`)
    wrote `source` (e.g. "foundry"), `latency_s` and `details`.
    """
    entry = dict(entry)
    source = entry.get("source")
    tier = source if source in TIERS else entry.get("tier")
    if tier not in TIERS:
        tier = tier_of(source if source is not None else tier)
    if source is not None and source != tier:
        entry.setdefault("source_label", source)
    response_time = entry.get("response_time_s", entry.get("latency_s")) or 0.0
    defaults: dict[str, Any] = {
        "turn": turn,
        "at": None,
        "model": None,
        "strategy": None,
        "p_cloud": None,
        "confidence": None,
        "threshold": None,
        "reasons": [],
        "ttft_s": None,
        "input_tokens": None,
        "output_tokens": None,
        "fell_back": False,
        "failed_tier": None,
        "error": None,
        "forced": False,
        "mode": None,
        "escalated": False,
        "messages_sent": 2 * turn - 1,
        "tool_calls": [],
        "received": None,
        "cascade": None,
    }
    for key, value in defaults.items():
        if entry.get(key) is None:
            entry[key] = value
    entry["source"] = tier
    entry["response_time_s"] = float(response_time)
    entry["switched"] = previous_source is not None and previous_source != tier
    if entry.get("cost_usd") is None:
        entry["cost_usd"] = estimate_cost(tier, entry["input_tokens"], entry["output_tokens"])
    return entry


def normalize_exchanges(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    normalized: list[dict[str, Any]] = []
    for index, entry in enumerate(entries, start=1):
        normalized.append(normalize_exchange(entry, index, normalized[-1]["source"] if normalized else None))
    return normalized


def _mode_of(decision: Any) -> str | None:
    """The router's operating point as text: a mode name ("balanced") or a custom target's description."""
    mode = getattr(decision, "mode", None)
    return None if mode is None else str(mode)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)
