"""Lab 07's workload text says what goes where; the shipped router, in its default mode, must agree."""

from __future__ import annotations

import pytest

from modules.analytics import workload
from modules.routing import HybridRouter, RoutingContext

# The examples the workload's docstring quotes, with the tier it says they go to ...
QUOTED = {
    "Hello!": "local",
    "Good morning!": "local",
    "Hey there.": "local",
    "What is the capital of Portugal?": "local",
    "Who wrote Hamlet?": "local",
    "What does API stand for?": "local",
    "What's 15% of 80?": "cloud",
    "Convert 30 degrees Celsius to Fahrenheit.": "cloud",
    "Bye!": "local",
}
# ... and the workload's steps behind the kinds it names without quoting them (definitions, planning, code, writing).
BY_KIND = {
    "Define latency in one sentence.": "local",
    "Plan a three-day trip to Lisbon on a 600 euro budget.": "cloud",
    "Write a Python function that checks if a number is prime, with tests.": "cloud",
    "Write a haiku about routers.": "cloud",
}
STATED = {**QUOTED, **BY_KIND}
FOLLOW_UPS = {"Why?", "And the second one?", "Go on."}


@pytest.fixture(scope="module")
def routed() -> dict[str, tuple[str, bool]]:
    """Every step as the manager routes it: with the tier that answered the step before as context."""
    router = HybridRouter()
    decisions = {}
    for steps in workload.SESSIONS:
        previous = None
        for step in steps:
            decision = router.route(step.text, RoutingContext(previous_target=previous))
            decisions[step.text] = (decision.target, decision.follow_up, previous)
            previous = step.force_tier or ("local" if step.cloud_down else decision.target)
    return decisions


def test_every_example_the_docstring_names_is_in_the_workload_and_mentioned():
    texts = {step.text for steps in workload.SESSIONS for step in steps}
    assert set(STATED) <= texts and FOLLOW_UPS <= texts
    for example in [*QUOTED, *FOLLOW_UPS]:
        assert f'"{example}"' in workload.__doc__, example


@pytest.mark.parametrize("text", sorted(STATED))
def test_the_default_router_sends_each_example_where_the_docstring_says(routed, text):
    assert routed[text][0] == STATED[text]


@pytest.mark.parametrize("text", sorted(FOLLOW_UPS))
def test_follow_ups_stay_with_the_tier_that_answered_before(routed, text):
    target, follow_up, previous = routed[text]
    assert follow_up and target == previous
