"""The analytics errors: each a CourseError and a ValueError or TypeError, so code catching those keeps working."""

from __future__ import annotations

from modules.errors import CourseError

__all__ = ["AnalyticsInputError", "ExchangeDataError", "ExchangeSourceError"]


class ExchangeDataError(CourseError, ValueError):
    """Exchange metadata that cannot be charted; the message names the exchange, the problem and the fix."""


class ExchangeSourceError(ExchangeDataError, TypeError):
    """Something that holds no exchanges was passed where a manager, a record or a list of exchanges goes."""


class AnalyticsInputError(CourseError, ValueError):
    """An argument analytics cannot use: an export name with folders, a share out of range, an unknown trace."""
