"""Charts of routing analytics. Every function returns a matplotlib `Figure` (shown once when a cell returns it).

    from modules.analytics import charts
    charts.dashboard(df)                              # all six conversation charts in one figure
    charts.conversation_flow_chart(df)                # or one at a time; each accepts `ax=` to draw into a grid
    with plt.style.context("dark_background"):        # every chart reads the active style
        charts.latency_by_tier_chart(df)

`data` may be the frame from `exchanges_frame` or anything it accepts (a manager, a ConversationRecord,
the list of exchange dicts). Generic helpers for other labs: `grouped_bar_chart` (e.g. bytes per backend
and format), `cost_chart` (USD per routing option), `quality_curve_chart` (RouteLLM curve with the
random and perfect-router lines), `waterfall_chart` (the spans of one traced turn).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from modules.analytics.errors import AnalyticsInputError, ExchangeDataError
from modules.analytics.frame import _frame, cost_baselines
from modules.config import TIERS

# Readable on a white and on a black background, and apart for the common colour-vision deficiencies.
TIER_COLORS = {"local": "#F28E2B", "cloud": "#4E8FD8"}
FALLBACK_COLOR = "#E15759"
SERIES_COLORS = ["#4E8FD8", "#F28E2B", "#59A14F", "#B07AA1", "#EDC948", "#76B7B2", "#FF9DA7", "#9C755F"]
SPAN_COLORS = {"turn": "#9C9C9C", "router": "#B07AA1", "tier": "#4E8FD8", "storage": "#59A14F", "framework": "#76B7B2"}
FIGSIZE = (7.0, 4.2)


class ChartFigure(Figure):
    """A Figure that a notebook shows as a PNG when a cell returns it.

    Made without pyplot, it is not also auto-shown at the end of the cell (no duplicate), and it needs no
    plt.close() in loops."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def _axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    if ax is not None:
        return ax
    return ChartFigure(figsize=figsize, layout="constrained").add_subplot()


def _exchanges(data: Any) -> pd.DataFrame:
    df = _frame(data)
    if df.empty:
        raise ExchangeDataError("No exchanges to chart yet: run at least one turn first.")
    return df


def _timeline(df: pd.DataFrame) -> tuple[np.ndarray, str, list[float]]:
    """x positions, x label and session boundaries: turns for one conversation, run order for several."""
    if df["conversation"].nunique() <= 1:
        return df["turn"].to_numpy(), "turn", []
    starts = np.flatnonzero(df["conversation"].ne(df["conversation"].shift()).to_numpy())[1:]
    return (
        np.arange(1, len(df) + 1),
        f"exchange, in run order ({df['conversation'].nunique()} sessions)",
        [s + 0.5 for s in starts],
    )


def _mark_sessions(ax: Axes, boundaries: list[float]) -> None:
    for x in boundaries:
        ax.axvline(x, color="0.5", linestyle="-", linewidth=1.5, alpha=0.5, zorder=0)


def _usd(value: float, _pos: Any = None) -> str:
    # Conversation costs are fractions of a cent: keep three significant digits instead of fixed decimals.
    return f"${value:,.3g}" if abs(value) < 1 else f"${value:,.2f}"


