"""The storage layer stands on its own: it imports only what this allow-list names.

Allowed: the standard library, storage's own modules, `modules.errors` (the root of every course error),
`modules.timeutil` (the one time helper, itself standard library only) and the third-party packages storage
declares. Anything else (config, tiers, the service, the router, numpy, ...) fails.
"""

import ast
import sys
from pathlib import Path

import pytest

STORAGE = Path(__file__).resolve().parent.parent / "modules" / "storage"
OWN = ("modules.storage", "modules.errors", "modules.timeutil")
# Storage's declared third-party packages: redis-py, cryptography (AES-GCM) and Agent Framework (sessions, history).
THIRD_PARTY = {"redis", "cryptography", "agent_framework"}


def imported_modules(source: str) -> set[str]:
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("modules.storage" if node.level else node.module)
    return imported


def not_allowed(imported: set[str]) -> set[str]:
    def allowed(name: str) -> bool:
        top = name.split(".")[0]
        return (
            top in sys.stdlib_module_names
            or top in THIRD_PARTY
            or top == "__future__"
            or any(name == own or name.startswith(own + ".") for own in OWN)
        )

    return {name for name in imported if not allowed(name)}


def test_the_allow_list_refuses_what_it_does_not_name():
    planted = "import json\nimport numpy\nfrom modules.config import load_settings\nfrom modules.storage import x\n"
    assert not_allowed(imported_modules(planted)) == {"numpy", "modules.config"}
    assert not_allowed(imported_modules("def f():\n    from modules.tiers import Tiers\n")) == {"modules.tiers"}
    assert not_allowed(imported_modules("from modules.errorsx import E\n")) == {"modules.errorsx"}


@pytest.mark.parametrize("path", sorted(STORAGE.glob("*.py")), ids=lambda p: p.name)
def test_storage_modules_import_only_the_allow_list(path):
    assert not_allowed(imported_modules(path.read_text())) == set()
