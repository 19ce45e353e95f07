"""`GET /` (the page), `GET /api/about` (set-up, limits, modes, examples) and `GET /api/saved` (the store's list)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from modules.chat_app.dependencies import Page
from modules.chat_app.examples import EXAMPLES

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

router = APIRouter()


@router.get("/", include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})


@router.get("/api/about")
async def about(page: Page) -> JSONResponse:
    """Mode, tier models, limits, the router's modes, the strategies and the example questions (never a key)."""
    desk = page.desk
    return page.reply(
        {
            **page.about,
            "max_message_chars": desk.max_message_chars,
            "modes": list(desk.modes),
            "default_mode": desk.default_mode,
            "strategies": list(desk.strategies),
            "default_strategy": desk.default_strategy,
            "examples": [example.as_json() for example in EXAMPLES],
        }
    )


@router.get("/api/saved")
async def saved(page: Page) -> JSONResponse:
    """Saved conversations, newest first."""
    summaries = await page.desk.saved()
    return page.reply([{"conversation_id": s.conversation_id, "updated_at": s.updated_at} for s in summaries])
