"""The public surface is documented: every name a `modules` package (or top-level module) exports in `__all__` has a
docstring, and every exported function or class that takes parameters lists them under "Args:" (Agent Framework's
style; a dataclass may list its fields under "Attributes:")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import modules

# Names that are data, not code: a constant's meaning is in the comment beside it, not in a docstring.
DATA_TYPES = (str, int, float, bool, tuple, list, dict, frozenset, set, type(None))


# Every package that exports names in __all__ (a test below keeps this list complete).
DOCUMENTED = {
    "modules.analytics",
    "modules.chat_app",
    "modules.exercises",
    "modules.hybrid",
    "modules.labkit",
    "modules.routing",
    "modules.runtime",
    "modules.service",
    "modules.sessions",
    "modules.storage",
    "modules.tiers",
}


# The top-level modules with an __all__: the guide's import paths, the router's module, the error root.
TOP_LEVEL = {
    "modules.context_manager",
    "modules.errors",
    "modules.hybrid_agent_context",
    "modules.hybrid_conversation",
    "modules.router",
}


def packages() -> list[str]:
    return sorted(DOCUMENTED | TOP_LEVEL)


def exported(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    return [(f"{package}.{name}", getattr(module, name)) for name in getattr(module, "__all__", ())]


def documented_parameters(obj: object) -> list[str]:
    """The parameters of `obj` (a function, or a class's __init__) that its docstring's "Args:" does not name."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and target is object.__init__:
        return []
    try:
        parameters = [
            name
            for name, p in inspect.signature(target).parameters.items()
            if name not in ("self", "cls") and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    except (TypeError, ValueError):
        return []
    doc = inspect.getdoc(obj) or ""
    if inspect.isclass(obj) and obj.__init__.__doc__:
        doc += "\n" + inspect.cleandoc(obj.__init__.__doc__)
    if not parameters:
        return []
    section = next((name for name in ("Args:", "Attributes:") if name in doc), None)
    if section is None:  # Attributes: documents a dataclass's fields, which are its constructor's parameters
        return parameters
    args = doc.split(section, 1)[1]
    return [name for name in parameters if f"{name}:" not in args and f"{name} (" not in args]


PUBLIC = [(name, obj) for package in packages() for name, obj in exported(package)]
CODE = [
    (name, obj)
    for name, obj in PUBLIC
    if (inspect.isfunction(obj) or inspect.isclass(obj)) and not isinstance(obj, DATA_TYPES)
]


def test_the_walk_covers_the_packages():
    assert DOCUMENTED | TOP_LEVEL == {name.rsplit(".", 1)[0] for name, _ in PUBLIC}
    every_package = {
        name
        for info in pkgutil.iter_modules(modules.__path__)
        if info.ispkg and hasattr(importlib.import_module(name := f"modules.{info.name}"), "__all__")
    }
    assert every_package == DOCUMENTED, "a new package's public names are documented and it joins DOCUMENTED"


@pytest.mark.parametrize(("name", "obj"), CODE, ids=[name for name, _ in CODE])
def test_every_exported_name_has_a_docstring(name, obj):
    assert inspect.getdoc(obj), f"{name} has no docstring"


@pytest.mark.parametrize(("name", "obj"), CODE, ids=[name for name, _ in CODE])
def test_every_exported_function_documents_its_parameters(name, obj):
    if issubclass(obj, BaseException) if inspect.isclass(obj) else False:
        pytest.skip("an error's constructor arguments are its message")
    missing = documented_parameters(obj)
    assert not missing, f"{name}: document {missing} under 'Args:'"


def test_the_check_finds_an_undocumented_parameter():
    def documented(a, b):
        """Do it.

        Args:
            a: The first.
            b (int): The second.
        """

    def half(a, b):
        """Do it.

        Args:
            a: The first.
        """

    assert documented_parameters(documented) == []
    assert documented_parameters(half) == ["b"]
    assert documented_parameters(lambda x: x) == ["x"]
