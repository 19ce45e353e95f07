"""The base of the course's set-up errors: one message that names what is wrong and how to fix it.

In a notebook such an error shows as that one message instead of a page of traceback, so an
attendee sees the fix at once. Python scripts and `pytest` still show the usual traceback.
"""

from __future__ import annotations


class CourseError(Exception):
    """An error whose message is complete: what went wrong, which setting, what to do."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting the traceback (the hook IPython documents for
        # exceptions that carry their own rendering); the cause stays on `__cause__` for debugging.
        name = f"\x1b[1;31m{type(self).__name__}\x1b[0m"
        return [f"{name}: {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines() or [""])]
