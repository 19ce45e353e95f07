"""The query router: features, strategies, calibration, follow-ups and fallback."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from modules.routing import classifier as text_classifier
from modules.routing.evaluation import routing_metrics
from modules.routing.router import (
    MODEL_PATH,
    AllTiersFailed,
    HybridRouter,
    LearnedStrategy,
    RoutingContext,
    RuleStrategy,
    analyze_query,
    calibrate_threshold,
    cross_validated_probabilities,
    load_holdout,
    load_routing_queries,
    route_and_answer,
    train_model,
)

EASY = [
    "hi there!",
    "What is 17 * 23?",
    "convert 5 miles to km",
    "What does GDPR stand for?",
    "Translate 'good morning' into Spanish",
    "thanks, bye",
]
HARD = [
    "Compare PostgreSQL and MongoDB for an inventory system with lots of relational data.",
    "Write a Python function that parses a CSV of orders and returns monthly totals, with unit tests.",
    "Threat model a mobile banking app that uses biometric login.",
    "Plan a two-week trip through Japan for a family of four on a 6,000 euro budget.",
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
]


@pytest.fixture(scope="module")
def learned() -> HybridRouter:
    return HybridRouter()


@pytest.fixture(scope="module")
def rules() -> HybridRouter:
    return HybridRouter(RuleStrategy())


@pytest.fixture(scope="module")
def train():
    return load_routing_queries("train")


@pytest.fixture(scope="module")
def test_split():
    return load_routing_queries("test")


def _accuracy(router: HybridRouter, frame) -> tuple[float, float]:
    p = router.cloud_probabilities(frame["query"])
    m = routing_metrics(frame["label"], np.where(p >= router.threshold, "cloud", "local"))
    return m.accuracy, m.cloud_recall


# --------------------------------------------------------------------------- analysis


def test_analysis_flags_what_the_query_asks_for():
    assert analyze_query("Hello there!").greeting and analyze_query("Hello there!").intents == []
    assert analyze_query("What is 17 * 23?").calculation
    assert analyze_query("What does GDPR stand for?").short_task
    assert analyze_query("Who wrote Dune?").simple_question
    assert analyze_query("Compare Rust and Go for a proxy").analysis
    assert analyze_query("Create a 12-week training plan for a marathon").planning
    assert analyze_query("Write a poem about the sea").creative
    assert analyze_query("Implement an LRU cache in Java").code
    assert analyze_query("How do we become HIPAA compliant?").enterprise
    assert analyze_query("tl;dr this email thread").summarise


def test_analysis_counts_words_and_constraints():
    a = analyze_query("Write a job ad: remote in EU, salary band 80-95k, under 300 words, must mention our 4-day week.")
    assert (a.words, a.chars) == (18, 95)
    assert a.constraints == 4  # "under 300", "must", and two commas beyond the first
    assert a.reasons() == ["asks for creative or long-form writing", "4 constraints to satisfy"]


def test_complexity_separates_easy_from_hard():
    assert max(analyze_query(q).complexity for q in EASY) < 0.5 < min(analyze_query(q).complexity for q in HARD)
    assert 0.0 <= analyze_query("hi").complexity <= analyze_query(HARD[0]).complexity <= 1.0


def test_follow_ups_are_recognised():
    for q in ("and what about the second one?", "tell me more", "why?", "What do you mean?", "go on"):
        assert analyze_query(q).follow_up, q
    for q in (
        "What is the capital of France?",
        "and then I walked home after a long day at the office and cooked dinner for everyone",
    ):
        assert not analyze_query(q).follow_up, q


# --------------------------------------------------------------------------- strategies


def test_rule_strategy_routes_clear_cases(rules):
    assert [rules.route(q).target for q in EASY] == ["local"] * len(EASY)
    assert [rules.route(q).target for q in HARD] == ["cloud"] * len(HARD)


def test_default_router_is_the_shipped_learned_model(learned):
    assert learned.name == "learned" and learned.threshold == 0.5
    assert [learned.route(q).target for q in EASY] == ["local"] * len(EASY)
    assert [learned.route(q).target for q in HARD] == ["cloud"] * len(HARD)


def test_decision_explains_itself(learned):
    d = learned.route("Compare Kafka and RabbitMQ for order events at 5k messages per second")
    assert d.target == "cloud" and d.strategy == "learned" and not d.fell_back
    assert "asks for analysis, comparison or evaluation" in d.reasons
    assert any("P(cloud) = " in r and "threshold 0.500" in r for r in d.reasons)
    assert 0.5 <= d.confidence <= 1.0 and 0.5 < d.cloud_probability <= 1.0
    assert isinstance(d.decision_seconds, float) and d.decision_seconds >= 0.0


def test_learned_beats_rules_on_the_test_split(learned, rules, test_split):
    learned_acc, learned_recall = _accuracy(learned, test_split)
    rules_acc, _ = _accuracy(rules, test_split)
    assert learned_acc > rules_acc
    assert learned_acc >= 0.95 and learned_recall >= 0.93


def test_default_router_generalises_to_the_separately_written_holdout(learned):
    accuracy, recall = _accuracy(learned, load_holdout())
    assert accuracy >= 0.9 and recall >= 0.9


def test_shipped_model_is_current_and_small(train, test_split):
    """Retraining on the train split reproduces the shipped file: it is not stale."""
    assert MODEL_PATH.stat().st_size < 2_000_000
    fresh, shipped = LearnedStrategy(train_model(train["query"], train["label"])), LearnedStrategy.load()
    queries = list(test_split["query"][:50])
    assert np.allclose(
        [fresh.cloud_probability(q, analyze_query(q)) for q in queries],
        [shipped.cloud_probability(q, analyze_query(q)) for q in queries],
        atol=1e-6,
    )


def test_exported_tokenisation_matches_scikit_learn():
    texts = ["Hello,  WORLD!! a b", "x", "C# vs C++ — naïve café?", "tl;dr: 10% of $3.50\tfine\n\nnext"]
    words = TfidfVectorizer(ngram_range=text_classifier.WORD_NGRAMS).build_analyzer()
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=text_classifier.CHAR_NGRAMS).build_analyzer()
    for t in texts:
        assert text_classifier.word_ngrams(t) == words(t)
        assert text_classifier.char_ngrams(t) == chars(t)


def test_missing_model_file_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="--train"):
        LearnedStrategy.load(tmp_path / "nope.joblib")


# --------------------------------------------------------------------------- calibration


def test_calibrate_threshold_hand_computed():
    p = [0.9, 0.1, 0.8, 0.7]
    assert calibrate_threshold(p, 0.5) == pytest.approx(0.75)
    assert calibrate_threshold(p, 0.25) == pytest.approx(0.85)
    assert sum(x >= calibrate_threshold(p, 0.0) for x in p) == 0
    assert sum(x >= calibrate_threshold(p, 1.0) for x in p) == 4
    with pytest.raises(ValueError, match="cloud_share"):
        calibrate_threshold(p, 1.5)


def test_calibrated_rules_hit_the_budget_on_the_test_split(rules, train, test_split):
    threshold = calibrate_threshold(rules.cloud_probabilities(train["query"]), 0.30)
    share = float(np.mean(rules.cloud_probabilities(test_split["query"]) >= threshold))
    assert abs(share - 0.30) <= 0.05


def test_calibrated_learned_router_hits_the_budget_on_the_test_split(learned, train, test_split):
    threshold = calibrate_threshold(cross_validated_probabilities(train["query"], train["label"]), 0.30)
    share = float(np.mean(learned.cloud_probabilities(test_split["query"]) >= threshold))
    assert abs(share - 0.30) <= 0.05
    assert threshold > 0.5  # a 30% budget is below the ~47% of queries that need the cloud


# --------------------------------------------------------------------------- follow-ups


def test_follow_up_after_a_cloud_answer_stays_on_the_cloud(learned):
    alone = learned.route("why?")
    assert alone.target == "local" and "no previous turn is known" in alone.reasons[0]
    d = learned.route("why?", RoutingContext(previous_target="cloud"))
    assert d.target == "cloud"
    assert "stays on the cloud" in d.reasons[0]


def test_follow_up_after_a_local_answer_stays_local_unless_it_needs_the_cloud(learned):
    d = learned.route("tell me more", RoutingContext(previous_target="local"))
    assert d.target == "local" and "stays there" in d.reasons[0]
    d = learned.route(
        "and now write the full implementation in Python with tests", RoutingContext(previous_target="local")
    )
    assert d.target == "cloud" and "escalates" in d.reasons[0]


def test_unknown_previous_tier_is_rejected():
    with pytest.raises(ValueError, match="previous_target must be"):
        RoutingContext(previous_target="gpu")


def test_stickiness_can_be_switched_off(learned):
    router = HybridRouter(learned.strategy, sticky_follow_ups=False)
    assert router.route("why?", RoutingContext(previous_target="cloud")).target == "local"


# --------------------------------------------------------------------------- fallback


def _answerer(text: str | None = None, *, error: Exception | None = None, delay: float = 0.0):
    calls: list[str] = []

    async def answer(query: str) -> str:
        calls.append(query)
        await asyncio.sleep(delay)
        if error is not None:
            raise error
        return text

    answer.calls = calls
    return answer


def test_chosen_tier_answers_when_it_works(rules):
    local, cloud = _answerer("4"), _answerer("four")
    result = asyncio.run(route_and_answer(rules, "What is 2+2?", {"local": local, "cloud": cloud}, timeout_s=1))
    assert (result.text, result.tier, result.decision.fell_back) == ("4", "local", False)
    assert cloud.calls == [] and result.decision.error is None


def test_failing_tier_falls_back_and_records_it(rules):
    local, cloud = _answerer(error=ConnectionError("model server down")), _answerer("from the cloud")
    result = asyncio.run(route_and_answer(rules, "What is 2+2?", {"local": local, "cloud": cloud}, timeout_s=1))
    assert (result.text, result.tier) == ("from the cloud", "cloud")
    d = result.decision
    assert d.target == "local" and d.fell_back and d.failed_target == "local"
    assert d.error == "ConnectionError: model server down"
    assert "local tier failed" in d.reasons[-1]


def test_timed_out_tier_falls_back(rules):
    cloud, local = _answerer("late", delay=5), _answerer("quick local answer")
    result = asyncio.run(route_and_answer(rules, HARD[0], {"local": local, "cloud": cloud}, timeout_s=0.05))
    assert (result.text, result.tier) == ("quick local answer", "local")
    assert result.decision.failed_target == "cloud" and result.decision.error.startswith("TimeoutError")


def test_both_tiers_failing_raises_with_both_errors(rules):
    answerers = {"local": _answerer(error=RuntimeError("oom")), "cloud": _answerer(error=PermissionError("401"))}
    with pytest.raises(AllTiersFailed, match="local tier: RuntimeError: oom; cloud tier: PermissionError: 401"):
        asyncio.run(route_and_answer(rules, "hi", answerers, timeout_s=1))


def test_missing_answerer_is_a_clear_error(rules):
    with pytest.raises(ValueError, match="missing: \\['cloud'\\]"):
        asyncio.run(route_and_answer(rules, "hi", {"local": _answerer("x")}, timeout_s=1))
