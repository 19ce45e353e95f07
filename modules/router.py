"""The router, one of the course's three helper modules beside the context manager and the hybrid manager.

    from modules.router import HybridRouter, RoutingContext
    decision = HybridRouter().route("Write a 2,000-word market analysis")

`python -m modules.router` is its command line (profile, train, route). The code lives in `modules/routing/`.
"""

from modules.routing import (
    MODES,
    AllTiersFailedError,
    CloudBudget,
    HybridRouter,
    LearnedStrategy,
    QualityFloor,
    RoutingContext,
    RoutingDecision,
    RoutingError,
    RuleStrategy,
    analyze_query,
    route_and_answer,
)
from modules.routing.cli import main

__all__ = [
    "MODES",
    "AllTiersFailedError",
    "CloudBudget",
    "HybridRouter",
    "LearnedStrategy",
    "QualityFloor",
    "RoutingContext",
    "RoutingDecision",
    "RoutingError",
    "RuleStrategy",
    "analyze_query",
    "main",
    "route_and_answer",
]

if __name__ == "__main__":
    main()
