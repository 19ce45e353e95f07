"""Graded data that looks like what people ask (issue 26): code graded by running it in a sandbox, stored answers
that re-grade to their stored grade, and no query the course states a tier for among the training data."""

from __future__ import annotations

import pytest

from modules.routing.code_grading import extract_code, grade_code_tests
from modules.routing.grading import grade
from modules.routing.profile import SUBTYPE_MAX_TOKENS, ProfileError, load_graded_queries, load_profile, regrade_profile
from modules.routing.stated import normal, stated_queries
from modules.routing.training import is_training_answer, load_routing_queries

TESTS = "assert reverse_list([1, 2, 3]) == [3, 2, 1]\nassert reverse_list([]) == []"


def _fenced(code: str) -> str:
    return f"Here is the function:\n```python\n{code}\n```\nIt works."


# --------------------------------------------------------------------------- running code in a sandbox


def test_a_correct_function_passes_and_a_wrong_one_fails():
    assert grade_code_tests(TESTS, _fenced("def reverse_list(xs):\n    return xs[::-1]"))
    assert not grade_code_tests(TESTS, _fenced("def reverse_list(xs):\n    return xs"))
    assert not grade_code_tests(TESTS, "reverse_list reverses the list, using [::-1]")  # a keyword is not code


def test_code_without_fences_is_found_from_its_first_def():
    assert extract_code("Sure.\ndef f():\n    return 1").startswith("def f()")
    assert extract_code("no code here") == ""


@pytest.mark.parametrize(
    "hostile",
    [
        "while True:\n    pass",  # CPU limit
        "data = bytearray(2 * 1024**3)",  # memory limit
        "import socket\nsocket.create_connection(('127.0.0.1', 9))",  # no network
        "open('big.bin', 'wb').write(bytes(10 * 1024**2))",  # file size limit
    ],
)
def test_hostile_code_fails_within_the_limits(hostile):
    assert not grade_code_tests(TESTS, _fenced(hostile + "\ndef reverse_list(xs):\n    return xs[::-1]"))


def test_the_sandbox_runs_in_a_fresh_folder_with_an_empty_environment():
    probe = "import os\nassert 'HOME' not in os.environ\n"
    probe += "assert set(os.listdir('.')) == {'solution.py', 'tests.py', 'harness.py'}"
    assert grade_code_tests(probe, _fenced("x = 1"))


# --------------------------------------------------------------------------- the stored profile


@pytest.fixture(scope="module")
def profile() -> dict:
    return load_profile()


def test_every_stored_answer_regrades_to_its_stored_grade(profile):
    """Answers are stored whole: nothing cut at a character limit makes a stored grade unreproducible."""
    graded = {g.query: g for g in load_graded_queries()}
    mismatched = []
    for a in profile["answers"]:
        g = graded[a["query"]]
        if grade(g.grader, g.reference, a["local"]["answer"], g.query) != a["local"]["correct"]:
            mismatched.append(a["query"])
    assert mismatched == []


def test_the_profile_asked_each_sub_type_with_its_answer_length(profile):
    assert profile["settings"]["max_tokens_by_subtype"] == SUBTYPE_MAX_TOKENS
    assert profile["settings"]["code_graded_by_running"] is True
    assert {a["subtype"] for a in profile["answers"]} == {g.subtype for g in load_graded_queries()}


# --------------------------------------------------------------------------- stated tiers are never trained on


def test_stated_queries_are_found_in_labs_tests_and_docs():
    stated = stated_queries()
    assert {"thanks", "what is 48 * 12", "hello"} <= stated  # test_router_modes.py, lab 05, the demo


def test_no_query_whose_tier_the_course_states_is_training_data(profile):
    stated = stated_queries()
    trained = [a["query"] for a in profile["answers"] if is_training_answer(a)]
    trained += list(load_routing_queries()["query"])
    assert [q for q in trained if normal(q) in stated] == []


def test_regrading_uses_the_stored_answers_and_the_current_references(tmp_path):
    csv_path = tmp_path / "graded.csv"
    csv_path.write_text(
        "query,category,grader,reference,subtype,split\n"
        "Buenas noches,smalltalk,regex,(?i)\\bnoches\\b,small_talk,train\n",
        encoding="utf-8",
    )
    answer = {"answer": "Buenas noches!", "correct": False, "seconds": 0.1, "error": None}
    profile = {
        "graded_queries": {"sha256": "old"},
        "answers": [{"query": "Buenas noches", "category": "smalltalk", "local": answer}],
    }
    regraded = regrade_profile(profile, csv_path)
    assert regraded["answers"][0]["local"]["correct"] is True and regraded["answers"][0]["split"] == "train"
    assert regraded["categories"]["smalltalk"]["local"] == 1.0 and regraded["graded_queries"]["sha256"] != "old"
    profile["answers"][0]["query"] = "Buenas tardes"
    with pytest.raises(ProfileError, match="other graded queries"):
        regrade_profile(profile, csv_path)
