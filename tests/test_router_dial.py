"""Lab 05's profile table (n and a Wilson 95% interval per category) and the dial (which categories move, which
answers are served wrong). Expected values are worked out by hand or taken from published tables."""

from __future__ import annotations

import pytest

from modules.routing.capability_table import capability_table, wilson_interval
from modules.routing.dial import (
    DialError,
    dial_table,
    graded_frame,
    graded_scores,
    routes_at,
    served_wrong,
    show_dial,
    what_moves,
)
from modules.routing.profile import ProfileError


@pytest.mark.parametrize(
    ("correct", "n", "low", "high"),
    [
        (5, 10, 0.2366, 0.7634),  # Wilson (1927); Newcombe (1998), table I
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), example
    ],
)
def test_wilson_interval_matches_published_values(correct, n, low, high):
    assert wilson_interval(correct, n) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_reaches_0_and_1_exactly_at_the_ends():
    assert wilson_interval(0, 7)[0] == 0.0 and wilson_interval(7, 7)[1] == 1.0


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ProfileError, match="at least one"):
        wilson_interval(0, 0)
    with pytest.raises(ProfileError, match="between 0 and n"):
        wilson_interval(4, 3)


def answer(query, category, right, text="an answer"):
    return {"query": query, "category": category, "local": {"correct": right, "answer": text}}


PROFILE = {
    "answers": [
        answer("hi", "greeting", True),
        answer("hello", "greeting", True),
        answer("hey", "greeting", False, "Goodbye."),
        answer("2+2", "arithmetic", False, "5"),
        answer("3*3", "arithmetic", False, "6"),
        answer("capital of Peru", "factual", True),
        answer("capital of Chad", "factual", False, "Lagos"),
        answer("who wrote Hamlet", "factual", True),
    ]
}


def test_capability_table_counts_the_graded_answers_and_gives_each_an_interval():
    table = capability_table(PROFILE)
    assert list(table.index) == ["factual", "greeting", "arithmetic"]  # 2/3 (n 3), 2/3 (n 3), 0/2
    assert table["n"].tolist() == [3, 3, 2] and table["correct"].tolist() == [2, 2, 0]
    low, high = wilson_interval(0, 2)
    assert table.loc["arithmetic", ["95% low", "95% high"]].tolist() == pytest.approx([low, high])
    assert (table["95% low"] <= table["accuracy"]).all() and (table["accuracy"] <= table["95% high"]).all()
    with pytest.raises(ProfileError, match="no graded cloud answers"):
        capability_table(PROFILE, tier="cloud")


# Scores: the arithmetic questions first, then one factual, then the rest.
SCORES = [0.1, 0.2, 0.3, 0.9, 0.8, 0.4, 0.6, 0.5]


@pytest.fixture
def graded():
    return graded_frame(PROFILE, SCORES)


def test_graded_frame_counts_an_unmeasured_cloud_as_right_and_needs_one_score_each(graded):
    assert graded["cloud_right"].all() and graded["local_right"].sum() == 4
    with pytest.raises(DialError, match="one score per graded answer"):
        graded_frame(PROFILE, SCORES[:-1])


def test_routes_at_sends_the_highest_scores_to_the_cloud():
    assert routes_at(SCORES, 0.25).tolist() == [False, False, False, True, True, False, False, False]
    assert routes_at(SCORES, 0.0).sum() == 0 and routes_at(SCORES, 1.0).all()
    with pytest.raises(DialError, match="between 0 and 1"):
        routes_at(SCORES, 1.5)


def test_what_moves_names_the_categories_that_changed_tier(graded):
    moved = what_moves(graded, 0.25, 0.5)  # adds "capital of Chad" (0.6) and "who wrote Hamlet" (0.5)
    assert list(moved.index) == ["factual"]
    assert moved.loc["factual"].tolist() == [3, 0.0, pytest.approx(2 / 3), 2]
    back = what_moves(graded, 0.5, 0.0)
    assert back.loc["arithmetic", "moved"] == -2 and back.loc["factual", "moved"] == -2


def test_served_wrong_shows_the_wrong_local_answers_next_in_line(graded):
    at_quarter = served_wrong(graded, 0.25)
    assert at_quarter["query"].tolist() == ["capital of Chad", "hey"]  # kept local, graded wrong, by score
    assert at_quarter["answer"].tolist() == ["Lagos", "Goodbye."]
    assert served_wrong(graded, 1.0).empty


def test_dial_table_has_one_row_per_stop_with_quality_cost_and_movers(graded):
    table = dial_table(graded, stops=(0.25, 0.5))
    assert list(table.index) == ["25%", "50%"]
    assert table["graded quality"].tolist() == [0.75, 0.875]  # 4 right locally + 2 sent; then + Chad
    assert table["served wrong"].tolist() == [2, 1]
    assert table.loc["50%", "moved most since the last stop"] == "factual (+2)"
    assert table.loc["25%", "moved most since the last stop"] == "arithmetic (+2)"
    assert table["USD per 1,000 queries"].is_monotonic_increasing


def test_show_dial_falls_back_to_the_table_when_no_one_is_looking(graded, capsys):
    shown = show_dial(graded, interactive=False, start=0.25)
    assert list(shown.index) == ["20%", "40%", "60%", "80%"]
    assert "three answers served wrong" in capsys.readouterr().out


def test_graded_scores_prefer_the_stored_cross_fitted_scores():
    class Stub:
        out_of_fold = {"hi": 0.9, "2+2": 0.1}  # stored scores win over what the strategy would say

        def cloud_probability(self, query, analysis):
            return 0.5

    scores = graded_scores(Stub(), PROFILE)
    assert scores.tolist() == [0.9, 0.5, 0.5, 0.1, 0.5, 0.5, 0.5, 0.5]


def test_no_frontend_under_the_tests_or_outside_a_jupyter_server(monkeypatch):
    from modules.routing.dial import has_frontend

    monkeypatch.setenv("JPY_SESSION_NAME", "notebooks/05_query_router.ipynb")
    assert not has_frontend()  # pytest sets PYTEST_CURRENT_TEST, as it does for nbval's kernels
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    assert not has_frontend()  # a plain Python process: no IPython kernel, nobody looking
