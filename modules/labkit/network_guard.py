"""Prove a step needs no network: refuse every new socket connection while it runs."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


class NetworkBlockedError(ConnectionError):
    """Raised instead of opening a connection inside `network_disabled()`."""


@contextlib.contextmanager
def network_disabled() -> Iterator[None]:
    """Within the block, any `connect` (loopback included) raises NetworkBlockedError."""

    def refuse(self: socket.socket, address: object) -> None:
        raise NetworkBlockedError(f"network is disabled here (tried to connect to {address})")

    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original_connect, original_connect_ex  # type: ignore[method-assign]
