"""The course's own Responses-API service, the offline cloud tier (lab 03).

`app` builds the FastAPI app, `store` keeps sessions in SQLite, `process` starts and stops it
as a separate process; `python -m modules.service --port 8765` runs it in a terminal.
"""

from modules.service.process import LocalService, ServiceStartError, running_local_service

__all__ = ["LocalService", "ServiceStartError", "running_local_service"]
