"""Lab 05 exercises: route your own query, find one query per tier, keep a follow-up with its conversation, and
pick an operating point for a stated budget from the measured curve.

Every checker re-runs the mechanism: it routes the attendee's query again with the shipped router and compares
the decision field by field, and it recomputes the cost-quality curve to judge a chosen operating point.
"""

from __future__ import annotations

import random
from typing import Any

from modules.exercises.challenge import Challenge
from modules.exercises.checker import Exercise, Wrong, expect, expect_number, expect_type, step
from modules.exercises.routed import remember_queries, routed_query
from modules.routing import HybridRouter, RoutingContext, RoutingDecision

remember_queries()  # each decision notes the query it was routed for: the checks compare it

# 05.2's hint names one example of each tier; tests/test_exercises_lab05.py checks the shipped router agrees.
LOCAL_HINT = "a short greeting"
CLOUD_HINT = "a calculation, a unit conversion, or a plan with several steps — what the local model gets wrong"


def _plain(query: str) -> str:
    """A query's letters and digits only: "what is 48*12" is still the lab's "What is 48 * 12?"."""
    return "".join(ch for ch in query.casefold() if ch.isalnum())


LAB_EXAMPLES = frozenset(
    _plain(q)
    for q in (
        "Good morning!",
        "Hi there!",
        "Thank you, that is all.",
        "What is the capital of Italy?",
        "What is 48 * 12?",
        "Compare Kafka and RabbitMQ for order events at 5k messages per second.",
        "Write a Python function that merges overlapping calendar events, with unit tests.",
        "Compare SQLite and PostgreSQL for a small web shop and recommend one.",
        "Write a Python function that validates an email address, with tests.",
    )
)
# 05.3: follow-ups that go local on their own and stay on the cloud after a cloud answer (tests check each).
FOLLOW_UPS = ("What do you mean?", "What does that mean?", "What do you mean by that?")
FOLLOW_UP = FOLLOW_UPS[0]
# 05.2: a name both queries must mention, so neither can be one the lab or a neighbour already wrote.
NAMES = ("Zora", "Milan", "Ada", "Kofi", "Lena", "Ravi", "Yuki", "Omar")
# 05.4: budgets in USD per 1,000 queries at the prices of data/pricing.csv; the lab's example was 0.10.
BUDGETS_USD_PER_1K = (0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.12, 0.14)
BUDGET_USD_PER_1K = 0.10  # the lab's own example budget (the tests pin it)


def query_challenge(token: str, namespace: Any) -> dict[str, Any]:
    pick = random.Random(token)
    hours = pick.randint(3, 97)
    return {"query": f"How many minutes are in {hours} hours?"}


def name_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"name": random.Random(token).choice(NAMES)}


def follow_up_challenge(token: str, namespace: Any) -> dict[str, Any]:
    return {"follow_up": random.Random(token).choice(FOLLOW_UPS)}


def budget_challenge(token: str, namespace: Any) -> dict[str, Any]:
    """A budget that none of the routers the lab already built meets best: copying one is not an answer."""
    lab_routers = _routers_in(dict(namespace or {}))
    open_budgets = [b for b in BUDGETS_USD_PER_1K if not any(_best_for(router, b) for router in lab_routers)]
    return {"budget": random.Random(token).choice(open_budgets or BUDGETS_USD_PER_1K)}


def _routers_in(namespace: dict[str, Any]) -> list[HybridRouter]:
    """The HybridRouters of a notebook's namespace, also those kept in a dict or a list."""
    found = []
    for value in namespace.values():
        values = value.values() if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else [value]
        found += [v for v in values if isinstance(v, HybridRouter)]
    return found


def _best_for(router: HybridRouter, budget: float) -> bool:
    """Whether `router` is within `budget` at the best quality it buys (QUALITY_SLACK), on the shipped curve."""
    if type(router.strategy).__name__ != type(_shipped_router().strategy).__name__:
        return False
    curve = shipped_curve()
    point = _point(curve, router.threshold)
    affordable = curve[curve["usd_per_1k"] <= budget + 1e-12]
    if point["usd_per_1k"] > budget + 1e-12 or affordable.empty:
        return False
    return point["quality"] >= float(affordable["quality"].max()) - QUALITY_SLACK


QUALITY_SLACK = 0.005  # a choice within half a point of the best quality the budget allows is as good as the best

_router: HybridRouter | None = None


def _shipped_router() -> HybridRouter:
    global _router
    if _router is None:
        _router = HybridRouter()
    return _router


