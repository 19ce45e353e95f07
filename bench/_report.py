"""The one way a benchmark publishes: its results file in `bench/results/`, rendered into the docs.

    write_section("hybrid", markdown)                          # a whole section of docs/performance.md
    write_section("router", markdown, path=ROOT / "docs" / "router.md")
    record_figures("hybrid", {"resume_ms.sqlite": figure(41.2, "ms", "{:.1f}")})   # figures quoted in prose

Results: one JSON file per bench script, `bench/results/<bench>.json` (`bench_hybrid.py` -> `hybrid.json`):

    {"bench": "hybrid",
     "provenance": "measured by bench/bench_hybrid.py",   # or how the figures were obtained, when not re-run
     "figures": {"resume_ms.sqlite": {"value": 41.2, "unit": "ms", "text": "41.2", "measured_on": "..."}},
     "sections": {"docs/performance.md": {"hybrid": {"markdown": "...", "measured_on": "x86_64, 2 cores, ..."}}}}

A bench may keep more keys (its raw data); they are left as they are.

Marked regions in README.md and docs/*.md, rewritten only by `render_docs()` (`python bench/render_docs.py`):

    <!-- BEGIN hybrid --> ... <!-- END hybrid -->                a section: `sections[page][name]`
    <!-- fig hybrid.resume_ms.sqlite -->41.2<!-- /fig -->         one figure's text: `figures[name]` of hybrid.json

`write_section` and `record_figures` update the results file and then render, so a bench run refreshes every page
that quotes it. `tests/test_docs_figures.py` renders every page again and fails when a quoted figure differs.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
PERFORMANCE_MD = ROOT / "docs" / "performance.md"
_HEADER = (
    "# Performance\n\n"
    "Every figure here is written by a script in `bench/`; rerun it to refresh its section.\n"
    "Each figure sits beside what it is compared with.\n"
)
_MEASURED = "measured by bench/bench_{bench}.py; each section and figure says when and on what machine"
SECTION = re.compile(r"<!-- BEGIN (?P<name>[\w.-]+) -->\n.*?<!-- END (?P=name) -->", re.S)
FIGURE = re.compile(r"<!-- fig (?P<id>[\w-]+\.[\w.-]+) -->(?P<text>[^<\n]*)<!-- /fig -->")

__all__ = [
    "PERFORMANCE_MD",
    "RESULTS_DIR",
    "ROOT",
    "FigureError",
    "figure",
    "load_results",
    "machine_line",
    "pages",
    "record_figures",
    "render_docs",
    "render_page",
    "write_section",
]


class FigureError(LookupError):
    """A marked region names a figure or section that no results file holds."""


def machine_line() -> str:
    """This machine and today's date, as printed under every section: 'x86_64, 2 cores, Python 3.11.7, 2026-11-30'."""
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {date.today().isoformat()}"


def figure(value: float | int | str, unit: str, fmt: str = "{}") -> dict[str, Any]:
    """One figure for `record_figures`: the value, its unit, and the text the docs show (`fmt.format(value)`).

    Args:
        value: the measured number (or a short text such as a pytest summary).
        unit: its unit, e.g. "ms", "KB", "x", "minutes"; "" for a count.
        fmt: how the docs print it, e.g. "{:.1f}" or "{:,.0f}".

    Returns:
        A JSON-safe dict with value, unit, text and the machine line.
    """
    return {"value": value, "unit": unit, "text": fmt.format(value), "measured_on": machine_line()}


def _bench_name(default: str) -> str:
    """The running bench script's name without `bench_` (bench_hybrid.py -> hybrid), else `default`."""
    stem = Path(sys.argv[0]).stem
    return stem.removeprefix("bench_") if stem.startswith("bench_") else default


def _page_key(path: Path, root: Path) -> str:
    path = Path(path).resolve()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _results_file(bench: str, results_dir: Path) -> Path:
    return Path(results_dir) / f"{bench}.json"


def _read(file: Path) -> dict[str, Any]:
    if not file.exists():
        return {}
    data = json.loads(file.read_text())
    return data if isinstance(data, dict) else {"data": data}


def _write(file: Path, data: Mapping[str, Any]) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def load_results(results_dir: Path = RESULTS_DIR) -> dict[str, dict[str, Any]]:
    """Every results file, by bench name (the file's stem).

    Args:
        results_dir: the folder of `<bench>.json` files.

    Returns:
        {bench: the file's JSON object}.
    """
    return {file.stem: _read(file) for file in sorted(Path(results_dir).glob("*.json"))}


