"""The routing package's errors: one base, `RoutingError`, under the course's `CourseError`.

Each message names what was wrong and the command or argument that fixes it.
"""

from __future__ import annotations

from modules.errors import CourseError

__all__ = ["RoutingError", "RouterTargetError"]


class RoutingError(CourseError, ValueError):
    """Something the router was given (a model file, a profile, a target) cannot be used; the message says why
    and how to fix it. A `ValueError` too, so code written for the older errors keeps catching it."""


class RouterTargetError(RoutingError):
    """A mode or target the router cannot resolve: an unknown mode name, a share or floor out of range, or a
    target that no threshold on the measured curve reaches."""
