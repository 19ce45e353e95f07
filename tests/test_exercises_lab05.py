"""Lab 05's checkers against plausible wrong answers of different kinds: each must be rejected, and the message
must name what was seen. The right answers run in tests/test_solutions.py (the whole lab, solutions filled in)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from modules.exercises import evaluate as judge
from modules.exercises import exercise
from modules.exercises import lab05 as ex
from modules.exercises.challenge import issue
from modules.exercises.checker import PASSED, WRONG
from modules.routing import MODES, CloudBudget, HybridRouter, RoutingContext, point_at

NAME = "Zora"


@pytest.fixture(autouse=True)
def pinned_challenges():
    """Challenges with known values, so each test names the inputs it judges (the random ones are tested below)."""
    for exercise_id, values in (("05.2", {"name": NAME}), ("05.3", {"follow_up": ex.FOLLOW_UP})):
        issue(exercise_id, lambda token, namespace, values=values: values, {})
    issue("05.4", lambda token, namespace: {"budget": ex.BUDGET_USD_PER_1K}, {})


def evaluate(exercise_id: str, **answers):
    """Judge the answers; 05.1's challenge hands out the query the test routes."""
    if exercise_id == "05.1" and isinstance(answers.get("my_query"), str):
        issue("05.1", lambda token, namespace: {"query": answers["my_query"]}, {})
    return judge(exercise_id, **answers)


@pytest.fixture(scope="module")
def router() -> HybridRouter:
    return HybridRouter()


def rejected(exercise_id: str, **answers) -> str:
    feedback = evaluate(exercise_id, **answers)
    assert feedback.status == WRONG, f"{exercise_id} accepted a wrong answer: {feedback.message}"
    return feedback.message


# --------------------------------------------------------------------------- 05.1 route a question of your own


def test_05_1_accepts_the_decision_the_router_returns(router):
    query = "How many minutes are in two hours?"
    assert evaluate("05.1", my_query=query, my_decision=router.route(query)).status == PASSED


def test_05_1_rejects_a_decision_for_another_query(router):
    message = rejected("05.1", my_query="Plan a three-day trip to Rome.", my_decision=router.route("Hi!"))
    assert "Plan a three-day trip to Rome." in message or "P(cloud)" in message


def test_05_1_rejects_a_decision_built_or_edited_by_hand(router):
    real = router.route("Hi!")
    edited = replace(real, target="cloud" if real.target == "local" else "local", reasons=["because I say so"])
    message = rejected("05.1", my_query="Hi!", my_decision=edited)
    assert edited.target in message and real.target in message


def test_05_1_rejects_a_decision_from_another_mode():
    query = "What is the capital of Italy?"
    message = rejected("05.1", my_query=query, my_decision=HybridRouter(mode="quality").route(query))
    assert "quality" in message or "P(cloud)" in message


def test_05_1_rejects_a_question_other_than_the_challenges(router):
    challenge = exercise("05.1")
    lab_question = "What is the capital of Italy?"
    message = judge("05.1", my_query=lab_question, my_decision=router.route(lab_question)).message
    assert challenge.query in message and "challenge.query" in message
    assert judge("05.1", my_query=challenge.query, my_decision=router.route(challenge.query)).passed


def test_05_1_rejects_the_query_in_place_of_the_decision():
    message = rejected("05.1", my_query="Hi!", my_decision="local")
    assert "`my_decision` is a str" in message


# --------------------------------------------------------------------------- 05.2 one query for each tier


def test_05_2_both_queries_must_mention_the_challenges_name():
    local, cloud = f"Good evening, {NAME}, nice to meet you!", f"Plan a move of {NAME}'s shop to Postgres, with steps."
    assert judge("05.2", local_query=local, cloud_query=cloud).passed
    message = rejected("05.2", local_query="Good evening, nice to meet you!", cloud_query=cloud)
    assert "`local_query`" in message and NAME in message
    for name in ex.NAMES:  # every name the challenge hands out keeps a greeting local and a plan on the cloud
        issue("05.2", lambda token, namespace, name=name: {"name": name}, {})
        assert judge("05.2", local_query=local.replace(NAME, name), cloud_query=cloud.replace(NAME, name)).passed


def test_05_2_hints_name_queries_that_really_go_where_they_say(router):
    for greeting in ("Hello there!", "Good evening, nice to meet you!", "Hey, good morning!"):  # LOCAL_HINT
        assert router.route(greeting).target == "local", greeting
    for task in (
        "What is 15% of 240?",
        "Convert 5 miles to kilometres.",
        "Plan a three-day trip to Rome.",
    ):  # CLOUD_HINT
        assert router.route(task).target == "cloud", task


def test_05_2_rejects_swapped_queries_and_names_the_probabilities():
    migration = "Plan a migration of our billing system to Postgres, with risks and steps."
    message = rejected("05.2", local_query=migration, cloud_query="Hi there, friend!")
    assert "`local_query` goes to the cloud" in message and "P(cloud)" in message


def test_05_2_rejects_two_local_queries():
    message = rejected("05.2", local_query="Hello!", cloud_query="Hey, good morning!")
    assert "`cloud_query` stays local" in message and ex.CLOUD_HINT in message


def test_05_2_rejects_the_labs_own_examples():
    batch = "Compare SQLite and PostgreSQL for a small web shop and recommend one."
    message = rejected("05.2", local_query="Good morning!", cloud_query=batch)
    assert "lab's own examples" in message


def test_05_2_rejects_the_labs_own_examples_retyped():
    message = rejected("05.2", local_query="good morning", cloud_query="what is 48*12")  # no punctuation, no spaces
    assert "one of the lab's own examples" in message


