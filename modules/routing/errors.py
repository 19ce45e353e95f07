"""The router's errors: catch `RoutingError` for all of them. Each message names what was wrong and what to do."""

from __future__ import annotations

from modules.errors import CourseError

__all__ = ["RouterInputError", "RouterTargetError", "RoutingError", "UnknownCategoryError"]


class RoutingError(CourseError):
    """Base class: the router could not be built, loaded, measured or could not get an answer from any tier."""


class RouterInputError(RoutingError, ValueError):
    """An argument the router cannot use: a previous tier that is neither "local" nor "cloud", or answerers that
    lack a tier. Also a ValueError, so code catching that keeps working."""


class RouterTargetError(RoutingError, ValueError):
    """A mode or target the router cannot resolve: an unknown mode name, a share or floor out of range, or a
    target given together with a mode."""


class UnknownCategoryError(RoutingError, KeyError):
    """A query category the capability profile did not measure; also a KeyError, as a missing key is."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""  # the message as written, not KeyError's quoted repr
