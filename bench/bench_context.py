"""Context windows (issue: one conversation, two windows): what compaction saves, and what it costs.

    python bench/bench_context.py            # writes bench/results/context.json and docs/performance.md's "context"
    python bench/bench_context.py --quick    # 60 turns, one summary call; prints only
    python bench/bench_context.py --resume   # only the resume timings: performance.md's "context-resume"

1. Tokens sent per tier per turn over a 200-turn conversation (`modules.labkit.sample` texts), with and without
   compaction: each turn, the whole history so far is compacted for the tier with the manager's own
   `TierCompaction` (Agent Framework's strategies), and the included tokens counted. The local tier is SmolLM2
   (2,048 tokens, counted with its own chat template); the cloud tier is gpt-4o-mini as `data/pricing.csv` prices it
   (128,000 tokens, counted at about 4 characters per token), with the default strategy and with `max_history=20`.
   Summaries here come from a stand-in that returns a fixed 60-word text, so the token figures do not wait on a
   model; the summary time below is measured on the real summariser.
2. Summary time: the course's service (the offline cloud tier) writing a summary of a full local window, as
   `SummarizationStrategy` asks for it.
3. Resume time of a 1,000-turn conversation with compaction state (a stored summary), from SQLite and from the
   journal, against the same conversation without compaction state: load, rebuild the session, check the summary
   (`check_state`). Wall-clock and CPU time (a shared machine's load inflates the first far more).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402
from agent_framework import CharacterEstimatorTokenizer, ChatResponse, Message  # noqa: E402
from agent_framework._compaction import apply_compaction  # noqa: E402

from modules.hybrid import HybridAgentContextManager  # noqa: E402
from modules.hybrid.compaction import (  # noqa: E402
    STATE_KEY,
    SUMMARY_TOKENS,
    TierCompaction,
    _llama_tokenizer,
    check_state,
)
from modules.labkit.sample import sample_messages  # noqa: E402
from modules.pricing import estimate_cost  # noqa: E402
from modules.storage import ExchangeJournal, SqliteStore  # noqa: E402

TURNS = 200
ANSWER_TOKENS = 64
LOCAL_WINDOW, CLOUD_WINDOW = 2048, 128_000
STAND_IN_SUMMARY = " ".join(["The user and the assistant discussed rivers, mountains and the user's plans."] * 5)


class StandInSummarizer:
    """Returns a fixed summary at once: the token figures do not depend on a model's speed."""

    model = "stand-in"

    async def get_response(self, messages, *, options=None, **kwargs):
        return ChatResponse(messages=[Message("assistant", [STAND_IN_SUMMARY])])


def conversation(turns: int) -> list[Message]:
    return [Message(m.role, [m.text]) for m in sample_messages(turns, seed=7)]


