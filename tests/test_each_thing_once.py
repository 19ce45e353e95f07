"""Each thing is written once in `modules/`: the tiers, the fallback loop, the secret patterns, the summary numbers.

Read from the source with `ast`, so a second copy fails here however it is spelled around the part checked.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace

MODULES = Path(__file__).resolve().parent.parent / "modules"


def trees() -> dict[str, ast.Module]:
    """Every file of modules/, parsed, by its path relative to modules/."""
    return {str(path.relative_to(MODULES)): ast.parse(path.read_text()) for path in sorted(MODULES.rglob("*.py"))}


def files_where(found) -> list[str]:
    """The files of modules/ with at least one node for which `found(node)` is true."""
    return sorted(name for name, tree in trees().items() if any(found(node) for node in ast.walk(tree)))


def test_the_tiers_are_defined_once():
    def defines_tiers(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Tuple)
            and [getattr(e, "value", None) for e in node.value.elts] == ["local", "cloud"]
        )

    assert files_where(defines_tiers) == ["config.py"]


def test_only_the_fallback_loop_records_a_fallback():
    """A second copy of the loop (in the manager, in the router) would build its own `fell_back=True` decision."""

    def builds_a_fallback(node: ast.AST) -> bool:
        return isinstance(node, ast.keyword) and node.arg == "fell_back" and getattr(node.value, "value", 0) is True

    assert files_where(builds_a_fallback) == ["routing/fallback.py"]


def test_secret_shapes_are_written_once():
    def secret_shape(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.search(r"sk-\[|bearer\\s|api\[_-\]", node.value, re.IGNORECASE) is not None
        )

    assert files_where(secret_shape) == ["redaction.py"]


def test_the_manager_analytics_and_the_chat_page_give_the_summary_in_one_schema():
    from modules.analytics import conversation_totals
    from modules.chat_app import ChatDesk
    from modules.hybrid import SUMMARY_KEYS, ConversationContextManager
    from modules.hybrid.exchange import exchange_metadata

    context = ConversationContextManager("one-schema")
    context.routing_metadata.extend(
        [
            exchange_metadata(turn=1, source="local", previous_source=None, response_time_s=0.5, input_tokens=9),
            exchange_metadata(turn=2, source="cloud", previous_source="local", response_time_s=2.0, output_tokens=7),
        ]
    )
    manager_summary = context.get_routing_summary()
    assert manager_summary.pop("session_id") == context.session_id
    assert tuple(manager_summary) == SUMMARY_KEYS and manager_summary["model_switches"] == 1
    assert conversation_totals(context.routing_metadata) == manager_summary
    desk = ChatDesk(lambda: SimpleNamespace(conversation_id="c", context=context), store=None)
    assert desk.new()["panel"] == manager_summary
