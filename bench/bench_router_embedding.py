"""SmolLM2's own view of the query: the embedding scorer against the default, cross-fitted, and its decision time.

    python bench/bench_router_embedding.py

Embeds every graded query with the local tier's GGUF file (llama.cpp `embedding=True`, `modules/routing/embedding.py`),
then compares on the same folds: the default's cross-fitted scores (stored in the model file) against the embedding
strategy's (an embedding model fitted on the other folds, averaged with the same text scores). The APGR difference
gets a bootstrap interval over the graded queries (2,000 resamples). On the hold-out split both are scored by their
models trained on the whole training split. Decision p50 is the time `HybridRouter.route` takes with the strategy.
The rule for making it the default: APGR up by at least 0.02 with the interval above 0, and p50 at most 150 ms.

Writes bench/results/router_embedding.json and the "router-embedding" section of docs/router.md.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import RESULTS_DIR, ROOT, figure, record_figures, write_section  # noqa: E402

from modules.routing import HybridRouter, LearnedStrategy, apgr, load_profile, pgr_curve  # noqa: E402
from modules.routing.embedding import QueryEmbedder, train_embedding_strategy  # noqa: E402
from modules.routing.features import analyze_query  # noqa: E402

ROUTER_MD = ROOT / "docs" / "router.md"
RESAMPLES = 2000
SEED = 26
APGR_GAIN_NEEDED = 0.02
P50_MS_ALLOWED = 150.0
TIMED_QUERIES = 40


def _apgr(scores, local) -> float:
    return apgr(*pgr_curve(scores, local, np.ones(len(local))))


def bootstrap_difference(a, b, local, resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """95% interval of APGR(b) - APGR(a) over resamples of the graded queries."""
    rng = np.random.default_rng(seed)
    a, b, local = map(np.asarray, (a, b, local))
    diffs = []
    for _ in range(resamples):
        i = rng.integers(0, len(local), len(local))
        if local[i].mean() < 1:
            diffs.append(_apgr(b[i], local[i]) - _apgr(a[i], local[i]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return float(low), float(high)


def main() -> None:
    profile = load_profile()
    text = LearnedStrategy.load()
    embedder = QueryEmbedder()
    train = [a for a in profile["answers"] if a.get("split", "train") != "holdout"]
    holdout = [a for a in profile["answers"] if a.get("split", "train") == "holdout"]
    load_before = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    vectors = embedder.embed_many([a["query"] for a in train])
    embed_seconds, embed_cpu = time.perf_counter() - started, time.process_time() - cpu
    strategy = train_embedding_strategy(profile, embedder, text, vectors)

    figures_raw: dict[str, float] = {}
    for split, answers in (("train", train), ("holdout", holdout)):
        queries = [a["query"] for a in answers]
        local = np.array([a["local"]["correct"] for a in answers], dtype=float)
        if split == "train":
            base = np.array([text.out_of_fold[q] for q in queries])
            new = np.array([strategy.out_of_fold[q] for q in queries])
        else:
            base = np.array([text.cloud_probability(q, analyze_query(q)) for q in queries])
            new = np.array([strategy.cloud_probability(q, analyze_query(q)) for q in queries])
        low, high = bootstrap_difference(base, new, local)
        figures_raw |= {
            f"apgr_default_{split}": _apgr(base, local),
            f"apgr_embedding_{split}": _apgr(new, local),
            f"apgr_gain_{split}": _apgr(new, local) - _apgr(base, local),
            f"apgr_gain_low_{split}": low,
            f"apgr_gain_high_{split}": high,
        }

    timed = [a["query"] for a in holdout[:TIMED_QUERIES]]
    router = HybridRouter(strategy, mode="balanced")
    default_router = HybridRouter(mode="balanced")
    router.route(timed[0])
    p50 = statistics.median(router.route(q).decision_seconds for q in timed) * 1000
    p50_default = statistics.median(default_router.route(q).decision_seconds for q in timed) * 1000
    load_after = os.getloadavg()[0]
    gain, low = figures_raw["apgr_gain_train"], figures_raw["apgr_gain_low_train"]
    becomes_default = gain >= APGR_GAIN_NEEDED and low > 0 and p50 <= P50_MS_ALLOWED
    verdict = "becomes the default" if becomes_default else "stays an option; the default is unchanged"

    results = {
        "bench": "router_embedding",
        **{k: round(v, 4) for k, v in figures_raw.items()},
        "decision_p50_ms": round(p50, 1),
        "decision_p50_ms_default": round(p50_default, 3),
        "embed_seconds_per_query": round(embed_seconds / len(train), 3),
        "embed_cpu_seconds_per_query": round(embed_cpu / len(train), 3),
        "load": [round(load_before, 1), round(load_after, 1)],
        "becomes_default": becomes_default,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "router_embedding.json").write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    f3 = {k: figure(round(v, 3), "", "{:.3f}") for k, v in figures_raw.items()}
    record_figures(
        "router_embedding",
        {
            **f3,
            "decision_p50_ms": figure(round(p50), "ms", "{:.0f}"),
            "decision_p50_ms_default": figure(round(p50_default, 2), "ms", "{:.2f}"),
            "embed_cpu_ms": figure(round(embed_cpu / len(train) * 1000), "ms", "{:.0f}"),
            "load_before": figure(round(load_before, 1), "", "{:.1f}"),
        },
    )
    r = results
    markdown = f"""### Measured: SmolLM2's own view (`bench/bench_router_embedding.py`)

| split | default APGR | embedding + text APGR | difference (95% bootstrap interval) |
|---|---|---|---|
| training (cross-fitted, same folds) | {r["apgr_default_train"]:.3f} | {r["apgr_embedding_train"]:.3f} | \
{r["apgr_gain_train"]:+.3f} ({r["apgr_gain_low_train"]:+.3f} to {r["apgr_gain_high_train"]:+.3f}) |
| hold-out | {r["apgr_default_holdout"]:.3f} | {r["apgr_embedding_holdout"]:.3f} | \
{r["apgr_gain_holdout"]:+.3f} ({r["apgr_gain_low_holdout"]:+.3f} to {r["apgr_gain_high_holdout"]:+.3f}) |

Decision p50: {p50:.0f} ms with the embedding (the default: {p50_default:.2f} ms); embedding one query took
{embed_cpu / len(train) * 1000:.0f} ms of CPU ({embed_seconds / len(train) * 1000:.0f} ms wall) at a load average of
{load_before:.1f} to {load_after:.1f} on 2 cores. The bar was an APGR gain of at least {APGR_GAIN_NEEDED} with the
interval above 0, and p50 at most {P50_MS_ALLOWED:.0f} ms: the embedding scorer {verdict}.
"""
    print(markdown)
    write_section("router-embedding", markdown, ROUTER_MD, bench="router_embedding")


if __name__ == "__main__":
    main()
