"""The course's own Responses-API service: the cloud tier of the offline default.

A FastAPI app on 127.0.0.1 that speaks the OpenAI Responses API and keeps conversations
server-side in SQLite, so the stock `OpenAIChatClient(base_url=...)` gets real
service-managed sessions (`resp_…` chains, `conv_…` conversations, streaming, branching)
with no cloud account. It serves the embedded model; answer quality is a small model's.

    python -m modules.service --port 8765            # run it in a terminal
    with running_local_service() as service: ...           # or from Python (free port, stops on exit)
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import os
import sys
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from agent_framework import Agent, AgentSession, Message
from agent_framework_hosting import AgentState
from agent_framework_hosting_responses import (
    create_conversation_id,
    create_response_id,
    responses_from_run,
    responses_from_streaming_run,
    responses_session_id,
    responses_to_run,
)
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from modules.config import PROJECT_ROOT
from modules.service.store import SqliteSessionStore, session_messages
from modules.tiers.local_model import EmbeddedChatClient

DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "local_service.sqlite3"
MAX_BODY_BYTES = 256 * 1024
MAX_INPUT_CHARS = 16_000
MAX_OUTPUT_TOKENS = 512
# Request fields passed on to the model; everything else (tools, reasoning, …) is accepted and ignored.
_PASSED_OPTIONS = ("instructions", "temperature", "top_p", "max_tokens")


class ApiError(Exception):
    """An error answered in the OpenAI error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type_, param, code

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        return JSONResponse(body, status_code=self.status)


def create_app(
    db_path: Path | str = DEFAULT_DB_PATH, *, token: str | None = None, model_path: Path | str | None = None
) -> FastAPI:
    """Build the service. `token`, when given, is required as `Authorization: Bearer <token>`."""
    store = SqliteSessionStore(db_path)
    client = EmbeddedChatClient(model_path=model_path, max_tokens=MAX_OUTPUT_TOKENS)
    state = AgentState(Agent(client=client, name="local-service"), session_store=store)
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
    app = FastAPI(title="Course Responses service", docs_url=None, redoc_url=None)
    app.state.store = store

    @app.middleware("http")
    async def authorize(request: Request, call_next):
        if token and request.url.path != "/health":
            supplied = request.headers.get("authorization", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
                return ApiError(
                    401,
                    "Missing or wrong bearer token. Send the LOCAL_SERVICE_TOKEN value as the API key.",
                    code="invalid_api_key",
                ).response()
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return error.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return ApiError(
            error.status_code, str(error.detail), code="not_found" if error.status_code == 404 else None
        ).response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, error: RequestValidationError) -> JSONResponse:
        return ApiError(400, f"Invalid request: {error.errors()[:1]}").response()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model": client.model}

    @app.post("/v1/responses")
    async def create_response(request: Request):
        body = await _json_body(request)
        try:
            previous_id, is_conversation = responses_session_id(body)
            run = responses_to_run(body)
        except ValueError as error:
            raise ApiError(400, str(error)) from None
        store_response = body.get("store", True)
        if not isinstance(store_response, bool):
            raise ApiError(400, "`store` must be true or false.", param="store")
        _check_input_size(run["messages"])
        options = {key: run["options"][key] for key in _PASSED_OPTIONS if run["options"].get(key) is not None}
        options["max_tokens"] = min(int(options.get("max_tokens", MAX_OUTPUT_TOKENS)), MAX_OUTPUT_TOKENS)
        conversation_id = previous_id if is_conversation else None
        lock = locks.setdefault(previous_id, asyncio.Lock()) if previous_id else asyncio.Lock()
        agent = await state.get_target()
        response_id = create_response_id()

        async def remember(session: AgentSession, result) -> dict[str, Any]:
            payload = responses_from_run(result, response_id=response_id, conversation_id=conversation_id)
            payload.update(
                model=client.model, store=store_response, previous_response_id=None if is_conversation else previous_id
            )
            if store_response:
                await store.set(response_id, session)
                store.save_response(response_id, payload)
            if conversation_id:
                await store.set(conversation_id, session)
            return payload

        if not run["stream"]:
            async with lock:
                session = await _session_for(previous_id, is_conversation)
                return await remember(session, await agent.run(run["messages"], session=session, options=options))

        await _session_for(previous_id, is_conversation)  # an unknown id is a 404, not a broken stream

        async def events() -> AsyncIterator[str]:
            async with lock:
                session = await _session_for(previous_id, is_conversation)
                stream = agent.run(run["messages"], session=session, options=options, stream=True)
                async for event in responses_from_streaming_run(
                    stream, response_id=response_id, conversation_id=conversation_id
                ):
                    yield event
                await remember(session, await stream.get_final_response())

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/v1/responses/{response_id}")
    async def get_response(response_id: str):
        payload = store.get_response(response_id)
        if payload is None:
            raise _not_found("response", response_id)
        return payload

    @app.delete("/v1/responses/{response_id}")
    async def delete_response(response_id: str):
        if not store.delete_response(response_id):
            raise _not_found("response", response_id)
        return {"id": response_id, "object": "response.deleted", "deleted": True}

    @app.get("/v1/responses/{response_id}/input_items")
    async def response_items(response_id: str):
        """The whole stored history up to and including this response (the service's view of the conversation)."""
        session = await store.get(response_id)
        if session is None:
            raise _not_found("response", response_id)
        return _item_list(session)

    @app.post("/v1/conversations")
    async def create_conversation(request: Request):
        body = await _json_body(request, allow_empty=True)
        metadata = body.get("metadata") or {}
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise ApiError(400, "`metadata` must be an object of string values.", param="metadata")
        conversation_id, created_at = create_conversation_id(), time.time()
        agent = await state.get_target()
        session = agent.create_session(session_id=conversation_id)
        if body.get("items"):
            try:
                seed_messages = responses_to_run({"input": body["items"]})["messages"]
            except ValueError as error:
                raise ApiError(400, f"`items`: {error}", param="items") from None
            _check_input_size(seed_messages)
            session.state.setdefault("in_memory", {})["messages"] = seed_messages
        store.create_conversation(conversation_id, metadata, created_at)
        await store.set(conversation_id, session)
        return store.get_conversation(conversation_id)

    @app.get("/v1/conversations/{conversation_id}")
    async def get_conversation(conversation_id: str):
        conversation = store.get_conversation(conversation_id)
        if conversation is None:
            raise _not_found("conversation", conversation_id)
        return conversation

    @app.delete("/v1/conversations/{conversation_id}")
    async def delete_conversation(conversation_id: str):
        if not store.delete_conversation(conversation_id):
            raise _not_found("conversation", conversation_id)
        return {"id": conversation_id, "object": "conversation.deleted", "deleted": True}

    @app.get("/v1/conversations/{conversation_id}/items")
    async def conversation_items(conversation_id: str):
        session = await store.get(conversation_id)
        if session is None:
            raise _not_found("conversation", conversation_id)
        return _item_list(session)

    async def _session_for(previous_id: str | None, is_conversation: bool | None) -> AgentSession:
        if previous_id is None:
            return (await state.get_target()).create_session()
        session = await store.get(previous_id)
        if session is None:
            kind = "conversation" if is_conversation else "response"
            raise ApiError(
                404,
                f"No stored {kind} with id '{previous_id}'. It was never stored (store=false), was deleted, "
                "or belongs to another service database. Start a new conversation.",
                param="conversation" if is_conversation else "previous_response_id",
                code="not_found",
            )
        return session

    return app


