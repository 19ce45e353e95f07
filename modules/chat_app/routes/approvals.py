"""Approve or reject a tool call that waits for a person's decision (see `modules.chat_app.approvals`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from modules.chat_app.dependencies import ChangeFromPage, JsonBody, Page

router = APIRouter(prefix="/api")


@router.post("/conversations/{conversation_id}/approvals/{request_id}", dependencies=[ChangeFromPage])
async def approval(conversation_id: str, request_id: str, page: Page, body: JsonBody) -> JSONResponse:
    """{"approve": true|false} -> the conversation's state once the call ran (or was refused) and was answered.

    404: no such call waits in this conversation; 409: decided already, or the conversation moved on or is busy.
    """
    return page.reply(await page.desk.decide(conversation_id, request_id, approve=body.get("approve")))
