"""The router (lab 05): capability profile, operating points, query features, strategies, cascade, evaluation.

    from modules.routing import HybridRouter, CloudBudget
    router = HybridRouter()                                  # mode "balanced": small talk stays local
    decision = router.route("Write a 2,000-word market analysis")
    decision.target, decision.mode, decision.reasons
    HybridRouter(mode="cost"), HybridRouter(target=CloudBudget(0.3))

Modules: grading + profile (measure the local model), policy (which categories it may answer),
features + followups (what a query looks like), classifier + strategies + training (the learned router:
P(the local answer is wrong), trained on graded answers), modes (quality / balanced / cost and custom targets),
curve (the cost-quality curve a mode is resolved on), tool_grading + tool_floor (the graded tool set in the profile;
below a mode's tool floor a turn with tools goes to the cloud), router (decisions, follow-ups), fallback (the other tier
answers when the chosen one fails), cascade (the local model answers first; its log-probabilities decide whether
the cloud takes over), evaluation (RouteLLM metrics), cli (`python -m modules.router`), errors (RoutingError,
the base of GradingError, ProfileError, ModelFileError, RouterTargetError, RouterInputError, CascadeError and
AllTiersFailedError).
"""

from modules.routing.capability_table import capability_table
from modules.routing.cascade import (
    LOGPROB_OPTIONS,
    CascadeError,
    CascadeStrategy,
    EmbeddedLogprobAnswerer,
    cascade_answer,
    cascade_curve,
    cascade_decision,
    judge_local_answer,
    load_cascade_features,
    local_answer_of,
)
from modules.routing.classifier import ModelFileError
from modules.routing.curve import mode_points, operating_curve, perfect_points, point_at, random_points, router_curve
from modules.routing.dial import graded_frame, graded_scores, show_dial, what_moves
from modules.routing.embedding import EmbeddingStrategy, QueryEmbedder, train_embedding_strategy
from modules.routing.errors import RouterInputError, RouterTargetError, RoutingError
from modules.routing.evaluation import (
    apgr,
    cpt,
    graded_quality,
    perfect_curve,
    pgr_curve,
    random_curve,
    routing_metrics,
)
from modules.routing.fallback import AllTiersFailedError, answer_with_fallback, other_tier, route_and_answer
from modules.routing.features import analyze_query, rule_coverage
from modules.routing.grading import GradingError, grade
from modules.routing.modes import DEFAULT_MODE, MODES, TOOL_ACCURACY_FLOORS, CloudBudget, QualityFloor, resolve
from modules.routing.policy import LOCAL_ACCURACY_BAR, derive_policy
from modules.routing.profile import INSTRUCTIONS, ProfileError, load_graded_queries, load_profile, plot_profile
from modules.routing.router import HybridRouter, RoutingContext, RoutingDecision
from modules.routing.strategies import LearnedStrategy, RuleStrategy
from modules.routing.tool_floor import ToolFloor
from modules.routing.tool_grading import tool_accuracy
from modules.routing.training import (
    cross_fitted_failure_probabilities,
    is_training_answer,
    load_holdout,
    load_routing_queries,
    out_of_fold_probabilities,
    train_model,
)

__all__ = [
    "EmbeddingStrategy",
    "QueryEmbedder",
    "train_embedding_strategy",
    "DEFAULT_MODE",
    "INSTRUCTIONS",
    "LOCAL_ACCURACY_BAR",
    "LOGPROB_OPTIONS",
    "MODES",
    "TOOL_ACCURACY_FLOORS",
    "AllTiersFailedError",
    "CascadeError",
    "CascadeStrategy",
    "CloudBudget",
    "EmbeddedLogprobAnswerer",
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
    "ToolFloor",
    "analyze_query",
    "answer_with_fallback",
    "apgr",
    "capability_table",
    "cascade_answer",
    "cascade_curve",
    "cascade_decision",
    "cpt",
    "cross_fitted_failure_probabilities",
    "derive_policy",
    "grade",
    "graded_frame",
    "graded_quality",
    "graded_scores",
    "load_cascade_features",
    "load_graded_queries",
    "is_training_answer",
    "judge_local_answer",
    "load_holdout",
    "load_profile",
    "load_routing_queries",
    "local_answer_of",
    "mode_points",
    "operating_curve",
    "other_tier",
    "out_of_fold_probabilities",
    "perfect_curve",
    "perfect_points",
    "pgr_curve",
    "plot_profile",
    "point_at",
    "random_curve",
    "random_points",
    "resolve",
    "route_and_answer",
    "router_curve",
    "routing_metrics",
    "rule_coverage",
    "show_dial",
    "tool_accuracy",
    "train_model",
    "what_moves",
]
