"""A hybrid conversation's exchanges as a pandas DataFrame, one row per exchange, and its summary tables.

    from modules.analytics import exchanges_frame, summary_by_tier, conversation_totals
    df = exchanges_frame(manager)          # a HybridConversationManager, its .context, a ConversationRecord,
                                           # or the list of exchange metadata dicts itself
    summary_by_tier(df)                    # exchanges, latency p50/p95, tokens, cost per tier
    conversation_totals(df)                # routing_summary's numbers: switches, cost vs the all-cloud baseline

The input is the routing metadata every hybrid exchange records (one JSON-safe dict per exchange:
`turn`, `at`, `source`, `model`, `strategy`, `mode`, `p_cloud`, `confidence`, `threshold`, `reasons`,
`response_time_s`, `ttft_s`, `input_tokens`, `output_tokens`, `cost_usd`, `switched`, `fell_back`, `escalated`,
...). `mode` is the router's operating point (quality, balanced, cost, or a custom target); `escalated` marks an
exchange whose local answer the cascade judged unsure and handed to the cloud (`HybridConversationManager(...,
strategy="cascade")`), and `wasted_local_tokens` the tokens of that local answer (0 when the cascade served the
local answer, empty when the cascade did not run).
Conversations stored by lab 04's sample writer use `tier` and `latency_s` for `source` and
`response_time_s`; those are read too, so any saved conversation can be charted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from modules.analytics.errors import ExchangeDataError, ExchangeSourceError
from modules.config import TIERS
from modules.hybrid import routing_summary
from modules.pricing import TierPrice, estimate_cost

# DataFrame column <- exchange metadata key. Order = column order.
COLUMNS: dict[str, str] = {
    "time": "at",
    "turn": "turn",
    "tier": "source",
    "model": "model",
    "strategy": "strategy",
    "mode": "mode",
    "p_cloud": "p_cloud",
    "confidence": "confidence",
    "threshold": "threshold",
    "reasons": "reasons",
    "latency_s": "response_time_s",
    "ttft_s": "ttft_s",
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "cost_usd": "cost_usd",
    "switched": "switched",
    "fell_back": "fell_back",
    "failed_tier": "failed_tier",
    "error": "error",
    "forced": "forced",
    "escalated": "escalated",
    "messages_sent": "messages_sent",
    "wasted_local_tokens": "cascade.wasted_local_tokens",  # tokens of a cascade's local answer that was not served
}
REQUIRED_KEYS = ("turn", "source", "response_time_s")
# Older stored metadata (lab 04's samples) named two keys differently.
_OLDER_NAMES = {"source": "tier", "response_time_s": "latency_s"}


def routing_metadata_of(source: Any) -> list[Mapping[str, Any]]:
    """The list of exchange dicts held by a manager, its context, a stored record, or the list itself.

    Args:
        source: A HybridConversationManager, its context, a ConversationRecord, or a list of exchange dicts.

    Returns:
        The exchanges' routing-metadata dicts, in turn order.

    Raises:
        ExchangeSourceError: (a TypeError) `source` is one dict, or holds no routing metadata.
    """
    if isinstance(source, Mapping):
        raise ExchangeSourceError(
            "Pass a list of exchange metadata dicts (or a manager or ConversationRecord), not one dict."
        )
    if isinstance(source, (list, tuple)):
        return list(source)
    for holder in (source, getattr(source, "context", None)):
        metadata = getattr(holder, "routing_metadata", None)
        if metadata is not None:
            return list(metadata)
    raise ExchangeSourceError(
        f"Cannot read exchanges from a {type(source).__name__}: pass a HybridConversationManager, its .context, "
        "a ConversationRecord, or a list of exchange metadata dicts."
    )


def _value(entry: Mapping[str, Any], key: str) -> Any:
    if "." in key:  # a field of a nested entry, e.g. the cascade's record (None when the entry has none)
        outer, inner = key.split(".", 1)
        nested = entry.get(outer)
        return nested.get(inner) if isinstance(nested, Mapping) else None
    if key in entry:
        return entry[key]
    return entry.get(_OLDER_NAMES.get(key, key))


def _check(entry: Any, position: int) -> None:
    if not isinstance(entry, Mapping):
        raise ExchangeDataError(
            f"Exchange #{position} is a {type(entry).__name__}, not a dict of routing metadata. "
            "Pass the manager's routing_metadata list unchanged."
        )
    missing = [key for key in REQUIRED_KEYS if _value(entry, key) is None]
    if missing:
        raise ExchangeDataError(
            f"Exchange #{position} (turn {entry.get('turn', '?')}) has no {', '.join(missing)}. "
            "Every exchange needs turn, source ('local' or 'cloud') and response_time_s."
        )
    tier = _value(entry, "source")
    if tier not in TIERS:
        raise ExchangeDataError(
            f"Exchange #{position} (turn {entry['turn']}) names source {tier!r}; it must be 'local' or 'cloud'."
        )


def _holds_exchanges(value: Any) -> bool:
    return any(getattr(h, "routing_metadata", None) is not None for h in (value, getattr(value, "context", None)))


def _conversation_id(source: Any, position: int) -> str:
    for holder in (source, getattr(source, "context", None)):
        for name in ("conversation_id", "session_id"):
            value = getattr(holder, name, None)
            if isinstance(value, str):
                return value
    return str(position)


def exchanges_frame(source: Any, *, pricing: Mapping[str, TierPrice] | None = None) -> pd.DataFrame:
    """One row per exchange, in turn order, with a `conversation` column and the columns of `COLUMNS`.

    `source` is one conversation (a manager, its context, a ConversationRecord, or its list of exchange dicts)
    or a list of conversations (managers or records), whose rows follow each other in the order given.
    `time` is a UTC timestamp; `reasons` is one string ("; "-joined). A missing `cost_usd` is estimated
    from the tokens with `modules.pricing`; a missing `switched` is derived from the previous tier.

    Args:
        source: One conversation or a list of conversations, as above.
        pricing: Prices per tier; None reads data/pricing.csv through `modules.pricing`.

    Returns:
        The exchanges as a DataFrame.

    Raises:
        ExchangeDataError: An exchange lacks turn, source or response_time_s, or names an unknown tier.
    """
    many = isinstance(source, (list, tuple)) and bool(source) and all(_holds_exchanges(s) for s in source)
    conversations = list(source) if many else [source]
    parts = [
        _one_conversation(_conversation_id(c, i), routing_metadata_of(c), pricing)
        for i, c in enumerate(conversations, start=1)
    ]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _one_conversation(
    conversation: str, entries: list[Mapping[str, Any]], pricing: Mapping[str, TierPrice] | None
) -> pd.DataFrame:
    for position, entry in enumerate(entries, start=1):
        _check(entry, position)
    rows = [{column: _value(entry, key) for column, key in COLUMNS.items()} for entry in entries]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df = df.sort_values("turn", kind="stable").reset_index(drop=True)
    df.insert(0, "conversation", conversation)
    df["time"] = pd.to_datetime(df["time"].astype(float), unit="s", utc=True)
    df["turn"] = df["turn"].astype(int)
    for column in ("p_cloud", "confidence", "threshold", "latency_s", "ttft_s"):
        df[column] = pd.to_numeric(df[column]).astype(float)
    for column in ("input_tokens", "output_tokens", "messages_sent", "wasted_local_tokens"):
        df[column] = pd.to_numeric(df[column]).astype("Int64")
    df["reasons"] = [_joined(r) for r in df["reasons"]]
    missing_cost = df["cost_usd"].isna()
    if missing_cost.any():
        df.loc[missing_cost, "cost_usd"] = [
            estimate_cost(tier, _int(i), _int(o), pricing)
            for tier, i, o in df.loc[missing_cost, ["tier", "input_tokens", "output_tokens"]].itertuples(index=False)
        ]
    df["cost_usd"] = df["cost_usd"].astype(float)
    derived_switch = df["tier"].ne(df["tier"].shift()) & df.index.to_series().gt(0)
    df["switched"] = df["switched"].where(df["switched"].notna(), derived_switch).astype(bool)
    for column in ("fell_back", "forced", "escalated"):
        df[column] = df[column].fillna(False).astype(bool)
    return df


def _joined(reasons: Any) -> str:
    if reasons is None or (isinstance(reasons, float) and np.isnan(reasons)):
        return ""
    return reasons if isinstance(reasons, str) else "; ".join(str(r) for r in reasons)


def _int(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _frame(data: Any) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else exchanges_frame(data)


def summary_by_tier(data: Any) -> pd.DataFrame:
    """Per tier ('local', 'cloud'): exchanges, share, latency mean/p50/p95, time to first token, tokens, cost.

    Args:
        data: An exchanges frame, or anything `exchanges_frame` accepts (a manager, a record, their lists).

    Returns:
        One row per tier.
    """
    df = _frame(data)
    rows = []
    for tier in TIERS:
        part = df[df["tier"] == tier]
        latency = part["latency_s"]
        rows.append(
            {
                "tier": tier,
                "exchanges": len(part),
                "share": len(part) / len(df) if len(df) else np.nan,
                "latency mean (s)": latency.mean(),
                "latency p50 (s)": latency.median(),
                "latency p95 (s)": latency.quantile(0.95) if len(part) else np.nan,
                "ttft p50 (s)": part["ttft_s"].median(),
                "input tokens": int(part["input_tokens"].sum()),
                "output tokens": int(part["output_tokens"].sum()),
                "cost (USD)": float(part["cost_usd"].sum()),
                "fallbacks answered": int(part["fell_back"].sum()),
            }
        )
    return pd.DataFrame(rows).set_index("tier")


def cost_baselines(data: Any, *, pricing: Mapping[str, TierPrice] | None = None) -> pd.DataFrame:
    """Cumulative estimated cost, exchange by exchange: as routed, all to the cloud, all kept local.

    The baselines price each exchange's own token counts at the other tier's rate: an estimate, since
    another model's tokenizer and answer length would differ.

    Args:
        data: An exchanges frame, or anything `exchanges_frame` accepts (a manager, a record, their lists).
        pricing: Prices per tier; None reads data/pricing.csv through `modules.pricing`.

    Returns:
        One row per exchange with the columns "as routed", "all cloud" and "all local" (USD, cumulative).
    """
    df = _frame(data)

    def priced(tier: str) -> list[float]:
        return [
            estimate_cost(tier, _int(i), _int(o), pricing)
            for i, o in zip(df["input_tokens"], df["output_tokens"], strict=True)
        ]

    return pd.DataFrame(
        {
            "exchange": np.arange(1, len(df) + 1),
            "turn": df["turn"],
            "as routed": df["cost_usd"].cumsum(),
            "all cloud": np.cumsum(priced("cloud")),
            "all local": np.cumsum(priced("local")),
        }
    ).reset_index(drop=True)


def conversation_totals(data: Any, *, pricing: Mapping[str, TierPrice] | None = None) -> dict[str, Any]:
    """The summary numbers of one conversation, or of several together: `modules.hybrid.routing_summary`'s schema.

    Args:
        data: An exchanges frame, or anything `exchanges_frame` accepts (a manager, a record, their lists).
        pricing: Prices per tier; None reads data/pricing.csv through `modules.pricing`.

    Returns:
        Exchanges, tiers, switches, fallbacks, tokens and cost against the all-cloud baseline (plain values).
    """
    df = _frame(data)[list(COLUMNS)].astype(object)
    rows = df.where(df.notna(), None).to_dict("records")
    return routing_summary([{COLUMNS[column]: value for column, value in row.items()} for row in rows], pricing=pricing)


def routing_distribution(data: Any) -> dict[str, int]:
    """{'local': n, 'cloud': n}: how many exchanges each tier answered.

    Args:
        data: An exchanges frame, or anything `exchanges_frame` accepts (a manager, a record, their lists).

    Returns:
        The count of exchanges per tier.
    """
    counts = _frame(data)["tier"].value_counts()
    return {tier: int(counts.get(tier, 0)) for tier in TIERS}
