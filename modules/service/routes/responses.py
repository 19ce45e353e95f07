"""`/v1/responses`: answer (streamed or not), retrieve, delete, and list a response's input items.

A turn continues a stored response (`previous_response_id`), a conversation (`conversation`), or
nothing. The model is given the whole stored history; the store keeps only what the turn added.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agent_framework import AgentSession, Message
from agent_framework_hosting_responses import create_response_id, responses_from_run, responses_from_streaming_run
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from modules.service.dependencies import Service, ServiceState, require_token
from modules.service.errors import ApiError, or_not_found
from modules.service.items import item_list
from modules.service.requests import ResponseRequest, json_body, response_request

router = APIRouter(prefix="/v1/responses", dependencies=[Depends(require_token)])


@router.post("")
async def create_response(request: Request, service: Service):
    ask = response_request(await json_body(request))
    conversation_id = ask.previous_id if ask.in_conversation else None
    response_id = create_response_id()
    # Reported alike by every response, streamed or not.
    fields = {
        "model": service.model,
        "store": ask.store,
        "previous_response_id": None if ask.in_conversation else ask.previous_id,
    }

    if not ask.stream:
        async with service.lock(conversation_id):
            parent, history = await _context(service, ask)
            session = _session(service, history)
            result = await service.agent.run(ask.messages, session=session, options=ask.options)
            payload = responses_from_run(result, response_id=response_id, conversation_id=conversation_id) | fields
            await _remember(service, ask, response_id, parent, session, len(history), payload)
        return payload

    await _context(service, ask)  # an unknown id is a 404 now, not a broken stream later

    async def events():
        async with service.lock(conversation_id):
            parent, history = await _context(service, ask)
            session = _session(service, history)
            stream = service.agent.run(ask.messages, session=session, options=ask.options, stream=True)
            async for event in responses_from_streaming_run(
                stream, response_id=response_id, conversation_id=conversation_id
            ):
                yield _with_fields(event, fields)
            result = await stream.get_final_response()
            payload = responses_from_run(result, response_id=response_id, conversation_id=conversation_id) | fields
            await _remember(service, ask, response_id, parent, session, len(history), payload)

    return StreamingResponse(events(), media_type="text/event-stream")


@router.get("/{response_id}")
async def get_response(response_id: str, service: Service):
    return or_not_found(await asyncio.to_thread(service.store.response, response_id), "response", response_id)


@router.delete("/{response_id}")
async def delete_response(response_id: str, service: Service):
    or_not_found(await asyncio.to_thread(service.store.delete_response, response_id), "response", response_id)
    return {"id": response_id, "object": "response.deleted", "deleted": True}


@router.get("/{response_id}/input_items")
async def response_items(response_id: str, service: Service):
    """The whole stored history up to and including this response (the service's view of the conversation)."""
    or_not_found(await asyncio.to_thread(service.store.response, response_id), "response", response_id)
    return item_list(await asyncio.to_thread(service.store.history, response_id))


async def _context(service: ServiceState, ask: ResponseRequest) -> tuple[str | None, list[Message]]:
    """The turn this request continues and the history up to it; 404 if that id is not stored."""
    if ask.previous_id is None:
        return None, []
    if ask.in_conversation:
        parent = await asyncio.to_thread(service.store.conversation_head, ask.previous_id)
    else:
        stored = await asyncio.to_thread(service.store.response, ask.previous_id)
        parent = ask.previous_id if stored is not None else None
    if parent is None:
        kind = "conversation" if ask.in_conversation else "response"
        raise ApiError(
            404,
            f"No stored {kind} with id {ask.previous_id[:80]!r}. It was never stored (store=false), was deleted, "
            "or belongs to another service database. Start a new conversation.",
            param="conversation" if ask.in_conversation else "previous_response_id",
            code="not_found",
        )
    return parent, await asyncio.to_thread(service.store.history, parent)


def _session(service: ServiceState, history: list[Message]) -> AgentSession:
    session = service.agent.create_session()
    session.state["in_memory"] = {"messages": list(history)}  # the agent's in-memory history provider reads this
    return session


async def _remember(
    service: ServiceState,
    ask: ResponseRequest,
    response_id: str,
    parent: str | None,
    session: AgentSession,
    known: int,
    payload: dict[str, Any],
) -> None:
    if not ask.store and not ask.in_conversation:
        return  # store=false outside a conversation: nothing is kept
    added = session.state["in_memory"]["messages"][known:]  # this turn's input and answer, nothing older
    await asyncio.to_thread(
        service.store.add_turn,
        response_id,
        parent_id=parent,
        added=added,
        payload=payload if ask.store else None,
        conversation_id=ask.previous_id if ask.in_conversation else None,
    )


def _with_fields(event: str, fields: dict[str, Any]) -> str:
    """Set `fields` on the response an SSE event carries (the stream helper reports the model as "agent")."""
    head, _, data = event.partition("\ndata: ")
    payload = json.loads(data)
    if isinstance(payload.get("response"), dict):
        payload["response"].update(fields)
    return f"{head}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"
