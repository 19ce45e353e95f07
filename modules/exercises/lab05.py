"""Lab 05 exercises: route your own queries, read the reasons, and keep a follow-up with its conversation."""

from __future__ import annotations

from typing import Any

from modules.exercises.checker import Exercise, expect, expect_type
from modules.routing import HybridRouter, RoutingContext, RoutingDecision

_router: HybridRouter | None = None


def _shipped_router() -> HybridRouter:
    global _router
    if _router is None:
        _router = HybridRouter()
    return _router


def verify_route(my_query: Any, my_decision: Any) -> str:
    expect_type(my_query, str, "my_query", "Write your question as a string.")
    expect_type(my_decision, RoutingDecision, "my_decision", "Keep what router.route(my_query) returns.")
    expected = _shipped_router().route(my_query)
    expect(
        my_decision.target == expected.target,
        f"`my_decision` went to {my_decision.target}, but HybridRouter().route(my_query) goes to {expected.target}: "
        "route `my_query` itself, with the shipped router.",
    )
    expect(bool(my_decision.reasons), "a decision always has reasons: print my_decision.reasons.")
    return f"{my_decision.target} (P(cloud) {my_decision.cloud_probability:.2f}) because: {my_decision.reasons[0]}"


def verify_one_each(local_query: Any, cloud_query: Any) -> str:
    for name, query in (("local_query", local_query), ("cloud_query", cloud_query)):
        expect_type(query, str, name, "Write a question as a string.")
    router = _shipped_router()
    local, cloud = router.route(local_query), router.route(cloud_query)
    expect(
        local.target == "local",
        f"`local_query` goes to the cloud (P(cloud) {local.cloud_probability:.2f}): "
        "try something shorter and simpler — a greeting, a one-line fact.",
    )
    expect(
        cloud.target == "cloud",
        f"`cloud_query` stays local (P(cloud) {cloud.cloud_probability:.2f}): "
        "ask for analysis, a plan, code, or something with several constraints.",
    )
    probabilities = f"P(cloud) {local.cloud_probability:.2f} vs {cloud.cloud_probability:.2f}"
    return f"{probabilities}; the line is at {cloud.threshold:.2f}."


def verify_follow_up(without_context: Any, after_cloud: Any) -> str:
    for name, decision in (("without_context", without_context), ("after_cloud", after_cloud)):
        expect_type(decision, RoutingDecision, name, "Keep what router.route(...) returns.")
    router = _shipped_router()
    alone, followed = router.route("Why?"), router.route("Why?", RoutingContext(previous_target="cloud"))
    expect(without_context.target == alone.target, '`without_context` should be router.route("Why?") with no context.')
    expect(
        after_cloud.target == followed.target,
        '`after_cloud` should route "Why?" with RoutingContext(previous_target="cloud").',
    )
    return f'alone, "Why?" goes {alone.target}; after a cloud answer it goes {followed.target} ({followed.reasons[0]}).'


EXERCISES = [
    Exercise(
        id="05.1",
        title="Route a question of your own",
        level="easy",
        task=(
            "Write a question in `my_query`, route it with `HybridRouter().route(my_query)` and keep the decision "
            "in `my_decision`. Print its `target`, `cloud_probability` and `reasons`."
        ),
        starter=(
            "from modules.routing import HybridRouter\n\n"
            "my_query = ...  # any question\n"
            "my_decision = ...  # HybridRouter().route(my_query)"
        ),
        check_call='check("05.1", my_query=my_query, my_decision=my_decision)',
        verify=verify_route,
        answers=("my_query", "my_decision"),
    ),
    Exercise(
        id="05.2",
        title="One query for each tier",
        level="medium",
        task=(
            "Write `local_query`, a question the shipped router keeps local, and `cloud_query`, one it sends to "
            "the cloud — your own wording, not the lab's examples."
        ),
        starter="local_query = ...\ncloud_query = ...",
        check_call='check("05.2", local_query=local_query, cloud_query=cloud_query)',
        verify=verify_one_each,
        answers=("local_query", "cloud_query"),
    ),
    Exercise(
        id="05.3",
        title="A follow-up stays with its conversation",
        level="stretch",
        task=(
            'Route the follow-up `"Why?"` twice with the shipped router: alone (`without_context`), and after a '
            'cloud answer, passing `RoutingContext(previous_target="cloud")` (`after_cloud`). Read the first reason '
            "of each."
        ),
        starter=(
            "from modules.routing import HybridRouter, RoutingContext\n\nwithout_context = ...\nafter_cloud = ..."
        ),
        check_call='check("05.3", without_context=without_context, after_cloud=after_cloud)',
        verify=verify_follow_up,
        answers=("without_context", "after_cloud"),
    ),
]
