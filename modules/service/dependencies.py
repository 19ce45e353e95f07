"""What the routes depend on: the service's shared state and the bearer-token check."""

from __future__ import annotations

import asyncio
import hmac
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from agent_framework import Agent
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from modules.service.errors import ApiError
from modules.service.store import ServiceStore


@dataclass
class ServiceState:
    store: ServiceStore
    agent: Agent
    model: str  # the one model name every response, streamed or not, and /v1/models report
    token: str | None
    model_path: Path | None = None  # the GGUF file the agent runs (None: the course's SmolLM2), for token counts
    # One turn at a time per conversation, so two requests cannot both extend the same newest turn.
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(default_factory=weakref.WeakValueDictionary)

    def lock(self, conversation_id: str | None) -> asyncio.Lock:
        return self.locks.setdefault(conversation_id, asyncio.Lock()) if conversation_id else asyncio.Lock()


def service_state(request: Request) -> ServiceState:
    return request.app.state.service


_bearer = HTTPBearer(auto_error=False)  # we answer a missing token ourselves, in the OpenAI error shape


def require_token(
    state: Annotated[ServiceState, Depends(service_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """When the service has a token, every /v1 request must send it as `Authorization: Bearer <token>`."""
    if state.token is None:
        return
    supplied = credentials.credentials if credentials else ""
    if not hmac.compare_digest(supplied.encode(), state.token.encode()):  # constant time: no timing oracle
        raise ApiError(
            401,
            "Missing or wrong bearer token. Send the LOCAL_SERVICE_TOKEN value as the API key.",
            code="invalid_api_key",
        )


Service = Annotated[ServiceState, Depends(service_state)]
