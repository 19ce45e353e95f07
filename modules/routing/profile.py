"""Capability profile: run a tier over the graded queries, grade every answer, write accuracy per category.

    python -m modules.router profile                    # the configured local tier (offline: SmolLM2)
    python -m modules.router profile --out data/capability_profile_ollama.json
    python -m modules.router profile --sample 80        # a stratified, seeded subset that fits class time

Every answer is graded by its query's grader (modules/routing/grading.py); a code task's answer is run against
its unit tests in a sandboxed subprocess (modules/routing/code_grading.py). Answers are stored whole, so every
stored grade can be re-derived from the stored text. Each sub-type gets the answer length it needs
(`SUBTYPE_MAX_TOKENS`: a function with tests does not fit in 48 tokens).

The profile is plain JSON (`data/capability_profile.json` for the offline default) plus a bar chart next to it.
The cloud tier is measured too when `.env` names a real endpoint; the offline "cloud" runs the same small model,
so measuring it would say nothing about a cloud model.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import json
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modules.config import PROJECT_ROOT, TIERS
from modules.routing.errors import RoutingError
from modules.routing.grading import grade, validate_reference

DATA_DIR = PROJECT_ROOT / "data"
GRADED_CSV = DATA_DIR / "graded_queries.csv"
PROFILE_JSON = DATA_DIR / "capability_profile.json"
PROFILE_FORMAT = 1
MAX_TOKENS = 48
# Answer lengths that fit a sub-type's task; every other sub-type gets MAX_TOKENS (or --max-tokens).
SUBTYPE_MAX_TOKENS = {"code_task": 256, "rewrite": 96}
INSTRUCTIONS = "Answer briefly and directly."
SAMPLE_SEED = 5  # `profile --sample N` always picks the same subset


class ProfileError(RoutingError, ValueError):
    """A capability profile or graded-query file is missing or malformed; the message says how to fix it."""


@dataclass(frozen=True)
class GradedQuery:
    """One graded query: its text, routing category, grader and reference, sub-type and split.

    Attributes:
        query: The question.
        category: Its routing category (the categories of data/routing_queries.csv).
        grader: The grader's name (modules/routing/grading.py).
        reference: What the grader checks against.
        subtype: What kind of query it is ("code_task", "small_talk", ...); the category for older files.
        split: "train" or "holdout" (never trained or tuned on); "train" for older files.
    """

    query: str
    category: str
    grader: str
    reference: str
    subtype: str = ""
    split: str = "train"

    def max_tokens(self, default: int = MAX_TOKENS) -> int:
        """The answer length this query is asked with: its sub-type's, else `default`."""
        return SUBTYPE_MAX_TOKENS.get(self.subtype, default)


def load_graded_queries(path: Path | str = GRADED_CSV) -> list[GradedQuery]:
    """Read the graded queries, checking every reference so a typo fails here, not after a long run.

    Args:
        path: the CSV of graded queries (default: data/graded_queries.csv).

    Returns:
        One `GradedQuery` per row, in file order.

    Raises:
        ProfileError: the file is missing, or a row's reference does not suit its grader (names the line).
    """
    path = Path(path)
    if not path.exists():
        raise ProfileError(f"No graded queries at {path}. Generate them: python data/make_graded_queries.py")
    with path.open(newline="", encoding="utf-8") as f:
        rows = [
            GradedQuery(
                r["query"],
                r["category"],
                r["grader"],
                r["reference"],
                r.get("subtype") or r["category"],
                r.get("split") or "train",
            )
            for r in csv.DictReader(f)
        ]
    for i, row in enumerate(rows, start=2):
        try:
            validate_reference(row.grader, row.reference)
        except ValueError as error:
            raise ProfileError(f"{path.name} line {i} ({row.query[:40]!r}): {error}") from error
    return rows


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sample_graded_queries(rows: Sequence[GradedQuery], n: int, seed: int = SAMPLE_SEED) -> list[GradedQuery]:
    """A stratified, seeded subset of about `n` graded queries, in file order: every category keeps its share
    (at least one query each), so a short profiling run still measures every category.

    Args:
        rows: the graded queries (`load_graded_queries`).
        n: how many to keep; at least the number of categories.
        seed: the shuffle's seed; the same seed gives the same subset.

    Returns:
        The subset, in the order of `rows`.

    Raises:
        ProfileError: n is smaller than the number of categories.
    """
    by_category: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_category.setdefault(row.category, []).append(i)
    if n >= len(rows):
        return list(rows)
    if n < len(by_category):
        raise ProfileError(
            f"--sample {n} cannot cover the {len(by_category)} categories; use at least --sample {len(by_category)}"
        )
    rng = random.Random(seed)
    # largest remainder: each category gets its proportional share of n, at least one
    quotas = {c: max(1, int(n * len(m) / len(rows))) for c, m in by_category.items()}
    remainders = sorted(by_category, key=lambda c: (-(n * len(by_category[c]) / len(rows)) % 1, c))
    for c in remainders:
        if sum(quotas.values()) >= n:
            break
        if quotas[c] < len(by_category[c]):
            quotas[c] += 1
    while sum(quotas.values()) > n:  # the one-per-category minimum overshot: trim the largest
        largest = max(sorted(quotas), key=lambda c: quotas[c])
        quotas[largest] -= 1
    keep: set[int] = set()
    for c, members in sorted(by_category.items()):
        shuffled = list(members)
        rng.shuffle(shuffled)
        keep.update(shuffled[: quotas[c]])
    return [rows[i] for i in sorted(keep)]


