"""The root of every course error: one message that names what is wrong and how to fix it.

Every error the course raises derives from `CourseError`, through a base per package (as httpx does):

    CourseError
      ConfigError                 modules.config: a setting in .env or the environment
      TierError                   modules.tiers: a tier cannot answer (ModelNotFoundError, ...)
      ProcessError                modules.runtime: a process the course runs (ServiceStartError, RedisServerError,
                                  HandoffError, ChatPageStartError)
      ServiceError                modules.service: the Responses service refused a request (ApiError)
      StorageError                modules.storage: storing or loading a conversation
      RoutingError                modules.routing: the router's profile, model, grading, or both tiers failing
      HybridError                 modules.hybrid: a hybrid conversation used in a way that cannot work
      ChatPageError               modules.chat_app: a request the chat page cannot carry out
      ExerciseError               modules.exercises: a wrong answer, a lab's exercise cells
      ExchangeDataError           modules.analytics: exchanges without the routing metadata they need
      AnalyticsInputError         modules.analytics: an argument analytics cannot use (an export name, a trace id)
      PricingError                modules.pricing: data/pricing.csv lacks a tier, or a tier has no price
      NetworkBlockedError         modules.labkit.network_guard: a connection inside `network_disabled()`

Catch `CourseError` for all of them. Where an error is also a built-in kind (a ValueError, a LookupError, ...) it
derives from that too, so code that catches the built-in keeps working.

In a notebook such an error shows as that one message instead of a page of traceback, so an
attendee sees the fix at once. Python scripts and `pytest` still show the usual traceback.
"""

from __future__ import annotations

__all__ = ["CourseError"]


class CourseError(Exception):
    """An error whose message is complete: what went wrong, which setting or input, and what to do."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting the traceback (the hook IPython documents for
        # exceptions that carry their own rendering); the cause stays on `__cause__` for debugging.
        name = f"\x1b[1;31m{type(self).__name__}\x1b[0m"
        return [f"{name}: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines() or [""])]
