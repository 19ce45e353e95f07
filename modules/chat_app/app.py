"""The chat page's web app: one static page and a small JSON API over a `ChatDesk`, built like the course service.

    app = create_app(desk, about={"mode": "offline", ...}, secrets=[...])

    GET  /                                   the page (static HTML/JS/CSS, nothing fetched from the internet)
    GET  /api/about                          mode, tier models, limits, router modes, strategies, examples
    GET  /api/saved                          saved conversations, newest first
    POST /api/conversations                  start a new conversation
    GET  /api/conversations/{id}             its transcript and side-panel numbers
    POST /api/conversations/{id}/messages    {"text": ..., "force_tier": "auto"|"local"|"cloud", "mode": ...,
                                              "tool": "none"|"auto"|<a tool's name>,
                                              "strategy": "route"|"cascade"}
                                             -> newline-delimited JSON events, streamed as generated
    POST /api/conversations/{id}/save        persist through modules.storage
    POST /api/resume                         {"conversation_id": ..., "discard_unsaved": false}: load the saved copy
    POST /api/conversations/{id}/approvals/{request_id}   {"approve": true|false}: decide a pending tool call

Routes live in `routes/`, what they share in `dependencies`, the Host check and safety headers in `guard`.
Errors are JSON {"error": message} with a 4xx/5xx status; during a streamed answer they arrive as an "error"
event. Every JSON text sent passes the analytics module's `redact`, so a key in an upstream error never
reaches the browser.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from modules.analytics import secret_values
from modules.chat_app.dependencies import PageState
from modules.chat_app.desk import ChatDesk
from modules.chat_app.errors import ChatPageError
from modules.chat_app.guard import PageGuard
from modules.chat_app.routes import approvals, conversations, page
from modules.storage import ConversationNotFoundError, InvalidConversationIdError, StorageError

__all__ = ["create_app"]


def create_app(
    desk: ChatDesk,
    *,
    about: Mapping[str, Any],
    secrets: Iterable[str | None] = (),
    extra_hosts: Iterable[str] = (),
) -> FastAPI:
    """Build the page's app over `desk`.

    Args:
        desk: The live conversations, their store and limits.
        about: What /api/about shows about the set-up (backends and models; never a key).
        secrets: Values never to send to the browser; every *KEY/*TOKEN/*SECRET variable and anything shaped
            like a key are redacted as well.
        extra_hosts: Host names to answer to besides 127.0.0.1, localhost and [::1] (a page served to a room).

    Returns:
        The FastAPI app; serve it on a loopback address.
    """
    app = FastAPI(title="Hybrid router chat", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.page = PageState(desk=desk, about=dict(about), secrets=secret_values(secrets))
    app.add_exception_handler(ChatPageError, _page_error)
    app.add_exception_handler(StorageError, _storage_error)
    app.mount("/static", StaticFiles(directory=page.STATIC_DIR), name="static")
    for router in (page.router, conversations.router, approvals.router):
        app.include_router(router)
    app.add_middleware(PageGuard, extra_hosts=extra_hosts)
    return app


async def _page_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ChatPageError)
    body = {"error": str(error)} if error.code is None else {"error": str(error), "code": error.code}
    return request.app.state.page.reply(body, error.status)


async def _storage_error(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, ConversationNotFoundError):
        status = 404
    elif isinstance(error, InvalidConversationIdError):
        status = 422
    else:  # the store itself failed (unreachable, corrupt record, wrong key): the message says which
        status = 503
    return request.app.state.page.reply({"error": str(error)}, status)