async def tokens_per_turn(compaction: TierCompaction | None, history: list[Message], tokenizer) -> list[int]:
    """Tokens of history + question the tier is given at each turn, with the summary stored and reused as the
    manager does (the session's compaction state)."""
    session = type("Session", (), {"state": {}})()
    sent = []
    for turn in range(len(history) // 2):
        past, question = history[: 2 * turn], history[2 * turn].text
        if compaction is None:
            sent.append(sum(tokenizer.count_tokens(_serial(m)) for m in [*past, history[2 * turn]]))
            continue
        compaction.prepare(session, question, None)
        given = compaction.view(past, session.state.get(STATE_KEY, {}).get("summary"))
        for provider in compaction.providers[1:]:  # each CompactionProvider's strategy, in the agent's order
            if given:
                given = await apply_compaction(given, strategy=provider.before_strategy, tokenizer=tokenizer)
        compaction.outcome(session, given)
        sent.append(sum(tokenizer.count_tokens(_serial(m)) for m in [*given, history[2 * turn]]))
    return sent


def _serial(message: Message) -> str:
    import json

    return json.dumps({"role": message.role, "contents": [{"type": "text", "text": message.text}]})


async def summary_seconds(calls: int) -> list[float]:
    """The real summariser (the course's service) writing a summary of a full local window."""
    from agent_framework.openai import OpenAIChatClient
    from openai import AsyncOpenAI

    from modules.runtime.local_service import running_local_service
    from modules.tiers.clients import LOCAL_SERVICE_MODEL

    timings = []
    with running_local_service() as service:
        http = AsyncOpenAI(base_url=service.base_url, api_key=service.api_key, timeout=900, max_retries=0)
        client = OpenAIChatClient(model=LOCAL_SERVICE_MODEL, async_client=http)
        compaction = TierCompaction(
            "local",
            window=LOCAL_WINDOW,
            answer_tokens=ANSWER_TOKENS,
            summarizer=client,
            tokenizer=_llama_tokenizer(None),
            summary_input_tokens=LOCAL_WINDOW - SUMMARY_TOKENS - 16,
        )
        for call in range(calls):
            history = [Message(m.role, [m.text]) for m in sample_messages(40, seed=100 + call)]
            session = type("Session", (), {"state": {}})()
            compaction.prepare(session, "And now?", None)
            view = compaction.view(history, None)
            await compaction.composed(view)
            timings.append(compaction.summarizer.last_seconds)
    return timings


def resume_times(turns: int, repeats: int) -> dict[str, dict[str, list[float]]]:
    """Resume a `turns`-turn conversation with a stored summary (load, rebuild the session, check the summary), from
    SQLite and from the journal, and the same conversation without compaction state from SQLite for comparison.

    Returns:
        {case: {"wall": [ms, ...], "cpu": [ms, ...]}}: wall-clock time, and this process's CPU time (every thread:
        the store call runs in a worker thread), which a busy machine inflates far less.
    """
    texts = [m.text for m in sample_messages(turns, seed=3)]
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for case, store in (
            ("sqlite", SqliteStore(Path(folder) / "c.sqlite3")),
            ("journal", ExchangeJournal(Path(folder) / "j.sqlite3")),
            ("sqlite_no_state", SqliteStore(Path(folder) / "plain.sqlite3")),
        ):
            manager = HybridAgentContextManager("bench-context")
            for n in range(turns):
                manager.add_exchange(texts[2 * n], texts[2 * n + 1], "local" if n % 2 else "cloud", 0.1)
            if case != "sqlite_no_state":
                manager.session.state[STATE_KEY] = {
                    "summary": {"id": "summary-bench", "text": STAND_IN_SUMMARY, "covers": 2 * turns - 8},
                    "summaries_written": 12,
                }
            asyncio.run(manager.save(store))
            wall, cpu = [], []
            for _ in range(repeats):
                resumed = HybridAgentContextManager("bench-context")
                started, started_cpu = time.perf_counter(), time.process_time()
                asyncio.run(resumed.resume(store))
                assert check_state(resumed.session, "bench-context") is None
                wall.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
                assert len(resumed.messages) == 2 * turns
                assert (STATE_KEY in resumed.session.state) == (case != "sqlite_no_state")
            results[case] = {"wall": wall, "cpu": cpu}
            store.close()
    return results


def resume_section(times: dict[str, dict[str, list[float]]], load_before: float, load_after: float) -> str:
    """The "context-resume" section of docs/performance.md."""
    names = {
        "sqlite": "SQLite, with a stored summary",
        "journal": "ExchangeJournal, with a stored summary",
        "sqlite_no_state": "SQLite, no compaction state (for comparison)",
    }
    rows = [
        f"| {names[case]} | {statistics.median(t['wall']):.0f} ms | {min(t['wall']):.0f} ms "
        f"| {statistics.median(t['cpu']):.0f} ms |"
        for case, t in times.items()
    ]
    repeats = len(times["sqlite"]["wall"])
    return "\n".join(
        [
            "## Context windows: resume with compaction state",
            "",
            "A 1,000-turn hybrid conversation (sample texts, 2,000 messages, one metadata entry per exchange) with "
            "its compaction state (a stored summary covering all but the newest 8 messages), resumed as lab 06 "
            "resumes it: `await manager.resume(store)` (load, rebuild the session, normalise the metadata), then "
            f"`check_state` on the summary; {repeats} repeats each (`bench/bench_context.py --resume`). Goal: under "
            "50 ms.",
            "",
            "| stored in | wall, median | wall, best | CPU time, median |",
            "|---|---|---|---|",
            *rows,
            "",
            "CPU time is this process's, every thread included: what a resume costs an idle core. Wall time on a "
            f"shared machine waits for a core as well: load average {load_before:.1f} before and {load_after:.1f} "
            f"after, on {os.cpu_count()} cores.",
        ]
    )


async def measure(turns: int) -> dict[str, list[int]]:
    history = conversation(turns)
    local_tokens, cloud_tokens = _llama_tokenizer(None), CharacterEstimatorTokenizer()

    def local(strategy: str) -> TierCompaction:
        return TierCompaction(
            "local",
            window=LOCAL_WINDOW,
            answer_tokens=ANSWER_TOKENS,
            strategy=strategy,
            summarizer=StandInSummarizer(),
            tokenizer=local_tokens,
            summary_input_tokens=LOCAL_WINDOW - SUMMARY_TOKENS - 16,
            max_history=20,
        )

    def cloud(strategy: str) -> TierCompaction:
        return TierCompaction(
            "cloud",
            window=CLOUD_WINDOW,
            answer_tokens=ANSWER_TOKENS,
            strategy=strategy,
            summarizer=StandInSummarizer(),
            tokenizer=cloud_tokens,
            max_history=20,
        )

    return {
        "local.none": await tokens_per_turn(None, history, local_tokens),
        "local.summarize": await tokens_per_turn(local("summarize"), history, local_tokens),
        "local.truncate": await tokens_per_turn(local("truncate"), history, local_tokens),
        "cloud.none": await tokens_per_turn(None, history, cloud_tokens),
        "cloud.summarize": await tokens_per_turn(cloud("summarize"), history, cloud_tokens),
        "cloud.sliding_window": await tokens_per_turn(cloud("sliding_window"), history, cloud_tokens),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60 turns, one summary call; print only")
    parser.add_argument("--resume", action="store_true", help="only the resume timings (their section and figures)")
    args = parser.parse_args()
    turns = 60 if args.quick else TURNS
    load_before = os.getloadavg()[0]
    resumes = resume_times(1000, 5 if args.quick else 30)
    resumed = resume_section(resumes, load_before, os.getloadavg()[0])
    print(resumed)
    if not args.quick:
        write_section("context-resume", resumed)
        record_figures(
            "context",
            {
                "resume_ms": figure(statistics.median(resumes["sqlite"]["wall"]), "ms", "{:.0f}"),
                "resume_cpu_ms": figure(statistics.median(resumes["sqlite"]["cpu"]), "ms", "{:.0f}"),
                "resume_journal_ms": figure(statistics.median(resumes["journal"]["wall"]), "ms", "{:.0f}"),
            },
        )
    if args.resume:
        return
    load_before = os.getloadavg()[0]
    per_turn = asyncio.run(measure(turns))
    summaries = asyncio.run(summary_seconds(1 if args.quick else 3))
    load_after = os.getloadavg()[0]

    rows = []
    for name, sent in per_turn.items():
        tier, strategy = name.split(".")
        cost = sum(estimate_cost(tier, tokens, ANSWER_TOKENS) for tokens in sent)
        rows.append((tier, strategy, sent, cost))
    cloud_none = next(cost for tier, strategy, _, cost in rows if tier == "cloud" and strategy == "none")
    cloud_window = next(cost for tier, strategy, _, cost in rows if (tier, strategy) == ("cloud", "sliding_window"))
    local_none = per_turn["local.none"]
    over_window = next(
        (turn + 1 for turn, tokens in enumerate(local_none) if tokens > LOCAL_WINDOW - ANSWER_TOKENS), None
    )
    table = [
        "| tier (window) | compaction | tokens sent at turn 50 / 100 / 200 | most in one turn | total, all turns "
        "| cloud cost (USD) |",
        "|---|---|---|---|---|---|",
    ]
    for tier, strategy, sent, cost in rows:
        window = LOCAL_WINDOW if tier == "local" else CLOUD_WINDOW
        marks = " / ".join(f"{sent[t - 1]:,}" if t <= len(sent) else "-" for t in (50, 100, 200))
        price = f"{cost:.4f}" if tier == "cloud" else "0 (runs locally)"
        shown = {"none": "none (the whole history)", "sliding_window": "max_history=20"}.get(strategy, strategy)
        table.append(f"| {tier} ({window:,}) | {shown} | {marks} | {max(sent):,} | {sum(sent):,} | {price} |")
    saved = cloud_none - cloud_window
    summary_median = statistics.median(summaries)
    markdown = "\n".join(
        [
            "## Context windows: compaction per tier",
            "",
            f"A {turns}-turn conversation (sample texts), every turn sent to each tier with the history compacted as "
            "the hybrid manager does (`bench/bench_context.py`). Without compaction the local tier's prompt passes "
            f"its {LOCAL_WINDOW:,}-token window at turn {over_window} and would be refused from then on; with it, "
            "every turn fits. Summaries in the token figures come from a stand-in (a fixed 60-word text).",
            "",
            *table,
            "",
            f"- Cloud cost saved by `max_history=20` over {turns} cloud turns at `data/pricing.csv` prices "
            f"(gpt-4o-mini, 64 answer tokens a turn): USD {saved:.4f} of {cloud_none:.4f} "
            f"({100 * saved / cloud_none:.0f}%). With the default strategy the cloud's 128,000-token window holds "
            "this whole conversation, so nothing is compacted and nothing saved.",
            f"- Summary time (the offline cloud tier, the course's service running SmolLM2, summarising a full local "
            f"window, {len(summaries)} calls): median {summary_median:.1f} s "
            f"(range {min(summaries):.1f}-{max(summaries):.1f} s). It is paid when a summary is written or extended, "
            "not every turn.",
            "- Resume of a 1,000-turn conversation with compaction state: the next section.",
            f"- Load average {load_before:.1f} before and {load_after:.1f} after, on a shared machine: timings on an "
            "idle one are lower.",
        ]
    )
    print(markdown)
    if args.quick:
        return
    write_section("context", markdown)
    record_figures(
        "context",
        {
            "cloud_saved_usd": figure(saved, "USD", "{:.4f}"),
            "summary_s": figure(summary_median, "s", "{:.1f}"),
            "local_over_window_turn": figure(over_window or 0, "", "{}"),
        },
    )


if __name__ == "__main__":
    main()
