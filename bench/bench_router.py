"""The router: every strategy at every mode on the cost-quality curve, and the router's own cost.

    python bench/bench_router.py                       # the table, decision times, cascade latency
    python bench/bench_router.py --profile-sample 80   # also time `python -m modules.router profile --sample 80`

Writes the "router" section of docs/performance.md, the "router-results" section of docs/router.md and
bench/results/router.json (the table as data under "table", headline figures under "figures").

Every quality figure is cross-fitted: the shipped model's scores of the graded queries come from models fitted
without them (stored in the model file, recomputed by tests/test_router.py), the cascade's from 5-fold fits over
data/cascade_features.csv; the rules and the label-trained router never see graded answers. Quality counts the
offline "cloud" as correct (it runs the same small model), as every figure here says.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import RESULTS_DIR, ROOT, figure, record_figures, write_section  # noqa: E402

from modules.routing import MODES, HybridRouter, LearnedStrategy, RuleStrategy, resolve  # noqa: E402
from modules.routing.cascade import (  # noqa: E402
    CASCADE_FEATURES_CSV,
    cross_fitted_cascade_scores,
    load_cascade_features,
)
from modules.routing.curve import operating_curve, point_at, profile_qualities  # noqa: E402
from modules.routing.evaluation import apgr, cost_per_1000_queries, cpt, perfect_curve, pgr_curve  # noqa: E402
from modules.routing.profile import load_profile  # noqa: E402
from modules.routing.strategies import MODEL_PATH  # noqa: E402
from modules.routing.training import load_routing_queries, train_model  # noqa: E402

ROUNDS = 3
HEADER = (
    "| strategy | mode | cloud share | graded quality | USD / 1,000 | APGR | CPT(50%) | CPT(80%) | decision p50 "
    "| cascade added latency |\n|---|---|---|---|---|---|---|---|---|---|"
)
ROUTER_MD = ROOT / "docs" / "router.md"
OFFLINE_NOTE = (
    "Quality = share of graded queries answered correctly, cross-fitted; the offline cloud tier runs the same small "
    "model and is counted correct (a real endpoint in `.env` is graded instead)."
)


def decision_p50_ms(router: HybridRouter, queries: list[str]) -> float:
    router.route(queries[0])  # warm-up
    return statistics.median(router.route(q).decision_seconds for _ in range(ROUNDS) for q in queries) * 1000


def summary(scores, local, cloud) -> dict:
    x, y = pgr_curve(scores, local, cloud)
    return {"apgr": apgr(x, y), "cpt50": cpt(x, y, 0.5), "cpt80": cpt(x, y, 0.8)}


def rows_for(strategy: str, scores, local, cloud, decision_ms: float, local_seconds=None, tokens=None) -> list[dict]:
    """One row per mode: the strategy's own curve, each mode resolved on it."""
    curve = operating_curve(scores, local, cloud)
    metrics = summary(scores, local, cloud)
    rows = []
    for mode, target in MODES.items():
        threshold = resolve(target, curve)
        point = point_at(curve, threshold)
        row = {"strategy": strategy, "mode": mode, **point, **metrics, "decision_p50_ms": decision_ms}
        if local_seconds is not None:
            escalated = np.asarray(scores) >= threshold
            row["cascade_added_s"] = float(np.sum(np.asarray(local_seconds)[escalated]) / len(scores))
            row["wasted_tokens"] = float(np.sum(np.asarray(tokens)[escalated]) / len(scores))
        rows.append(row)
    return rows


