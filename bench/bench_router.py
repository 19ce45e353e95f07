"""The router's own cost: model load time and decision time per query, per strategy.

python bench/bench_router.py        # writes the "router" section of docs/performance.md
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import PERFORMANCE_MD, write_section  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

from modules.routing import HybridRouter, LearnedStrategy, RuleStrategy, analyze_query  # noqa: E402
from modules.routing.profile import load_graded_queries  # noqa: E402
from modules.routing.strategies import MODEL_PATH  # noqa: E402
from modules.routing.training import load_holdout, load_routing_queries, train_model  # noqa: E402

ROUNDS = 5
_COLD_LOAD = (
    "import time; t = time.perf_counter(); from modules.routing import HybridRouter; HybridRouter(); "
    "print(time.perf_counter() - t)"
)


def percentiles_us(seconds: list[float]) -> tuple[float, float]:
    s = sorted(seconds)
    return statistics.median(s) * 1e6, s[int(0.95 * (len(s) - 1))] * 1e6


def decision_times(router: HybridRouter, queries: list[str]) -> list[float]:
    router.route(queries[0])  # warm-up
    return [router.route(q).decision_seconds for _ in range(ROUNDS) for q in queries]


def analysis_times(queries: list[str]) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        for q in queries:
            started = time.perf_counter()
            analyze_query(q)
            times.append(time.perf_counter() - started)
    return times


def cold_load_seconds() -> float:
    """Import the router and load the shipped model in a fresh Python process."""
    out = subprocess.run([sys.executable, "-c", _COLD_LOAD], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def warm_load_seconds() -> float:
    started = time.perf_counter()
    LearnedStrategy.load()
    return time.perf_counter() - started


def local_first_token_ms() -> str:
    """Lab 02's median time to first token, from the "tiers" section of docs/performance.md, if it is there."""
    text = PERFORMANCE_MD.read_text() if PERFORMANCE_MD.exists() else ""
    match = re.search(r"\| first token median \(ms\) \| (\d+) \|", text)
    return f"{match.group(1)} ms" if match else "see lab 02"


def main() -> None:
    queries = [g.query for g in load_graded_queries()] + list(load_holdout()["query"])  # none is a training row
    routers = {"rules": HybridRouter(RuleStrategy()), "learned (default)": HybridRouter()}
    rows = {name: percentiles_us(decision_times(r, queries)) for name, r in routers.items()}
    rows["query analysis alone"] = percentiles_us(analysis_times(queries))

    cold = statistics.median(cold_load_seconds() for _ in tqdm(range(3), desc="cold loads", unit="process"))
    warm = statistics.median(warm_load_seconds() for _ in range(ROUNDS))
    train = load_routing_queries()
    started = time.perf_counter()
    train_model(train["query"], train["label"])
    train_s = time.perf_counter() - started
    first_token = local_first_token_ms()
    learned_p50_ms = rows["learned (default)"][0] / 1000
    verdict = f"met: {learned_p50_ms:.2f} ms" if learned_p50_ms <= 1.0 else f"MISSED: {learned_p50_ms:.2f} ms"

    table = "\n".join(
        f"| {name} | {median:.0f} µs | {p95:.0f} µs | {first_token} |" for name, (median, p95) in rows.items()
    )
    markdown = f"""## Router decisions (lab 05, `bench/bench_router.py`)

Time for `HybridRouter.route` to decide one query (analysis + follow-up check + score + reasons), over
{len(queries)} queries (graded set and hold-out, none of them a training row) x {ROUNDS} rounds. Goal: learned
strategy p50 <= 1 ms ({verdict}). Compare with lab 02's time to first token of the local model: the router adds a
small fraction of it to every answer.

| strategy | decision median | decision p95 | local model's first token (median, lab 02) |
|---|---|---|---|
{table}

| figure | measured | compared with |
|---|---|---|
| import + load the default router, fresh process (median of 3) | {cold * 1000:.0f} ms | local model load (tiers) |
| load the shipped model file again, warm (median of {ROUNDS}) | {warm * 1000:.1f} ms | — |
| model file `{MODEL_PATH.name}` | {MODEL_PATH.stat().st_size / 1024:.0f} KiB | 2 MB limit; SmolLM2 weights: 98 MB |
| train the learned router on {len(train)} queries (including the scikit-learn import) | {train_s:.1f} s | — |
| model file format | JSON, checked field by field on load | a pickle would run code on load |

The learned router is scored in plain Python (`modules/routing/classifier.py`): scikit-learn's `predict_proba`
on one query takes a few milliseconds, and importing scikit-learn about a second; both are paid only when training.
"""
    print(markdown)
    write_section("router", markdown)


if __name__ == "__main__":
    main()