def local_model_identity(settings) -> dict:
    """Which local model a tier setting names: its name, backend, and for a weights file its path and SHA-256
    (so a profile says exactly what it measured, and the router can tell when the configured model differs).

    Args:
        settings: `modules.config.Settings` (from `load_settings()`).

    Returns:
        {"name", "backend", "path", "sha256"}; path and sha256 are None for a model behind a server.
    """
    local = settings.local
    path = None
    if local.backend == "embedded":
        from modules.tiers import default_model_path

        try:
            path = default_model_path()
        except FileNotFoundError:
            path = None
    elif getattr(local, "gguf_path", None):
        path = Path(local.gguf_path)
    return {
        "name": str(local.model),
        "backend": local.backend,
        "path": path.name if path else None,
        "sha256": _sha256(path) if path and path.is_file() else None,
        **({"base_url": str(local.base_url)} if getattr(local, "base_url", None) else {}),
    }


def model_identity(profile: Mapping) -> dict:
    """The local model a profile measured: the identity it recorded, or (older profiles) its name and backend."""
    local = profile.get("tiers", {}).get("local", {})
    identity = local.get("identity")
    if isinstance(identity, dict) and identity.get("name"):
        return dict(identity)
    return {"name": str(local.get("model")), "backend": local.get("backend"), "path": None, "sha256": None}


async def answer_all(tiers, tier: str, rows: Sequence[GradedQuery], *, max_tokens: int, progress: bool) -> list[dict]:
    """Ask `tier` every graded query (one at a time, each with its sub-type's answer length), grade each answer
    (a code task by running it against its tests) and keep the whole answer."""
    results = []
    started = time.perf_counter()
    for i, row in enumerate(rows, start=1):
        try:
            answer = await tiers.answer(
                tier, row.query, max_tokens=row.max_tokens(max_tokens), instructions=INSTRUCTIONS
            )
            text, error, seconds = answer.text, None, answer.seconds
        except Exception as failure:  # noqa: BLE001 - a failed call is graded wrong and recorded, the run goes on
            text, error, seconds = "", f"{type(failure).__name__}: {failure}"[:200], 0.0
        results.append(
            {
                "correct": bool(text) and grade(row.grader, row.reference, text, row.query),
                "answer": text.strip(),
                "seconds": round(seconds, 3),
                "error": error,
            }
        )
        if progress and (i % 25 == 0 or i == len(rows)):
            right = sum(r["correct"] for r in results)
            print(f"  {tier}: {i}/{len(rows)} answered, {right} correct, {time.perf_counter() - started:.0f} s")
    return results


def summarise(rows: Sequence[GradedQuery], results: dict[str, list[dict]]) -> dict[str, dict]:
    """Accuracy per category and tier: {'factual': {'n': 30, 'local': 0.53, 'cloud': None}, ...}."""
    categories: dict[str, dict] = {}
    for i, row in enumerate(rows):
        entry = categories.setdefault(row.category, {"n": 0, **{t: 0 for t in results}})
        entry["n"] += 1
        for tier, answers in results.items():
            entry[tier] += answers[i]["correct"]
    return {
        category: {"n": e["n"], **{t: round(e[t] / e["n"], 4) for t in results}}
        for category, e in sorted(categories.items())
    }


