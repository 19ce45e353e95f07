"""Benchmarks refresh their own section and figures, record them in bench/results/, and never touch another's."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from _report import FigureError, figure, load_results, record_figures, render_docs, write_section  # noqa: E402
from render_docs import adopt  # noqa: E402


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository of its own: README.md, docs/, bench/results/."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("# Course\n")
    return tmp_path


def test_a_section_is_replaced_in_place_and_the_others_are_kept_byte_for_byte(repo):
    page, results = repo / "docs" / "performance.md", repo / "bench" / "results"
    options = {"results_dir": results, "root": repo}
    write_section("storage", "old storage figures", page, bench="storage", **options)
    write_section("storage-real-conversation", "a real conversation", page, bench="storage", **options)
    write_section("router", "router figures", page, bench="router", **options)
    before = page.read_text()

    write_section("storage", "new storage figures", page, bench="storage", **options)  # `bench_storage.py --no-model`
    after = page.read_text()
    assert "new storage figures" in after and "old storage figures" not in after
    for kept in ("storage-real-conversation", "router"):
        begin, end = f"<!-- BEGIN {kept} -->", f"<!-- END {kept} -->"
        section = before[before.index(begin) : before.index(end)]
        assert section in after  # untouched
    assert after.index("BEGIN storage -->") < after.index("BEGIN storage-real-conversation")  # same place
    stored = json.loads((results / "storage.json").read_text())
    assert stored["sections"]["docs/performance.md"]["storage"]["markdown"] == "new storage figures"
    assert set(load_results(results)) == {"storage", "router"}


def test_a_section_goes_to_the_page_it_names_and_the_same_name_may_appear_on_two_pages(repo):
    results = repo / "bench" / "results"
    performance, router = repo / "docs" / "performance.md", repo / "docs" / "router.md"
    router.write_text("# Router\n\n<!-- BEGIN router -->\nold\n<!-- END router -->\n\nAfter the table.\n")
    write_section("router", "all strategies", performance, bench="router", results_dir=results, root=repo)
    write_section("router", "one table", router, bench="router", results_dir=results, root=repo)
    assert "all strategies" in performance.read_text() and "one table" not in performance.read_text()
    text = router.read_text()
    assert "one table" in text and "old" not in text and text.endswith("After the table.\n")


def test_figures_are_rendered_into_every_page_that_quotes_them(repo):
    results = repo / "bench" / "results"
    guide = repo / "docs" / "guide.md"
    guide.write_text("Resume takes <!-- fig hybrid.resume_ms.sqlite -->99<!-- /fig --> ms.\n")
    (repo / "README.md").write_text("About <!-- fig install.minutes -->9<!-- /fig --> minutes.\n")
    record_figures("hybrid", {"resume_ms.sqlite": figure(41.234, "ms", "{:.1f}")}, results_dir=results, root=repo)
    assert guide.read_text() == "Resume takes <!-- fig hybrid.resume_ms.sqlite -->41.2<!-- /fig --> ms.\n"
    assert "-->9<!--" in (repo / "README.md").read_text()  # no install results yet: a bench run leaves it alone
    stored = json.loads((results / "hybrid.json").read_text())["figures"]["resume_ms.sqlite"]
    assert (stored["value"], stored["unit"], stored["text"]) == (41.234, "ms", "41.2")


def test_a_marker_without_a_result_is_an_error_naming_it(repo):
    (repo / "docs" / "guide.md").write_text("<!-- fig hybrid.nothing -->1<!-- /fig -->\n")
    with pytest.raises(FigureError, match=r"docs/guide.md: figure 'hybrid.nothing' is not in bench/results/hybrid"):
        render_docs(results_dir=repo / "bench" / "results", root=repo)


def test_adopt_records_a_section_written_before_results_existed_and_rendering_then_keeps_it(repo):
    results = repo / "bench" / "results"
    page = repo / "docs" / "reliability.md"
    block = "<!-- BEGIN service-reliability -->\n## Service\n\n39 of 40 lost\n\n_Measured on: a laptop._\n"
    page.write_text(f"# Reliability\n\n{block}<!-- END service-reliability -->\n")
    with pytest.raises(FigureError, match="section 'service-reliability'"):
        render_docs(results_dir=results, root=repo)
    assert adopt(repo, results) == [
        "docs/reliability.md: service-reliability -> bench/results/service_reliability.json"
    ]
    before = page.read_text()
    assert render_docs(results_dir=results, root=repo) == [] and page.read_text() == before
    stored = load_results(results)["service_reliability"]
    assert "adopted" in stored["provenance"]
    assert stored["sections"]["docs/reliability.md"]["service-reliability"]["measured_on"] == "a laptop"
    assert adopt(repo, results) == []  # nothing left to adopt
