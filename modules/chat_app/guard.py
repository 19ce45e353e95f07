"""The page's outer guard: it answers only to its own loopback address, and every answer carries safety headers.

    app.add_middleware(PageGuard, extra_hosts=("my-laptop.local",))

DNS rebinding points a name an attacker owns at 127.0.0.1, so a page on that name could read this one;
the browser still sends the attacker's name as `Host`, so refusing every Host but 127.0.0.1, localhost
and [::1] (with the page's own port) stops it. The headers keep the page out of other sites' frames
(clickjacking), stop content sniffing, and allow scripts and styles from the page itself only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_HOST_CHARS = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class PageGuard:
    """ASGI middleware: refuse a Host that is not this page's loopback address (400); add SECURITY_HEADERS.

    Args:
        app: The application behind the guard.
        extra_hosts: Further host names (no port) to answer to, for a page deliberately served to a room.
    """

    def __init__(self, app: ASGIApp, *, extra_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.names = LOOPBACK_NAMES | {name.lower().strip("[]") for name in extra_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        host = _header(scope, b"host")
        if not self.allows(host, scope.get("server")):
            await _refuse(host, scope.get("server"), send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    def allows(self, host: str, server: tuple[str, int | None] | None) -> bool:
        """Whether `host` (the Host header) names this page: a known name and the port it listens on."""
        name, port = _split_host(host)
        if name not in self.names:
            return False
        return server is None or server[1] is None or port == server[1]


def _split_host(host: str) -> tuple[str, int | None]:
    """("127.0.0.1", 8770) from "127.0.0.1:8770", ("::1", 80) from "[::1]"; ("", None) when malformed."""
    if not _HOST_CHARS.fullmatch(host):
        return "", None
    try:
        parts = urlsplit("//" + host)
        return (parts.hostname or ""), parts.port or 80  # no port: the scheme's default
    except ValueError:  # a port that is not a number, or out of range
        return "", None


def _header(scope: Scope, wanted: bytes) -> str:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value.decode("latin-1")
    return ""


async def _refuse(host: str, server: tuple[str, int | None] | None, send: Send) -> None:
    port = server[1] if server else None
    address = f"http://127.0.0.1:{port}/" if port else "http://127.0.0.1/"
    message = (
        f"This chat page answers only at its own address on this machine ({address}, or localhost); the request "
        f"named the host {host[:100]!r}. Open the page by that address."
    )
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