def build_profile(
    tiers,
    *,
    graded_csv: Path | str = GRADED_CSV,
    max_tokens: int = MAX_TOKENS,
    progress: bool = True,
    update: dict | None = None,
    categories: Sequence[str] | None = None,
    sample: int | None = None,
) -> dict:
    """Measure the configured tiers on the graded queries (the cloud only when it is a real endpoint).

    With `update` (an earlier profile of the same tiers) and `categories`, only the queries of those
    categories are asked again, e.g. after their graded queries changed; every other answer is kept. With `sample`,
    only a stratified, seeded subset of about that many queries is asked (`sample_graded_queries`)."""
    graded_csv = Path(graded_csv)
    rows = load_graded_queries(graded_csv)
    if sample is not None:
        if update is not None:
            raise ProfileError("--sample measures a fresh subset; it cannot update an earlier profile (--categories)")
        rows = sample_graded_queries(rows, sample)
    settings = tiers.settings
    measured = ["local"] + (["cloud"] if settings.cloud.backend != "local_service" else [])
    kept: dict[str, dict] = {}
    if update is not None:
        if update["settings"]["max_tokens"] != max_tokens or set(update["tiers"]) != set(TIERS):
            raise ProfileError("an update must use the same max_tokens as the profile it updates")
        if update["tiers"]["local"]["model"] != str(settings.local.model):
            raise ProfileError(
                f"the profile measured {update['tiers']['local']['model']}, but the configured local model is "
                f"{settings.local.model}: measure it from scratch (leave out --categories)"
            )
        kept = {a["query"]: a for a in update["answers"] if a["category"] not in set(categories or ())}
    ask = [row for row in rows if row.query not in kept]
    if progress and any(row.grader == "tests" for row in ask):
        print(
            "  code tasks are graded by running each answer's code against unit tests in a sandboxed subprocess "
            "(temporary folder, CPU and memory limits, no network)"
        )
    asked = {
        tier: asyncio.run(answer_all(tiers, tier, ask, max_tokens=max_tokens, progress=progress)) for tier in measured
    }
    fresh = {row.query: {tier: asked[tier][i] for tier in measured} for i, row in enumerate(ask)}
    results = {tier: [(kept.get(row.query) or fresh[row.query])[tier] for row in rows] for tier in measured}
    return {
        "format": PROFILE_FORMAT,
        "graded_queries": {
            "file": graded_csv.name,
            "rows": len(rows),
            "sha256": _sha256(graded_csv),
            **({"sample": sample, "sample_seed": SAMPLE_SEED} if sample is not None else {}),
        },
        "settings": {
            "max_tokens": max_tokens,
            "max_tokens_by_subtype": {
                s: SUBTYPE_MAX_TOKENS[s] for s in sorted({r.subtype for r in rows}) if s in SUBTYPE_MAX_TOKENS
            },
            "instructions": INSTRUCTIONS,
            "code_graded_by_running": any(r.grader == "tests" for r in rows),
        },
        "tiers": {
            "local": {
                "backend": settings.local.backend,
                "model": str(settings.local.model),
                "measured": True,
                "identity": local_model_identity(settings),
            },
            "cloud": {
                "backend": settings.cloud.backend,
                "model": settings.cloud.model,
                "measured": "cloud" in results,
            },
        },
        "categories": summarise(rows, results),
        "subtypes": summarise([replace(row, category=row.subtype) for row in rows], results),
        "answers": [
            {
                "query": row.query,
                "category": row.category,
                "subtype": row.subtype,
                "split": row.split,
                **{tier: results[tier][i] for tier in results},
            }
            for i, row in enumerate(rows)
        ],
    }