def profile_sample_seconds(n: int) -> dict:
    """Time `python -m modules.router profile --sample n` in a fresh process (written to a temporary file)."""
    out = Path("/tmp") / f"router-bench-profile-{os.getpid()}.json"
    load_before = os.getloadavg()[0]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "modules.router", "profile", "--sample", str(n), "--out", str(out)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "COURSE_OFFLINE": "1"},
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time does not grow with the machine's load the way wall-clock time does: other work on the 2 cores only
    # takes turns with the one llama.cpp thread (measured: 2 threads are slower under load, they wait for each other)
    cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
    rows = json.loads(out.read_text())["graded_queries"]["rows"]
    for leftover in (out, out.with_suffix(".png")):
        leftover.unlink(missing_ok=True)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "rows": rows,
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def record_profile_sample(n: int) -> None:
    """Time `profile --sample n` and record it in bench/results/router.json (figures profile_sample_*)."""
    timing = profile_sample_seconds(n)
    print(f"profile --sample {n}: {timing}")
    results_file = RESULTS_DIR / "router.json"
    data = json.loads(results_file.read_text()) if results_file.exists() else {"bench": "router"}
    data["profile_sample"] = timing
    results_file.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    record_figures(
        "router",
        {
            "profile_sample_s": figure(round(timing["seconds"]), "s", "{:.0f}"),
            "profile_sample_cpu_s": figure(round(timing["cpu_seconds"]), "s", "{:.0f}"),
            "profile_sample_rows": figure(timing["rows"], "", "{}"),
            "profile_sample_load": figure(round(timing["load_before"], 1), "", "{:.1f}"),
            "profile_sample_load_after": figure(round(timing["load_after"], 1), "", "{:.1f}"),
        },
    )


SMALL_TALK_SUBTYPES = ("small_talk", "short_ack")
HARD_CATEGORIES = ("code", "analysis", "planning")


def subtype_failure_rates(profile: dict) -> dict[str, float]:
    """The local model's failure rate per sub-type, on the training split only."""
    outcomes: dict[str, list[bool]] = {}
    for a in profile["answers"]:
        if a.get("split", "train") != "holdout":
            outcomes.setdefault(a.get("subtype") or a["category"], []).append(not a["local"]["correct"])
    return {subtype: float(np.mean(failed)) for subtype, failed in outcomes.items()}


def goal_figures(profile: dict, shipped: HybridRouter) -> dict[str, float]:
    """Issue 26's goals, cross-fitted on the training split and on the hold-out split (never trained or tuned on):
    APGR and the share of the gap between random (0.5) and perfect it recovers; in balanced mode, the share of
    small talk and acknowledgements that stays local and of code, analysis and planning that goes to the cloud."""
    balanced = HybridRouter(shipped.strategy, mode="balanced").threshold
    figures: dict[str, float] = {}
    failure_by_subtype = subtype_failure_rates(profile)
    for split, holdout in (("train", False), ("holdout", True)):
        answers = [a for a in profile["answers"] if (a.get("split", "train") == "holdout") == holdout]
        queries, local, cloud = profile_qualities(profile, holdout=holdout)
        stored = shipped.strategy.out_of_fold or {}
        scores = np.array(
            [stored.get(q, p) for q, p in zip(queries, shipped.cloud_probabilities(queries), strict=True)]
        )
        perfect = apgr(*perfect_curve(local, cloud))
        figures[f"apgr_{split}"] = summary(scores, local, cloud)["apgr"]
        figures[f"apgr_perfect_{split}"] = perfect
        figures[f"gap_recovered_{split}"] = (figures[f"apgr_{split}"] - 0.5) / (perfect - 0.5)
        # Ceilings: a router told each query's true sub-type, ranking by that sub-type's training failure rate
        # alone, and then by this router's own score within a sub-type.
        known = np.array([failure_by_subtype.get(a.get("subtype") or a["category"], 0.0) for a in answers])
        for name, ranking in (("subtype", known), ("subtype_then_score", known + scores * 1e-6)):
            ceiling = summary(ranking, local, cloud)["apgr"]
            figures[f"gap_ceiling_{name}_{split}"] = (ceiling - 0.5) / (perfect - 0.5)
        small = [i for i, a in enumerate(answers) if a.get("subtype") in SMALL_TALK_SUBTYPES]
        hard = [i for i, a in enumerate(answers) if a["category"] in HARD_CATEGORIES]
        figures[f"share_small_talk_local_{split}"] = float(np.mean(scores[small] < balanced)) if small else float("nan")
        figures[f"share_hard_cloud_{split}"] = float(np.mean(scores[hard] >= balanced)) if hard else float("nan")
    return figures


