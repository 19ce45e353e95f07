"""The chat page: the hybrid conversation in a browser, with each answer's routing shown live.

    python -m modules.chat_app                 # prints the URL; offline by default
    with ChatPage() as page: print(page.url)   # the same as a separate process, from a notebook

Modules: `desk` (the live conversations, one turn as events, save/resume; the side panel shows
`modules.hybrid.routing_summary`), `manager` (`ChatManager`: what the page needs from a manager), `app` (the
FastAPI app: `routes/` and `dependencies`, built like the course service, and the static page in `static/`),
`guard` (loopback Host check, safety headers), `examples` (example questions and their tiers), `tools` (the demo
tools: `multiply`, and `send_note`, which waits for approval), `approvals` (tool calls in the transcript, Approve /
Reject through `modules.hybrid.approvals`), `errors`,
`server` (wiring to the tiers, router and store; uvicorn), `launcher` (ChatPage, the process wrapper).
"""

from modules.chat_app.app import create_app
from modules.chat_app.desk import ChatDesk
from modules.chat_app.errors import ChatPageError
from modules.chat_app.launcher import ChatPage, ChatPageStartError
from modules.chat_app.manager import ChatManager

__all__ = ["ChatDesk", "ChatManager", "ChatPage", "ChatPageError", "ChatPageStartError", "create_app"]