def routing_distribution_chart(data: Any, *, ax: Axes | None = None) -> Figure:
    """How many exchanges each tier answered (bars), with the share and fallback count on each bar."""
    df = _exchanges(data)
    ax = _axes(ax, (7.0, 2.8))
    counts = [int((df["tier"] == t).sum()) for t in TIERS]
    bars = ax.barh(list(TIERS), counts, color=[TIER_COLORS[t] for t in TIERS], height=0.6)
    for tier, bar, count in zip(TIERS, bars, counts, strict=True):
        fell_back = int(df.loc[df["tier"] == tier, "fell_back"].sum())
        note = f"{count} ({count / len(df):.0%})" + (f", {fell_back} after a fallback" if fell_back else "")
        ax.annotate(
            note,
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
        )
    ax.set_xlim(0, max(counts) * 1.35 + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel("exchanges answered")
    ax.set_title(f"Routing distribution ({len(df)} exchanges)")
    ax.grid(axis="x", alpha=0.3)
    return ax.figure


def latency_by_tier_chart(data: Any, *, ax: Axes | None = None, log: bool | None = None) -> Figure:
    """Response time per tier: a box (quartiles, median) with every exchange as a dot. Log scale when the
    slowest exchange is more than 20x the fastest (`log=None`), or as forced by `log`."""
    df = _exchanges(data)
    ax = _axes(ax)
    tiers = [t for t in TIERS if (df["tier"] == t).any()]
    values = [df.loc[df["tier"] == t, "latency_s"].dropna().to_numpy() for t in tiers]
    boxes = ax.boxplot(values, tick_labels=tiers, widths=0.5, showfliers=False, patch_artist=True)
    rng = np.random.default_rng(0)  # fixed jitter: the same picture on every run
    for position, (tier, points, box) in enumerate(zip(tiers, values, boxes["boxes"], strict=True), start=1):
        box.set(facecolor=TIER_COLORS[tier], alpha=0.35, edgecolor=TIER_COLORS[tier])
        ax.scatter(
            position + rng.uniform(-0.15, 0.15, len(points)),
            points,
            s=14,
            color=TIER_COLORS[tier],
            zorder=3,
            label=f"{tier}: median {np.median(points):.2f} s (n={len(points)})",
        )
    for median in boxes["medians"]:
        median.set(color=FALLBACK_COLOR, linewidth=2)
    every = np.concatenate(values)
    if log if log is not None else (every.min() > 0 and every.max() / every.min() > 20):
        ax.set_yscale("log")
    else:
        ax.set_ylim(0, every.max() * 1.25)  # headroom for the legend
    ax.set_ylabel("response time (s)" + (", log scale" if ax.get_yscale() == "log" else ""))
    ax.set_title("Latency by tier")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return ax.figure


def conversation_flow_chart(data: Any, *, ax: Axes | None = None) -> Figure:
    """A timeline of turns: which tier answered each one, with tier switches and fallbacks marked."""
    df = _exchanges(data)
    ax = _axes(ax, (max(7.0, min(14.0, len(df) * 0.3)), 3.2))
    x, xlabel, sessions = _timeline(df)
    level = df["tier"].map({"local": 0, "cloud": 1}).to_numpy()
    ax.step(x, level, where="mid", color="0.5", linewidth=0.8, alpha=0.6, zorder=1)
    for tier in TIERS:
        part = (df["tier"] == tier).to_numpy()
        ax.scatter(x[part], level[part], s=60, color=TIER_COLORS[tier], zorder=3, label=tier)
    for position in x[df["switched"].to_numpy()]:
        ax.axvline(position - 0.5, color="0.5", linestyle=":", linewidth=1, zorder=0)
    _mark_sessions(ax, sessions)
    fell_back = df["fell_back"].to_numpy()
    ax.scatter(x[fell_back], level[fell_back], s=140, marker="x", color=FALLBACK_COLOR, zorder=4, linewidths=2)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="0.5", linestyle=":"),
        Line2D([], [], color=FALLBACK_COLOR, marker="x", linestyle="", markersize=9, markeredgewidth=2),
    ]
    labels += [f"tier switch ({int(df['switched'].sum())})", f"fell back ({int(fell_back.sum())})"]
    if sessions:
        handles.append(Line2D([], [], color="0.5", linewidth=1.5, alpha=0.5))
        labels.append("new session")
    ax.legend(handles, labels, loc="upper center", ncols=len(labels), fontsize="small")
    ax.set_yticks([0, 1], ["local", "cloud"])
    ax.set_ylim(-0.5, 1.9)  # the top band holds the legend
    ax.set_xlim(x.min() - 0.8, x.max() + 0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_title("Conversation flow: the tier that answered each exchange")
    ax.grid(axis="x", alpha=0.2)
    return ax.figure


def cumulative_cost_chart(data: Any, *, ax: Axes | None = None) -> Figure:
    """Estimated cost turn by turn as routed, against sending everything to the cloud or keeping it local."""
    df = _exchanges(data)
    ax = _axes(ax)
    costs = cost_baselines(df)
    x, xlabel, sessions = _timeline(df)
    styles = {
        "all cloud": (TIER_COLORS["cloud"], "--"),
        "as routed": ("#59A14F", "-"),
        "all local": (TIER_COLORS["local"], ":"),
    }
    for name, (color, style) in styles.items():
        final = costs[name].iloc[-1]
        ax.plot(x, costs[name], style, color=color, linewidth=2, label=f"{name}: {_usd(final)}")
    _mark_sessions(ax, sessions)
    ax.yaxis.set_major_formatter(FuncFormatter(_usd))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("cumulative estimated cost (USD)")
    ax.set_title("Cumulative cost vs all-cloud and all-local")
    ax.legend(loc="upper left", title="total after the last turn", fontsize="small")
    ax.grid(alpha=0.3)
    return ax.figure


def tokens_by_tier_chart(data: Any, *, ax: Axes | None = None) -> Figure:
    """Input and output tokens per tier (totals; the per-exchange mean is written on each bar)."""
    df = _exchanges(data)
    table = pd.DataFrame(
        {
            "input tokens": [df.loc[df["tier"] == t, "input_tokens"].sum() for t in TIERS],
            "output tokens": [df.loc[df["tier"] == t, "output_tokens"].sum() for t in TIERS],
        },
        index=list(TIERS),
    ).astype(float)
    exchanges = df["tier"].value_counts()
    ax = _axes(ax)
    width = 0.38
    x = np.arange(len(TIERS))
    for offset, (column, hatch) in zip(
        (-width / 2, width / 2), (("input tokens", ""), ("output tokens", "//")), strict=True
    ):
        bars = ax.bar(
            x + offset,
            table[column],
            width,
            color=[TIER_COLORS[t] for t in TIERS],
            hatch=hatch,
            edgecolor="0.5",
            label=column,
        )
        for tier, bar in zip(TIERS, bars, strict=True):
            n = int(exchanges.get(tier, 0))
            mean = f"{bar.get_height() / n:,.0f}/exch." if n else ""
            ax.annotate(
                f"{bar.get_height():,.0f}\n{mean}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize="small",
            )
    ax.set_xticks(x, list(TIERS))
    ax.set_ylim(0, max(table.to_numpy().max(), 1) * 1.45)  # headroom for the labels and the legend
    ax.set_ylabel("tokens (total)")
    ax.set_title("Tokens per tier")
    ax.legend(
        handles=[
            Patch(facecolor="none", edgecolor="0.5", hatch=h, label=n)
            for n, h in (("input tokens", ""), ("output tokens", "//"))
        ],
        loc="upper center",
        ncols=2,
    )
    ax.grid(axis="y", alpha=0.3)
    return ax.figure


def confidence_histogram(data: Any, *, ax: Axes | None = None, bins: int = 20) -> Figure:
    """The router's score P(cloud) for every routed exchange, coloured by the tier it chose, with the threshold
    drawn: scores near the line are the close calls (confidence near 0.5)."""
    df = _exchanges(data)
    routed = df[df["p_cloud"].notna() & ~df["forced"]]  # a forced turn keeps a score, but the router did not decide
    if routed.empty:
        raise ExchangeDataError("No exchange carries a router score (p_cloud): every turn was forced or not routed.")
    chosen = routed["failed_tier"].where(routed["fell_back"], routed["tier"])  # what the router chose
    ax = _axes(ax)
    edges = np.linspace(0, 1, bins + 1)
    stacks = [routed.loc[chosen == t, "p_cloud"].to_numpy() for t in TIERS]
    ax.hist(
        stacks,
        bins=edges,
        stacked=True,
        color=[TIER_COLORS[t] for t in TIERS],
        edgecolor="0.5",
        label=[f"routed {t} ({len(s)})" for t, s in zip(TIERS, stacks, strict=True)],
    )
    for threshold in routed["threshold"].dropna().unique():
        ax.axvline(threshold, color=FALLBACK_COLOR, linestyle="--", linewidth=2, label=f"threshold {threshold:.2f}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.3)  # headroom for the legend
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("router score P(cloud)   (confidence = distance from the threshold)")
    ax.set_ylabel("exchanges")
    ax.set_title(f"Router confidence: median {routed['confidence'].median():.2f}")
    ax.legend(loc="upper center", ncols=3, fontsize="small")
    ax.grid(axis="y", alpha=0.3)
    return ax.figure


CONVERSATION_CHARTS: dict[str, Callable[..., Figure]] = {
    "routing distribution": routing_distribution_chart,
    "conversation flow": conversation_flow_chart,
    "latency by tier": latency_by_tier_chart,
    "router confidence": confidence_histogram,
    "cumulative cost": cumulative_cost_chart,
    "tokens per tier": tokens_by_tier_chart,
}


def dashboard(data: Any, *, title: str | None = None) -> Figure:
    """All six conversation charts in one figure (3 rows x 2 columns)."""
    df = _exchanges(data)
    fig = ChartFigure(figsize=(14, 13), layout="constrained")
    for ax, chart in zip(fig.subplots(3, 2).flat, CONVERSATION_CHARTS.values(), strict=True):
        chart(df, ax=ax)
    fig.suptitle(title or f"Routing dashboard: {len(df)} exchanges", fontsize="x-large")
    return fig


# --------------------------------------------------------------------------- generic charts for other labs


def grouped_bar_chart(
    table: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    band: tuple[float, float, str] | None = None,
    value_format: str = "{:,.0f}",
    ax: Axes | None = None,
) -> Figure:
    """Horizontal grouped bars: one group per row of `table`, one bar per column (missing cells are skipped).

    E.g. lab 04's sizes: `grouped_bar_chart(footprints.pivot(index="backend", columns="format",
    values="KB per conversation"), title=..., xlabel="KB per conversation", band=(100, 180, "guide's estimate"))`.
    """
    if table.empty:
        raise ExchangeDataError("The table is empty: nothing to chart.")
    values = table.apply(pd.to_numeric, errors="coerce")
    groups, series = list(values.index), list(values.columns)
    colors = dict(zip(series, SERIES_COLORS * (len(series) // len(SERIES_COLORS) + 1), strict=False))
    present = [[c for c in series if pd.notna(values.loc[g, c])] for g in groups]
    ax = _axes(ax, (8.0, 0.9 + 0.3 * sum(len(p) for p in present) + 0.25 * len(groups)))
    height = 0.8 / max(len(p) for p in present)
    for position, (group, columns) in enumerate(zip(groups, present, strict=True)):
        for i, column in enumerate(columns):  # only this group's bars share its slot: no gaps for missing cells
            y = position + (i - (len(columns) - 1) / 2) * height
            value = values.loc[group, column]
            bars = ax.barh(y, value, height, color=colors[column], label=str(column))
            ax.bar_label(bars, [value_format.format(value)], padding=3, fontsize="small")
    if band is not None:
        low, high, label = band
        ax.axvspan(low, high, color="#EDC948", alpha=0.2, label=label, zorder=0)  # visible on white and black
    ax.set_yticks(np.arange(len(groups)), [textwrap.fill(str(g), 30) for g in groups])
    ax.invert_yaxis()
    ax.set_xlim(0, max(np.nanmax(values.to_numpy()) * 1.2, band[1] * 1.05 if band else 0))  # show the whole band
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))  # one legend entry per series
    ax.legend(unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax.figure


def cost_chart(
    costs: Mapping[str, float] | pd.Series,
    *,
    title: str = "Estimated cost per routing option",
    xlabel: str = "USD per 1,000 queries",
    notes: Mapping[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One bar per option (e.g. all local, all cloud, a router), labelled with its cost and its saving against
    the most expensive option; `notes` adds text per option (e.g. {"learned @ 0.50": "quality 0.95"})."""
    costs = pd.Series(costs, dtype=float)
    if costs.empty:
        raise ExchangeDataError("No costs to chart.")
    ax = _axes(ax, (7.0, 0.8 + 0.5 * len(costs)))
    top = costs.max()
    colors = [TIER_COLORS["cloud"] if v == top else "#59A14F" for v in costs]
    bars = ax.barh([str(i) for i in costs.index], costs, color=colors, height=0.6)
    labels = []
    for name, value in costs.items():
        saving = f", {1 - value / top:.0%} less" if top > 0 and value < top else ""
        extra = f" | {notes[name]}" if notes and name in notes else ""
        labels.append(f"{_usd(value)}{saving}{extra}")
    ax.bar_label(bars, labels, padding=3, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.7 if top > 0 else 1)
    ax.xaxis.set_major_formatter(FuncFormatter(_usd))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax.figure


def quality_curve_chart(
    curves: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    cloud_prevalence: float,
    title: str = "Routing quality vs cloud calls",
    ax: Axes | None = None,
) -> Figure:
    """RouteLLM-style curves (share of queries sent to the cloud -> share of cloud-needing queries that got there),
    with random routing (the diagonal) and a perfect router (all cloud-needing queries first) drawn for reference."""
    from modules.routing import apgr

    if not 0 < cloud_prevalence <= 1:
        raise AnalyticsInputError(
            f"cloud_prevalence is the share of cloud-labelled queries (0..1], got {cloud_prevalence!r}"
        )
    ax = _axes(ax, (6.5, 4.8))
    for (name, (x, y)), color in zip(curves.items(), SERIES_COLORS, strict=False):
        ax.plot(x, y, color=color, linewidth=2, label=f"{name} (APGR {apgr(x, y):.2f})")
    ax.plot([0, 1], [0, 1], "--", color="0.5", label="random (APGR 0.50)")
    ax.plot(
        [0, cloud_prevalence, 1],
        [0, 1, 1],
        ":",
        color="#59A14F",
        linewidth=2,
        label=f"perfect router (APGR {1 - cloud_prevalence / 2:.2f})",
    )
    ax.axhline(0.8, color="0.5", linewidth=0.6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("share of queries sent to the cloud")
    ax.set_ylabel("share of cloud-needing queries that got there (PGR)")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(alpha=0.3)
    return ax.figure


def waterfall_chart(spans: pd.DataFrame, *, title: str = "Trace of one hybrid turn", ax: Axes | None = None) -> Figure:
    """The spans of one trace as a waterfall: one bar per span from its start to its end, children indented.

    `spans` is `Telemetry.spans_frame()` (columns name, category, depth, start_ms, duration_ms)."""
    if spans.empty:
        raise ExchangeDataError("No spans to draw: run a traced turn first (see modules.analytics.telemetry).")
    spans = spans.sort_values(["start_ms", "depth"]).reset_index(drop=True)
    ax = _axes(ax, (9.0, 0.9 + 0.42 * len(spans)))
    colors = [SPAN_COLORS.get(c, SPAN_COLORS["framework"]) for c in spans["category"]]
    bars = ax.barh(np.arange(len(spans)), spans["duration_ms"], left=spans["start_ms"], color=colors, height=0.6)
    ax.bar_label(bars, [f"{d:,.1f} ms" for d in spans["duration_ms"]], padding=3, fontsize="small")
    ax.set_yticks(np.arange(len(spans)), ["    " * d + n for d, n in zip(spans["depth"], spans["name"], strict=True)])
    for label in ax.get_yticklabels():
        label.set_horizontalalignment("left")
    ax.tick_params(axis="y", pad=max(len(t.get_text()) for t in ax.get_yticklabels()) * 5.5)
    ax.invert_yaxis()
    end = float((spans["start_ms"] + spans["duration_ms"]).max())
    ax.set_xlim(0, end * 1.18)
    ax.set_xlabel("time since the turn started (ms)")
    ax.set_title(title)
    present = list(dict.fromkeys(spans["category"]))
    handles = [Patch(color=SPAN_COLORS.get(c, SPAN_COLORS["framework"]), label=c) for c in present]
    # Outside the plot on the right: inside, it would hide the end of the longest bars and their labels.
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", title="part")
    ax.grid(axis="x", alpha=0.3)
    return ax.figure


# --------------------------------------------------------------------------- the router's dial (lab 05)

# Offsets in points, tried in order until a label overlaps nothing already drawn.
_LABEL_OFFSETS = [
    (dx, dy) for r in (10, 18, 28, 40, 54) for dx, dy in ((r, r), (r, -r), (-r, r), (-r, -r), (r, 0), (-r, 0))
]
_POINT_MARKERS = {"random": "s", "perfect": "*", "cascade": "D", "all local": "v", "all cloud": "^"}


def _renderer(fig: Figure) -> Any:
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def _text_box(text: Any, renderer: Any) -> Any:
    # An Annotation's own extent includes its leader line; only the text itself must stay clear.
    from matplotlib.text import Annotation, Text

    if isinstance(text, Annotation):
        text.update_positions(renderer)
    return Text.get_window_extent(text, renderer)


def _boxes_overlap(box: Any, others: Sequence[Any], pad: float = 4.0) -> bool:
    return any(
        box.x0 - pad < o.x1 and o.x0 < box.x1 + pad and box.y0 - pad < o.y1 and o.y0 < box.y1 + pad for o in others
    )


def place_labels(
    ax: Axes, xy: Sequence[tuple[float, float]], labels: Sequence[str], *, fontsize: float = 8, avoid: Sequence = ()
) -> list[Any]:
    """Annotate each point with its label at the first offset where it overlaps no other label and no marker.

    Args:
        ax: the axes holding the points (its figure is drawn once, so the layout is final).
        xy: data coordinates of the points, one per label.
        labels: the text of each label.
        fontsize: label size in points.
        avoid: more boxes in display coordinates (e.g. the legend's window extent) that no label may cover.

    Returns:
        The `Annotation` objects, in the order of `labels`.
    """
    from matplotlib.transforms import Bbox

    fig = ax.figure
    renderer = _renderer(fig)
    half = fontsize * fig.dpi / 72 / 2
    markers = []
    for x, y in xy:
        px, py = ax.transData.transform((x, y))
        markers.append(Bbox([[px - half, py - half], [px + half, py + half]]))
    frame = ax.get_window_extent(renderer)
    placed_boxes: list[Any] = list(avoid)
    placed = []
    for (x, y), text in zip(xy, labels, strict=True):
        chosen = None
        for dx, dy in _LABEL_OFFSETS:
            candidate = ax.annotate(
                text,
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=fontsize,
                ha="left" if dx >= 0 else "right",
                va="bottom" if dy > 0 else ("top" if dy < 0 else "center"),
                arrowprops={"arrowstyle": "-", "lw": 0.6, "color": "0.35", "shrinkA": 0, "shrinkB": 4},
            )
            box = _text_box(candidate, renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not _boxes_overlap(box, placed_boxes) and not _boxes_overlap(box, markers, pad=0):
                chosen = candidate
                break
            candidate.remove()
        if chosen is None:  # nowhere free: the last offset (label_overlaps reports it, so a test catches it)
            dx, dy = _LABEL_OFFSETS[-1]
            chosen = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize)
        placed_boxes.append(_text_box(chosen, renderer))
        placed.append(chosen)
    return placed


def label_overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of text labels drawn in the figure's axes whose boxes overlap (empty when the chart is readable).

    Args:
        fig: a figure, e.g. from `operating_curve_chart`.

    Returns:
        A list of (text, text) pairs.
    """
    renderer = _renderer(fig)
    fig.draw(renderer)
    texts = [t for ax in fig.axes for t in ax.texts if t.get_visible() and t.get_text()]
    boxes = [_text_box(t, renderer) for t in texts]
    return [
        (texts[i].get_text(), texts[j].get_text())
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if _boxes_overlap(boxes[i], [boxes[j]], pad=0)
    ]


def _named_points(points: Any) -> list[tuple[str, Any]]:
    if points is None:
        return []
    if isinstance(points, pd.DataFrame):
        frame = points.set_index("name") if "name" in points.columns else points
        return [(str(name), row) for name, row in frame.iterrows()]
    return [(str(name), row) for name, row in dict(points).items()]


def operating_curve_chart(
    curve: pd.DataFrame,
    points: Any = None,
    *,
    lines: Mapping[str, pd.DataFrame] | None = None,
    title: str | None = None,
    note: str | None = None,
):
    """The router's dial in one chart: graded quality (left axis) and USD per 1,000 queries (right axis) against
    the share of queries sent to the cloud, with named routers marked and labelled without overlap.

    Args:
        curve: one row per threshold step with the columns `cloud_share`, `quality` and `usd_per_1k`
            (`modules.routing.curve.operating_curve`).
        points: the routers to mark (the modes, the cascade, random, perfect, ...): a DataFrame indexed by name
            (or with a `name` column) or a mapping name -> {"cloud_share": ..., "quality": ...}.
        lines: reference routers drawn as thin lines in the legend, name -> DataFrame with `cloud_share` and
            `quality` (e.g. `random_points(...)` and `perfect_points(...)`).
        title: the chart title.
        note: a line under the chart, e.g. where the quality figures come from.

    Returns:
        The figure (shown once when a notebook cell returns it).

    Raises:
        KeyError: `curve` or a point lacks one of the columns named above.
        ExchangeDataError: `curve` is empty.
    """
    if curve.empty:
        raise ExchangeDataError("The operating curve is empty: compute it with modules.routing.curve.operating_curve.")
    frame = curve.sort_values("cloud_share", kind="stable")
    fig = ChartFigure(figsize=(8.0, 5.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(frame["cloud_share"], frame["quality"], "-", color=TIER_COLORS["cloud"], lw=2, label="graded quality")
    for (name, line), style in zip(
        (lines or {}).items(), [("--", "0.45"), (":", "#59A14F"), ("-.", "#B07AA1")], strict=False
    ):
        ax.plot(line["cloud_share"], line["quality"], style[0], color=style[1], lw=1.3, label=name)
    cost = ax.twinx()
    cost.plot(frame["cloud_share"], frame["usd_per_1k"], "-.", color=TIER_COLORS["local"], lw=1.3, label="USD / 1,000")
    cost.set_ylim(0, max(float(frame["usd_per_1k"].max()) * 1.1, 1e-9))
    cost.yaxis.set_major_formatter(FuncFormatter(_usd))
    cost.set_ylabel("USD per 1,000 queries (dash-dot)")
    named = _named_points(points)
    xy = [(float(row["cloud_share"]), float(row["quality"])) for _, row in named]
    for (name, _), (x, y) in zip(named, xy, strict=True):
        marker = _POINT_MARKERS.get(name, "o")
        ax.plot([x], [y], marker, ms=12 if marker == "*" else 7, color="0.15" if name in _POINT_MARKERS else "#E15759")
    low = min(
        [float(frame["quality"].min())]
        + [y for _, y in xy]
        + [float(v["quality"].min()) for v in (lines or {}).values()]
    )
    ax.set_ylim(max(0.0, low - 0.1), 1.06)
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel("share of queries sent to the cloud")
    ax.set_ylabel("graded quality (solid): share of answers right")
    ax.grid(alpha=0.3)
    ax.set_title(title or "The dial: quality and cost against cloud share")
    legend = ax.legend(
        ax.get_legend_handles_labels()[0] + cost.get_legend_handles_labels()[0],
        ax.get_legend_handles_labels()[1] + cost.get_legend_handles_labels()[1],
        loc="lower right",
        fontsize="small",
    )
    if note:
        fig.supxlabel(note, fontsize="small", color="0.35")
    renderer = _renderer(fig)
    fig.draw(renderer)  # constrained layout settles here; freeze it so the labels placed next stay where they are
    fig.set_layout_engine("none")
    place_labels(ax, xy, [name for name, _ in named], avoid=[legend.get_window_extent(renderer)])
    return fig


# --------------------------------------------------------------------------- the cascade's escalations


def escalations_by_category(data: Any) -> pd.DataFrame:
    """Per category, how many queries the cascade answered locally and how many it escalated to the cloud.

    Args:
        data: one row per query with the columns `category` and `escalated` (bool), e.g. the cascade's records on
            the graded queries, or an `exchanges_frame` whose exchanges carry a category.

    Returns:
        A DataFrame indexed by category, most escalated share first: queries, escalated, kept local, share escalated.

    Raises:
        ExchangeDataError: a column is missing, or there are no rows.
    """
    df = pd.DataFrame(data) if not isinstance(data, pd.DataFrame) else data
    missing = [c for c in ("category", "escalated") if c not in df.columns]
    if missing:
        raise ExchangeDataError(
            f"escalations need the columns category and escalated; missing {', '.join(missing)}. Pass one row per "
            "cascade decision with its query's category and whether it escalated."
        )
    if df.empty:
        raise ExchangeDataError("No cascade decisions to count: run the cascade on some queries first.")
    escalated = df["escalated"].fillna(False).astype(bool)
    table = (
        pd.DataFrame({"category": df["category"], "escalated": escalated})
        .groupby("category")["escalated"]
        .agg(queries="size", escalated="sum")
    )
    table["escalated"] = table["escalated"].astype(int)
    table["kept local"] = table["queries"] - table["escalated"]
    table["share escalated"] = table["escalated"] / table["queries"]
    return table.sort_values(["share escalated", "queries"], ascending=[False, False], kind="stable")


def escalations_chart(data: Any, *, ax: Axes | None = None) -> Figure:
    """Stacked bars per category: queries the cascade kept local and those it escalated to the cloud.

    Args:
        data: what `escalations_by_category` accepts.
        ax: draw into these axes instead of a new figure.

    Returns:
        The figure.
    """
    table = escalations_by_category(data)
    ax = _axes(ax, (7.0, 0.9 + 0.32 * len(table)))
    names = [str(c) for c in table.index]
    ax.barh(names, table["kept local"], color=TIER_COLORS["local"], height=0.6, label="answered locally")
    bars = ax.barh(
        names, table["escalated"], left=table["kept local"], color=TIER_COLORS["cloud"], height=0.6, label="escalated"
    )
    ax.bar_label(bars, [f"{s:.0%}" for s in table["share escalated"]], padding=3, fontsize="small")
    ax.invert_yaxis()
    ax.set_xlim(0, table["queries"].max() * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("queries (label: share escalated to the cloud)")
    total = int(table["escalated"].sum())
    ax.set_title(f"Cascade escalations by category ({total} of {int(table['queries'].sum())} escalated)")
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    return ax.figure
