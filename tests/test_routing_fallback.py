"""One fallback loop: `answer_with_fallback` asks the chosen tier, then the other; the router and the manager use it."""

from __future__ import annotations

import asyncio

import pytest

from modules.routing import AllTiersFailedError, RoutingDecision, answer_with_fallback

DECISION = RoutingDecision(
    target="cloud", confidence=0.9, reasons=["why"], strategy="rules", cloud_probability=0.8, threshold=0.5,
    decision_seconds=0.0,
)  # fmt: skip


async def collect(attempt, timeout_s: float = 5.0) -> list:
    return [item async for item in answer_with_fallback(DECISION, attempt, timeout_s=timeout_s)]


def test_a_tier_that_fails_midway_is_announced_by_a_decision_before_the_other_tiers_items():
    async def attempt(tier):
        yield f"{tier} 1"
        if tier == "cloud":
            raise ConnectionError("refused")
        yield f"{tier} 2"

    items = asyncio.run(collect(attempt))
    assert items[0] == "cloud 1" and items[2:] == ["local 1", "local 2"]
    fell_back = items[1]
    assert (fell_back.fell_back, fell_back.failed_target, fell_back.error) == (
        True,
        "cloud",
        "ConnectionError: refused",
    )
    assert fell_back.reasons == ["why", "cloud tier failed (ConnectionError: refused): local tier answered instead"]


def test_the_timeout_counts_from_the_tiers_start_across_its_items():
    async def attempt(tier):
        for _ in range(3):  # each item is quick, the three together are not
            await asyncio.sleep(0.15 if tier == "cloud" else 0)
            yield tier

    items = asyncio.run(collect(attempt, timeout_s=0.35))
    assert items[:2] == ["cloud", "cloud"] and items[3:] == ["local"] * 3
    assert items[2].error == "TimeoutError: no answer within 0.35 s"


def test_when_both_tiers_fail_the_error_names_both_and_no_key():
    async def attempt(tier):
        raise PermissionError(f"401 from {tier}: Incorrect API key provided: sk-abc123def456ghi")
        yield  # pragma: no cover

    with pytest.raises(AllTiersFailedError, match=r"cloud tier: PermissionError: 401 from cloud.*; local tier") as e:
        asyncio.run(collect(attempt))
    assert "sk-abc123" not in str(e.value)
