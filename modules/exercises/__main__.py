"""Instructor commands for the exercise cells of the lab notebooks.

python -m modules.exercises list                         every exercise, by lab
python -m modules.exercises reset NOTEBOOK...            back to the exercise state (in place, deterministic)
python -m modules.exercises fill NOTEBOOK --out COPY     a copy with every solution filled in
python -m modules.exercises insert NOTEBOOK...           add a lab's exercise cells where they are missing (idempotent)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from modules.exercises import notebook_cells as cells
from modules.exercises.checker import exercises


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modules.exercises", description="Reset, fill or insert the exercise cells of a lab notebook."
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("list", help="list every exercise")
    reset = commands.add_parser("reset", help="put exercise cells back to their shipped text, clear all outputs")
    reset.add_argument("notebooks", nargs="+", type=Path)
    fill = commands.add_parser("fill", help="write a copy of a notebook with its solutions filled in")
    fill.add_argument("notebook", type=Path)
    fill.add_argument("--out", type=Path, required=True, help="where to write the filled copy (never the original)")
    insert = commands.add_parser("insert", help="add the lab's exercise cells before '## What you did'")
    insert.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)

    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "list":
        for ex in exercises():
            print(f"{ex.id:6} {ex.level:8} {ex.title}")
        return 0
    if args.command == "fill":
        if args.out.resolve() == args.notebook.resolve():
            parser.error("--out must differ from the notebook: the shipped notebook keeps its exercises unsolved.")
        nb = cells.read(args.notebook)
        filled = cells.fill(nb, cells.lab_of(args.notebook))
        cells.write(nb, args.out)
        print(f"{args.out}: filled {', '.join(filled) or 'nothing'}")
        return 0
    for path in args.notebooks:
        nb = cells.read(path)
        lab = cells.lab_of(path)
        count = cells.reset(nb, lab) if args.command == "reset" else cells.insert(nb, lab)
        cells.write(nb, path)
        verb = "cells reset" if args.command == "reset" else "exercises added"
        print(f"{path}: {count} {verb}, outputs cleared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
