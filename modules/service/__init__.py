"""The course's own Responses-API service, the offline cloud tier (lab 03).

`app` assembles the FastAPI app from `routes/` (responses, conversations, models), `dependencies` (shared state,
bearer token), `errors` (the OpenAI error shape) and `requests` (body validation); `store` keeps turns in SQLite;
`python -m modules.service --port 8765` runs it in a terminal. `LocalService` (from `modules.runtime`, re-exported
here) starts and stops it as a separate process.
"""

from modules.runtime import LocalService, ServiceStartError, running_local_service

__all__ = ["LocalService", "ServiceStartError", "running_local_service"]
