"""The conversations: start one, read it, send a question (streamed answer), save it, resume a saved one.

Every POST changes state, so each must be JSON from the page's own origin (`ChangeFromPage`).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import JSONResponse, StreamingResponse

from modules.chat_app.dependencies import ChangeFromPage, JsonBody, Page
from modules.chat_app.errors import BadRequestError, UnknownConversationError

router = APIRouter(prefix="/api")


@router.post("/conversations", dependencies=[ChangeFromPage])
async def new_conversation(page: Page) -> JSONResponse:
    return page.reply(page.desk.new())


@router.get("/conversations/{conversation_id}")
async def conversation(conversation_id: str, page: Page) -> JSONResponse:
    """Its transcript and side-panel numbers."""
    return page.reply(page.desk.state(conversation_id))


@router.post("/conversations/{conversation_id}/messages", dependencies=[ChangeFromPage])
async def message(conversation_id: str, page: Page, body: JsonBody) -> StreamingResponse:
    """{"text", "force_tier": auto|local|cloud, "mode", "strategy": route|cascade, "tool": none|auto|<tool>} ->
    newline-delimited JSON events, streamed as generated."""
    turn = page.desk.check_turn(
        conversation_id, body.get("text"), body.get("force_tier"), body.get("mode"), body.get("strategy")
    )
    tool_choice = page.desk.check_tool(body.get("tool"))

    async def lines() -> AsyncIterator[bytes]:
        events = page.desk.stream_turn(
            conversation_id, turn.text, turn.force_tier, turn.mode, turn.strategy, tool_choice=tool_choice
        )
        async for event in events:
            yield (page.scrub(json.dumps(event)) + "\n").encode()

    return StreamingResponse(
        lines(), media_type="application/x-ndjson", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.post("/conversations/{conversation_id}/save", dependencies=[ChangeFromPage])
async def save(conversation_id: str, page: Page) -> JSONResponse:
    """Persist through modules.storage."""
    return page.reply(await page.desk.save(conversation_id))


@router.post("/resume", dependencies=[ChangeFromPage])
async def resume(page: Page, body: JsonBody) -> JSONResponse:
    """{"conversation_id": ..., "discard_unsaved": false}: load the saved copy."""
    conversation_id, discard_unsaved = body.get("conversation_id"), body.get("discard_unsaved", False)
    if not isinstance(conversation_id, str) or not conversation_id.strip():
        raise UnknownConversationError("Type the id of a saved conversation, then press Resume.")
    if not isinstance(discard_unsaved, bool):
        raise BadRequestError("`discard_unsaved` must be true or false. Reload the page and try again.")
    return page.reply(await page.desk.resume(conversation_id, discard_unsaved=discard_unsaved))
