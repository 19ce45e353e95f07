"""The processes the course runs, below every other package: ports, child processes, servers, the local service.

    from modules.runtime import LocalService, free_port, run_json_child

Modules: `ports` (free TCP ports), `child_process` (start, await, stop a server; a one-shot child's JSON answer),
`parent_watch` (a child that ends with its parent, or a watcher that stops it then), `announced_server` (uvicorn
that says where it listens), `local_service` (the course's Responses service as a separate process), `errors`
(ProcessError and its kin).
Nothing here imports the course's other packages except `modules.config` and `modules.errors`.
"""

from modules.runtime.announced_server import AnnouncingServer, run_announced
from modules.runtime.child_process import run_json_child, start_child, stop_child, wait_until_ready
from modules.runtime.errors import ProcessError, ServiceStartError
from modules.runtime.local_service import (
    SERVICE_URL_ENV,
    LocalService,
    environment_for_child,
    parent_service,
    running_local_service,
)
from modules.runtime.parent_watch import exit_with_parent, stop_with_parent
from modules.runtime.ports import free_port, port_is_free

__all__ = [
    "SERVICE_URL_ENV",
    "AnnouncingServer",
    "LocalService",
    "ProcessError",
    "ServiceStartError",
    "environment_for_child",
    "exit_with_parent",
    "free_port",
    "parent_service",
    "port_is_free",
    "run_announced",
    "run_json_child",
    "running_local_service",
    "start_child",
    "stop_child",
    "stop_with_parent",
    "wait_until_ready",
]