def goals_markdown(goals: dict[str, float]) -> str:
    """The goals' table: each figure on the training split (cross-fitted) and on the hold-out split."""
    lines = [
        "#### Goals (issue 26): training split cross-fitted, and the hold-out split",
        "",
        "| figure | goal | training split (cross-fitted) | hold-out split |",
        "|---|---|---|---|",
        f"| APGR (perfect) | | {goals['apgr_train']:.3f} ({goals['apgr_perfect_train']:.3f}) | "
        f"{goals['apgr_holdout']:.3f} ({goals['apgr_perfect_holdout']:.3f}) |",
        f"| share of the random-to-perfect gap recovered | at least 75% | {goals['gap_recovered_train']:.0%} | "
        f"{goals['gap_recovered_holdout']:.0%} |",
        f"| ceiling: told the true sub-type, ranked by its training failure rate | | "
        f"{goals['gap_ceiling_subtype_train']:.0%} | {goals['gap_ceiling_subtype_holdout']:.0%} |",
        f"| ceiling: told the true sub-type, then this router's score within it | | "
        f"{goals['gap_ceiling_subtype_then_score_train']:.0%} | "
        f"{goals['gap_ceiling_subtype_then_score_holdout']:.0%} |",
        f"| balanced: small talk and acknowledgements local | at least 95% | "
        f"{goals['share_small_talk_local_train']:.0%} | {goals['share_small_talk_local_holdout']:.0%} |",
        f"| balanced: code, analysis and planning to the cloud | at least 95% | "
        f"{goals['share_hard_cloud_train']:.0%} | {goals['share_hard_cloud_holdout']:.0%} |",
    ]
    return "\n".join(lines)


