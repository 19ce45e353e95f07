"""`/v1/responses`: answer (streamed or not), retrieve, delete, and list a response's input items.

A turn continues a stored response (`previous_response_id`), a conversation (`conversation`), or
nothing. The model is given the whole stored history, or, with `truncation: "auto"`, its newest turns that fit
(`context_window`); every response says what it was given in its `input_truncation` object, and a history that
does not fit with `truncation: "disabled"` (the default) is a 400. The store keeps only what the turn added.

Durable before acknowledged: a turn is committed, with its place in the chain or conversation, before the
client gets the non-streamed 200 or the terminal `response.completed` / `response.incomplete` event. If the
commit fails the client gets a 5xx or `response.failed` instead, and nothing is stored. A failed turn is
never stored, so it never becomes part of a chain.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from agent_framework import AgentSession, Message
from agent_framework_hosting_responses import create_response_id, responses_from_run, responses_from_streaming_run
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from modules.service.context_window import INPUT_TRUNCATION_FIELD, FittedHistory, fit_history
from modules.service.dependencies import Service, ServiceState, require_token
from modules.service.errors import ApiError, or_not_found
from modules.service.items import item_list
from modules.service.requests import ResponseRequest, json_body, response_request
from modules.service.store import ConversationMovedError
from modules.service.tools import with_function_call_events, with_item_ids

router = APIRouter(prefix="/v1/responses", dependencies=[Depends(require_token)])
log = logging.getLogger("modules.service")
# Terminal events that acknowledge a finished answer: sent only once the turn is committed.
ACKNOWLEDGING_EVENTS = ("response.completed", "response.incomplete")


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
        **ask.tool_fields,
        "truncation": ask.truncation,
    }

    if not ask.stream:
        async with service.lock(conversation_id):
            parent, history = await _context(service, ask)
            fitted = await _fitted(service, ask, history)  # a 400 before the model runs if it cannot fit
            session = _session(service, fitted.history)
            result = await service.agent.run(fitted.input, session=session, options=ask.options)
            payload = responses_from_run(result, response_id=response_id, conversation_id=conversation_id)
            payload = with_item_ids(payload) | fields
            payload[INPUT_TRUNCATION_FIELD] = fitted.report(ask.truncation)
            if payload.get("status") == "failed":
                raise ApiError(500, "The model failed to answer; nothing was stored. Retry.", type_="server_error")
            try:
                await _remember(service, ask, response_id, parent, [*ask.messages, *result.messages], payload)
            except Exception as error:
                raise _not_stored(response_id, error) from None
        return payload

    # Client mistakes are a 4xx now, not a broken stream later: an unknown id, an input too long for the model.
    _, history = await _context(service, ask)
    await _fitted(service, ask, history)

    async def events():
        async with service.lock(conversation_id):
            parent, history = await _context(service, ask)
            try:  # the conversation may have grown since the check above
                fitted = await _fitted(service, ask, history)
            except ApiError as error:
                yield _event("error", {"type": "error", "code": error.code, "message": error.message}, fields)
                return
            session = _session(service, fitted.history)
            stream = service.agent.run(fitted.input, session=session, options=ask.options, stream=True)
            async for event in with_function_call_events(
                responses_from_streaming_run(stream, response_id=response_id, conversation_id=conversation_id)
            ):
                kind, payload = _parsed(event)
                if isinstance(payload.get("response"), dict):
                    payload["response"][INPUT_TRUNCATION_FIELD] = fitted.report(ask.truncation)
                if kind in ACKNOWLEDGING_EVENTS:
                    answer = (await stream.get_final_response()).messages
                    response = payload["response"] | fields
                    try:
                        await _remember(service, ask, response_id, parent, [*ask.messages, *answer], response)
                    except Exception as error:
                        failure = _not_stored(response_id, error)
                        kind = "response.failed"
                        response |= {"status": "failed", "error": {"code": failure.code, "message": failure.message}}
                    payload = payload | {"type": kind, "response": response}
                yield _event(kind, payload, fields)

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


async def _fitted(service: ServiceState, ask: ResponseRequest, history: list[Message]) -> FittedHistory:
    """The stored turns the model is given under the request's `truncation`; a 400 when they cannot fit."""
    return await asyncio.to_thread(
        fit_history,
        service.model_path,
        history,
        ask.messages,
        ask.options.get("instructions"),
        ask.options["max_tokens"],
        ask.truncation,
    )


def _session(service: ServiceState, history: list[Message]) -> AgentSession:
    session = service.agent.create_session()
    session.state["in_memory"] = {"messages": list(history)}  # the agent's in-memory history provider reads this
    return session


async def _remember(
    service: ServiceState,
    ask: ResponseRequest,
    response_id: str,
    parent: str | None,
    added: list[Message],
    payload: dict[str, Any],
) -> None:
    """Commit the turn: its input and answer (not the session's diff, which drops a repeated question)."""
    if not ask.store and not ask.in_conversation:
        return  # store=false outside a conversation: nothing is kept
    await asyncio.to_thread(
        service.store.add_turn,
        response_id,
        parent_id=parent,
        added=added,
        payload=payload if ask.store else None,
        conversation_id=ask.previous_id if ask.in_conversation else None,
    )


def _not_stored(response_id: str, error: Exception) -> ApiError:
    """The answer to a turn whose commit failed: nothing was stored, so the client must not count on it."""
    log.error("response %s was not stored (%s: %s)", response_id, type(error).__name__, error)
    if isinstance(error, ConversationMovedError):
        return ApiError(409, str(error), param="conversation", code="conversation_conflict")
    return ApiError(
        503,
        f"The answer could not be stored ({type(error).__name__}), so it was not kept: nothing was added to the "
        "chain or conversation. Retry the request.",
        type_="server_error",
        code="storage_unavailable",
    )


def _parsed(event: str) -> tuple[str, dict[str, Any]]:
    """An SSE event string from the stream helper as (event type, data)."""
    head, _, data = event.partition("\ndata: ")
    return head.removeprefix("event: "), json.loads(data)


def _event(kind: str, payload: dict[str, Any], fields: dict[str, Any]) -> str:
    """The SSE event, with `fields` set on the response it carries (the stream helper reports the model as "agent")."""
    if isinstance(payload.get("response"), dict):
        payload["response"].update(fields)
    return f"event: {kind}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n"
