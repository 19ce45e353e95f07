"""The floors and the everyday classes they are for, on generated queries nobody listed.

Code, planning, analysis, proofs, letter games and calculations go to the cloud in balanced mode, and
acknowledgements and greetings stay local, whatever the exact words: each class is generated from parts, none of
which is a training row.
"""

from __future__ import annotations

import itertools
import json

import pytest
from router_support import training_queries

from modules.routing import LearnedStrategy, ModelFileError, analyze_query
from modules.routing.stated import normal
from modules.routing.strategies import LONG_FORM_FAILURE, MODEL_PATH, floored
from modules.routing.training import FLOOR_MIN_ANSWERS, measured_floors

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
# Short requests to produce work: a whole program, proof, plan or summary in a few words.
SHORT_TASKS = (
    [
        f"i need a {kind} in {language} that {task}"
        for kind, language, task in itertools.product(
            ["function", "script"], ["Ruby", "TypeScript"], ["dedupes a list of emails", "checks a date is a weekday"]
        )
    ]
    + [
        f"{verb} {thing}{tail}"
        for verb, thing, tail in itertools.product(
            ["Implement", "Code up"],
            ["a binary heap", "merge sort", "a bloom filter", "an LRU cache"],
            [" in Rust", " in Java", ""],
        )
    ]
    + [
        f"{verb} that {claim}"
        for verb, claim in itertools.product(
            ["Prove", "Show"],
            ["the product of two negative numbers is positive", "7 divides 2^6 - 1", "every tree has a leaf"],
        )
    ]
    + [
        f"Summarize {work} in {n} sentences"
        for work, n in itertools.product(["the plot of Othello", "Darwin's theory", "the Cold War"], ["two", "four"])
    ]
    + [f"Plan {what}" for what in ["a weekend in Lisbon", "my wedding budget", "a garden makeover", "a team offsite"]]
)
# What a 135M model measurably fails, however it is phrased: it sees tokens, not letters, and it cannot calculate.
LETTER_GAMES = [
    f"{ask.format(w=word)}"
    for ask, word in itertools.product(
        ["Reverse the word '{w}'", "Spell '{w}' backwards", "How many vowels does '{w}' have?", "'{w}' backwards?"],
        ["horizon", "cabbage", "velvet", "tornado"],
    )
]
CALCULATIONS = [
    ask.format(a=a, b=b)
    for ask, (a, b) in itertools.product(
        [
            "What is {a} squared plus {b}?",
            "Solve {a}x = {b}",
            "What is {a} percent of {b}?",
            "Multiply {a} by {b}",
            "What follows {a}, {b}, {a}, {b}?",
        ],
        [(14, 392), (27, 81), (33, 660)],
    )
]
TRANSLATIONS = [
    ask.format(p=phrase, lang=lang)
    for ask, phrase, lang in itertools.product(
        ["What is '{p}' in {lang}?", "Say '{p}' in {lang}", "'{p}' - translate it to {lang}"],
        ["the bus is late", "my sister is a doctor"],
        ["Korean", "Swedish", "Greek"],
    )
]
WORD_PROBLEMS = [
    f"{setup} How {ask}?"
    for setup, ask in itertools.product(
        ["A baker makes 14 loaves an hour for 6 hours and sells 59.", "Tom is 4 years older than Ann, who is 11."],
        ["many are left", "much more is needed to reach 100", "long will it take to double"],
    )
]
SHORT_ANALYSES = [
    f"{verb} {a} and {b}"
    for verb, (a, b) in itertools.product(
        ["Compare", "Contrast"], [("Svelte", "Angular"), ("Cassandra", "DynamoDB"), ("leasing", "buying a van")]
    )
]
SMALL_TALK = [
    f"{word} {addressee}{ending}"
    for word, addressee, ending in itertools.product(
        ["ok", "okay", "thanks", "thank you", "thx", "cool", "great", "got it", "nice", "hello", "hi", "good morning"]
        + ["no worries", "fair enough", "wow", "ty", "all good"]
        + ["bye", "see you", "merci", "danke", "gracias", "grazie", "obrigado", "cheers"],
        ["buddy", "my friend", "folks", "everyone"],
        ["", "!", " :)", " 👍"],
    )
]


def test_generated_queries_are_not_training_rows():
    training = training_queries()
    generated = CODE + PLANS + ANALYSES + SHORT_TASKS + SHORT_ANALYSES + LETTER_GAMES + CALCULATIONS + SMALL_TALK
    generated += TRANSLATIONS + WORD_PROBLEMS
    assert not [q for q in generated if normal(q) in training]


