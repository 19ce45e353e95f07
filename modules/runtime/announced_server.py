"""Run an app under uvicorn, say once where it listens, and (optionally) end with the parent process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import uvicorn

from modules.runtime.parent_watch import exit_with_parent

__all__ = ["AnnouncingServer", "run_announced"]


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints one line once its socket is bound: the URL to give a client.

    Args:
        config: The uvicorn configuration (app, host, port, ...).
        announcement: The line to print once the server listens.
    """

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.announcement, flush=True)


def run_announced(
    app: Any,
    host: str,
    port: int,
    announcement: str,
    *,
    parent_pid: int | None = None,
    remove_with_parent: Path | str | None = None,
) -> None:
    """Serve `app` until interrupted, printing `announcement` once the socket is bound.

    Args:
        app: The ASGI app (the service's or the chat page's FastAPI app).
        host: The address to bind, normally 127.0.0.1.
        port: The TCP port to bind.
        announcement: The line printed once the server listens.
        parent_pid: When given, the server exits as soon as that parent process is gone.
        remove_with_parent: A folder removed when the server exits because its parent is gone.
    """
    if parent_pid:
        exit_with_parent(parent_pid, remove_on_exit=remove_with_parent)
    AnnouncingServer(uvicorn.Config(app, host=host, port=port, log_level="warning"), announcement).run()
