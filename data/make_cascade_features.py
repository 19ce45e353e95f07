"""Generate data/cascade_features.csv: the local model's answers to the graded queries, with log-probabilities.

Run `python data/make_cascade_features.py` (about 10-20 minutes on 2 cores). It asks the embedded local model
(SmolLM2-135M-Instruct) every query of graded_queries.csv with the capability profile's instruction and token
limit, greedy (temperature 0, seed 0), and llama.cpp's `logprobs=True`; it grades each answer with the query's
grader and writes the cascade's features (modules/routing/cascade.py). Greedy decoding makes the answers the
same on every run, and the same as the profile's (the column `same_as_profile` says so per row).
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from modules.routing.cascade import FEATURES, EmbeddedLogprobAnswerer, answer_features  # noqa: E402
from modules.routing.grading import grade  # noqa: E402
from modules.routing.profile import PROFILE_JSON, load_graded_queries, load_profile  # noqa: E402

OUT = Path(__file__).with_name("cascade_features.csv")
PARTIAL = OUT.with_suffix(".partial.csv")
COLUMNS = ["query", "category", "correct", "same_as_profile", "answer_tokens", "local_seconds", *FEATURES, "answer"]


def main() -> None:
    rows = load_graded_queries()
    profile_answers = {a["query"]: a["local"]["answer"] for a in load_profile(PROFILE_JSON)["answers"]}
    local = EmbeddedLogprobAnswerer()
    done = _read(PARTIAL) if PARTIAL.exists() else {}  # a run that was stopped resumes where it was
    out = []
    started = time.perf_counter()
    for i, row in enumerate(rows, start=1):
        if row.query in done:
            out.append(done[row.query])
            continue
        answer = local.answer(row.query)
        features = answer_features(row.query, answer)
        out.append(
            {
                "query": row.query,
                "category": row.category,
                "correct": int(bool(answer.text) and grade(row.grader, row.reference, answer.text, row.query)),
                "same_as_profile": int(answer.text[:400] == profile_answers.get(row.query)),
                "answer_tokens": len(answer.token_logprobs),
                "local_seconds": round(answer.seconds, 3),
                **{k: round(v, 5) for k, v in features.items()},
                "answer": answer.text[:400],
            }
        )
        _append(PARTIAL, out[-1])
        if i % 20 == 0 or i == len(rows):
            print(f"{i}/{len(rows)} answered, {time.perf_counter() - started:.0f} s", flush=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    PARTIAL.unlink(missing_ok=True)
    print(f"wrote {OUT} ({len(out)} rows)")


def _read(path: Path) -> dict[str, dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return {r["query"]: r for r in csv.DictReader(f)}


def _append(path: Path, row: dict) -> None:
    new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        if new:
            writer.writeheader()
        writer.writerow(row)


if __name__ == "__main__":
    main()
