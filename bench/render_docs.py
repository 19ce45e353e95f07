"""Render every figure and section quoted in README.md and docs/*.md from bench/results/*.json.

    python bench/render_docs.py           # rewrite the marked regions that differ
    python bench/render_docs.py --check   # only list the pages that differ (exit 1 if any)
    python bench/render_docs.py --adopt   # record every section no results file holds, as the page has it

`--adopt` is for a section written before bench/results/ existed (or merged in without its results): it is
recorded in bench/results/<section name>.json with provenance "adopted", not re-measured; rerun its bench to
measure it again.

Every bench runs this step itself after writing its results; run it by hand after editing a marker.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import RESULTS_DIR, ROOT, SECTION, load_results, pages, render_docs, render_page  # noqa: E402

_MEASURED_ON = re.compile(r"\n\n_Measured on: (?P<machine>.*?)\._\n?$", re.S)


def stale_pages() -> list[Path]:
    """The pages whose marked regions differ from what the results files say."""
    results = load_results()
    return [
        page
        for page in pages()
        if page.exists()
        and render_page(page.read_text(), page.relative_to(ROOT).as_posix(), results) != page.read_text()
    ]


def adopt(root: Path = ROOT, results_dir: Path = RESULTS_DIR) -> list[str]:
    """Record every marked section that no results file holds, exactly as its page shows it."""
    results, adopted = load_results(results_dir), []
    for page in (p for p in pages(root) if p.exists()):
        key = page.relative_to(root).as_posix()
        held = {name for data in results.values() for name in data.get("sections", {}).get(key, {})}
        for match in SECTION.finditer(page.read_text()):
            name = match["name"]
            if name in held:
                continue
            body = match[0].split("\n", 1)[1].rsplit("<!-- END", 1)[0]
            measured = _MEASURED_ON.search(body)
            markdown = body[: measured.start()] if measured else body
            bench = name.replace("-", "_")
            file = Path(results_dir) / f"{bench}.json"
            data = json.loads(file.read_text()) if file.exists() else {"bench": bench}
            data.setdefault("provenance", f"adopted from {key} as it was (not re-measured): rerun its bench")
            entry = {"markdown": markdown.strip(), "measured_on": measured["machine"] if measured else "not stated"}
            data.setdefault("sections", {}).setdefault(key, {})[name] = entry
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
            adopted.append(f"{key}: {name} -> bench/results/{bench}.json")
    return adopted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="list the pages that differ, change nothing")
    parser.add_argument("--adopt", action="store_true", help="record sections that no results file holds")
    args = parser.parse_args(argv)
    if args.adopt:
        for line in adopt():
            print("adopted:", line)
    changed = stale_pages() if args.check else render_docs()
    for page in changed:
        print(("differs: " if args.check else "rendered: ") + page.relative_to(ROOT).as_posix())
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
