"""The cascade in a conversation: lab 07's cascade turns, routed first and cascaded, on the real tiers.

python bench/bench_cascade.py          # writes bench/results/cascade.json and docs/performance.md's "cascade"

Both runs use the shipped router in balanced mode; the cascade's bar is that mode resolved on the cascade's own
curve. A warm-up conversation first loads every model (the local tier's, its log-probability copy, the service's),
so loading is not counted. Offline both tiers run SmolLM2-135M.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402

from modules.analytics import CASCADE_TURNS  # noqa: E402
from modules.hybrid import HybridConversationManager  # noqa: E402
from modules.routing import HybridRouter  # noqa: E402
from modules.tiers import start_tiers  # noqa: E402

MAX_TOKENS = 12  # lab 07's answer length
WARM_UP = "Hello!"


async def warm_up(router: HybridRouter, tiers) -> None:
    """Load every model: a forced local turn, then a cascade turn that escalates (logprob copy, then the service)."""
    warm = HybridConversationManager(router, tiers, strategy="cascade", cascade_threshold=1.0, max_tokens=MAX_TOKENS)
    await warm.chat(WARM_UP, force_tier="local")
    await warm.chat(WARM_UP)


async def run(strategy: str, router: HybridRouter, tiers) -> list[dict]:
    manager = HybridConversationManager(router, tiers, strategy=strategy, max_tokens=MAX_TOKENS)
    return [(await manager.chat(text)).metadata for _, text in CASCADE_TURNS]


async def main() -> None:
    router, tiers = HybridRouter(mode="balanced"), start_tiers()
    try:
        await warm_up(router, tiers)
        load_before = os.getloadavg()[0]
        runs = {strategy: await run(strategy, router, tiers) for strategy in ("route", "cascade")}
        load_after = os.getloadavg()[0]
    finally:
        tiers.close()
    rows, totals = [], {}
    for strategy, entries in runs.items():
        seconds = [e["response_time_s"] for e in entries]
        cascade = [e["cascade"] for e in entries if e["cascade"]]
        totals[strategy] = sum(seconds)
        rows.append(
            f"| {strategy} | {sum(e['source'] == 'cloud' for e in entries)} of {len(entries)} "
            f"| {sum(e['escalated'] for e in entries)} | {sum(c['wasted_local_tokens'] for c in cascade)} "
            f"| {sum(c['wasted_local_s'] for c in cascade):.1f} s | {statistics.median(seconds):.1f} s "
            f"| {sum(seconds):.1f} s |"
        )
    per_turn = (totals["cascade"] - totals["route"]) / len(CASCADE_TURNS)
    markdown = f"""## The cascade in a conversation (issue 26)

Lab 07's {len(CASCADE_TURNS)} cascade turns in one conversation, answered twice with the shipped router in balanced
mode: routed first (`strategy="route"`), and cascaded (`strategy="cascade"`: the local tier answers first with
log-probabilities; at or below the bar the cloud answers instead). Answers are capped at {MAX_TOKENS} tokens; a
turn's time is what the exchange records (for an escalated turn, the local attempt and the cloud's answer).

| strategy | cloud answers | escalated | local tokens wasted | local time wasted | turn, median | all turns |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Cascade minus routed first: {per_turn:+.1f} s per turn. The cascade pays for a local answer with log-probabilities
on every turn (slower than a plain one: llama.cpp keeps every position's logits), and an escalated turn waits for
the cloud's answer after it; routing first pays for the cloud on every turn it sends there. Offline both tiers are
SmolLM2, so an escalation buys no better answer here. Load average: {load_before:.1f} before, {load_after:.1f} after, on
{os.cpu_count()} cores.
"""
    print(markdown)
    write_section("cascade", markdown)
    record_figures(
        "cascade",
        {
            "conversation_s.route": figure(round(totals["route"], 2), "s", "{:.1f}"),
            "conversation_s.cascade": figure(round(totals["cascade"], 2), "s", "{:.1f}"),
            "added_s_per_turn": figure(round(per_turn, 2), "s", "{:.1f}"),
        },
    )


if __name__ == "__main__":
    asyncio.run(main())
