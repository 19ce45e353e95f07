"""The router (lab 05): capability profile, policy, query features, rule and learned strategies, evaluation.

from modules.routing import HybridRouter
decision = HybridRouter().route("Write a 2,000-word market analysis")
decision.target, decision.reasons

Modules: grading + profile (measure the local model), policy (which categories it may answer),
features + followups (what a query looks like), classifier + strategies + training (the learned router),
router (decisions, follow-ups, fallback), evaluation (RouteLLM metrics), cli (`python -m modules.router`).
"""

from modules.routing.features import analyze_query
from modules.routing.router import HybridRouter, RoutingContext, RoutingDecision, route_and_answer
from modules.routing.strategies import LearnedStrategy, RuleStrategy

__all__ = [
    "HybridRouter",
    "LearnedStrategy",
    "RoutingContext",
    "RoutingDecision",
    "RuleStrategy",
    "analyze_query",
    "route_and_answer",
]
