"""`GET /v1/models` (what any OpenAI client lists) and `GET /health` (what LocalService waits for)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from modules.service.dependencies import Service, require_token
from modules.service.errors import not_found

router = APIRouter(prefix="/v1/models", dependencies=[Depends(require_token)])
health_router = APIRouter()


def _model(name: str) -> dict[str, object]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "hybrid-llm-router-workshop"}


@router.get("")
async def list_models(service: Service) -> dict[str, object]:
    return {"object": "list", "data": [_model(service.model)]}


@router.get("/{model_id}")
async def get_model(model_id: str, service: Service) -> dict[str, object]:
    if model_id != service.model:
        raise not_found("model", model_id)
    return _model(service.model)


@health_router.get("/health")
async def health(service: Service) -> dict[str, str]:
    return {"status": "ok", "model": service.model}