def test_05_2_rejects_decisions_in_place_of_queries(router):
    message = rejected("05.2", local_query=router.route("Hello!"), cloud_query="Plan a launch.")
    assert "`local_query` is a RoutingDecision" in message


# --------------------------------------------------------------------------- 05.3 a follow-up and its context


def test_05_3_every_follow_up_the_challenge_hands_out_truly_depends_on_the_context(router):
    for follow_up in ex.FOLLOW_UPS:
        alone = router.route(follow_up)
        after_cloud = router.route(follow_up, RoutingContext(previous_target="cloud"))
        assert (alone.target, after_cloud.target) == ("local", "cloud"), follow_up


def test_05_3_accepts_the_two_real_decisions(router):
    assert (
        evaluate(
            "05.3",
            without_context=router.route(ex.FOLLOW_UP),
            after_cloud=router.route(ex.FOLLOW_UP, RoutingContext(previous_target="cloud")),
        ).status
        == PASSED
    )


def test_05_3_rejects_a_follow_up_routed_without_its_context(router):
    alone = router.route(ex.FOLLOW_UP)
    message = rejected("05.3", without_context=alone, after_cloud=alone)
    assert "`after_cloud` went local" in message and "was not told" in message and "RoutingContext" in message


def test_05_3_rejects_a_context_that_names_the_wrong_tier(router):
    after_local = router.route(ex.FOLLOW_UP, RoutingContext(previous_target="local"))
    message = rejected("05.3", without_context=router.route(ex.FOLLOW_UP), after_cloud=after_local)
    assert "`after_cloud` went local" in message and "another context" in message


def test_05_3_rejects_decisions_for_another_query(router):
    context = RoutingContext(previous_target="cloud")
    message = rejected(
        "05.3", without_context=router.route("Tell me a joke."), after_cloud=router.route(ex.FOLLOW_UP, context)
    )
    assert "`without_context`" in message


# --------------------------------------------------------------------------- 05.4 an operating point for a budget


@pytest.fixture(scope="module")
def curve():
    return HybridRouter().curve


def best_within_budget(curve):
    affordable = curve[curve["usd_per_1k"] <= ex.BUDGET_USD_PER_1K]
    return affordable.sort_values(["quality", "cloud_share"], ascending=[False, True]).iloc[0]


def answer_for(router, curve):
    point = point_at(curve, router.threshold)
    return {"my_router": router, "my_quality": point["quality"], "my_usd": point["usd_per_1k"]}


def test_05_4_every_budget_the_challenge_hands_out_has_a_best_point_and_numpy_numbers_pass(curve):
    for budget in ex.BUDGETS_USD_PER_1K:
        issue("05.4", lambda token, namespace, budget=budget: {"budget": budget}, {})
        affordable = curve[curve["usd_per_1k"] <= budget]
        best = affordable.sort_values(["quality", "cloud_share"], ascending=[False, True]).iloc[0]
        router = HybridRouter(target=CloudBudget(float(best["cloud_share"])))
        point = curve.loc[curve["threshold"] == point_at(curve, router.threshold)["threshold"]].iloc[0]
        answer = {"my_router": router, "my_quality": point["quality"], "my_usd": point["usd_per_1k"]}  # numpy floats
        assert judge("05.4", **answer).passed, budget


def test_05_4_the_budget_makes_the_choice_matter(curve):
    best = best_within_budget(curve)
    all_cloud = curve.sort_values("cloud_share").iloc[-1]
    assert 0 < best["cloud_share"] < 1 and best["quality"] < all_cloud["quality"]
    over = [m for m in MODES if point_at(curve, HybridRouter(mode=m).threshold)["usd_per_1k"] > ex.BUDGET_USD_PER_1K]
    assert over, "at least one mode must be over the budget, or the exercise has no wrong mode to reject"


def test_05_4_accepts_the_largest_cloud_budget_the_money_pays_for(curve):
    best = best_within_budget(curve)
    router = HybridRouter(target=CloudBudget(float(best["cloud_share"])))
    assert evaluate("05.4", **answer_for(router, curve)).status == PASSED


def test_05_4_rejects_a_mode_over_the_budget(curve):
    mode = max(MODES, key=lambda m: point_at(curve, HybridRouter(mode=m).threshold)["usd_per_1k"])
    message = rejected("05.4", **answer_for(HybridRouter(mode=mode), curve))
    assert "over this run's budget" in message and "USD" in message


def test_05_4_rejects_a_cheap_choice_that_leaves_quality_unbought(curve):
    message = rejected("05.4", **answer_for(HybridRouter(target=CloudBudget(0.05)), curve))
    assert "the curve reaches" in message


def test_05_4_rejects_numbers_typed_by_hand(curve):
    best = best_within_budget(curve)
    answer = answer_for(HybridRouter(target=CloudBudget(float(best["cloud_share"]))), curve)
    message = rejected("05.4", **{**answer, "my_quality": 0.99})
    assert "not the curve's values" in message
    message = rejected("05.4", **{**answer, "my_usd": "cheap"})
    assert "`my_usd` is a str ('cheap')" in message


def test_05_4_rejects_a_target_in_place_of_a_router(curve):
    message = rejected("05.4", my_router=CloudBudget(0.3), my_quality=0.8, my_usd=0.07)
    assert "`my_router` is a CloudBudget" in message


def test_05_4_rejects_the_curves_threshold_under_another_scorer(curve):
    from modules.routing import RuleStrategy

    best = best_within_budget(curve)
    rules = HybridRouter(RuleStrategy(), threshold=float(best["threshold"]))  # the right number, another scale
    message = rejected("05.4", **answer_for(rules, curve))
    assert "scores queries with RuleStrategy" in message
