"""Operating points: the curve, modes and targets resolved on it, the shipped router's dial, the profile sample,
and the warning when the configured local model is not the one the router was measured on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from modules.config import CloudTier, LocalTier, Settings
from modules.pricing import TierPrice
from modules.routing import (
    MODES,
    CloudBudget,
    HybridRouter,
    QualityFloor,
    RouterTargetError,
    RoutingContext,
    RuleStrategy,
    resolve,
)
from modules.routing import router as router_module
from modules.routing.curve import mode_points, operating_curve, perfect_points, point_at, random_points
from modules.routing.modes import parse_target
from modules.routing.profile import GradedQuery, ProfileError, sample_graded_queries

PRICES = {"local": TierPrice("m", 0.0, 0.0, ""), "cloud": TierPrice("c", 0.001, 0.002, "")}  # 0.85 USD per query

# --------------------------------------------------------------------------- the curve, hand-computed

# Four queries: the local model got queries 1 and 3 right. Scores rank query 0 (wrong) first, then 1 (right),
# then 2 (wrong), then 3 (right).
SCORES = [0.9, 0.7, 0.5, 0.1]
LOCAL = [0, 1, 0, 1]


def _curve():
    return operating_curve(SCORES, LOCAL, pricing=PRICES)


def test_operating_curve_hand_computed():
    curve = _curve()
    assert list(curve.columns) == ["threshold", "cloud_share", "quality", "usd_per_1k"]
    assert curve["cloud_share"].tolist() == [0, 0.25, 0.5, 0.75, 1]
    # all local: 2 of 4 right; query 0 to the cloud: 3 of 4; + query 1 (already right): 3; + query 2: 4; all: 4
    assert curve["quality"].tolist() == [0.5, 0.75, 0.75, 1.0, 1.0]
    assert curve["threshold"].tolist()[1:] == pytest.approx([0.8, 0.6, 0.3, 0.0])
    assert curve["threshold"].iloc[0] > 0.9  # nothing reaches it
    # 150 input + 350 output tokens per cloud query: 0.15 * 0.001 + 0.35 * 0.002 = 0.00085 USD
    assert curve["usd_per_1k"].tolist() == pytest.approx([0, 0.2125, 0.425, 0.6375, 0.85])


def test_a_measured_cloud_is_used_instead_of_counting_it_correct():
    curve = operating_curve(SCORES, LOCAL, [1, 1, 0, 1], pricing=PRICES)
    assert curve["quality"].tolist() == [0.5, 0.75, 0.75, 0.75, 0.75]  # the cloud gets query 2 wrong as well


def test_resolve_quality_floor_and_cloud_budget_hand_computed():
    curve = _curve()
    assert resolve(QualityFloor(0), curve) == pytest.approx(0.3)  # quality 1.0 first reached at 75% cloud
    assert resolve(QualityFloor(25), curve) == pytest.approx(0.8)  # 0.75 is within 25 points: 25% cloud
    assert resolve(QualityFloor(50), curve) > 0.9  # all local is within 50 points
    assert resolve(CloudBudget(0.6), curve) == pytest.approx(0.6)  # at most 60%: the 50% row
    assert resolve(CloudBudget(0.0), curve) > 0.9
    assert resolve(CloudBudget(1.0), curve) == 0.0
    assert point_at(curve, 0.6) == {"threshold": 0.6, "cloud_share": 0.5, "quality": 0.75, "usd_per_1k": 0.425}


def test_random_and_perfect_points_hand_computed():
    perfect = perfect_points(LOCAL, pricing=PRICES)
    assert perfect["quality"].tolist() == [0.5, 0.75, 1.0, 1.0, 1.0]  # the two wrong answers go first
    random = random_points(LOCAL, pricing=PRICES, shares=[0, 0.5, 1])
    assert random["quality"].tolist() == [0.5, 0.75, 1.0]


def test_mode_points_sit_on_the_curve_in_order():
    points = mode_points(_curve(), {"q": QualityFloor(0), "c": QualityFloor(25)}).set_index("mode")
    assert points.loc["q", "cloud_share"] == 0.75 and points.loc["c", "cloud_share"] == 0.25
    assert points.loc["q", "target"] == "quality within 0 points of all-cloud"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CloudBudget(1.5), "between 0 and 1"),
        (lambda: CloudBudget(float("nan")), "between 0 and 1"),
        (lambda: QualityFloor(-1), "between 0 and 100"),
        (lambda: parse_target("budget=0.3"), "cloud-budget=0.3"),
        (lambda: HybridRouter(RuleStrategy(), mode="turbo"), "unknown mode 'turbo'"),
        (lambda: HybridRouter(RuleStrategy(), mode="cost", target=CloudBudget(0.2)), "either mode= or target="),
        (lambda: HybridRouter(RuleStrategy(), threshold=1.5), "between 0 and 1"),
        (lambda: resolve(QualityFloor(1), pd.DataFrame(columns=["threshold", "cloud_share", "quality"])), "empty"),
    ],
)
def test_bad_targets_are_typed_errors_naming_the_fix(make, message):
    with pytest.raises(RouterTargetError, match=message):
        make()


def test_parse_target_from_the_command_line():
    assert parse_target("cloud-budget=0.3") == CloudBudget(0.3)
    assert parse_target("quality-floor=5") == QualityFloor(5)


# --------------------------------------------------------------------------- the shipped router's dial


@pytest.fixture(scope="module")
def routers() -> dict[str, HybridRouter]:
    return {mode: HybridRouter(mode=mode) for mode in MODES}


def test_modes_are_ordered_on_the_measured_curve(routers):
    shares = {m: point_at(r.curve, r.threshold)["cloud_share"] for m, r in routers.items()}
    quality = {m: point_at(r.curve, r.threshold)["quality"] for m, r in routers.items()}
    assert shares["quality"] > shares["balanced"] > shares["cost"] > 0.1
    assert quality["quality"] > quality["balanced"] > quality["cost"]
    all_cloud = routers["balanced"].curve["quality"].iloc[-1]
    for mode, router in routers.items():  # each mode meets its own target
        assert quality[mode] >= all_cloud - MODES[mode].points_below_all_cloud / 100
        assert router.mode == mode and router.target == MODES[mode]


def test_a_cloud_budget_is_met_on_the_curve(routers):
    router = HybridRouter(target=CloudBudget(0.3))
    assert router.mode == "custom" and point_at(router.curve, router.threshold)["cloud_share"] <= 0.3
    assert router.route("hello!").reasons[-2].startswith("mode custom: at most 30% of queries to the cloud")


def test_an_explicit_threshold_overrides_the_mode():
    router = HybridRouter(threshold=0.9)
    assert (router.mode, router.target, router.threshold) == ("custom", None, 0.9)
    assert router.route("What is 48 * 12?").reasons[-2] == "mode custom: fixed threshold 0.900"


SMALL_TALK = ["Thanks!", "good night!", "thx :)", "hello!", "Thank you, that is all."]


def test_small_talk_stays_local_in_balanced_mode(routers):
    decisions = [routers["balanced"].route(q) for q in SMALL_TALK]
    assert [d.target for d in decisions] == ["local"] * len(SMALL_TALK)
    assert all(d.reasons[0] == "greeting or small talk" for d in decisions if not d.follow_up)


def test_turning_the_dial_moves_traffic(routers):
    queries = SMALL_TALK + ["What is 48 * 12?", "Convert 5 miles to km.", "Who wrote Middlemarch?"]
    local = {m: sum(r.route(q).target == "local" for q in queries) for m, r in routers.items()}
    assert local["quality"] < local["balanced"] <= local["cost"]
    assert routers["cost"].route("What is 48 * 12?").target == "cloud"  # SmolLM2 got 1 of 30 sums right


@pytest.mark.parametrize("query", ["Thanks!", "What is 48 * 12?", "hello!", "Compare Kafka and NATS for IoT"])
def test_reasons_never_contradict_the_decision(routers, query):
    leaning = {"local": ("greeting or small talk", "a short direct"), "cloud": ("asks for", "a calculation")}
    for router in routers.values():
        d = router.route(query)
        other = "cloud" if d.target == "local" else "local"
        findings = [r for r in d.reasons[:-2] if not r.startswith("despite: ")]
        assert not [r for r in findings if r.startswith(leaning[other])], (router.mode, d.target, d.reasons)
        assert d.reasons[-2].startswith(f"mode {router.mode}: ") and d.mode == router.mode


def test_follow_up_context_still_overrides_the_mode(routers):
    d = routers["cost"].route("why?", RoutingContext(previous_target="cloud"))
    assert d.target == "cloud" and d.reasons[0].startswith("depends on the previous answer")


# --------------------------------------------------------------------------- profile sample


def _rows(counts: dict[str, int]) -> list[GradedQuery]:
    return [GradedQuery(f"{c} {i}", c, "regex", "x") for c, n in counts.items() for i in range(n)]


def test_sample_is_stratified_seeded_and_in_file_order():
    rows = _rows({"a": 50, "b": 30, "c": 20})
    sample = sample_graded_queries(rows, 10)
    counts = {c: sum(r.category == c for r in sample) for c in "abc"}
    assert counts == {"a": 5, "b": 3, "c": 2}  # 10 x 50/100, 10 x 30/100, 10 x 20/100
    assert sample == sample_graded_queries(rows, 10)  # the same seed, the same subset
    assert [rows.index(r) for r in sample] == sorted(rows.index(r) for r in sample)
    assert sample != sample_graded_queries(rows, 10, seed=99)


def test_sample_keeps_every_category_and_refuses_too_small():
    rows = _rows({"a": 90, "b": 5, "c": 5})
    counts = {c: sum(r.category == c for r in sample_graded_queries(rows, 5)) for c in "abc"}
    assert counts["b"] >= 1 and counts["c"] >= 1 and sum(counts.values()) == 5
    assert len(sample_graded_queries(rows, 500)) == 100
    with pytest.raises(ProfileError, match="at least --sample 3"):
        sample_graded_queries(rows, 2)


# --------------------------------------------------------------------------- which model the router was measured on


def test_router_warns_once_when_the_configured_local_model_differs(monkeypatch):
    ollama = Settings(LocalTier(backend="ollama", model="llama3.2:1b"), CloudTier())
    monkeypatch.setattr("modules.config.load_settings", lambda *a, **k: ollama)
    monkeypatch.setattr(router_module, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        HybridRouter()
        HybridRouter(mode="cost")
    mismatches = [w for w in caught if str(w.message).startswith("The router was measured")]
    assert len(mismatches) == 1
    message = str(mismatches[0].message)
    assert "SmolLM2-135M-Instruct" in message and "llama3.2:1b" in message
    assert "python -m modules.router profile --sample 80" in message and "python -m modules.router train" in message


def test_no_warning_for_the_model_it_was_measured_on(monkeypatch):
    monkeypatch.setattr("modules.config.load_settings", lambda *a, **k: Settings(LocalTier(), CloudTier()))
    monkeypatch.setattr(router_module, "_warned", set())
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "The router was measured")
        HybridRouter()


def test_the_shipped_profile_names_the_weights_it_measured():
    from modules.routing.profile import load_profile, local_model_identity

    identity = load_profile()["tiers"]["local"]["identity"]
    assert identity == local_model_identity(Settings(LocalTier(), CloudTier()))  # the installed SmolLM2 file
    assert np.char.str_len(identity["sha256"]) == 64