async def _json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(
            413, f"Request body is {len(raw)} bytes; the limit is {MAX_BODY_BYTES}.", code="request_too_large"
        )
    if not raw.strip() and allow_empty:
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, f"Request body is not valid JSON ({error}).") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object.")
    return body


def _check_input_size(messages: list[Message]) -> None:
    size = sum(len(m.text or "") for m in messages)
    if size > MAX_INPUT_CHARS:
        raise ApiError(
            400,
            f"Input is {size} characters; this service accepts at most {MAX_INPUT_CHARS}.",
            param="input",
            code="input_too_long",
        )


def _not_found(kind: str, identifier: str) -> ApiError:
    return ApiError(404, f"No {kind} with id '{identifier}'.", code="not_found")


def _item_list(session: AgentSession) -> dict[str, Any]:
    items = [
        {
            "type": "message",
            "role": m.role,
            "content": [{"type": "input_text" if m.role == "user" else "output_text", "text": m.text}],
        }
        for m in session_messages(session)
    ]
    return {"object": "list", "data": items, "first_id": None, "last_id": None, "has_more": False}


def main(argv: list[str] | None = None) -> int:
    from modules.config import load_settings
    from modules.labkit.ports import port_is_free

    parser = argparse.ArgumentParser(prog="python -m modules.service", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB_PATH, help="SQLite file for stored conversations")
    parser.add_argument("--parent-pid", type=int, help="exit when this process ends (used by running_local_service)")
    args = parser.parse_args(argv)
    if not port_is_free(args.host, args.port):
        print(
            f"Port {args.port} on {args.host} is in use. Stop whatever uses it or pass --port with another number.",
            file=sys.stderr,
        )
        return 2
    import uvicorn

    app = create_app(args.db, token=load_settings().service_token)
    if args.parent_pid:
        _exit_with_parent(args.parent_pid)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _exit_with_parent(parent_pid: int) -> None:
    """A notebook kernel killed hard never runs its clean-up; don't outlive it."""
    import threading

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
