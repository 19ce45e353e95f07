"""Lab 05's dial chart, the cascade's escalations by category, and the mode and escalations in the exchange frame.

Every expected number is worked out by hand from the small inputs below.
"""

from __future__ import annotations

import pandas as pd
import pytest
from analytics_support import PRICES, exchange, known_conversation

from modules.analytics import ExchangeDataError, charts, conversation_totals, exchanges_frame

CURVE = pd.DataFrame(
    {
        "threshold": [1.0, 0.8, 0.6, 0.4, 0.2, 0.0],
        "cloud_share": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        "quality": [0.40, 0.60, 0.75, 0.88, 0.96, 1.0],
        "usd_per_1k": [0.0, 0.05, 0.10, 0.15, 0.20, 0.25],
    }
)
# Crowded on purpose: three modes within 0.05 of cloud share and 0.03 of quality, next to the cascade.
POINTS = pd.DataFrame(
    {
        "cloud_share": [0.60, 0.63, 0.66, 0.62, 0.5, 0.38],
        "quality": [0.88, 0.90, 0.91, 0.89, 0.70, 1.0],
    },
    index=["cost", "balanced", "quality", "cascade", "random", "perfect"],
)


def test_operating_curve_chart_draws_quality_and_cost_against_cloud_share():
    fig = charts.operating_curve_chart(CURVE, POINTS, note="cloud answers counted correct (offline)")
    quality_ax, cost_ax = fig.axes
    quality_line = quality_ax.lines[0]
    assert list(quality_line.get_xdata()) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert list(quality_line.get_ydata()) == [0.40, 0.60, 0.75, 0.88, 0.96, 1.0]
    assert list(cost_ax.lines[0].get_ydata()) == [0.0, 0.05, 0.10, 0.15, 0.20, 0.25]
    marked = {(float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in quality_ax.lines[1:]}
    assert len(quality_ax.lines) == 1 + len(POINTS)
    assert marked == {(0.60, 0.88), (0.63, 0.90), (0.66, 0.91), (0.62, 0.89), (0.5, 0.70), (0.38, 1.0)}
    assert sorted(t.get_text() for t in quality_ax.texts) == sorted(POINTS.index)
    assert "cloud" in quality_ax.get_xlabel() and "USD per 1,000" in cost_ax.get_ylabel()


def test_operating_curve_labels_never_overlap_even_when_the_points_crowd():
    fig = charts.operating_curve_chart(CURVE, POINTS)
    assert charts.label_overlaps(fig) == []


def test_reference_lines_are_drawn_and_named_in_the_legend():
    random = pd.DataFrame({"cloud_share": [0.0, 1.0], "quality": [0.4, 1.0]})
    perfect = pd.DataFrame({"cloud_share": [0.0, 0.6, 1.0], "quality": [0.4, 1.0, 1.0]})
    fig = charts.operating_curve_chart(CURVE, POINTS, lines={"random": random, "perfect": perfect})
    ax = fig.axes[0]
    drawn = {line.get_label(): list(line.get_xdata()) for line in ax.lines}
    assert drawn["random"] == [0.0, 1.0] and drawn["perfect"] == [0.0, 0.6, 1.0]
    assert {"random", "perfect", "graded quality"} <= {t.get_text() for t in ax.get_legend().get_texts()}
    assert charts.label_overlaps(fig) == []


def test_label_overlaps_reports_two_labels_on_one_spot():
    fig = charts.operating_curve_chart(CURVE)
    ax = fig.axes[0]
    ax.annotate("one", (0.5, 0.8))
    ax.annotate("two", (0.5, 0.8))
    assert charts.label_overlaps(fig) == [("one", "two")]


def test_points_may_be_a_mapping_and_the_curve_must_not_be_empty():
    fig = charts.operating_curve_chart(CURVE, {"balanced": {"cloud_share": 0.5, "quality": 0.8}})
    assert [t.get_text() for t in fig.axes[0].texts] == ["balanced"]
    with pytest.raises(ExchangeDataError, match="empty"):
        charts.operating_curve_chart(CURVE.iloc[:0])


CASCADE = pd.DataFrame(
    {
        "category": ["arithmetic"] * 4 + ["greeting"] * 3 + ["factual"] * 2,
        "escalated": [True, True, True, False, False, False, True, True, False],
    }
)


def test_escalations_by_category_counts_each_category():
    table = charts.escalations_by_category(CASCADE)
    assert list(table.index) == ["arithmetic", "factual", "greeting"]  # 3/4, 1/2, 1/3
    assert table.loc["arithmetic"].to_dict() == {
        "queries": 4,
        "escalated": 3,
        "kept local": 1,
        "share escalated": 0.75,
    }
    assert table["escalated"].tolist() == [3, 1, 1] and table["kept local"].tolist() == [1, 1, 2]


def test_escalations_by_category_names_what_is_missing():
    with pytest.raises(ExchangeDataError, match="missing escalated"):
        charts.escalations_by_category(CASCADE[["category"]])
    with pytest.raises(ExchangeDataError, match="No cascade decisions"):
        charts.escalations_by_category(CASCADE.iloc[:0])


def test_escalations_chart_stacks_local_and_escalated_per_category():
    fig = charts.escalations_chart(CASCADE)
    (ax,) = fig.axes
    widths = [p.get_width() for p in ax.patches]
    assert widths == [1, 1, 2, 3, 1, 1]  # kept local (arithmetic, factual, greeting), then escalated
    assert [p.get_x() for p in ax.patches[3:]] == [1, 1, 2]  # escalated bars start where the local part ends
    assert [t.get_text() for t in ax.get_yticklabels()] == ["arithmetic", "factual", "greeting"]
    assert [t.get_text() for t in ax.texts] == ["75%", "50%", "33%"]
    assert "5 of 9 escalated" in ax.get_title()


def test_the_exchange_frame_records_the_mode_and_the_escalations():
    entries = known_conversation()
    entries[0]["mode"] = "balanced"
    entries[1].update(mode="balanced", escalated=True)
    entries[3]["mode"] = "cost"
    df = exchanges_frame(entries, pricing=PRICES)
    assert df["mode"].fillna("none").tolist()[:4] == ["balanced", "balanced", "none", "cost"]
    assert df["escalated"].tolist() == [False, True, False, False, False, False]
    totals = conversation_totals(df, pricing=PRICES)
    assert totals["escalated"] == 1 and totals["modes"] == ["balanced", "cost"]


def test_older_exchanges_without_a_mode_read_as_not_escalated():
    df = exchanges_frame([exchange(1, "local"), exchange(2, "cloud")])
    assert df["mode"].isna().all() and not df["escalated"].any()


def test_the_cost_finding_names_the_mode_and_the_escalations():
    from modules.analytics import findings

    entries = known_conversation()
    for entry in entries:
        entry["mode"] = "balanced"
    entries[1].update(escalated=True, cascade={"wasted_local_tokens": 9, "cloud_answer": "..."})
    entries[2]["cascade"] = {"wasted_local_tokens": 0, "cloud_answer": None}  # a cascade turn served locally
    df = exchanges_frame(entries, pricing=PRICES)
    # Empty where the cascade did not run; 0 where it served the local answer
    assert df["wasted_local_tokens"].isna().tolist()[:4] == [True, False, False, True]
    assert df["wasted_local_tokens"].tolist()[1:3] == [9, 0]
    cost = findings(df)[0]
    assert cost.startswith("Routed in balanced mode, 3 of 6 exchanges (50%)")
    assert (
        "(1 judged unsure by the cascade and escalated to the cloud, after 9 local tokens that were not served)" in cost
    )
    assert findings(exchanges_frame(known_conversation(), pricing=PRICES))[0].startswith("3 of 6 exchanges")
