"""README's layout section names every folder and file a newcomer meets, and nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What the checkout holds but the layout need not explain: the tools' own folders and files.
NOT_LISTED = {".git", ".gitignore", ".ruff_cache", ".pytest_cache", ".venv", "var", "README.md", "wheelhouse"}


def layout_block(readme: str) -> str:
    return readme.split("## Layout", 1)[1].split("```", 2)[1]


def listed(block: str) -> tuple[set[str], set[str]]:
    """(top-level entries, entries inside modules/): the names at the start of each line, split at ", "."""
    top: set[str] = set()
    inside: set[str] = set()
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        if not line.strip() or indent > 2:
            continue  # a description's continuation
        names = re.match(r"\s*([^\s,]+(?:, [^\s,]+)*)", line).group(1).split(", ")
        (inside if indent == 2 else top).update(name.rstrip("/") for name in names)
    return top, inside


def test_the_reader_splits_the_layout_into_top_level_and_modules_entries():
    block = "\nnotebooks/   labs\nmodules/     code\n  tiers/     models\n  a.py, b.py\n             both\n"
    assert listed(block) == ({"notebooks", "modules"}, {"tiers", "a.py", "b.py"})


def test_the_layout_names_every_folder_of_the_checkout_and_of_modules():
    top, inside = listed(layout_block((ROOT / "README.md").read_text(encoding="utf-8")))
    on_disk = {p.name for p in ROOT.iterdir()} - NOT_LISTED
    in_modules = {p.name for p in (ROOT / "modules").iterdir() if p.is_dir() or p.suffix == ".py"}
    in_modules -= {"__init__.py", "__pycache__"}
    top = {name.split("/")[0] for name in top}  # ".ci/run" and ".ci/lock" are the .ci folder
    assert sorted(on_disk - top) == [], "the layout does not name these"
    assert sorted(top - on_disk) == [], "the layout names these, which do not exist"
    assert sorted(in_modules ^ inside) == [], "modules/ and the layout's list of it differ"
