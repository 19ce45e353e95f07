"""Benchmarks refresh their own section of docs/performance.md and never touch another."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from _report import write_section  # noqa: E402


def test_a_section_is_replaced_in_place_and_the_others_are_kept_byte_for_byte(tmp_path):
    page = tmp_path / "performance.md"
    write_section("storage", "old storage figures", page)
    write_section("storage-real-conversation", "a real conversation", page)
    write_section("router", "router figures", page)
    before = page.read_text()

    write_section("storage", "new storage figures", page)  # e.g. `bench_storage.py --no-model`
    after = page.read_text()
    assert "new storage figures" in after and "old storage figures" not in after
    for kept in ("storage-real-conversation", "router"):
        begin, end = f"<!-- BEGIN {kept} -->", f"<!-- END {kept} -->"
        section = before[before.index(begin) : before.index(end)]
        assert section in after  # untouched
    assert after.index("BEGIN storage -->") < after.index("BEGIN storage-real-conversation")  # same place
