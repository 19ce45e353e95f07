"""Measured capability: graders, the graded query set, the capability profile and the policy derived from it."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import re
from pathlib import Path

import pytest

from modules.config import CloudTier, LocalTier, Settings
from modules.routing.grading import GradingError, grade
from modules.routing.policy import LOCAL_ACCURACY_BAR, derive_policy
from modules.routing.profile import (
    GRADED_CSV,
    PROFILE_JSON,
    ProfileError,
    build_profile,
    load_graded_queries,
    load_profile,
    write_profile,
)
from modules.routing.training import load_routing_queries
from modules.tiers.clients import Answer

DATA = Path(__file__).resolve().parent.parent / "data"


def _normal(q: str) -> str:
    return re.sub(r"\W+", " ", q.lower()).strip()


# --------------------------------------------------------------------------- graders

_TEXT = (
    "Our outage on Monday lasted three hours. It was caused by an expired TLS certificate; renewal is automatic now."
)


@pytest.mark.parametrize(
    ("grader", "reference", "answer", "query", "expected"),
    [
        ("number", "391", "17 * 23 = 391", "What is 17 * 23?", True),
        ("number", "391", "17 * 23 = 4096. The answer is 391.", "What is 17 * 23?", False),  # first new number
        ("number", "8.047~2%", "5 miles is about 8.05 km", "Convert 5 miles to km.", True),
        ("number", "86", "30°C is 68°F", "Convert 30 degrees Celsius to Fahrenheit.", False),
        ("number", "1500", "It is 1,500.", "", True),
        ("number", "10.5~0.01", "The pens cost 10.50 in total", "If 3 pens cost 4.50 ...", True),
        ("keywords", "central;processing;unit", "CPU stands for Central Processing Unit.", "", True),
        ("keywords", "central;processing;unit", "CPU is the central unit.", "", False),
        ("keywords", "ate", "I eat breakfast", "", False),  # whole words only
        ("keywords", "amigo|amiga", "Amiga", "", True),
        ("regex", r"HELLO WORLD", "hello world", "", False),  # case-sensitive by default
        ("regex", r"(?i)^\W*yes\b", "Yes, they are.", "", True),
        ("check", "lines:3", "a\nb\n\nc", "", True),
        ("check", "lines:3", "a\nb", "", False),
        ("check", "items:3", "1. a\n2. b\n3. c", "", True),
        ("check", "words:5", "Dogs are loyal, happy friends.", "", True),
        ("check", "sentences:2", "The sun is hot. It is big.", "", True),
        ("summary", "certificate", "An expired certificate caused it.", "tl;dr: " + _TEXT, True),
        ("summary", "certificate", _TEXT, "tl;dr: " + _TEXT, False),  # repeating the text is no summary
    ],
)
def test_graders(grader, reference, answer, query, expected):
    assert grade(grader, reference, answer, query) is expected


@pytest.mark.parametrize(
    ("grader", "reference", "message"),
    [
        ("nope", "x", "unknown grader"),
        ("number", "abc", "must look like"),
        ("check", "rows:3", "lines:3"),
        ("regex", "(", "does not compile"),
        ("keywords", "a;;b", "empty keyword"),
    ],
)
def test_malformed_references_are_named(grader, reference, message):
    with pytest.raises(GradingError, match=message):
        grade(grader, reference, "some answer")


# --------------------------------------------------------------------------- the graded set


def test_graded_set_is_generated_byte_for_byte_and_large_enough():
    spec = importlib.util.spec_from_file_location("make_graded_queries", DATA / "make_graded_queries.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    out = io.StringIO()
    import csv

    writer = csv.DictWriter(out, fieldnames=generator.FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(generator.build_rows())
    assert out.getvalue() == GRADED_CSV.read_text(encoding="utf-8")
    rows = load_graded_queries()  # every reference is checked on load
    assert len(rows) >= 1000
    per_subtype = {s: [r for r in rows if r.subtype == s] for s in {r.subtype for r in rows}}
    assert {s: len(m) for s, m in per_subtype.items() if len(m) < 40} == {}
    assert {s for s, m in per_subtype.items() if not any(r.split == "holdout" for r in m)} == set()


def test_graded_set_covers_every_policy_category_and_no_training_row():
    graded = load_graded_queries()
    routing = load_routing_queries()
    assert {g.category for g in graded} == set(routing["category"])
    training = {_normal(q) for q in routing["query"]}
    assert [g.query for g in graded if _normal(g.query) in training] == []


def test_a_bad_reference_fails_at_load_with_its_line(tmp_path):
    path = tmp_path / "graded.csv"
    path.write_text("query,category,grader,reference\nWhat is 2+2?,arithmetic,number,four\n")
    with pytest.raises(ProfileError, match="line 2"):
        load_graded_queries(path)


# --------------------------------------------------------------------------- the profile


class _ScriptedTiers:
    """Stands in for `Tiers` at the edge of build_profile: returns set answers, records what it was asked."""

    def __init__(self, answers: dict[str, str], cloud_backend: str = "local_service") -> None:
        self.answers, self.asked = answers, []
        self.settings = Settings(LocalTier(), CloudTier(backend=cloud_backend, model="gpt-test"))

    async def answer(self, tier, query, *, max_tokens, instructions=None):
        self.asked.append((tier, query, max_tokens))
        if query not in self.answers:
            raise ConnectionError("tier down")
        return Answer(self.answers[query], tier, 0.01)


def _graded_csv(tmp_path: Path) -> Path:
    path = tmp_path / "graded.csv"
    path.write_text(
        "query,category,grader,reference\n"
        "What is 6 * 7?,arithmetic,number,42\n"
        "What is 9 * 7?,arithmetic,number,63\n"
        "hi,greeting,regex,(?i)hello\n"
    )
    return path


def test_profile_grades_every_answer_and_records_failures(tmp_path):
    tiers = _ScriptedTiers({"What is 6 * 7?": "42", "What is 9 * 7?": "54"})
    profile = build_profile(tiers, graded_csv=_graded_csv(tmp_path), max_tokens=16, progress=False)
    assert [(t, q) for t, q, _ in tiers.asked] == [
        ("local", "What is 6 * 7?"),
        ("local", "What is 9 * 7?"),
        ("local", "hi"),
    ]
    assert profile["categories"] == {"arithmetic": {"n": 2, "local": 0.5}, "greeting": {"n": 1, "local": 0.0}}
    assert profile["answers"][2]["local"]["error"] == "ConnectionError: tier down"
    assert profile["tiers"]["cloud"]["measured"] is False  # the offline "cloud" is the same small model
    path, chart = write_profile(profile, tmp_path / "p.json")
    assert load_profile(path)["categories"] == profile["categories"] and chart.stat().st_size > 0


def test_profile_measures_a_real_cloud_endpoint_too(tmp_path):
    tiers = _ScriptedTiers({"What is 6 * 7?": "42", "What is 9 * 7?": "63", "hi": "Hello!"}, cloud_backend="openai")
    profile = build_profile(tiers, graded_csv=_graded_csv(tmp_path), progress=False)
    assert {t for t, _, _ in tiers.asked} == {"local", "cloud"}
    assert profile["categories"]["arithmetic"] == {"n": 2, "local": 1.0, "cloud": 1.0}


def test_update_asks_only_the_named_categories_again(tmp_path):
    graded = _graded_csv(tmp_path)
    first = build_profile(
        _ScriptedTiers({"What is 6 * 7?": "42", "What is 9 * 7?": "63", "hi": "yo"}), graded_csv=graded, progress=False
    )
    tiers = _ScriptedTiers({"hi": "Hello there"})
    updated = build_profile(tiers, graded_csv=graded, progress=False, update=first, categories=["greeting"])
    assert [q for _, q, _ in tiers.asked] == ["hi"]
    assert updated["categories"] == {"arithmetic": {"n": 2, "local": 1.0}, "greeting": {"n": 1, "local": 1.0}}
    other = _ScriptedTiers({})
    other.settings = Settings(LocalTier(backend="ollama", model="llama3.2:1b"), CloudTier())
    with pytest.raises(ProfileError, match="measure it from scratch"):
        build_profile(other, graded_csv=graded, progress=False, update=first, categories=["greeting"])


def test_a_sample_asks_only_a_stratified_subset(tmp_path):
    path = tmp_path / "graded.csv"
    path.write_text(
        "query,category,grader,reference\n"
        + "".join(f"What is {i} * 7?,arithmetic,number,{i * 7}\n" for i in range(1, 5))
        + "".join(f"hi {i},greeting,regex,(?i)hello\n" for i in range(1, 5))
    )
    tiers = _ScriptedTiers({f"What is {i} * 7?": str(i * 7) for i in range(1, 5)})
    profile = build_profile(tiers, graded_csv=path, progress=False, sample=2)
    asked = [q for _, q, _ in tiers.asked]
    assert len(asked) == 2 and {q.split()[0] for q in asked} == {"What", "hi"}  # one per category
    assert profile["graded_queries"]["rows"] == 2 and profile["graded_queries"]["sample"] == 2
    assert [a["query"] for a in profile["answers"]] == asked


def test_profile_runs_the_real_offline_local_model(tmp_path):
    """The real SmolLM2 tier over two graded queries: every answer is recorded and graded (whatever its wording)."""
    from modules.config import load_settings
    from modules.tiers import start_tiers

    with start_tiers(load_settings(env_file=None, environ={})) as tiers:
        profile = build_profile(tiers, graded_csv=_graded_csv(tmp_path), max_tokens=16, progress=False)
    answers = [a["local"] for a in profile["answers"]]
    assert len(answers) == 3 and all(a["answer"] and a["error"] is None and a["seconds"] > 0 for a in answers)
    local = profile["tiers"]["local"]
    assert (local["backend"], local["model"], local["measured"]) == ("embedded", "SmolLM2-135M-Instruct", True)
    identity = local["identity"]  # the profile records exactly which weights it measured
    assert identity["name"] == "SmolLM2-135M-Instruct" and identity["path"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert re.fullmatch(r"[0-9a-f]{64}", identity["sha256"])
    assert profile["categories"]["arithmetic"]["n"] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": 99}', "format-1"),
        ('{"format": 1, "categories": {"x": {"local": 2}}}', "between 0 and 1"),
    ],
)
def test_bad_profiles_are_rejected_with_the_fix(tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(ProfileError, match=message):
        load_profile(path)
    with pytest.raises(ProfileError, match="python -m modules.router profile"):
        load_profile(tmp_path / "missing.json")


def test_shipped_profile_was_measured_on_the_current_graded_set():
    profile = load_profile()
    assert profile["graded_queries"]["sha256"] == hashlib.sha256(GRADED_CSV.read_bytes()).hexdigest()
    assert len(profile["answers"]) == len(load_graded_queries())
    assert profile["tiers"]["local"]["model"] == "SmolLM2-135M-Instruct"
    assert PROFILE_JSON.with_suffix(".png").exists()


# --------------------------------------------------------------------------- the policy


def _profile(accuracies: dict[str, float]) -> dict:
    return {"tiers": {"local": {"model": "m"}}, "categories": {c: {"n": 10, "local": a} for c, a in accuracies.items()}}


def test_policy_sends_a_category_local_only_at_or_above_the_bar():
    policy = derive_policy(_profile({"greeting": 0.95, "factual": 0.8, "arithmetic": 0.79}), bar=0.8)
    assert policy.tiers == {"greeting": "local", "factual": "local", "arithmetic": "cloud"}
    assert policy.labels(["arithmetic", "greeting"]) == ["cloud", "local"]
    assert [r["category"] for r in policy.rows()] == ["greeting", "factual", "arithmetic"]
    with pytest.raises(KeyError, match="re-measure"):
        policy.tier("poetry")
    with pytest.raises(ValueError, match="bar"):
        derive_policy(_profile({"x": 1}), bar=1.5)


def test_shipped_policy_follows_the_measured_accuracy():
    """Independent expectation, counted from the graded answers: greetings 12 of 16 right (75%, over the 70% bar),
    definitions 16 of 24 (67%, under it), small talk 133 of 192 (69%, just under), arithmetic 4 of 140 (with the
    sequences); only greetings go local."""
    profile = load_profile()
    right = {}
    for a in profile["answers"]:
        right.setdefault(a["category"], []).append(a["local"]["correct"])
    assert (sum(right["greeting"]), len(right["greeting"])) == (12, 16)
    assert (sum(right["definition"]), len(right["definition"])) == (16, 24)
    assert (sum(right["smalltalk"]), len(right["smalltalk"])) == (133, 192)
    assert (sum(right["arithmetic"]), len(right["arithmetic"])) == (4, 140)
    policy = derive_policy(profile)
    assert policy.bar == LOCAL_ACCURACY_BAR == 0.7
    assert policy.local_categories == ["greeting"]
    json.dumps(policy.rows())  # plain data, printable in the lab
