"""`python -m modules.chat_app`: the hybrid conversation in a browser, with the routing shown live."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from modules.chat_app.desk import MAX_MESSAGE_CHARS, TURN_TIMEOUT_S
from modules.chat_app.server import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_STORE, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modules.chat_app",
        description="Start the chat page: both tiers (offline by default, real endpoints when .env names them), "
        "the router and a conversation store; prints the URL to open. Ctrl+C stops it.",
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind (default {DEFAULT_HOST}: this machine only; 0.0.0.0 with --allow-host lets the room "
        "use your tiers)",
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a further host name or address the page answers to (repeatable), e.g. this machine's address in the "
        "room; every other Host is refused",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; a free one if taken; 0 = any)"
    )
    parser.add_argument(
        "--store", type=Path, default=DEFAULT_STORE, help="SQLite file for saved conversations (default: %(default)s)"
    )
    parser.add_argument("--max-tokens", type=int, help="cap on each answer's length in tokens (default: the manager's)")
    parser.add_argument(
        "--turn-timeout",
        type=float,
        default=TURN_TIMEOUT_S,
        help="seconds before a turn is given up (default %(default)s)",
    )
    parser.add_argument(
        "--max-chars", type=int, default=MAX_MESSAGE_CHARS, help="longest message accepted (default %(default)s)"
    )
    parser.add_argument("--parent-pid", type=int, help="exit when this process ends (used by ChatPage)")
    args = parser.parse_args(argv)
    return serve(
        args.host,
        args.port,
        store_path=args.store,
        parent_pid=args.parent_pid,
        max_tokens=args.max_tokens,
        turn_timeout_s=args.turn_timeout,
        max_message_chars=args.max_chars,
        extra_hosts=args.allow_host,
    )


sys.exit(main())