def write_section(
    name: str,
    markdown: str,
    path: Path = PERFORMANCE_MD,
    *,
    bench: str | None = None,
    results_dir: Path = RESULTS_DIR,
    root: Path = ROOT,
) -> None:
    """Record a section in the bench's results file, then replace (or append) it in the page at `path`.

    Args:
        name: the section's marker name (`<!-- BEGIN name -->`).
        markdown: its content; the machine line is added below it.
        path: the page that shows it (docs/performance.md by default).
        bench: the results file to record it in (default: the running bench_*.py script's name, else `name`).
        results_dir: where the results files are.
        root: the repository root that page keys are relative to.
    """
    bench = bench or _bench_name(name)
    file = _results_file(bench, results_dir)
    data = _read(file)
    data.setdefault("bench", bench)
    data["provenance"] = _MEASURED.format(bench=bench)
    page = _page_key(Path(path), Path(root).resolve())
    entry = {"markdown": markdown.strip(), "measured_on": machine_line()}
    data.setdefault("sections", {}).setdefault(page, {})[name] = entry
    _write(file, data)
    _render_file(Path(path), page, load_results(results_dir), strict=False)


def record_figures(
    bench: str, figures: Mapping[str, Mapping[str, Any]], *, results_dir: Path = RESULTS_DIR, root: Path = ROOT
) -> None:
    """Store figures in `bench`'s results file and re-render every page that quotes them.

    Args:
        bench: the results file (`bench/results/<bench>.json`).
        figures: {name: figure(...)}; a name already there is replaced, others are kept.
        results_dir: where the results files are.
        root: the repository whose README.md and docs/*.md are rendered.
    """
    file = _results_file(bench, results_dir)
    data = _read(file)
    data.setdefault("bench", bench)
    data["provenance"] = _MEASURED.format(bench=bench)
    data.setdefault("figures", {}).update({key: dict(value) for key, value in figures.items()})
    _write(file, data)
    render_docs(results_dir=results_dir, root=root, strict=False)


def _section_block(name: str, entry: Mapping[str, Any]) -> str:
    return f"<!-- BEGIN {name} -->\n{entry['markdown']}\n\n_Measured on: {entry['measured_on']}._\n<!-- END {name} -->"


def render_page(
    text: str, page: str, results: Mapping[str, Mapping[str, Any]], *, append: bool = False, strict: bool = True
) -> str:
    """The page with every marked section and figure rendered from `results`.

    Args:
        text: the page as it is.
        page: its key in the results' "sections" (path relative to the repository, e.g. "docs/performance.md").
        results: `load_results()`.
        append: add this page's recorded sections that it lacks at its end (what `write_section` does).
        strict: raise on a marker that no results file holds; otherwise leave that region as it is.

    Returns:
        The rendered text.

    Raises:
        FigureError: (strict) a marker names a section or figure that no results file holds.
    """
    sections: dict[str, Mapping[str, Any]] = {}
    for data in results.values():
        sections.update(data.get("sections", {}).get(page, {}))

    def section(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in sections:
            if not strict:
                return match[0]
            raise FigureError(f"{page}: section {name!r} is in no results file in bench/results/; rerun its bench.")
        return _section_block(name, sections[name])

    def one_figure(match: re.Match[str]) -> str:
        bench, _, name = match["id"].partition(".")
        figures = results.get(bench, {}).get("figures", {})
        if name not in figures:
            if not strict:
                return match[0]
            raise FigureError(
                f"{page}: figure {match['id']!r} is not in bench/results/{bench}.json; rerun bench_{bench}.py "
                "or correct the marker."
            )
        return f"<!-- fig {match['id']} -->{figures[name]['text']}<!-- /fig -->"

    rendered = FIGURE.sub(one_figure, SECTION.sub(section, text))
    if append:
        missing = [name for name in sections if f"<!-- BEGIN {name} -->" not in rendered]
        for name in missing:
            rendered = rendered.rstrip() + "\n\n" + _section_block(name, sections[name]) + "\n"
    return rendered


def pages(root: Path = ROOT) -> list[Path]:
    """The pages that may quote figures: README.md and docs/*.md."""
    return [Path(root) / "README.md", *sorted((Path(root) / "docs").glob("*.md"))]


def _render_file(path: Path, page: str, results: Mapping[str, Mapping[str, Any]], *, strict: bool) -> bool:
    before = path.read_text() if path.exists() else (_HEADER if path.name == PERFORMANCE_MD.name else "")
    after = render_page(before, page, results, append=True, strict=strict)
    if after != before:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(after)
    return after != before


def render_docs(
    *, results_dir: Path = RESULTS_DIR, root: Path = ROOT, extra_pages: Iterable[Path] = (), strict: bool = True
) -> list[Path]:
    """Render every marked region of README.md, docs/*.md (and `extra_pages`) from the results files.

    Args:
        results_dir: where the results files are.
        root: the repository root.
        extra_pages: further pages to render.
        strict: raise on a marker no results file holds (a bench run passes False: other pages are not its business).

    Returns:
        The pages that changed.

    Raises:
        FigureError: (strict) a marker names a section or figure that no results file holds.
    """
    results = load_results(results_dir)
    root = Path(root).resolve()
    changed = []
    for path in [*pages(root), *extra_pages]:
        if path.exists() and _render_file(path, _page_key(path, root), results, strict=strict):
            changed.append(path)
    return changed
