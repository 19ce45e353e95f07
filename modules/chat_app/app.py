"""The chat page's web app: one static page and a small JSON API over a `ChatDesk`.

    app = create_app(desk, about={"mode": "offline", ...}, secrets=[...])

    GET  /                                   the page (static HTML/JS/CSS, nothing fetched from the internet)
    GET  /api/about                          mode, tier models, limits (never a key)
    GET  /api/saved                          saved conversations, newest first
    POST /api/conversations                  start a new conversation
    GET  /api/conversations/{id}             its transcript and side-panel numbers
    POST /api/conversations/{id}/messages    {"text": ..., "force_tier": "auto"|"local"|"cloud"}
                                             -> newline-delimited JSON events, streamed as generated
    POST /api/conversations/{id}/save        persist through modules.storage
    POST /api/resume                         {"conversation_id": ...}: load the saved copy

Errors are JSON {"error": message} with a 4xx/5xx status; during a streamed answer they arrive as
an "error" event. Every JSON text sent passes the analytics module's `redact`, so a key in an upstream
error never reaches the browser.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles

from modules.analytics import redact, secret_values
from modules.chat_app.desk import ChatDesk, ChatPageError, UnknownConversationError
from modules.storage import ConversationNotFoundError, InvalidConversationIdError, StorageError

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(desk: ChatDesk, *, about: Mapping[str, Any], secrets: Iterable[str | None] = ()) -> FastAPI:
    known = secret_values(secrets)  # these, every *KEY/*TOKEN/*SECRET variable, and anything shaped like a key

    def scrub(text: str) -> str:
        return redact(text, known)

    app = FastAPI(title="Hybrid router chat", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def reply(payload: Any, status: int = 200) -> JSONResponse:
        return JSONResponse(json.loads(scrub(json.dumps(payload))), status_code=status)

    @app.exception_handler(ChatPageError)
    async def page_error(request: Request, error: ChatPageError) -> JSONResponse:
        return reply({"error": str(error)}, error.status)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, error: StorageError) -> JSONResponse:
        if isinstance(error, ConversationNotFoundError):
            status = 404
        elif isinstance(error, InvalidConversationIdError):
            status = 422
        else:  # the store itself failed (unreachable, corrupt record, wrong key): the message says which
            status = 503
        return reply({"error": str(error)}, status)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/api/about")
    async def about_page() -> JSONResponse:
        return reply({**about, "max_message_chars": desk.max_message_chars})

    @app.get("/api/saved")
    async def saved() -> JSONResponse:
        return reply(
            [{"conversation_id": s.conversation_id, "updated_at": s.updated_at} for s in desk.store.list()[:50]]
        )

    @app.post("/api/conversations")
    async def new_conversation() -> JSONResponse:
        return reply(desk.new())

    @app.get("/api/conversations/{conversation_id}")
    async def conversation(conversation_id: str) -> JSONResponse:
        return reply(desk.state(conversation_id))

    @app.post("/api/conversations/{conversation_id}/messages")
    async def message(conversation_id: str, request: Request) -> StreamingResponse:
        body = await _json_object(request)
        text, force_tier = desk.check_turn(conversation_id, body.get("text"), body.get("force_tier"))

        async def lines() -> AsyncIterator[bytes]:
            async for event in desk.stream_turn(conversation_id, text, force_tier):
                yield (scrub(json.dumps(event)) + "\n").encode()

        return StreamingResponse(
            lines(), media_type="application/x-ndjson", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    @app.post("/api/conversations/{conversation_id}/save")
    async def save(conversation_id: str) -> JSONResponse:
        return reply(await desk.save(conversation_id))

    @app.post("/api/resume")
    async def resume(request: Request) -> JSONResponse:
        conversation_id = (await _json_object(request)).get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id.strip():
            raise UnknownConversationError("Type the id of a saved conversation, then press Resume.")
        return reply(await desk.resume(conversation_id))

    return app


class BadRequestError(ChatPageError):
    status = 400


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BadRequestError("The request body must be a JSON object. Reload the page and try again.")
    return body
