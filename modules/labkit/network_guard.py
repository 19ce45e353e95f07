"""Prove a step needs no network: refuse connections, name lookups and datagrams while it runs.

Inside `network_disabled()` every `connect` (loopback included), every DNS lookup through the
`socket` module (`getaddrinfo`, `gethostbyname`, ...) and every UDP `sendto`/`sendmsg` raises
NetworkBlockedError. It patches the `socket` module in this process, which is what the standard
library, asyncio, httpx and redis-py call; it cannot see other processes.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

from modules.errors import CourseError


class NetworkBlockedError(CourseError, ConnectionError):
    """Raised instead of opening a connection, resolving a name or sending a datagram inside `network_disabled()`."""


def _refuse(what: str):
    def refuse(*args: object, **kwargs: object) -> None:
        shown = ", ".join(repr(a) for a in args if not isinstance(a, (socket.socket, bytes, list)))
        raise NetworkBlockedError(f"network is disabled here (tried to {what} {shown})")

    return refuse


# (owner, attribute, what it does): everything that reaches another host from this process.
_GUARDED = (
    (socket.socket, "connect", "connect to"),
    (socket.socket, "connect_ex", "connect to"),
    (socket.socket, "sendto", "send a datagram to"),
    (socket.socket, "sendmsg", "send a message to"),
    (socket, "getaddrinfo", "resolve"),
    (socket, "gethostbyname", "resolve"),
    (socket, "gethostbyname_ex", "resolve"),
    (socket, "gethostbyaddr", "resolve"),
)


@contextlib.contextmanager
def network_disabled() -> Iterator[None]:
    """Within the block, connecting, resolving a name or sending a datagram raises NetworkBlockedError."""
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in _GUARDED]
    for owner, name, what in _GUARDED:
        setattr(owner, name, _refuse(what))
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
