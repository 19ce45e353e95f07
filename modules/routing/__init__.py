"""The router (lab 05): query features, rule and learned strategies, the text classifier, evaluation.

from modules.routing import HybridRouter
decision = HybridRouter().route("Write a 2,000-word market analysis")
decision.target, decision.reasons
"""

from modules.routing.router import (
    HybridRouter,
    LearnedStrategy,
    RoutingContext,
    RoutingDecision,
    RuleStrategy,
    analyze_query,
    route_and_answer,
)

__all__ = [
    "HybridRouter",
    "LearnedStrategy",
    "RoutingContext",
    "RoutingDecision",
    "RuleStrategy",
    "analyze_query",
    "route_and_answer",
]
