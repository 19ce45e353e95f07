"""Which query a routing decision was made for: a decision's fields do not say, and two queries can share them all.

"How many minutes are in 35 hours?" and "... in 5 hours?" get the same target, score and reasons, so a checker
comparing fields accepts either. Once `remember_queries()` ran, every decision `HybridRouter.route` returns carries
the query it was asked as `routed_query` (an attribute, not a field: nothing else changes).
"""

from __future__ import annotations

import functools
from typing import Any

from modules.routing import HybridRouter


def remember_queries() -> None:
    """Make HybridRouter.route note its query on each decision it returns (once per interpreter)."""
    route = HybridRouter.route
    if getattr(route, "notes_its_query", False):
        return

    @functools.wraps(route)
    def route_and_note(self: HybridRouter, query: str, *args: Any, **kwargs: Any) -> Any:
        decision = route(self, query, *args, **kwargs)
        try:  # a frozen dataclass: set past its guard, as an attribute that is not a field
            object.__setattr__(decision, "routed_query", query)
        except (AttributeError, TypeError):  # a decision type without room for it: the checks compare its fields
            pass
        return decision

    route_and_note.notes_its_query = True
    HybridRouter.route = route_and_note


def routed_query(decision: Any) -> str | None:
    """The query the decision was routed for, or None when it did not come from HybridRouter.route."""
    return getattr(decision, "routed_query", None)
