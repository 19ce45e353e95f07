"""What the page's routes depend on: the shared state, a JSON body read with a cap, and the same-origin check.

A route takes `page: Page` (the shared state) and `body: JsonBody` (the capped JSON object); every route that
changes state is declared with `dependencies=[ChangeFromPage]`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from modules.analytics import redact
from modules.chat_app.desk import ChatDesk
from modules.chat_app.errors import BadRequestError, BodyTooLargeError, ForeignRequestError, NotJsonError

# A JSON-escaped character takes at most 12 bytes ("\ud83d\ude00" for one emoji); the rest is field names.
BYTES_PER_CHAR = 12
BODY_SLACK_BYTES = 4096


@dataclass
class PageState:
    """Everything the routes share: the desk, what /api/about shows, and the values no answer may contain."""

    desk: ChatDesk
    about: Mapping[str, Any]
    secrets: set[str] = field(default_factory=set)

    @property
    def max_body_bytes(self) -> int:
        return self.desk.max_message_chars * BYTES_PER_CHAR + BODY_SLACK_BYTES

    def scrub(self, text: str) -> str:
        """`text` with every known secret, every *KEY/*TOKEN/*SECRET variable's value and key-shaped text redacted."""
        return redact(text, self.secrets)

    def reply(self, payload: Any, status: int = 200) -> JSONResponse:
        """A JSON answer that has passed `scrub`."""
        return JSONResponse(json.loads(self.scrub(json.dumps(payload))), status_code=status)


def page_state(request: Request) -> PageState:
    return request.app.state.page


Page = Annotated[PageState, Depends(page_state)]


async def json_object(request: Request, page: Page) -> dict[str, Any]:
    """The body as a JSON object ({} when empty), refused as soon as it passes the page's size limit.

    A declared Content-Length over the limit is refused before a byte is read; a body sent without one
    (chunked) is read piece by piece and refused at the first piece past the limit, so a huge body never
    sits in memory whole.
    """
    limit = page.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise BadRequestError("The request body must be a JSON object. Reload the page and try again.")
    return body


JsonBody = Annotated[dict[str, Any], Depends(json_object)]


def _too_large(limit: int) -> BodyTooLargeError:
    return BodyTooLargeError(
        f"The request body is over {limit:,} bytes, the most a message of the page's length needs. "
        "Shorten the message and send it again."
    )


def require_page_origin(request: Request) -> None:
    """A state-changing request must be JSON sent by the page itself, not by another site (CSRF).

    A browser names the sending site in `Sec-Fetch-Site` and `Origin`; a form or a `text/plain` fetch from
    another site, which needs no permission from this server, is refused by either check or by the type.
    Clients that are not browsers send neither header and only need the JSON type.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise ForeignRequestError(
            f"This request came from another site (Sec-Fetch-Site: {site[:40]}); the chat page accepts changes "
            "only from its own page. Use the page itself."
        )
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin is not None and origin != own:
        raise ForeignRequestError(
            f"This request came from {origin[:80]!r}, not from the chat page at {own}; it accepts changes only "
            "from its own page. Use the page itself."
        )
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise NotJsonError(
            f"This request is {media_type or 'untyped'}; the chat page accepts changes only as application/json. "
            "Send the body as JSON with Content-Type: application/json."
        )


ChangeFromPage = Depends(require_page_origin)
