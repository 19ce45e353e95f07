"""Dependencies point one way: the storage layer never imports the tiers, the service, the router or config."""

import ast
from pathlib import Path

import pytest

STORAGE = Path(__file__).resolve().parent.parent / "modules" / "storage"
ABOVE_STORAGE = ("modules.config", "modules.tiers", "modules.service", "modules.routing", "modules.sessions")


@pytest.mark.parametrize("path", sorted(STORAGE.glob("*.py")), ids=lambda p: p.name)
def test_storage_modules_import_nothing_above_them(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {name for name in imported if name.startswith(ABOVE_STORAGE)}
