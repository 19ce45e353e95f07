"""`/v1/conversations`: create, retrieve, delete, and list the items a conversation holds."""

from __future__ import annotations

import asyncio

from agent_framework_hosting_responses import create_conversation_id, responses_to_run
from fastapi import APIRouter, Depends, Request

from modules.service.dependencies import Service, require_token
from modules.service.errors import ApiError, or_not_found
from modules.service.items import item_list
from modules.service.requests import check_input_size, json_body

router = APIRouter(prefix="/v1/conversations", dependencies=[Depends(require_token)])


@router.post("")
async def create_conversation(request: Request, service: Service):
    body = await json_body(request, allow_empty=True)
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ApiError(400, "`metadata` must be an object of string values.", param="metadata")
    items = []
    if body.get("items"):
        try:
            items = responses_to_run({"input": body["items"]})["messages"]
        except (ValueError, TypeError, AttributeError, KeyError) as error:  # the parser's word on malformed items
            raise ApiError(400, f"`items`: {error}", param="items") from None
        check_input_size(items)
    conversation_id = create_conversation_id()
    await asyncio.to_thread(service.store.create_conversation, conversation_id, metadata, items)
    return await asyncio.to_thread(service.store.conversation, conversation_id)


@router.get("/{conversation_id}")
async def get_conversation(conversation_id: str, service: Service):
    return or_not_found(
        await asyncio.to_thread(service.store.conversation, conversation_id), "conversation", conversation_id
    )


@router.delete("/{conversation_id}")
async def delete_conversation(conversation_id: str, service: Service):
    async with service.lock(conversation_id):
        deleted = await asyncio.to_thread(service.store.delete_conversation, conversation_id)
    or_not_found(deleted, "conversation", conversation_id)
    return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}


@router.get("/{conversation_id}/items")
async def conversation_items(conversation_id: str, service: Service):
    head = or_not_found(
        await asyncio.to_thread(service.store.conversation_head, conversation_id), "conversation", conversation_id
    )
    return item_list(await asyncio.to_thread(service.store.history, head))
