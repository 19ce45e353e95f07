"""Turn the dial: which categories move to the cloud as the cloud share grows, and which answers are served wrong.

    from modules.routing.dial import graded_frame, show_dial
    graded = graded_frame(profile, scores)      # one row per graded query: category, local answer, right?, score
    show_dial(graded)                           # a slider in Jupyter; a table of fixed stops when no one is there

Setting the dial to a cloud share s sends the share s of queries with the highest scores (most likely to be
answered wrong locally) to the cloud and keeps the rest local. A query kept local whose local answer was graded
wrong is an answer the user would now be served wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from modules.routing.errors import RoutingError
from modules.routing.evaluation import cost_per_1000_queries

__all__ = [
    "STOPS",
    "DialError",
    "graded_scores",
    "dial_table",
    "graded_frame",
    "has_frontend",
    "routes_at",
    "served_wrong",
    "show_dial",
    "what_moves",
]


class DialError(RoutingError, ValueError):
    """The dial was given something it cannot place: a cloud share outside 0..1, or scores that do not match the
    graded answers one to one. The message says which and how to fix it."""


STOPS = (0.2, 0.4, 0.6, 0.8)  # the static table's positions of the dial
MOVERS_SHOWN = 4  # categories named per stop: the ones that moved most


def graded_frame(profile: Mapping, scores: Sequence[float]):
    """The profile's graded answers that the operating curve is drawn from (the training split; the hold-out split
    is only reported) with one routing score each, as a DataFrame.

    Args:
        profile: a capability profile (`load_profile()`); its answers are in the graded queries' order.
        scores: one score per graded answer, higher = more likely wrong locally (e.g. cross-fitted).

    Returns:
        A DataFrame with query, category, local_right, cloud_right, answer, score. `cloud_right` is the
        cloud's graded answer when a real endpoint was measured, else True (the stated offline assumption).

    Raises:
        DialError: the number of scores differs from the number of graded answers.
    """
    import pandas as pd

    answers = _curve_answers(profile)
    scores = np.asarray(scores, dtype=float)
    if scores.shape != (len(answers),):
        raise DialError(
            f"need one score per graded answer: {len(answers)} answers, {scores.size} scores; score the profile's "
            "answers in order, e.g. with graded_scores(strategy, profile)"
        )
    return pd.DataFrame(
        {
            "query": [a["query"] for a in answers],
            "category": [a["category"] for a in answers],
            "local_right": [bool(a["local"]["correct"]) for a in answers],
            "cloud_right": [bool(a["cloud"]["correct"]) if a.get("cloud") else True for a in answers],
            "answer": [a["local"]["answer"] for a in answers],
            "score": scores,
        }
    )


def routes_at(scores: Sequence[float], cloud_share: float) -> np.ndarray:
    """True for the queries the dial sends to the cloud: the round(share * n) highest scores (ties by position).

    Args:
        scores: one score per query.
        cloud_share: the dial's position, 0 (all local) to 1 (all cloud).

    Returns:
        A boolean array, True = cloud.

    Raises:
        DialError: cloud_share is outside 0..1.
    """
    if not 0.0 <= cloud_share <= 1.0:
        raise DialError(f"cloud_share must be between 0 and 1 (0 = all local, 1 = all cloud), got {cloud_share!r}")
    scores = np.asarray(scores, dtype=float)
    cloud = np.zeros(scores.size, dtype=bool)
    cloud[np.argsort(-scores, kind="stable")[: round(cloud_share * scores.size)]] = True
    return cloud


def _by_category(graded, cloud: np.ndarray):
    return graded.assign(cloud=cloud).groupby("category")["cloud"].mean()


def what_moves(graded, from_share: float, to_share: float):
    """The categories whose share of cloud traffic changes between two positions of the dial.

    Args:
        graded: the frame of `graded_frame`.
        from_share: the dial's position before.
        to_share: the dial's position after.

    Returns:
        A DataFrame indexed by category (only those that moved): n, cloud before, cloud after, moved
        (the number of that category's queries that changed tier; positive = towards the cloud).
    """
    import pandas as pd

    before, after = routes_at(graded["score"], from_share), routes_at(graded["score"], to_share)
    table = pd.DataFrame(
        {
            "n": graded.groupby("category").size(),
            "cloud before": _by_category(graded, before),
            "cloud after": _by_category(graded, after),
            "moved": graded.assign(d=after.astype(int) - before.astype(int)).groupby("category")["d"].sum(),
        }
    )
    return table[table["moved"] != 0].sort_values("moved", ascending=from_share > to_share)


def served_wrong(graded, cloud_share: float, n: int = 3):
    """Up to `n` queries kept local at this position whose local answer was graded wrong.

    The ones shown are those the dial would send to the cloud next (the highest scores kept local).

    Args:
        graded: the frame of `graded_frame`.
        cloud_share: the dial's position.
        n: how many to show.

    Returns:
        A DataFrame: category, query, the local answer (whole), score.
    """
    cloud = routes_at(graded["score"], cloud_share)
    wrong = graded[~cloud & ~graded["local_right"]].sort_values("score", ascending=False, kind="stable")
    return wrong[["category", "query", "answer", "score"]].head(n)


def _position(graded, cloud_share: float, pricing: Mapping | None) -> dict[str, Any]:
    cloud = routes_at(graded["score"], cloud_share)
    right = np.where(cloud, graded["cloud_right"], graded["local_right"])
    return {
        "cloud share": float(cloud.mean()),
        "graded quality": float(right.mean()),
        "USD per 1,000 queries": cost_per_1000_queries(float(cloud.mean()), pricing),
        "served wrong": int((~cloud & ~graded["local_right"]).sum()),
        "categories mostly local": ", ".join(sorted(c for c, s in _by_category(graded, cloud).items() if s < 0.5)),
    }


def dial_table(graded, stops: Sequence[float] = STOPS, pricing: Mapping | None = None):
    """The static stand-in for the slider: one row per stop of the dial.

    Args:
        graded: the frame of `graded_frame`.
        stops: the dial's positions (cloud shares).
        pricing: tier prices (default: data/pricing.csv).

    Returns:
        A DataFrame indexed by position: cloud share, graded quality, USD per 1,000 queries, how many answers
        are served wrong, the categories that stay mostly local, and the categories that moved most queries to
        the cloud since the previous stop (with how many).
    """
    import pandas as pd

    rows = []
    previous = 0.0
    for stop in stops:
        row = _position(graded, stop, pricing)
        moved = what_moves(graded, previous, stop)["moved"].head(MOVERS_SHOWN)
        row["moved most since the last stop"] = ", ".join(f"{c} (+{n})" for c, n in moved.items())
        rows.append({"dial": f"{stop:.0%}", **row})
        previous = stop
    return (
        pd.DataFrame(rows).set_index("dial").round({"cloud share": 3, "graded quality": 3, "USD per 1,000 queries": 4})
    )


def has_frontend() -> bool:
    """True when a person is probably looking: an IPython kernel that is not run by a test or nbconvert.

    Under nbval the test sets PYTEST_CURRENT_TEST in the kernel's environment; nbconvert and papermill run
    kernels without a Jupyter server, which is what JPY_SESSION_NAME (set by Jupyter's server) tells apart.

    Returns:
        Whether an interactive widget would be seen.
    """
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel") and bool(os.environ.get("JPY_SESSION_NAME"))


def show_dial(graded, pricing: Mapping | None = None, *, start: float = 0.5, interactive: bool | None = None):
    """Show the dial: a slider over the cloud share in Jupyter, else the table of fixed stops.

    At each position the slider shows quality, cost, the categories that moved since the position before,
    and three answers that would now be served wrong.

    Args:
        graded: the frame of `graded_frame`.
        pricing: tier prices (default: data/pricing.csv).
        start: the slider's first position.
        interactive: force the slider (True) or the table (False); by default `has_frontend()` decides.

    Returns:
        The ipywidgets widget, or the static DataFrame of `dial_table`; either is displayed already.
    """
    from IPython.display import display

    if not (has_frontend() if interactive is None else interactive):
        table = dial_table(graded, pricing=pricing)
        display(table)
        print(f"at {start:.0%} to the cloud, three answers served wrong (the next to go to the cloud):")
        display(served_wrong(graded, start))
        return table
    import ipywidgets as widgets

    slider = widgets.FloatSlider(
        value=start,
        min=0.0,
        max=1.0,
        step=0.05,
        description="cloud share",
        readout_format=".0%",
        continuous_update=False,
    )
    output = widgets.Output()
    last = {"share": start}

    def render(share: float) -> None:
        with output:
            output.clear_output(wait=True)
            position = _position(graded, share, pricing)
            print(
                f"cloud share {position['cloud share']:.0%}: graded quality {position['graded quality']:.3f}, "
                f"USD {position['USD per 1,000 queries']:.3f} per 1,000 queries, "
                f"{position['served wrong']} answers served wrong"
            )
            moved = what_moves(graded, last["share"], share)
            print(f"moved since {last['share']:.0%}:" if len(moved) else "nothing moved")
            if len(moved):
                display(moved)
            print("three answers now served wrong (the next to go to the cloud):")
            display(served_wrong(graded, share))

    def on_change(change: Mapping[str, Any]) -> None:
        render(change["new"])
        last["share"] = change["new"]

    slider.observe(on_change, names="value")
    render(start)
    box = widgets.VBox([slider, output])
    display(box)
    return box


def graded_scores(strategy: Any, profile: Mapping) -> np.ndarray:
    """The score of every graded answer that the operating curve is drawn from (`curve.router_curve`).

    A strategy that carries cross-fitted scores for the graded queries (the shipped model's `out_of_fold`) is
    read from them; any other strategy scores the queries directly.

    Args:
        strategy: a routing strategy (e.g. `HybridRouter().strategy`).
        profile: the capability profile whose answers are scored.

    Returns:
        One score per graded answer of the training split, in the profile's order.
    """
    from modules.routing.features import analyze_query

    stored = getattr(strategy, "out_of_fold", None) or {}
    queries = [a["query"] for a in _curve_answers(profile)]
    return np.array([stored[q] if q in stored else strategy.cloud_probability(q, analyze_query(q)) for q in queries])


def _curve_answers(profile: Mapping) -> list:
    """The answers the operating curve is drawn from: every answer outside the hold-out split."""
    return [a for a in profile["answers"] if a.get("split", "train") != "holdout"]