def _fingerprint(decision: RoutingDecision) -> tuple:
    """What identifies a decision: everything but its timing."""
    return (
        decision.target,
        decision.cloud_probability,
        decision.threshold,
        getattr(decision, "mode", None),
        tuple(decision.reasons),
        decision.follow_up,
    )


def _routed_by_you(decision: RoutingDecision, query: str, context: RoutingContext | None, name: str, call: str) -> None:
    expected = _shipped_router().route(query, context)
    if _fingerprint(decision) == _fingerprint(expected):
        return
    asked = routed_query(decision)
    if asked is not None and asked != query:
        raise Wrong(f"`{name}` is a decision for {asked!r}, not for {query!r}: route that query itself with {call}.")
    if getattr(decision, "mode", None) != getattr(expected, "mode", None):
        raise Wrong(
            f"`{name}` was routed in mode {getattr(decision, 'mode', None)!r}; the shipped router's default is "
            f"{getattr(expected, 'mode', None)!r}: use {call} with no mode or target."
        )
    raise Wrong(
        f"`{name}` is not what {call} returns: it says {decision.target} with P(cloud) "
        f"{decision.cloud_probability:.3f}, the router gives {expected.target} with P(cloud) "
        f"{expected.cloud_probability:.3f} and the reasons {expected.reasons[:1]}. Keep the decision the router "
        "returns for that exact query, instead of building or editing one."
    )


def verify_route(my_query: Any, my_decision: Any, challenge: Challenge) -> str:
    expect_type(my_query, str, "my_query", "Use the challenge's question: my_query = challenge.query.")
    expect(
        my_query == challenge.query,
        f"`my_query` is {my_query[:80]!r}, but this run's challenge asks you to route {challenge.query!r}: set "
        "my_query = challenge.query (run your cell from its first line) and route it.",
    )
    expect_type(my_decision, RoutingDecision, "my_decision", "Keep what HybridRouter().route(my_query) returns.")
    asked = routed_query(my_decision)
    expect(
        asked in (None, my_query),
        f"`my_decision` was routed for {asked!r}, not for this run's {my_query!r} (the two can get the same "
        "target, score and reasons): route my_query itself, my_decision = HybridRouter().route(my_query).",
    )
    step("routing the challenge's question again with the shipped router")
    _routed_by_you(my_decision, my_query, None, "my_decision", "HybridRouter().route(my_query)")
    expect(
        asked is not None,
        "`my_decision` was not returned by a router's route() (it was built or copied field by field): keep what "
        "HybridRouter().route(my_query) returns.",
    )
    mode = getattr(my_decision, "mode", None)
    return (
        f"{my_decision.target} (P(cloud) {my_decision.cloud_probability:.2f}, threshold {my_decision.threshold:.2f}"
        f"{f', mode {mode}' if mode else ''}) because: {my_decision.reasons[0]}"
    )


def verify_one_each(local_query: Any, cloud_query: Any, challenge: Challenge) -> str:
    for name, query in (("local_query", local_query), ("cloud_query", cloud_query)):
        expect_type(query, str, name, "Write a question as a string.")
        expect(bool(query.strip()), f"`{name}` is empty: write a question.")
        expect(
            _plain(query) not in LAB_EXAMPLES,
            f"`{name}` is one of the lab's own examples ({query[:60]!r}); write one in your own words.",
        )
    expect(
        _plain(local_query) != _plain(cloud_query),
        "`local_query` and `cloud_query` are the same question: write one of each kind.",
    )
    step("routing both questions with the shipped router")
    router = _shipped_router()
    local, cloud = router.route(local_query), router.route(cloud_query)
    expect(
        local.target == "local",
        f"`local_query` goes to the cloud (P(cloud) {local.cloud_probability:.2f} >= threshold "
        f"{local.threshold:.2f}; first reason: {local.reasons[0]}). Try {LOCAL_HINT}.",
    )
    expect(
        cloud.target == "cloud",
        f"`cloud_query` stays local (P(cloud) {cloud.cloud_probability:.2f} < threshold {cloud.threshold:.2f}; "
        f"first reason: {cloud.reasons[0]}). Try {CLOUD_HINT}.",
    )
    for name, query in (("local_query", local_query), ("cloud_query", cloud_query)):
        words = "".join(ch if ch.isalnum() else " " for ch in query).split()
        expect(
            challenge.name in words,
            f"`{name}` ({query[:60]!r}) does not mention {challenge.name!r}, the name this run's challenge hands "
            "out: write both questions about or to that person, in your own words.",
        )
        others = [word for word in words if word != challenge.name]
        hint = LOCAL_HINT if name == "local_query" else CLOUD_HINT
        expect(
            len(others) >= 2,
            f"`{name}` is {query[:60]!r}: {'just the name' if not others else 'the name and one word'}, not a "
            f"sentence. Write a whole sentence or question, in your own words, that mentions {challenge.name!r} "
            f"({hint}).",
        )
    return (
        f"P(cloud) {local.cloud_probability:.2f} vs {cloud.cloud_probability:.2f}; the line is at "
        f"{cloud.threshold:.2f}."
    )


