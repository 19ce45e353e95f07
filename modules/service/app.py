"""The course's own Responses-API service: the cloud tier of the offline default.

A FastAPI app on 127.0.0.1 that speaks the OpenAI Responses API and keeps conversations
server-side in SQLite, so the stock `OpenAIChatClient(base_url=...)` gets real
service-managed sessions (`resp_…` chains, `conv_…` conversations, streaming, branching)
with no cloud account. It serves the embedded model; answer quality is a small model's.

Endpoints: `/v1/responses` (create, stream, retrieve, delete, input_items), `/v1/conversations`
(create, retrieve, delete, items), `/v1/models`, `/health`, and `/openapi.json` (behind the token, like /v1).

    python -m modules.service --port 8765                  # run it in a terminal
    with running_local_service() as service: ...           # or from Python (free port, stops on exit)
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from agent_framework import Agent
from fastapi import Depends, FastAPI

from modules.config import PROJECT_ROOT
from modules.service.dependencies import ServiceState, require_token
from modules.service.errors import install_error_handlers
from modules.service.requests import MAX_BODY_BYTES, MAX_INPUT_CHARS, MAX_OUTPUT_TOKENS
from modules.service.routes import conversations, models, responses
from modules.service.store import WRITE_TIMEOUT_S, ServiceStore
from modules.tiers import EmbeddedChatClient

# Runtime data goes to var/, which .gitignore keeps out of the repository.
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "local_service.sqlite3"

__all__ = ["DEFAULT_DB_PATH", "MAX_BODY_BYTES", "MAX_INPUT_CHARS", "MAX_OUTPUT_TOKENS", "create_app"]


def create_app(
    db_path: Path | str = DEFAULT_DB_PATH,
    *,
    token: str | None = None,
    model_path: Path | str | None = None,
    write_timeout_s: float = WRITE_TIMEOUT_S,
) -> FastAPI:
    """Build the service. `token`, when given, is required as `Authorization: Bearer <token>` on /v1 routes.

    Raises `DatabaseInUseError` when another service process serves `db_path`; `write_timeout_s` bounds how long
    a turn waits for another connection's write lock before it fails (unacknowledged).
    """
    store = ServiceStore(db_path, write_timeout_s=write_timeout_s)
    client = EmbeddedChatClient(model_path=model_path, max_tokens=MAX_OUTPUT_TOKENS)
    agent = Agent(client=client, name="local-service")
    state = ServiceState(store=store, agent=agent, model=client.model, token=token, model_path=client.model_path)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        await asyncio.to_thread(store.close)  # off the loop, like every store call

    # No /docs page (a browser cannot send the bearer token); the schema itself is served behind the token.
    app = FastAPI(title="Course Responses service", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.service = state
    install_error_handlers(app)
    for router in (responses.router, conversations.router, models.router, models.health_router):
        app.include_router(router)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(require_token)])
    async def openapi() -> dict:
        return app.openapi()

    return app
