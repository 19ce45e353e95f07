"""One error family: every error class the course's modules define derives from CourseError and ends in "Error".

Warning classes (e.g. a profile measured for another model) are not errors and are left out.

The test imports every module under `modules/` and collects each public exception class defined there (and each
one a package exports in `__all__`), so a freestanding `class SomethingFailed(RuntimeError)` added anywhere fails.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import modules
from modules.errors import CourseError

MODULES = Path(modules.__file__).parent
BARE = ("ValueError", "TypeError", "KeyError")

# Entry points that run a program when imported as a module, rather than define anything.
NOT_IMPORTED = {"modules.chat_app.__main__", "modules.exercises.__main__", "modules.service.__main__"}


def course_modules() -> list[ModuleType]:
    found = [modules]
    for info in pkgutil.walk_packages(modules.__path__, "modules."):
        if info.name not in NOT_IMPORTED and not info.name.endswith("__main__"):
            found.append(importlib.import_module(info.name))
    return found


def exported_exceptions(module: ModuleType) -> dict[str, type[BaseException]]:
    """Public exception classes defined in `module`, plus those it lists in `__all__`, by qualified class name."""
    names = [name for name in vars(module) if not name.startswith("_")]
    found = {}
    for name in names:
        value = getattr(module, name)
        if not (inspect.isclass(value) and issubclass(value, BaseException)) or issubclass(value, Warning):
            continue  # warnings are not errors: they derive from Warning, as `warnings.warn` expects
        if value.__module__ == module.__name__ or name in getattr(module, "__all__", ()):
            found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def family_problems(classes: dict[str, type[BaseException]]) -> list[str]:
    problems = []
    for name, cls in sorted(classes.items()):
        if not issubclass(cls, CourseError):
            problems.append(f"{name} does not derive from modules.errors.CourseError")
        if not cls.__name__.endswith("Error"):
            problems.append(f"{name} does not end in 'Error'")
    return problems


ALL_ERRORS = {name: cls for module in course_modules() for name, cls in exported_exceptions(module).items()}


def test_the_walk_finds_the_errors_of_every_package():
    packages = {name.split(".")[1] for name in ALL_ERRORS}
    assert {"storage", "hybrid", "service", "routing", "tiers", "runtime", "chat_app", "labkit"} <= packages
    assert len(ALL_ERRORS) >= 30


def test_the_check_rejects_a_freestanding_error_and_a_missing_suffix():
    module = ModuleType("modules.planted")
    exec(  # noqa: S102 - a planted module, to prove the check can fail
        "from modules.errors import CourseError\n"
        "class SomethingFailed(RuntimeError): pass\n"
        "class Oops(CourseError): pass\n"
        "class FineError(CourseError): pass\n"
        "class SlowWarning(UserWarning): pass\n",
        module.__dict__,
    )
    module.__dict__["__name__"] = "modules.planted"
    for cls in ("SomethingFailed", "Oops", "FineError", "SlowWarning"):
        getattr(module, cls).__module__ = "modules.planted"
    assert family_problems(exported_exceptions(module)) == [
        "modules.planted.Oops does not end in 'Error'",
        "modules.planted.SomethingFailed does not derive from modules.errors.CourseError",
        "modules.planted.SomethingFailed does not end in 'Error'",
    ]


@pytest.mark.parametrize("name", sorted(ALL_ERRORS))
def test_every_course_error_derives_from_CourseError_and_ends_in_Error(name):
    assert family_problems({name: ALL_ERRORS[name]}) == []


def test_a_course_error_shows_as_one_line_in_a_notebook():
    from modules.storage import ConversationNotFoundError

    error = ConversationNotFoundError("c1", "not found.", "Check the id with store.list().")
    rendered = error._render_traceback_()
    assert len(rendered) == 1 and "ConversationNotFoundError" in rendered[0]
    assert rendered[0].endswith("Conversation 'c1': not found. Check the id with store.list().")


def bare_raises(root: Path = MODULES) -> list[str]:
    """Each `raise ValueError(...)` (or TypeError, KeyError) under `root`, as "path: kind", one entry per raise."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            raised = node.exc.func if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) else None
            raised = node.exc if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name) else raised
            if isinstance(raised, ast.Name) and raised.id in BARE:
                found.append(f"{path.relative_to(root).as_posix()}: {raised.id}")
    return sorted(found)


def test_the_raise_finder_sees_bare_builtins_and_passes_course_errors(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "charts.py").write_text(
        "def f(x):\n    if x:\n        raise ValueError('empty')\n    raise KeyError\n"
        "def g():\n    raise ExchangeDataError('empty')\n"
    )
    assert bare_raises(tmp_path) == ["pkg/charts.py: KeyError", "pkg/charts.py: ValueError"]


def test_library_code_raises_course_errors_not_bare_builtins():
    """A user sees a course error (which keeps the built-in base where code catches one), never a bare built-in."""
    assert bare_raises() == []