def regrade_profile(profile: dict, graded_csv: Path | str = GRADED_CSV) -> dict:
    """The profile with every stored answer graded again by the current references, asking no model.

    Answers are stored whole, so a corrected reference (a grader that missed a right answer) needs no new run.
    The graded queries must be the ones the profile measured, in the same order.

    Args:
        profile: a profile from `load_profile` (or `build_profile`).
        graded_csv: the graded queries whose references to grade by.

    Returns:
        A new profile: grades, per-category and per-sub-type accuracy, splits and the file's SHA-256 updated.

    Raises:
        ProfileError: the profile measured other graded queries.
    """
    graded_csv = Path(graded_csv)
    rows = load_graded_queries(graded_csv)
    if [a["query"] for a in profile["answers"]] != [row.query for row in rows]:
        raise ProfileError(
            f"the profile measured other graded queries than {graded_csv.name}; "
            "re-measure: python -m modules.router profile"
        )
    tiers = [t for t in ("local", "cloud") if all(t in a for a in profile["answers"])]
    results = {
        tier: [
            {
                **a[tier],
                "correct": bool(a[tier]["answer"]) and grade(row.grader, row.reference, a[tier]["answer"], row.query),
            }
            for a, row in zip(profile["answers"], rows, strict=True)
        ]
        for tier in tiers
    }
    return {
        **profile,
        "graded_queries": {**profile["graded_queries"], "sha256": _sha256(graded_csv)},
        "categories": summarise(rows, results),
        "subtypes": summarise([replace(row, category=row.subtype) for row in rows], results),
        "answers": [
            {**a, "subtype": row.subtype, "split": row.split, **{tier: results[tier][i] for tier in tiers}}
            for i, (a, row) in enumerate(zip(profile["answers"], rows, strict=True))
        ],
    }


def write_profile(profile: dict, path: Path | str = PROFILE_JSON) -> tuple[Path, Path]:
    """Write the profile JSON (stable key order, so an unchanged profile rewrites the same bytes) and its chart."""
    path = Path(path)
    path.write_text(json.dumps(profile, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    chart = path.with_suffix(".png")
    plot_profile(profile).savefig(chart, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return path, chart


def load_profile(path: Path | str = PROFILE_JSON) -> dict:
    """A capability profile written by `python -m modules.router profile`, checked before use.

    Args:
        path: The profile's JSON file; the shipped one by default.

    Returns:
        The profile: per-category accuracy of the local model, the model it measured, the graded answers.

    Raises:
        ProfileError: The file is missing, is not JSON, or is not a valid profile; the message says how to re-measure.
    """
    path = Path(path)
    if not path.exists():
        raise ProfileError(f"No capability profile at {path}. Measure one: python -m modules.router profile")
    try:
        profile = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ProfileError(
            f"{path} is not valid JSON ({error}); re-measure: python -m modules.router profile"
        ) from error
    if not isinstance(profile, dict) or profile.get("format") != PROFILE_FORMAT:
        raise ProfileError(f"{path} is not a format-{PROFILE_FORMAT} capability profile; re-measure it")
    categories = profile.get("categories")
    if not isinstance(categories, dict) or not categories:
        raise ProfileError(f"{path} has no per-category accuracy; re-measure it")
    for name, entry in categories.items():
        value = entry.get("local") if isinstance(entry, dict) else None
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ProfileError(f"{path}: category {name!r} needs a local accuracy between 0 and 1")
    return profile


def plot_profile(profile: dict, bar: float | None = None):
    """Horizontal bars: measured accuracy per category and tier, with the policy's bar as a line.

    Args:
        profile: A capability profile (`load_profile`).
        bar: The policy's accuracy bar; None is LOCAL_ACCURACY_BAR.
    """
    import matplotlib.pyplot as plt

    from modules.routing.policy import LOCAL_ACCURACY_BAR

    bar = LOCAL_ACCURACY_BAR if bar is None else bar
    categories = profile["categories"]
    names = sorted(categories, key=lambda c: categories[c]["local"])
    tiers = [t for t in TIERS if profile["tiers"][t]["measured"]]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(names) + 1.2))
    height = 0.8 / len(tiers)
    for k, tier in enumerate(tiers):
        ax.barh(
            [i + k * height for i in range(len(names))],
            [categories[c][tier] for c in names],
            height=height,
            label=f"{tier}: {profile['tiers'][tier]['model']}",
        )
    ax.axvline(bar, color="black", lw=1, ls="--", label=f"bar for local: {bar:.0%}")
    ax.set_yticks([i + (len(tiers) - 1) * height / 2 for i in range(len(names))])
    ax.set_yticklabels([f"{c} (n={categories[c]['n']})" for c in names])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answers graded correct")
    ax.set_title("Capability profile: measured accuracy per category")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
