"""The exchanges DataFrame, its summary tables and findings, on a conversation worked out by hand."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from analytics_support import PRICES, exchange, known_conversation

from modules.analytics import (
    COLUMNS,
    ExchangeDataError,
    conversation_totals,
    cost_baselines,
    exchanges_frame,
    findings,
    routing_distribution,
    summary_by_tier,
)
from modules.labkit.sample import sample_record
from modules.storage import FileStore


@pytest.fixture
def df() -> pd.DataFrame:
    return exchanges_frame(known_conversation(), pricing=PRICES)


def test_one_row_per_exchange_with_the_documented_columns(df):
    assert list(df.columns) == ["conversation", *COLUMNS]
    assert df["turn"].tolist() == [1, 2, 3, 4, 5, 6]
    assert df["tier"].tolist() == ["local", "cloud", "local", "local", "cloud", "cloud"]
    assert df["time"].dt.tz is not None and df["time"].iloc[0] == pd.Timestamp(1_800_000_010, unit="s", tz="UTC")
    assert df.loc[0, "reasons"] == "a short direct question" and df.loc[3, "reasons"] == ""
    assert math.isnan(df.loc[3, "p_cloud"])  # the forced turn was not scored


def test_switches_fallbacks_and_forced_turns_are_counted(df):
    assert df["switched"].tolist() == [False, True, True, False, True, False]
    assert df["fell_back"].tolist() == [False, False, True, False, False, False]
    assert df.loc[2, "failed_tier"] == "cloud" and df.loc[2, "error"].startswith("TimeoutError")
    totals = conversation_totals(df, pricing=PRICES)
    assert (totals["model_switches"], totals["fallbacks"], totals["forced"]) == (3, 1, 1)
    assert routing_distribution(df) == {"local": 3, "cloud": 3}


def test_cost_arithmetic_against_both_baselines(df):
    totals = conversation_totals(df, pricing=PRICES)
    assert totals["cost_usd"] == pytest.approx(0.9)  # 0.2 + 0.5 + 0.2
    # All cloud: turn 1 = 40/1000*1 + 20/1000*2 = 0.08; four turns of 100/50 tokens = 4 * 0.2; turn 5 = 0.5.
    assert totals["all_cloud_usd"] == pytest.approx(1.38)
    assert totals["all_local_usd"] == 0
    assert totals["saving_vs_all_cloud"] == pytest.approx(1 - 0.9 / 1.38)
    assert (totals["input_tokens"], totals["output_tokens"]) == (740, 320)
    costs = cost_baselines(df, pricing=PRICES)
    assert costs["as routed"].tolist() == pytest.approx([0, 0.2, 0.2, 0.2, 0.7, 0.9])
    assert costs["all cloud"].tolist() == pytest.approx([0.08, 0.28, 0.48, 0.68, 1.18, 1.38])


def test_summary_by_tier(df):
    summary = summary_by_tier(df)
    assert summary.index.tolist() == ["local", "cloud"]
    assert summary["exchanges"].tolist() == [3, 3]
    assert summary.loc["local", "latency p50 (s)"] == pytest.approx(0.1)
    assert summary.loc["cloud", "latency p50 (s)"] == pytest.approx(2.0)
    assert summary.loc["cloud", "latency mean (s)"] == pytest.approx(8 / 3)
    assert summary.loc["cloud", "cost (USD)"] == pytest.approx(0.9)
    assert summary.loc["local", "input tokens"] == 240 and summary.loc["cloud", "output tokens"] == 200
    assert summary.loc["local", "fallbacks answered"] == 1


def test_findings_are_written_from_the_numbers(df):
    cost, latency, switching = findings(df)
    assert "3 of 6 exchanges (50%)" in cost
    assert "local 0.10 s, cloud 2.00 s" in latency and "20.0x" in latency
    assert "changed tier 3 times in 6 exchanges" in switching and "1 fallback" in switching
    assert "1 of 5 routing decisions (20%) were close calls" in switching


def test_missing_cost_and_switch_are_derived():
    entries = [exchange(1, "cloud"), exchange(2, "local"), exchange(3, "local")]
    for entry in entries:
        del entry["cost_usd"], entry["switched"]
    df = exchanges_frame(entries, pricing=PRICES)
    assert df["cost_usd"].tolist() == pytest.approx([0.2, 0.0, 0.0])
    assert df["switched"].tolist() == [False, True, False]


def test_reads_a_manager_its_context_or_a_record_loaded_from_a_store(tmp_path):
    conversation = known_conversation()
    context = SimpleNamespace(routing_metadata=conversation)
    assert len(exchanges_frame(context)) == len(exchanges_frame(SimpleNamespace(context=context))) == 6
    # A conversation saved by lab 04's sample writer (keys `tier` and `latency_s`), read back from a store.
    store = FileStore(tmp_path)
    store.save(sample_record(12, conversation_id="attendee-7"))
    df = exchanges_frame(store.load("attendee-7"))
    assert len(df) == 12 and set(df["tier"]) <= {"local", "cloud"} and df["latency_s"].notna().all()


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"turn": 3, "response_time_s": 1.0}, r"turn 3\) has no source"),
        ({"turn": 2, "source": "gpu", "response_time_s": 1.0}, r"source 'gpu'; it must be 'local' or 'cloud'"),
        ("local", r"is a str, not a dict"),
    ],
)
def test_bad_exchanges_get_a_typed_error_naming_the_problem(entry, expected):
    with pytest.raises(ExchangeDataError, match=expected):
        exchanges_frame([exchange(1, "local"), entry])


def test_wrong_input_type_says_what_to_pass():
    with pytest.raises(TypeError, match="not one dict"):
        exchanges_frame(exchange(1, "local"))
    with pytest.raises(TypeError, match="pass a HybridConversationManager"):
        exchanges_frame(42)


def test_empty_conversation_has_the_columns_and_no_findings():
    df = exchanges_frame([])
    assert df.empty and list(df.columns) == ["conversation", *COLUMNS]
    with pytest.raises(ValueError, match="No exchanges yet"):
        findings(df)


def test_several_conversations_follow_each_other_with_their_ids(tmp_path):
    first = SimpleNamespace(conversation_id="ana", routing_metadata=known_conversation())
    second = SimpleNamespace(conversation_id="ben", routing_metadata=[exchange(1, "cloud"), exchange(2, "local")])
    df = exchanges_frame([first, second], pricing=PRICES)
    assert df["conversation"].tolist() == ["ana"] * 6 + ["ben"] * 2
    assert df["turn"].tolist() == [1, 2, 3, 4, 5, 6, 1, 2]
    assert conversation_totals(df, pricing=PRICES)["cost_usd"] == pytest.approx(0.9 + 0.2)
    assert cost_baselines(df, pricing=PRICES)["exchange"].tolist() == list(range(1, 9))
    assert findings(df)[2].startswith("The 2 sessions changed tier 3 times in 8 exchanges")
