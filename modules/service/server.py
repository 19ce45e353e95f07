"""Run the app under uvicorn, say once where it listens, and (optionally) end with the parent process."""

from __future__ import annotations

import os
import threading
import time

import uvicorn
from fastapi import FastAPI


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that prints one line once its socket is bound: the URL to give an OpenAI client."""

    def __init__(self, config: uvicorn.Config, announcement: str) -> None:
        super().__init__(config)
        self.announcement = announcement

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.announcement, flush=True)


def serve(app: FastAPI, host: str, port: int, *, parent_pid: int | None = None) -> None:
    service = app.state.service
    announcement = f"listening on http://{host}:{port}/v1 (model {service.model}, data in {service.store.path})"
    run_announced(app, host, port, announcement, parent_pid=parent_pid)


def run_announced(app: FastAPI, host: str, port: int, announcement: str, *, parent_pid: int | None = None) -> None:
    """Serve `app` until interrupted, printing `announcement` once the socket is bound (also used by the chat page)."""
    if parent_pid:
        _exit_with_parent(parent_pid)
    AnnouncingServer(uvicorn.Config(app, host=host, port=port, log_level="warning"), announcement).run()


def _exit_with_parent(parent_pid: int) -> None:
    """A notebook kernel killed hard never runs its clean-up; don't outlive it."""

    def watch() -> None:
        while True:
            time.sleep(1)
            if os.getppid() != parent_pid:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