def verify_follow_up(without_context: Any, after_cloud: Any, challenge: Challenge) -> str:
    follow_up = challenge.follow_up
    for name, decision in (("without_context", without_context), ("after_cloud", after_cloud)):
        expect_type(decision, RoutingDecision, name, "Keep what router.route(challenge.follow_up, ...) returns.")
    step("routing the challenge's follow-up again, alone and after a cloud answer")
    _routed_by_you(without_context, follow_up, None, "without_context", "router.route(challenge.follow_up)")
    context = RoutingContext(previous_target="cloud")
    followed = _shipped_router().route(follow_up, context)
    if _fingerprint(after_cloud) != _fingerprint(followed):
        if after_cloud.target != followed.target:
            alone = _shipped_router().route(follow_up)
            told = (
                "it matches the decision without a context: the router was not told that the cloud gave the "
                'previous answer. Pass RoutingContext(previous_target="cloud") as the second argument'
                if _fingerprint(after_cloud) == _fingerprint(alone)
                else "the router was given another context or another question. Route challenge.follow_up with "
                'RoutingContext(previous_target="cloud")'
            )
            raise Wrong(
                f"`after_cloud` went {after_cloud.target} (first reason: {after_cloud.reasons[0]}), but "
                f"{follow_up!r} after a cloud answer goes {followed.target}: {told}."
            )
        _routed_by_you(
            after_cloud,
            follow_up,
            context,
            "after_cloud",
            'router.route(challenge.follow_up, RoutingContext(previous_target="cloud"))',
        )
    return (
        f"alone, {follow_up!r} goes {without_context.target}; after a cloud answer it goes {after_cloud.target} "
        f"({after_cloud.reasons[0]})."
    )


def shipped_curve():
    """The shipped router's cross-fitted cost-quality curve on the capability profile's graded answers."""
    return _shipped_router().curve


def _point(curve, threshold: float) -> dict[str, float]:
    """The routing a threshold gives: the curve's row with the greatest threshold not above it (worked out here,
    independently of the router's own lookup)."""
    at_or_below = curve[curve["threshold"] <= threshold + 1e-12]
    row = (
        at_or_below.loc[at_or_below["threshold"].idxmax()]
        if len(at_or_below)
        else curve.loc[curve["threshold"].idxmin()]
    )
    return {k: float(row[k]) for k in ("threshold", "cloud_share", "quality", "usd_per_1k")}


def verify_budget_choice(my_router: Any, my_quality: Any, my_usd: Any, challenge: Challenge) -> str:
    budget = challenge.budget
    expect_type(
        my_router,
        HybridRouter,
        "my_router",
        'Build it with HybridRouter(mode="...") or HybridRouter(target=CloudBudget(...)).',
    )
    hint = "Read it from the curve: point_at(curve, my_router.threshold)."
    my_quality = expect_number(my_quality, "my_quality", hint)
    my_usd = expect_number(my_usd, "my_usd", hint)
    shipped = type(_shipped_router().strategy).__name__
    expect(
        type(my_router.strategy).__name__ == shipped,
        f"`my_router` scores queries with {type(my_router.strategy).__name__}, but the curve's thresholds are "
        f"{shipped}'s: a threshold read from the curve means another operating point under another scorer. "
        "Build the router without a strategy.",
    )
    step("recomputing the cost-quality curve and reading your router's point on it")
    curve = shipped_curve()
    mine = _point(curve, my_router.threshold)
    affordable = curve[curve["usd_per_1k"] <= budget + 1e-12]
    best = affordable.sort_values(["quality", "cloud_share"], ascending=[False, True]).iloc[0]
    chosen = f"{getattr(my_router, 'mode', None) or my_router.target}"
    expect(
        mine["usd_per_1k"] <= budget + 1e-12,
        f"`my_router` ({chosen}) sends {mine['cloud_share']:.0%} of queries to the cloud: USD "
        f"{mine['usd_per_1k']:.3f} per 1,000, over this run's budget of {budget:.2f}. "
        "Find on the curve the largest cloud share the budget pays for, and ask for it.",
    )
    expect(
        mine["quality"] >= float(best["quality"]) - QUALITY_SLACK,
        f"`my_router` ({chosen}) stays within budget (USD {mine['usd_per_1k']:.3f}) with graded quality "
        f"{mine['quality']:.3f}, but the curve reaches {float(best['quality']):.3f} for USD "
        f"{float(best['usd_per_1k']):.3f}: the budget buys more cloud calls than you asked for.",
    )
    expect(
        abs(my_quality - mine["quality"]) <= 1e-3 and abs(my_usd - mine["usd_per_1k"]) <= 1e-4,
        f"`my_quality` {my_quality:.4f} and `my_usd` {my_usd:.4f} are not the curve's values at your router's "
        f"threshold ({mine['quality']:.4f} and {mine['usd_per_1k']:.4f}): read them with "
        "point_at(curve, my_router.threshold), so the numbers justify the choice.",
    )
    return (
        f"{chosen}: {mine['cloud_share']:.0%} of queries to the cloud, graded quality {mine['quality']:.3f}, "
        f"USD {mine['usd_per_1k']:.3f} per 1,000 — the best quality the budget of {budget:.2f} buys."
    )


