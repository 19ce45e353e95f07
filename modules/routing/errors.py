"""The router's errors: catch `RoutingError` for all of them. Each message names what was wrong and what to do."""

from __future__ import annotations

from modules.errors import CourseError

__all__ = ["RoutingError"]


class RoutingError(CourseError):
    """Base class: the router could not be built, loaded, measured or could not get an answer from any tier."""
