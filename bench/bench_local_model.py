"""Local tier vs the offline cloud tier: load time, time to first token, decoding speed.

python bench/bench_local_model.py        # writes bench/results/local_model.json and docs/performance.md's "tiers"
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import figure, record_figures, write_section  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from modules.config import load_settings  # noqa: E402
from modules.tiers.clients import start_tiers  # noqa: E402
from modules.tiers.local_model import _models, load_model  # noqa: E402
from modules.tiers.timing import time_stream  # noqa: E402

PROMPTS = [
    "Hi!",
    "What is the capital of Japan?",
    "Explain in two sentences why the sky is blue.",
    "Write a short poem about the sea.",
    "List five animals that live in the ocean and say one fact about each.",
    "Give me three tips for a job interview.",
]
ROUNDS = 3


async def measure(client, name: str) -> dict[str, float]:
    await time_stream(client, "warm-up", max_tokens=4)
    prompts = tqdm([p for _ in range(ROUNDS) for p in PROMPTS], desc=name, unit="answer")
    runs = [await time_stream(client, prompt, max_tokens=96) for prompt in prompts]
    first = sorted(r.first_token_s * 1000 for r in runs)
    return {
        "first token median (ms)": statistics.median(first),
        "first token p95 (ms)": first[int(0.95 * (len(first) - 1))],
        "decoding median (tokens/s)": statistics.median(r.tokens_per_s for r in runs if r.output_tokens > 1),
        "answers": len(runs),
    }


def load_seconds() -> float:
    _models.clear()
    started = time.perf_counter()
    load_model()
    return time.perf_counter() - started


async def main() -> None:
    load_s = statistics.median(load_seconds() for _ in range(3))
    with start_tiers(load_settings(environ={"COURSE_OFFLINE": "1"}, env_file=None)) as tiers:
        local = await measure(tiers.local_client, "local tier")
        cloud = await measure(tiers.cloud_client, "cloud tier")
    rows = "\n".join(
        f"| {name} | {local[name]:.0f} | {cloud[name]:.0f} |"
        for name in ("first token median (ms)", "first token p95 (ms)", "decoding median (tokens/s)")
    )
    markdown = f"""## Local tier vs offline cloud tier (lab 02)

SmolLM2-135M-Instruct Q4_1, greedy decoding, up to 96 new tokens, {local["answers"]} streamed answers per tier
({len(PROMPTS)} prompts x {ROUNDS} rounds). The offline cloud tier is the same model behind the course's Responses
service, reached over HTTP on 127.0.0.1 by the stock `OpenAIChatClient`; the difference is the cost of the service hop.

| figure | local, in-process | cloud tier, local service over HTTP |
|---|---|---|
{rows}

Model load (median of 3 loads, weights already in the page cache): **{load_s:.2f} s**.
A real cloud model typically shows a first token in several hundred milliseconds: compare your own with lab 02.
Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work on the machine slows
every figure here).
"""
    print(markdown)
    write_section("tiers", markdown)
    units = {"first token median (ms)": "ms", "first token p95 (ms)": "ms", "decoding median (tokens/s)": "tokens/s"}
    found = {"model_load_s": figure(round(load_s, 2), "s", "{:.2f}")}
    for tier, measured in (("local", local), ("cloud", cloud)):
        for name, unit in units.items():
            key = name.split(" (")[0].replace(" ", "_")
            found[f"{key}.{tier}"] = figure(round(measured[name], 1), unit, "{:.0f}")
    record_figures("local_model", found)


if __name__ == "__main__":
    asyncio.run(main())