EXERCISES = [
    Exercise(
        id="05.1",
        title="Route the challenge's question",
        level="easy",
        task=(
            "Take the question the challenge hands out (`my_query = challenge.query`), route it with "
            "`HybridRouter().route(my_query)` and keep the decision in `my_decision`. Print its `target`, `mode`, "
            "`cloud_probability` and `reasons`."
        ),
        starter=(
            "from modules.routing import HybridRouter\n\n"
            "my_query = ...  # challenge.query\n"
            "my_decision = ...  # HybridRouter().route(my_query)"
        ),
        check_call='check("05.1", my_query=my_query, my_decision=my_decision)',
        verify=verify_route,
        answers=("my_query", "my_decision"),
        challenge=query_challenge,
    ),
    Exercise(
        id="05.2",
        title="One query for each tier",
        level="medium",
        task=(
            "Write `local_query`, a question the shipped router (balanced mode) keeps local, and `cloud_query`, one "
            "it sends to the cloud — your own wording, not the lab's examples, and both mentioning the name the "
            "challenge hands out (`challenge.name`). Route each once to see why."
        ),
        starter="local_query = ...\ncloud_query = ...",
        check_call='check("05.2", local_query=local_query, cloud_query=cloud_query)',
        verify=verify_one_each,
        answers=("local_query", "cloud_query"),
        challenge=name_challenge,
    ),
    Exercise(
        id="05.3",
        title="A follow-up stays with its conversation",
        level="medium",
        task=(
            "Route the follow-up the challenge hands out (`challenge.follow_up`) twice with the shipped router: "
            'alone (`without_context`), and after a cloud answer, passing `RoutingContext(previous_target="cloud")` '
            "(`after_cloud`). Compare the targets and read the first reason of each."
        ),
        starter=(
            "from modules.routing import HybridRouter, RoutingContext\n\nwithout_context = ...\nafter_cloud = ..."
        ),
        check_call='check("05.3", without_context=without_context, after_cloud=after_cloud)',
        verify=verify_follow_up,
        answers=("without_context", "after_cloud"),
        challenge=follow_up_challenge,
    ),
    Exercise(
        id="05.4",
        title="Pick an operating point for a budget",
        level="stretch",
        task=(
            "Your team may spend at most the budget the challenge hands out (`challenge.budget`, in **USD per "
            "1,000 queries** at the prices of `data/pricing.csv`). Using the measured curve (`curve`: threshold, "
            "cloud share, quality, USD), choose the operating point with the best graded quality within that budget: "
            "build `my_router` with "
            'a mode (`HybridRouter(mode="...")`) or a custom target (`HybridRouter(target=CloudBudget(...))`). '
            "Justify it with the curve's numbers at your router's threshold: `my_quality` and `my_usd` "
            "(`point_at(curve, my_router.threshold)`)."
        ),
        starter=(
            "from modules.routing import MODES, CloudBudget, HybridRouter, QualityFloor, point_at\n\n"
            "curve = HybridRouter().curve  # the measured curve: one row per threshold\n"
            "my_router = ...  # a mode or a target that fits the budget\n"
            "my_quality = ...  # graded quality at my_router.threshold, from the curve\n"
            "my_usd = ...  # USD per 1,000 queries there"
        ),
        check_call='check("05.4", my_router=my_router, my_quality=my_quality, my_usd=my_usd)',
        verify=verify_budget_choice,
        answers=("my_router", "my_quality", "my_usd"),
        challenge=budget_challenge,
    ),
]
