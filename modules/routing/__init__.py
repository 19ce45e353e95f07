"""The router (lab 05): capability profile, policy, query features, rule and learned strategies, evaluation.

from modules.routing import HybridRouter
decision = HybridRouter().route("Write a 2,000-word market analysis")
decision.target, decision.reasons

Modules: grading + profile (measure the local model), policy (which categories it may answer),
features + followups (what a query looks like), classifier + strategies + training (the learned router),
router (decisions, follow-ups, fallback), evaluation (RouteLLM metrics), cli (`python -m modules.router`),
errors (RoutingError, the base of GradingError, ProfileError, ModelFileError and AllTiersFailedError).
"""

from modules.routing.classifier import ModelFileError
from modules.routing.errors import RoutingError
from modules.routing.evaluation import apgr
from modules.routing.features import analyze_query
from modules.routing.grading import GradingError
from modules.routing.profile import ProfileError, load_profile
from modules.routing.router import AllTiersFailedError, HybridRouter, RoutingContext, RoutingDecision, route_and_answer
from modules.routing.strategies import LearnedStrategy, RuleStrategy

__all__ = [
    "AllTiersFailedError",
    "GradingError",
    "HybridRouter",
    "LearnedStrategy",
    "ModelFileError",
    "ProfileError",
    "RoutingContext",
    "RoutingDecision",
    "RoutingError",
    "RuleStrategy",
    "analyze_query",
    "apgr",
    "load_profile",
    "route_and_answer",
]
