"""Each chart function returns a Figure whose axes hold the expected data (bars, points, lines, labels)."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from analytics_support import PRICES, exchange, known_conversation
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from modules.analytics import charts, exchanges_frame

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def df() -> pd.DataFrame:
    return exchanges_frame(known_conversation(), pricing=PRICES)


def only_axes(fig: Figure):
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    return ax


def scatter_points(ax) -> list[np.ndarray]:
    return [c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)]


def test_routing_distribution_has_one_bar_per_tier(df):
    ax = only_axes(charts.routing_distribution_chart(df))
    assert [p.get_width() for p in ax.patches] == [3, 3]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["local", "cloud"]
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["3 (50%), 1 after a fallback", "3 (50%)"]
    assert ax.get_xlabel() == "exchanges answered" and "6 exchanges" in ax.get_title()


def test_latency_by_tier_draws_every_exchange_and_goes_log_when_spread(df):
    ax = only_axes(charts.latency_by_tier_chart(df))
    local, cloud = scatter_points(ax)
    assert sorted(local[:, 1]) == pytest.approx([0.05, 0.1, 0.1]) and sorted(cloud[:, 1]) == pytest.approx([2, 2, 4])
    assert ax.get_yscale() == "log"  # 4.0 s / 0.05 s = 80x
    assert [t.get_text() for t in ax.get_xticklabels()] == ["local", "cloud"]
    assert "response time (s)" in ax.get_ylabel()
    narrow = exchanges_frame([exchange(1, "local"), exchange(2, "cloud")])  # 0.1 s vs 2.0 s: 20x, not more
    assert only_axes(charts.latency_by_tier_chart(narrow)).get_yscale() == "linear"


def test_conversation_flow_marks_switches_and_fallbacks(df):
    ax = only_axes(charts.conversation_flow_chart(df))
    local, cloud, fell_back = scatter_points(ax)
    assert local[:, 0].tolist() == [1, 3, 4] and set(local[:, 1]) == {0}
    assert cloud[:, 0].tolist() == [2, 5, 6] and set(cloud[:, 1]) == {1}
    assert fell_back.tolist() == [[3, 0]]
    switch_lines = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == ":"]
    assert switch_lines == [1.5, 2.5, 4.5]
    assert ax.get_xlabel() == "turn"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["local", "cloud", "tier switch (3)", "fell back (1)"]


def test_several_sessions_are_drawn_in_run_order_with_boundaries(df):
    from types import SimpleNamespace

    sessions = [
        SimpleNamespace(conversation_id="ana", routing_metadata=known_conversation()),
        SimpleNamespace(conversation_id="ben", routing_metadata=[exchange(1, "cloud"), exchange(2, "cloud")]),
    ]
    ax = only_axes(charts.conversation_flow_chart(exchanges_frame(sessions)))
    local, cloud, _ = scatter_points(ax)
    assert cloud[:, 0].tolist() == [2, 5, 6, 7, 8]  # ben's turns 1-2 are exchanges 7-8
    boundaries = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "-" and line.get_xdata()[0] > 0]
    assert 6.5 in boundaries and "2 sessions" in ax.get_xlabel()
    assert "new session" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_cumulative_cost_against_baselines(df):
    ax = only_axes(charts.cumulative_cost_chart(df))
    lines = {line.get_label().split(":")[0]: line for line in ax.lines}
    assert set(lines) == {"all cloud", "as routed", "all local"}
    assert lines["as routed"].get_ydata()[-1] == pytest.approx(0.9)
    assert lines["all local"].get_ydata()[-1] == 0
    assert list(lines["as routed"].get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert "USD" in ax.get_ylabel() and ax.get_xlabel() == "turn"


def test_cumulative_cost_uses_the_course_prices_for_the_baseline(df):
    # The chart prices the all-cloud line with data/pricing.csv (not the frame's test prices). Expected, by hand:
    # the six exchanges hold 40+100+100+100+300+100 = 740 input and 20+50+50+50+100+50 = 320 output tokens.
    with (PROJECT_ROOT / "data" / "pricing.csv").open(newline="") as handle:
        cloud = next(row for row in csv.DictReader(handle) if row["tier"] == "cloud")
    input_price, output_price = float(cloud["usd_per_1k_input_tokens"]), float(cloud["usd_per_1k_output_tokens"])
    expected = 740 / 1000 * input_price + 320 / 1000 * output_price
    assert expected > 0  # a zero price would let any line pass

    ax = only_axes(charts.cumulative_cost_chart(df))
    all_cloud = next(line for line in ax.lines if line.get_label().startswith("all cloud"))
    assert all_cloud.get_ydata()[-1] == pytest.approx(expected)


def test_tokens_per_tier_bars(df):
    ax = only_axes(charts.tokens_by_tier_chart(df))
    heights = [p.get_height() for p in ax.patches]
    assert heights == [240, 500, 120, 200]  # input local, input cloud, output local, output cloud
    assert [t.get_text() for t in ax.get_xticklabels()] == ["local", "cloud"]
    assert any("80/exch." in t.get_text() for t in ax.texts)  # 240 input tokens over 3 local exchanges


def test_confidence_histogram_counts_routed_decisions_and_draws_the_threshold(df):
    forced_with_score = exchanges_frame([*known_conversation(), exchange(7, "local", forced=True, p_cloud=0.95)])
    ax = only_axes(charts.confidence_histogram(forced_with_score))
    assert sum(p.get_height() for p in ax.patches) == 5  # 7 turns: one forced without score, one forced with
    thresholds = [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]
    assert thresholds == [0.5]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["routed local (1)", "routed cloud (4)", "threshold 0.50"]  # the fallback counts as chosen cloud
    assert ax.get_xlim() == (0, 1)


def test_dashboard_holds_all_six_charts(df):
    fig = charts.dashboard(df)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 6 and titles[0].startswith("Routing distribution") and "Tokens per tier" in titles
    assert fig.get_suptitle() == "Routing dashboard: 6 exchanges"


def test_charts_follow_a_dark_style(df):
    with plt.style.context("dark_background"):
        ax = only_axes(charts.routing_distribution_chart(df))
    assert ax.figure.get_facecolor()[:3] == (0, 0, 0)
    assert matplotlib.colors.to_rgb(ax.title.get_color()) == (1, 1, 1)  # readable: light text on black


def test_a_returned_chart_shows_itself_as_png_in_a_notebook(df):
    fig = charts.tokens_by_tier_chart(df)
    assert isinstance(fig, charts.ChartFigure) and fig._repr_png_().startswith(b"\x89PNG")


def test_charts_refuse_an_empty_conversation():
    for chart in charts.CONVERSATION_CHARTS.values():
        with pytest.raises(ValueError, match="No exchanges to chart"):
            chart([])


def test_grouped_bar_chart_skips_missing_cells_and_draws_the_band():
    table = pd.DataFrame(
        {"plain JSON": [104.0, 110.0, 120.0], "compressed": [26.0, 30.0, np.nan]},
        index=["FileStore", "SqliteStore", "RedisStore"],
    )
    ax = only_axes(
        charts.grouped_bar_chart(table, title="Bytes", xlabel="KB per conversation", band=(100, 180, "estimate"))
    )
    bars = [p for p in ax.patches if p.get_label() != "estimate" and p.get_height() < 1]
    assert sorted(p.get_width() for p in bars) == [26, 30, 104, 110, 120]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["FileStore", "SqliteStore", "RedisStore"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"plain JSON", "compressed", "estimate"}
    assert ax.get_xlim()[1] >= 180  # the whole reference band is visible


def test_cost_chart_labels_the_saving():
    costs = pd.Series({"all local": 0.0, "all cloud": 0.25, "router": 0.1})
    ax = only_axes(charts.cost_chart(costs, notes={"router": "quality 0.95"}))
    assert [p.get_width() for p in ax.patches] == [0.0, 0.25, 0.1]
    labels = [t.get_text() for t in ax.texts]
    assert labels[2] == "$0.1, 60% less | quality 0.95" and labels[0] == "$0, 100% less"


def test_quality_curve_chart_adds_random_and_perfect_lines():
    curves = {"learned": (np.array([0, 0.5, 1]), np.array([0, 0.9, 1]))}
    ax = only_axes(charts.quality_curve_chart(curves, cloud_prevalence=0.4))
    assert [line.get_label().split(" (")[0] for line in ax.lines[:3]] == ["learned", "random", "perfect router"]
    perfect = ax.lines[2]
    assert list(perfect.get_xdata()) == [0, 0.4, 1] and list(perfect.get_ydata()) == [0, 1, 1]
    assert "APGR 0.80" in perfect.get_label()  # 1 - 0.4 / 2
    with pytest.raises(ValueError, match="cloud_prevalence"):
        charts.quality_curve_chart(curves, cloud_prevalence=0)


def test_waterfall_draws_one_bar_per_span_from_its_start():
    spans = pd.DataFrame(
        {
            "name": ["hybrid turn", "router.route", "chat SmolLM2", "storage.save"],
            "category": ["turn", "router", "tier", "storage"],
            "depth": [0, 1, 1, 1],
            "start_ms": [0.0, 0.2, 0.5, 80.0],
            "duration_ms": [90.0, 0.1, 79.0, 9.0],
        }
    )
    ax = only_axes(charts.waterfall_chart(spans))
    assert [p.get_x() for p in ax.patches] == [0.0, 0.2, 0.5, 80.0]
    assert [p.get_width() for p in ax.patches] == [90.0, 0.1, 79.0, 9.0]
    assert [t.get_text().strip() for t in ax.get_yticklabels()] == list(spans["name"])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["turn", "router", "tier", "storage"]
    with pytest.raises(ValueError, match="No spans"):
        charts.waterfall_chart(spans.iloc[0:0])
