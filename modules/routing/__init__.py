"""The router (lab 05): capability profile, operating points, query features, strategies, cascade, evaluation.

    from modules.routing import HybridRouter, CloudBudget
    router = HybridRouter()                                  # mode "balanced": small talk stays local
    decision = router.route("Write a 2,000-word market analysis")
    decision.target, decision.mode, decision.reasons
    HybridRouter(mode="cost"), HybridRouter(target=CloudBudget(0.3))

Modules: grading + profile (measure the local model), policy (which categories it may answer),
features + followups (what a query looks like), classifier + strategies + training (the learned router:
P(the local answer is wrong), trained on graded answers), modes (quality / balanced / cost and custom targets),
curve (the cost-quality curve a mode is resolved on), router (decisions, follow-ups), fallback (the other tier
answers when the chosen one fails), cascade (the local model answers first; its log-probabilities decide whether
the cloud takes over), evaluation (RouteLLM metrics), cli (`python -m modules.router`), errors (RoutingError,
the base of GradingError, ProfileError, ModelFileError, RouterTargetError, RouterInputError, CascadeError and
AllTiersFailedError).
"""

from modules.routing.classifier import ModelFileError
from modules.routing.curve import mode_points, operating_curve, point_at, router_curve
from modules.routing.errors import RouterInputError, RouterTargetError, RoutingError
from modules.routing.evaluation import apgr
from modules.routing.fallback import AllTiersFailedError, answer_with_fallback, other_tier, route_and_answer
from modules.routing.features import analyze_query
from modules.routing.grading import GradingError
from modules.routing.modes import DEFAULT_MODE, MODES, CloudBudget, QualityFloor, resolve
from modules.routing.profile import ProfileError, load_graded_queries, load_profile
from modules.routing.router import HybridRouter, RoutingContext, RoutingDecision
from modules.routing.strategies import LearnedStrategy, RuleStrategy

__all__ = [
    "DEFAULT_MODE",
    "MODES",
    "AllTiersFailedError",
    "CloudBudget",
    "GradingError",
    "HybridRouter",
    "LearnedStrategy",
    "ModelFileError",
    "ProfileError",
    "QualityFloor",
    "RouterInputError",
    "RouterTargetError",
    "RoutingContext",
    "RoutingDecision",
    "RoutingError",
    "RuleStrategy",
    "analyze_query",
    "answer_with_fallback",
    "apgr",
    "load_graded_queries",
    "load_profile",
    "mode_points",
    "operating_curve",
    "other_tier",
    "point_at",
    "resolve",
    "route_and_answer",
    "router_curve",
]
