"""Render every figure and section quoted in README.md and docs/*.md from bench/results/*.json.

    python bench/render_docs.py           # rewrite the marked regions that differ
    python bench/render_docs.py --check   # only list the pages that differ (exit 1 if any)

Every bench runs this step itself after writing its results; run it by hand after editing a marker.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import ROOT, load_results, pages, render_docs, render_page  # noqa: E402


def stale_pages() -> list[Path]:
    """The pages whose marked regions differ from what the results files say."""
    results = load_results()
    return [
        page
        for page in pages()
        if page.exists()
        and render_page(page.read_text(), page.relative_to(ROOT).as_posix(), results) != page.read_text()
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the pages that differ, change nothing")
    args = parser.parse_args(argv)
    changed = stale_pages() if args.check else render_docs()
    for page in changed:
        print(("differs: " if args.check else "rendered: ") + page.relative_to(ROOT).as_posix())
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
