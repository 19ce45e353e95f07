"""Find free TCP ports on this machine for the servers the course starts."""

from __future__ import annotations

import socket

__all__ = ["free_port", "port_is_free"]


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on `host`:`port` now.

    Args:
        host: The address to bind, e.g. "127.0.0.1".
        port: The TCP port to try.

    Returns:
        True when the port can be bound (one left in TIME_WAIT by a stopped server counts as free).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Bind as the servers do: a port left in TIME_WAIT by a stopped server is free, a listening one is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` right now (the system picks it).

    Args:
        host: The address the server will bind.

    Returns:
        The port number.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
