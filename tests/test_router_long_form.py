"""The long-form floor and the everyday classes it is for, on generated queries nobody listed.

Code, planning and analysis requests go to the cloud in balanced mode, and acknowledgements and greetings stay local,
whatever the exact words: each class is generated from parts, none of which is a training row.
"""

from __future__ import annotations

import itertools
import json

import pytest

from modules.routing import HybridRouter, LearnedStrategy, ModelFileError, analyze_query, load_routing_queries
from modules.routing.profile import load_profile
from modules.routing.stated import normal
from modules.routing.strategies import LONG_FORM_FAILURE, MODEL_PATH

CODE = [
    f"{verb} a {language} {kind} that {task}"
    for verb, language, kind, task in itertools.product(
        ["Write", "Implement", "Create"],
        ["Python", "JavaScript", "Go"],
        ["function", "class"],
        [
            "reverses a linked list in place",
            "merges two sorted arrays into one",
            "checks whether a binary tree is balanced",
            "parses a CSV file into a list of records",
            "counts word frequencies in a text file",
        ],
    )
]
PLANS = [
    f"{verb} {n} steps to {goal}"
    for verb, n, goal in itertools.product(
        ["Give me", "List", "Write down"],
        ["three", "five", "seven"],
        [
            "move to a new city for a job",
            "learn to swim as an adult",
            "launch a podcast on a small budget",
            "get ready for a marathon in spring",
        ],
    )
]
ANALYSES = [
    f"Compare {a} and {b} for {use}, and recommend one"
    for (a, b), use in itertools.product(
        [("PostgreSQL", "MongoDB"), ("Rust", "Go"), ("renting", "buying a flat")],
        ["a small team", "the next five years", "a tight budget"],
    )
]
SMALL_TALK = [
    f"{word} {addressee}{ending}"
    for word, addressee, ending in itertools.product(
        ["ok", "okay", "thanks", "thank you", "thx", "cool", "great", "got it", "nice", "hello", "hi", "good morning"]
        + ["bye", "see you", "merci", "danke", "gracias", "grazie", "obrigado", "cheers"],
        ["buddy", "my friend", "folks", "everyone"],
        ["", "!", " :)", " 👍"],
    )
]


@pytest.fixture(scope="module")
def balanced():
    return HybridRouter(mode="balanced")


def test_generated_queries_are_not_training_rows():
    profile = load_profile()
    training = {normal(q) for q in load_routing_queries()["query"]}
    training |= {normal(a["query"]) for a in profile["answers"] if a.get("split", "train") != "holdout"}
    assert not [q for q in CODE + PLANS + ANALYSES + SMALL_TALK if normal(q) in training]


@pytest.mark.parametrize(("name", "queries"), [("code", CODE), ("planning", PLANS), ("analysis", ANALYSES)])
def test_generated_long_form_requests_go_to_the_cloud(balanced, name, queries):
    assert all(analyze_query(q).long_form for q in queries)
    decisions = {q: balanced.route(q) for q in queries}
    assert [q for q, d in decisions.items() if d.target != "cloud"] == []
    assert all(d.cloud_probability >= LONG_FORM_FAILURE for d in decisions.values())


def test_generated_small_talk_stays_local(balanced):
    assert [q for q in SMALL_TALK if balanced.route(q).target != "local"] == []


def test_the_floor_raises_only_long_form_scores():
    shipped = LearnedStrategy.load()
    unfloored = LearnedStrategy(shipped.model)
    assert shipped.long_form_floor == LONG_FORM_FAILURE
    for query in [CODE[0], PLANS[0], ANALYSES[0], "ok", "What is the capital of Peru?", "Write a haiku"]:
        analysis = analyze_query(query)
        raw = unfloored.cloud_probability(query, analysis)
        expected = max(raw, LONG_FORM_FAILURE) if analysis.long_form else raw
        assert shipped.cloud_probability(query, analysis) == expected
    # a short request is not long-form, however cloud-leaning its intent
    assert analyze_query("Write a haiku").intents and not analyze_query("Write a haiku").long_form


def test_the_floor_is_in_the_model_file_and_checked(tmp_path):
    data = json.loads(MODEL_PATH.read_text())
    assert data["long_form_floor"] == LONG_FORM_FAILURE
    assert LearnedStrategy.from_dict(data).long_form_floor == LONG_FORM_FAILURE
    for bad in [1.5, -0.1, "high", True]:
        with pytest.raises(ModelFileError, match="long_form_floor"):
            LearnedStrategy.from_dict({**data, "long_form_floor": bad})
