"""The course's one place for wall-clock times as text: ISO 8601 in UTC, with the offset written out.

    utc_now_iso()                 # '2026-11-30T08:35:12.123456+00:00'
    utc_iso(record.updated_at)    # epoch seconds -> the same form
    epoch_from_iso("2026-11-30T08:35:12+00:00")   # -> 1796027712.0 (numbers pass through)

Stored records keep epoch seconds; these helpers only turn them into text for people and exports and
back. UTC with an explicit offset reads the same on every machine; the persistence guide's exports wrote
`datetime.now()` (naive local time), which `epoch_from_iso` still reads as local time.

Only the standard library is imported here, so every package (storage included) may use it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, overload

__all__ = ["epoch_from_iso", "utc_iso", "utc_now_iso"]


@overload
def utc_iso(epoch: float, *, timespec: str = ...) -> str: ...
@overload
def utc_iso(epoch: None, *, timespec: str = ...) -> None: ...


def utc_iso(epoch: float | None, *, timespec: str = "microseconds") -> str | None:
    """Epoch seconds as ISO 8601 text in UTC.

    Args:
        epoch: Seconds since the Unix epoch, as `time.time()` gives them, or None (no time recorded).
        timespec: How much of the time to write, as for `datetime.isoformat` ("seconds", "milliseconds", ...).

    Returns:
        Text such as "2026-11-30T08:35:12.123456+00:00"; None when `epoch` is None.

    Raises:
        ValueError: `epoch` is outside the range a datetime can hold, or `timespec` is unknown.
    """
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec=timespec)


def utc_now_iso(*, timespec: str = "microseconds") -> str:
    """The current time as ISO 8601 text in UTC.

    Args:
        timespec: How much of the time to write, as for `datetime.isoformat`.

    Returns:
        Text such as "2026-11-30T08:35:12.123456+00:00".

    Raises:
        ValueError: `timespec` is unknown.
    """
    return utc_iso(time.time(), timespec=timespec)


def epoch_from_iso(value: Any) -> float | None:
    """Epoch seconds from ISO 8601 text, or the number itself; None when it is neither.

    Args:
        value: A number of epoch seconds (returned as it is), ISO 8601 text ("Z" or an offset reads as that
            zone; no offset reads as this machine's local time, as older exports wrote it), or None.

    Returns:
        Epoch seconds, or None when `value` is None or not a readable time.

    Raises:
        Nothing: unreadable text gives None, so a caller decides what a missing time means.
    """
    if value is None or isinstance(value, (int, float)):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except (ValueError, OverflowError, OSError):
        return None
