"""The one time helper: ISO 8601 text in UTC whatever the machine's zone, read back to the same epoch seconds."""

from __future__ import annotations

import time

import pytest

from modules.hybrid.context import ConversationContextManager
from modules.timeutil import epoch_from_iso, utc_iso, utc_now_iso

EPOCH = 1_796_027_712.25  # 2026-11-30T08:35:12.25 UTC


@pytest.fixture
def far_from_utc(monkeypatch):
    """This process's local zone set to UTC-5 (no daylight saving), so local time and UTC differ by 5 hours."""
    monkeypatch.setenv("TZ", "EST")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_utc_iso_writes_utc_with_its_offset_whatever_the_local_zone(far_from_utc):
    assert time.timezone == 5 * 3600  # the fixture took effect
    assert utc_iso(EPOCH) == "2026-11-30T08:35:12.250000+00:00"
    assert utc_iso(EPOCH, timespec="seconds") == "2026-11-30T08:35:12+00:00"
    assert utc_iso(None) is None


def test_utc_now_iso_is_now_in_utc():
    before = time.time()
    now = epoch_from_iso(utc_now_iso())
    assert now is not None
    assert before - 1e-3 <= now <= time.time() + 1e-3
    assert utc_now_iso().endswith("+00:00")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30T08:35:12.250000+00:00", EPOCH),
        ("2026-11-30T08:35:12.25Z", EPOCH),
        ("2026-11-30T03:35:12.25-05:00", EPOCH),
        ("2026-11-30T03:35:12.25", EPOCH),  # no offset: local time (UTC-5 here), as older exports wrote it
        (EPOCH, EPOCH),
        (None, None),
        ("yesterday", None),
        ("9999-99-99T00:00:00", None),
    ],
)
def test_epoch_from_iso_reads_every_form_and_refuses_what_is_not_a_time(far_from_utc, text, expected):
    assert epoch_from_iso(text) == expected


async def test_a_saved_hybrid_conversation_reads_back_the_same_instants(far_from_utc, tmp_path):
    context = ConversationContextManager("utc-check")
    context.add_exchange("Hello!", "Hi there!", "local", 0.1)
    await context.save(tmp_path / "conv.json")
    loaded = await ConversationContextManager("other").resume(tmp_path / "conv.json")
    assert loaded.created_at == pytest.approx(context.created_at, abs=1e-6)
    assert loaded.routing_metadata[0]["at"] == pytest.approx(context.routing_metadata[0]["at"], abs=1e-6)
