"""Labs and docs import the course's code only from a package's root, and only names in that root's `__all__`.

So the public surface is what each `__init__` lists, not whatever a lab happened to reach into: every code cell of
every notebook and every fenced python block of docs/*.md is parsed, and each `from modules... import ...` is checked.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FENCED_PYTHON = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
IMPORT_STATEMENT = re.compile(
    r"^[ \t]*(?:from[ \t]+\S+[ \t]+import[ \t]+(?:\([^)]*\)|.*)|import[ \t]+.*)$", re.MULTILINE
)
COMPILE_FLAGS = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


def code_blocks(path: Path) -> list[tuple[str, str]]:
    """(where, source) of each code cell of a notebook, or each fenced python block of a Markdown page."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return [
            (f"{path.name} cell {i}", "".join(cell["source"]))
            for i, cell in enumerate(cells)
            if cell["cell_type"] == "code"
        ]
    return [(f"{path.name} block {i}", block) for i, block in enumerate(FENCED_PYTHON.findall(path.read_text()), 1)]


def import_nodes(source: str) -> list[ast.Import | ast.ImportFrom]:
    """The import statements of a block; a block that is not whole Python (a sketch with `...`) is read line by line."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        statements = [compile(source, "<block>", "exec", COMPILE_FLAGS)]
    except SyntaxError:
        statements = [compile(m.strip(), "<line>", "exec", COMPILE_FLAGS) for m in IMPORT_STATEMENT.findall(source)]
    return [n for tree in statements for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def problems_of(node: ast.Import | ast.ImportFrom) -> list[str]:
    """What is wrong with one import: a module below a package root, or a name the root does not list."""
    if isinstance(node, ast.Import):
        return [f"import {a.name}: below a package root" for a in node.names if a.name.count(".") > 1]
    module = node.module or ""
    if module.split(".")[0] != "modules":
        return []
    if module.count(".") > 1:
        return [f"from {module} import ...: below a package root ({'.'.join(module.split('.')[:2])})"]
    if module == "modules":
        return []  # `from modules import storage`: the package itself
    public = getattr(importlib.import_module(module), "__all__", ())
    return [f"from {module} import {a.name}: not in {module}.__all__" for a in node.names if a.name not in public]


def problems_in(path: Path) -> list[str]:
    return [
        f"{where}: {problem}"
        for where, source in code_blocks(path)
        for node in import_nodes(source)
        for problem in problems_of(node)
    ]


PAGES = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "docs").glob("*.md"))


def test_the_checker_catches_a_submodule_a_private_name_and_an_import_in_a_sketch(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nfrom modules.routing.curve import router_curve\n```\n"
        "```python\nfrom modules.routing import HybridRouter, _warned\nanswer = ...  # a sketch\n"
        "x = = 1\nimport modules.storage.file_store\n```\n"
    )
    assert problems_in(page) == [
        "page.md block 1: from modules.routing.curve import ...: below a package root (modules.routing)",
        "page.md block 2: from modules.routing import _warned: not in modules.routing.__all__",
        "page.md block 2: import modules.storage.file_store: below a package root",
    ]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_labs_and_docs_import_only_public_names_from_package_roots(path):
    problems = problems_in(path)
    assert not problems, "import these from the package's root, through its __all__:\n" + "\n".join(problems)