def fmt_row(r: dict) -> str:
    added = f"{r['cascade_added_s'] * 1000:.0f} ms" if "cascade_added_s" in r else "0"
    return (
        f"| {r['strategy']} | {r['mode']} | {r['cloud_share']:.0%} | {r['quality']:.3f} | {r['usd_per_1k']:.3f} | "
        f"{r['apgr']:.3f} | {r['cpt50']:.3f} | {r['cpt80']:.3f} | {r['decision_p50_ms']:.2f} ms | {added} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile-sample", type=int, default=None, help="also time `profile --sample N`")
    parser.add_argument("--only-profile", action="store_true", help="time `profile --sample N` only")
    args = parser.parse_args()
    if args.only_profile:
        record_profile_sample(args.profile_sample or 80)
        return

    profile = load_profile()
    queries, local, cloud = profile_qualities(profile)
    shipped = HybridRouter()
    rules = HybridRouter(RuleStrategy())
    routing = load_routing_queries()
    label_trained = HybridRouter(LearnedStrategy(train_model(routing["query"], routing["label"])), threshold=0.5)

    rows = rows_for(
        "learned, failure-ranked (default)",
        [shipped.strategy.out_of_fold[q] for q in queries],
        local,
        cloud,
        decision_p50_ms(shipped, queries),
    )
    rows += rows_for("rules", rules.cloud_probabilities(queries), local, cloud, decision_p50_ms(rules, queries))
    rows += rows_for(
        "label-trained (comparison)",
        label_trained.cloud_probabilities(queries),
        local,
        cloud,
        decision_p50_ms(label_trained, queries),
    )

    cascade_note = "not measured (run `python data/make_cascade_features.py`)"
    cascade_figures = {}
    if CASCADE_FEATURES_CSV.exists():
        frame = load_cascade_features()
        c_local = frame["correct"].to_numpy(dtype=float)
        c_scores = cross_fitted_cascade_scores(frame)
        seconds = frame["local_seconds"].to_numpy(dtype=float)
        c_rows = rows_for(
            "cascade (logprobs + format checks)",
            c_scores,
            c_local,
            np.ones(len(frame)),
            float(np.median(seconds) * 1000),
            local_seconds=seconds,
            tokens=frame["answer_tokens"].to_numpy(dtype=float),
        )
        rows += c_rows
        same = float(frame["same_as_profile"].mean())
        cascade_note = (
            f"the cascade's decision time is the local answer itself (median {np.median(seconds):.2f} s on a busy "
            f"machine); its quality is graded on its own answers (all-local {c_local.mean():.3f}; {same:.0%} of its "
            "answers are word for word the profile's)"
        )
        cascade_figures = {
            "cascade_apgr": figure(round(c_rows[0]["apgr"], 3), "", "{:.3f}"),
            "cascade_cpt50": figure(round(c_rows[0]["cpt50"], 3), "", "{:.3f}"),
            "cascade_cpt80": figure(round(c_rows[0]["cpt80"], 3), "", "{:.3f}"),
            "cascade_added_ms_balanced": figure(round(c_rows[1]["cascade_added_s"] * 1000), "ms", "{:.0f}"),
            "cascade_local_median_s": figure(round(float(np.median(seconds)), 2), "s", "{:.2f}"),
            "cascade_all_local": figure(round(float(c_local.mean()), 3), "", "{:.3f}"),
            "cascade_same_as_profile": figure(round(same * 100), "%", "{:.0f}%"),
        }

    perfect = apgr(*perfect_curve(local, cloud))
    goals = goal_figures(profile, shipped)
    table = "\n".join(fmt_row(r) for r in rows)
    default = {r["mode"]: r for r in rows if r["strategy"].endswith("(default)")}
    load = os.getloadavg()
    markdown = f"""## Router: every strategy at every mode (`bench/bench_router.py`)

{OFFLINE_NOTE} Each mode is resolved on the strategy's own cross-fitted curve over the {len(queries)} graded
queries (quality: within 5, 15 and 30 points of all-cloud). APGR, CPT(50%) and CPT(80%) describe the whole curve
(random 0.500 / 0.500 / 0.800, perfect {perfect:.3f}). USD per 1,000 queries: `data/pricing.csv` (illustrative
gpt-4o-mini list price, 150 input + 350 output tokens per query). Decision p50: time to decide one query;
{cascade_note}.
Cascade added latency: the local attempt's time on escalated queries, averaged over all queries.

{HEADER}
{table}

All local: quality {local.mean():.3f}, USD 0; all cloud: quality {cloud.mean():.3f} (counted), USD
{cost_per_1000_queries(1.0):.3f} per 1,000 queries.
Model file `{MODEL_PATH.name}`: {MODEL_PATH.stat().st_size / 1024:.0f} KiB (JSON, checked field by field on load).
Load average during the run: {load[0]:.1f} (2 cores shared with other work), so times are upper bounds.

{goals_markdown(goals)}
"""
    print(markdown)
    results_file = RESULTS_DIR / "router.json"
    data = json.loads(results_file.read_text()) if results_file.exists() else {"bench": "router"}
    data["table"] = rows
    figures = {
        "apgr_default": figure(round(rows[0]["apgr"], 3), "", "{:.3f}"),
        "cpt50_default": figure(round(rows[0]["cpt50"], 3), "", "{:.3f}"),
        "cpt80_default": figure(round(rows[0]["cpt80"], 3), "", "{:.3f}"),
        "apgr_perfect": figure(round(perfect, 3), "", "{:.3f}"),
        "all_local": figure(round(float(local.mean()), 3), "", "{:.3f}"),
        "decision_p50_ms_default": figure(round(rows[0]["decision_p50_ms"], 2), "ms", "{:.2f}"),
        **{f"{m}_cloud_share": figure(round(default[m]["cloud_share"] * 100), "%", "{:.0f}%") for m in default},
        **{f"{m}_quality": figure(round(default[m]["quality"], 3), "", "{:.3f}") for m in default},
        **{f"{m}_usd_per_1k": figure(round(default[m]["usd_per_1k"], 3), "USD", "{:.3f}") for m in default},
        **{f"{m}_threshold": figure(round(default[m]["threshold"], 3), "", "{:.3f}") for m in default},
        **cascade_figures,
        **{
            f"floor_{kind}": figure(round(f * 100), "%", "{:.0f}%")
            for kind, f in (shipped.strategy.floors or {}).items()
            if kind != "long_form"
        },
        **{k: figure(round(v, 3), "", "{:.3f}") for k, v in goals.items() if k.startswith(("apgr", "gap"))},
        **{k: figure(round(v * 100), "%", "{:.0f}%") for k, v in goals.items() if k.startswith("share")},
    }
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    record_figures("router", figures)
    if args.profile_sample:
        record_profile_sample(args.profile_sample)
    write_section("router", markdown, bench="router")
    write_section("router-results", markdown.replace("## Router:", "### Measured:", 1), ROUTER_MD, bench="router")


if __name__ == "__main__":
    main()
