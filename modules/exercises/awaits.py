"""Say "missing `await`" under the cell that made the mistake, not under a later one.

A cell such as `my_reply = agent.run(...)` (no `await`) leaves a coroutine that never runs. Python warns about it
only when the coroutine is garbage-collected, which can be several cells later. After every cell, this hook looks
for names the cell bound to a coroutine that never started, names them under that cell with the fix, and closes
them so the late warning never comes.
"""

from __future__ import annotations

import inspect
from typing import Any

_registered: set[int] = set()


def unawaited_names(namespace: dict[str, Any]) -> list[str]:
    """Public names bound to a coroutine that was created but never awaited."""
    return [
        name
        for name, value in namespace.items()
        if not name.startswith("_")
        and inspect.iscoroutine(value)
        and inspect.getcoroutinestate(value) == inspect.CORO_CREATED
    ]


def report_unawaited(namespace: dict[str, Any]) -> list[str]:
    """Print one line per un-awaited coroutine in `namespace`, close each, and return their names."""
    names = unawaited_names(namespace)
    for name in names:
        namespace[name].close()
        print(
            f"⚠️  `{name}` holds a coroutine that never ran: put `await` before the call in this cell and run it again."
        )
    return names


def watch_for_missing_await() -> bool:
    """Check after every cell of this IPython kernel (once per kernel); returns whether a kernel was found."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if id(shell) not in _registered:
        shell.events.register("post_run_cell", lambda result: report_unawaited(shell.user_ns))
        _registered.add(id(shell))
    return True
