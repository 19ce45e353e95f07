"""README's layout section names every folder and file a newcomer meets, and nothing that is not there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What a clone holds but the layout need not explain (git-ignored build output, such as pip's egg-info, is never in a
# clone, so the tracked files are what is compared).
NOT_LISTED = {".gitignore", "README.md"}


def tracked(folder: str = "") -> set[str]:
    """The names directly inside `folder` (the checkout's root by default) that git tracks."""
    files = subprocess.run(
        ["git", "ls-files", "--", folder or "."], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    prefix = f"{folder}/" if folder else ""
    return {path.removeprefix(prefix).split("/")[0] for path in files}


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
    on_disk = tracked() - NOT_LISTED
    in_modules = {name for name in tracked("modules") if "." not in name or name.endswith(".py")}
    in_modules -= {"__init__.py"}
    top = {name.split("/")[0] for name in top}  # ".ci/run" and ".ci/lock" are the .ci folder
    assert sorted(on_disk - top) == [], "the layout does not name these"
    assert sorted(top - on_disk) == [], "the layout names these, which do not exist"
    assert sorted(in_modules ^ inside) == [], "modules/ and the layout's list of it differ"
