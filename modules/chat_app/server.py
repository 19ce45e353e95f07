"""Wire the chat page to the real parts and run it: both tiers, the router, a conversation store, uvicorn.

python -m modules.chat_app                         # offline by default; real endpoints when .env names them
serve(port=8770)                                   # the same from Python (blocks until Ctrl+C)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from modules.chat_app.app import create_app
from modules.chat_app.desk import DEFAULT_MODE, MAX_MESSAGE_CHARS, MODES, TURN_TIMEOUT_S, ChatDesk
from modules.config import PROJECT_ROOT, Settings, load_settings, reveal
from modules.runtime import free_port, port_is_free

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8770
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
DEFAULT_STORE = PROJECT_ROOT / "var" / "chat" / "conversations.sqlite3"
URL_LINE_PREFIX = "Chat page: "  # the launcher reads the URL from this line


def outbox_path(store_path: Path | str) -> Path:
    """Where the page's `send_note` tool writes the notes it sends: `outbox.sqlite3` beside the store."""
    return Path(store_path).with_name("outbox.sqlite3")


def pick_port(host: str, port: int) -> tuple[int, str | None]:
    """The port to bind and, when the wanted one was taken, a note saying so (port 0 = any free one)."""
    if port == 0:
        return free_port(host), None
    if port_is_free(host, port):
        return port, None
    chosen = free_port(host)
    return chosen, f"Port {port} on {host} is in use; using {chosen} instead."


def about(settings: Settings, store_location: str) -> dict[str, Any]:
    """What the page may show about the set-up: backends and models only, never an endpoint key."""
    return {
        "mode": settings.mode,
        "local_backend": settings.local.backend,
        "local_model": str(settings.local.model),
        "cloud_backend": settings.cloud.backend,
        "cloud_model": settings.cloud.model,
        "store": store_location,
    }


def secret_values(settings: Settings) -> list[str]:
    return [reveal(s) for s in (settings.local.api_key, settings.cloud.api_key, settings.service_token) if s]


def build(
    settings: Settings | None = None,
    store_path: Path | str = DEFAULT_STORE,
    *,
    max_tokens: int | None = None,
    turn_timeout_s: float = TURN_TIMEOUT_S,
    max_message_chars: int = MAX_MESSAGE_CHARS,
    extra_hosts: Iterable[str] = (),
) -> tuple[Any, Any]:
    """The FastAPI app and the started tiers (call `tiers.close()` when done)."""
    from modules.chat_app.tools import describe, page_tools
    from modules.hybrid import HybridConversationManager
    from modules.routing import HybridRouter
    from modules.storage import SqliteStore
    from modules.tiers import start_tiers

    settings = settings or load_settings()
    store_path = Path(store_path)
    store_path.parent.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(store_path)
    # One router per mode, built once: each mode's threshold is resolved against the profile here, then reused.
    routers = {mode: HybridRouter(mode=mode) for mode in MODES}

    tiers = start_tiers(settings)
    options = {} if max_tokens is None else {"max_tokens": max_tokens}
    # The demo tools; a sent note lands in the outbox next to the store (the side effect a person approves).
    tools = page_tools(outbox_path(store_path))

    def new_manager() -> Any:
        # No store here: the manager would save after every exchange; the page saves when Save is pressed.
        # No tool is used unless the page names one for a turn (tool_choice "none").
        return HybridConversationManager(routers[DEFAULT_MODE], tiers=tiers, tools=tools, tool_choice="none", **options)

    desk = ChatDesk(
        new_manager,
        store,
        routers=routers,
        max_message_chars=max_message_chars,
        turn_timeout_s=turn_timeout_s,
        tool_names=[t.name for t in tools],
    )
    shown = {**about(settings, store.location), "tools": describe(tools)}
    app = create_app(desk, about=shown, secrets=secret_values(settings), extra_hosts=extra_hosts)
    return app, tiers


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    settings: Settings | None = None,
    store_path: Path | str = DEFAULT_STORE,
    parent_pid: int | None = None,
    **options: Any,
) -> int:
    """Start the tiers and the page, print the URL, serve until interrupted."""
    from modules.runtime import run_announced  # the same start-up line and parent watch as the service

    port, note = pick_port(host, port)
    if note:
        print(note, flush=True)
    if host not in LOOPBACK_HOSTS:  # served to a room: answer to the address the room uses as well
        options["extra_hosts"] = [host, *options.get("extra_hosts", ())]
    app, tiers = build(settings, store_path, **options)
    try:
        run_announced(
            app, host, port, f"{URL_LINE_PREFIX}http://{host}:{port}/  (Ctrl+C stops it)", parent_pid=parent_pid
        )
    finally:
        tiers.close()
    return 0
