"""The errors of the processes the course runs: the local service, redis-server, the chat page, hand-off children."""

from __future__ import annotations

from modules.errors import CourseError

__all__ = ["ProcessError", "ServiceStartError"]


class ProcessError(CourseError, RuntimeError):
    """A process the course runs did not start, answer or finish; the message says why and what to do."""


class ServiceStartError(ProcessError):
    """The local Responses service process did not become healthy (port taken, crash, or no answer in time)."""
