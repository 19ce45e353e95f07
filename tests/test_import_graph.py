"""Dependencies point one way: neither the packages of `modules/` nor its files import each other in a circle.

The graphs are read from the source with `ast` (every import, including those inside functions), so a cycle that
only shows at run time in one code path still fails here; a file-level circle inside one package (a -> b -> a)
fails as surely as one between packages. Another package is entered through its public names
(`from modules.storage import SqliteStore`), never through its internals (`modules.storage.sqlite_db`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parent.parent / "modules"

# Command-line entry points, imported by name where `python -m` needs them.
ENTRY_POINTS = {"modules.routing.cli"}


def unit_of(module: str) -> str | None:
    """The package (or top-level module) of `modules` that `module` belongs to: 'storage' for modules.storage.x."""
    parts = module.split(".")
    return parts[1] if parts[0] == "modules" and len(parts) > 1 else None


def module_name(path: Path, root: Path = MODULES) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def names_bound_in(init: Path) -> set[str]:
    """The names a package's `__init__.py` imports or defines at its top level (its public face)."""
    if not init.is_file():
        return set()
    bound = set()
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
    return bound


def imports_of(path: Path, root: Path = MODULES) -> set[str]:
    """Every module `path` imports (absolute names; `from a import b` counts as a.b when a is a package)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            folder = root.parent / base.replace(".", "/")
            exported = names_bound_in(folder / "__init__.py")
            found.update(  # `from modules.labkit import redis_server` imports a module, unless __init__ binds the name
                f"{base}.{alias.name}"
                for alias in node.names
                if alias.name not in exported
                and ((folder / alias.name).is_dir() or (folder / f"{alias.name}.py").is_file())
            )
    return found


def unit_graph(root: Path = MODULES) -> dict[str, set[str]]:
    """unit -> the other units it imports (units: the packages and top-level modules of `modules`)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        unit = unit_of(module_name(path, root))
        if unit is None:
            continue
        graph.setdefault(unit, set())
        for target in imports_of(path, root):
            other = unit_of(target)
            if other is not None and other != unit:
                graph[unit].add(other)
    return graph


def module_graph(root: Path = MODULES) -> dict[str, set[str]]:
    """module -> the modules of `modules` it imports: one node per file, edges from every import statement.

    Importing `modules.routing.curve` also runs the package's `__init__`, but that implicit step is no edge: only
    what a file names in an import statement is (`from modules.routing import x` names the package's `__init__`).
    """
    files = {module_name(path, root): path for path in sorted(root.rglob("*.py"))}
    return {
        name: {target for target in imports_of(path, root) if target in files and target != name}
        for name, path in files.items()
    }


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts (['a', 'b', 'a']), or None."""
    state: dict[str, str] = {}  # "visiting" while on the current path, "done" once fully explored

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "visiting"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "visiting":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_planted_cycle_and_accepts_a_layered_graph():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"top": {"x"}, "x": {"y"}, "y": {"x"}}) == ["x", "y", "x"]
    assert find_cycle({"self": {"self"}}) == ["self", "self"]


def test_the_graph_reader_sees_a_cycle_planted_in_real_files(tmp_path):
    root = tmp_path / "modules"
    for package, source in {
        "tiers": "from modules.service import thing\n",
        "service": "def later():\n    from ..tiers import other\n",  # inside a function, relative
    }.items():
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text(source)
    graph = unit_graph(root)
    assert graph == {"service": {"tiers"}, "tiers": {"service"}}
    assert find_cycle(graph) == ["service", "tiers", "service"]


def test_the_packages_of_modules_import_each_other_without_a_cycle():
    graph = unit_graph()
    assert {"runtime", "storage", "tiers", "service", "labkit"} <= set(graph)
    assert find_cycle(graph) is None, f"import cycle between packages of modules/: {' -> '.join(find_cycle(graph))}"


def test_the_module_graph_sees_a_circle_between_files_of_one_package(tmp_path):
    routing = tmp_path / "modules" / "routing"
    routing.mkdir(parents=True)
    (routing / "__init__.py").write_text("from modules.routing.router import route\n")
    (routing / "router.py").write_text("from modules.routing.curve import curve\n")
    (routing / "curve.py").write_text("def curve():\n    from .router import route\n")  # hidden in a function
    (routing / "modes.py").write_text("from modules.routing import route\n")  # the package's __init__: no circle
    graph = module_graph(tmp_path / "modules")
    assert graph["modules.routing.curve"] == {"modules.routing.router"}
    assert graph["modules.routing.modes"] == {"modules.routing"}
    assert unit_graph(tmp_path / "modules") == {"routing": set()}  # one package: invisible to the package graph
    assert find_cycle(graph) == ["modules.routing.router", "modules.routing.curve", "modules.routing.router"]


def test_no_file_of_modules_imports_itself_through_a_circle():
    graph = module_graph()
    assert {"modules.routing.curve", "modules.storage.store"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, f"file-level import circle in modules/: {' -> '.join(cycle)}"


def test_runtime_sits_below_every_package_and_labkit_above_them():
    graph = unit_graph()
    assert graph["runtime"] <= {"config", "errors"}, "modules.runtime may import only modules.config and modules.errors"
    importers_of_labkit = sorted(unit for unit, targets in graph.items() if "labkit" in targets)
    assert importers_of_labkit == [], f"labkit holds teaching helpers at the top; imported by {importers_of_labkit}"


@pytest.mark.parametrize("path", sorted(MODULES.rglob("*.py")), ids=lambda p: str(p.relative_to(MODULES)))
def test_another_package_is_entered_through_its_public_names(path):
    unit = unit_of(module_name(path))
    internals = sorted(
        target
        for target in imports_of(path)
        if (other := unit_of(target)) not in (None, unit)
        and (MODULES / other).is_dir()
        and len(target.split(".")) > 2
        and target not in ENTRY_POINTS
    )
    assert not internals, f"import these through the package's public names (its __init__): {internals}"
