"""The chat page: the hybrid conversation in a browser, with each answer's routing shown live.

    python -m modules.chat_app                 # prints the URL; offline by default
    with ChatPage() as page: print(page.url)   # the same as a separate process, from a notebook

Modules: `desk` (the live conversations, one turn as events, save/resume), `panel` (side-panel
numbers), `app` (FastAPI routes and the static page in `static/`), `server` (wiring to the tiers,
router and store; uvicorn), `launcher` (ChatPage, the process wrapper).
"""

from modules.chat_app.app import create_app
from modules.chat_app.desk import ChatDesk, ChatPageError
from modules.chat_app.launcher import ChatPage, ChatPageStartError
from modules.chat_app.panel import panel_numbers

__all__ = ["ChatDesk", "ChatPage", "ChatPageError", "ChatPageStartError", "create_app", "panel_numbers"]