@pytest.mark.parametrize(("name", "queries"), [("code", CODE), ("planning", PLANS), ("analysis", ANALYSES)])
def test_generated_long_form_requests_go_to_the_cloud(balanced, name, queries):
    assert all(analyze_query(q).long_form for q in queries)
    decisions = {q: balanced.route(q) for q in queries}
    assert [q for q, d in decisions.items() if d.target != "cloud"] == []
    assert all(d.cloud_probability >= LONG_FORM_FAILURE for d in decisions.values())


def test_generated_short_requests_for_work_go_to_the_cloud(balanced):
    assert all(analyze_query(q).long_form for q in SHORT_TASKS + SHORT_ANALYSES)
    assert [q for q in SHORT_TASKS + SHORT_ANALYSES if balanced.route(q).target != "cloud"] == []


@pytest.mark.parametrize(
    ("flag", "queries"),
    [
        ("letters", LETTER_GAMES),
        ("calculation", CALCULATIONS),
        ("calculation", WORD_PROBLEMS),
        ("translation", TRANSLATIONS),
    ],
)
def test_what_the_local_model_measurably_fails_goes_to_the_cloud_and_says_why(balanced, flag, queries):
    floor = LearnedStrategy.load().floors[flag]
    for query in queries:
        decision = balanced.route(query)
        assert (decision.target, decision.cloud_probability >= floor) == ("cloud", True), query
        assert any(f"({flag}) wrong" in reason for reason in decision.reasons), decision.reasons


def test_a_question_about_a_programming_language_is_not_floored_as_a_letter_game():
    shipped = LearnedStrategy.load()
    for query in ["How do I reverse a string in Python?", "How do I convert a string to an integer in Python?"]:
        analysis = analyze_query(query)
        assert analysis.letters or analysis.calculation
        # a coding question is long-form code, and that is the floor it gets
        assert analysis.code and analysis.long_form
        assert shipped.cloud_probability(query, analysis) == max(
            LONG_FORM_FAILURE, LearnedStrategy(shipped.model).cloud_probability(query, analysis)
        )
        assert shipped.floor_reason(analysis).startswith("long-form work")


def test_a_flag_earns_a_floor_only_when_measured_failing_often_enough():
    letters = [f"Write 'word{i}' in reverse" for i in range(FLOOR_MIN_ANSWERS)]
    sums = [f"What is {i} plus {i}?" for i in range(FLOOR_MIN_ANSWERS)]
    floors = measured_floors(letters + sums, [False] * FLOOR_MIN_ANSWERS + [i % 2 == 0 for i in range(len(sums))])
    assert floors == {"long_form": LONG_FORM_FAILURE, "letters": 1.0}  # sums fail half the time: no floor
    assert "letters" not in measured_floors(letters[:-1], [False] * (FLOOR_MIN_ANSWERS - 1))  # too few to tell
    python = [f"How do I reverse string {i} in Python?" for i in range(FLOOR_MIN_ANSWERS)]
    assert "letters" not in measured_floors(python, [False] * FLOOR_MIN_ANSWERS)  # about code, not a letter game


def test_generated_small_talk_stays_local(balanced):
    assert [q for q in SMALL_TALK if balanced.route(q).target != "local"] == []


def test_the_floors_raise_only_the_scores_of_their_kinds():
    shipped = LearnedStrategy.load()
    unfloored = LearnedStrategy(shipped.model)
    assert shipped.floors["long_form"] == LONG_FORM_FAILURE
    samples = [CODE[0], PLANS[0], ANALYSES[0], LETTER_GAMES[0], CALCULATIONS[0], "ok", "What is the capital of Peru?"]
    for query in samples:
        analysis = analyze_query(query)
        raw = unfloored.cloud_probability(query, analysis)
        kinds = [
            f
            for k, f in shipped.floors.items()
            if getattr(analysis, k) and (k == "long_form" or not analysis.programming)
        ]
        assert shipped.cloud_probability(query, analysis) == max([raw, *kinds])
        assert shipped.cloud_probability(query, analysis) == floored(raw, analysis, shipped.floors)
    # two words are not a request for work, however cloud-leaning the intent
    assert analyze_query("Write haiku").intents and not analyze_query("Write haiku").long_form


def test_the_floors_are_in_the_model_file_and_checked(tmp_path):
    data = json.loads(MODEL_PATH.read_text())
    assert data["floors"]["long_form"] == LONG_FORM_FAILURE
    assert LearnedStrategy.from_dict(data).floors == data["floors"]
    for bad in [{"long_form": 1.5}, {"long_form": -0.1}, {"long_form": "high"}, {"long_form": True}, {"spam": 0.9}, []]:
        with pytest.raises(ModelFileError, match="floors"):
            LearnedStrategy.from_dict({**data, "floors": bad})
