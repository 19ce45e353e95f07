"""`python -m modules.service --port 8765`: run the local Responses-API service in a terminal."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modules.service",
        description="The course's own OpenAI Responses-API service (the offline cloud tier), on this machine only. "
        "Serves /v1/responses, /v1/conversations and /v1/models: point an OpenAI client's base URL at it.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", type=Path, help="SQLite file for stored conversations (default: var/, git-ignored)")
    parser.add_argument("--parent-pid", type=int, help="exit when this process ends (used by LocalService)")
    parser.add_argument(
        "--remove-with-parent", type=Path, help="a temporary folder to remove if the --parent-pid process dies first"
    )
    args = parser.parse_args(argv)

    # Imported after parsing, so --help is instant and quiet.
    from modules.config import load_settings, reveal
    from modules.runtime import port_is_free, run_announced
    from modules.service.app import DEFAULT_DB_PATH, create_app
    from modules.service.db_lock import DatabaseInUseError

    if not port_is_free(args.host, args.port):
        print(
            f"Port {args.port} on {args.host} is in use. Stop whatever uses it or pass --port with another number.",
            file=sys.stderr,
        )
        return 2
    try:
        app = create_app(args.db or DEFAULT_DB_PATH, token=reveal(load_settings().service_token))
    except DatabaseInUseError as error:
        print(error, file=sys.stderr)  # one line, which LocalService shows as its start error
        return 2
    service = app.state.service
    announcement = (
        f"listening on http://{args.host}:{args.port}/v1 (model {service.model}, data in {service.store.path})"
    )
    run_announced(
        app, args.host, args.port, announcement, parent_pid=args.parent_pid, remove_with_parent=args.remove_with_parent
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
