"""Queries the course states a tier for: kept out of the router's training data.

A lab, a test, the instructor's demo script or a chat page example that says "this goes local" proves nothing
when the router was trained on that very query. `stated_queries()` collects every quoted string of those files
(over-inclusive on purpose: a quoted word that is not a query costs nothing); data/make_graded_queries.py puts
graded queries among them in the hold-out split, and tests/test_router_stated.py checks that no training row is one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from modules.config import PROJECT_ROOT

__all__ = ["STATING_FILES", "normal", "stated_queries"]

STATING_FILES = (
    "notebooks/05_query_router.ipynb",
    "notebooks/05b_router_evaluation.ipynb",
    "notebooks/06_hybrid_conversations.ipynb",
    "notebooks/07_routing_analytics.ipynb",
    "docs/router.md",
    "docs/instructor-notes.md",
    "docs/conversation-persistence-guide.md",
    "modules/chat_app/examples.py",
    "modules/exercises/lab05.py",
    "tests/test_router.py",
    "tests/test_router_modes.py",
    "tests/test_router_dial.py",
    "tests/test_router_followups.py",
    "tests/test_router_sanity.py",
    "tests/test_routing_closings.py",
    "tests/test_instructor_demo.py",
    "tests/test_chat_app.py",
    "tests/test_exercises_lab05.py",
    "tests/test_analytics_workload.py",
    "tests/test_hybrid_conversation.py",
)
_QUOTED = re.compile(r"\"((?:[^\"\\\n]|\\.){1,300})\"|'((?:[^'\\\n]|\\.){1,300})'|`([^`\n]{1,300})`")
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def normal(text: str) -> str:
    """A query as compared here: lower case, inner whitespace collapsed, punctuation at the ends dropped
    ("Thanks!" and "thanks" are the same query; an emoji on its own is kept).

    Args:
        text: The query.

    Returns:
        Its comparable form.
    """
    collapsed = " ".join(text.lower().split())
    stripped = _EDGES.sub("", collapsed)
    return stripped or collapsed


def _text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join("".join(cell.get("source", [])) for cell in cells)
    return path.read_text(encoding="utf-8")


def stated_queries(root: Path = PROJECT_ROOT) -> set[str]:
    """Every quoted string (in "", '' or ``) of the files that state tiers, in `normal` form.

    Args:
        root: The project folder.

    Returns:
        The normalised strings; files that do not exist are skipped.
    """
    found: set[str] = set()
    for name in STATING_FILES:
        path = root / name
        if path.exists():
            for match in _QUOTED.finditer(_text_of(path)):
                found.add(normal(next(g for g in match.groups() if g is not None)))
    return found
