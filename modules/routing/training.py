"""The router's data and training: the failure-ranked default model, cross-fitting, labels from the policy.

    python -m modules.router train                      # shipped profile -> router_model.json
    python -m modules.router train --profile data/capability_profile_ollama.json --out my_router.json

The shipped router (`train_router`) scores P(the local answer is wrong), learned from graded answers: the
per-category accuracy of the capability profile (soft targets on data/routing_queries.csv) and each graded
query's own outcome. Its operating curve comes from cross-fitted scores (`cross_fitted_failure_probabilities`):
no graded answer helps score itself. Retraining for another local model is one command, after measuring it.

The label-trained router (`train_model`, labels = the policy's tier per category, `out_of_fold_probabilities`
for group k-fold evaluation) is kept for lab 05's comparison.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from modules.config import TIERS
from modules.routing.classifier import LinearTextClassifier, fit_text_classifier
from modules.routing.errors import RouterInputError
from modules.routing.features import FLAGS, analyze_query, rule_features
from modules.routing.modes import DEFAULT_MODE, Target
from modules.routing.policy import Policy, derive_policy
from modules.routing.profile import DATA_DIR, PROFILE_JSON, ProfileError, load_profile, model_identity
from modules.routing.strategies import LONG_FORM_FAILURE, MODEL_PATH, LearnedStrategy, floor_applies, floored

QUERIES_CSV = DATA_DIR / "routing_queries.csv"
HOLDOUT_CSV = DATA_DIR / "routing_holdout.csv"
GRADED_FOLDS = 5  # cross-fitting: each graded answer is scored by a model fitted on the other four fifths
FOLD_SEED = 17
# A graded answer is direct evidence about its own query, a routing row only through its category's accuracy:
# each graded query counts as much as three routing rows. The failure model is regularised more than the
# label-trained one (C = 1 instead of 4): its targets are noisy 0/1 outcomes. Both chosen on cross-fitted APGR.
GRADED_REPEATS = 3


FAILURE_C = 1.0
# A flag earns a floor when the local model got at least this share of at least this many graded training answers
# with that flag wrong: the floor then holds for every query with the flag, however it is phrased.
FLOOR_MIN_FAILURE = 0.85
FLOOR_MIN_ANSWERS = 30


def measured_floors(queries: Sequence[str], correct: Sequence[bool]) -> dict[str, float]:
    """The least score per kind of query: long-form work at LONG_FORM_FAILURE, and every flag of `analyze_query`
    that the local model measurably fails (FLOOR_MIN_FAILURE of at least FLOOR_MIN_ANSWERS graded answers) at its
    measured failure rate. A model that passes a kind earns it no floor, so a stronger local model keeps more.

    Args:
        queries: Graded queries.
        correct: Whether the local model answered each correctly.

    Returns:
        Kind ("long_form" or a flag name) -> least score.
    """
    analyses = [analyze_query(q) for q in queries]
    floors = {"long_form": LONG_FORM_FAILURE}
    for flag in FLAGS:
        outcomes = [ok for a, ok in zip(analyses, correct, strict=True) if floor_applies(flag, a)]
        failure = 1 - float(np.mean(outcomes)) if outcomes else 0.0
        if len(outcomes) >= FLOOR_MIN_ANSWERS and failure >= FLOOR_MIN_FAILURE:
            floors[flag] = round(failure, 3)
    return floors


__all__ = [
    "MODEL_PATH",
    "load_routing_queries",
    "load_holdout",
    "train_model",
    "train_failure_model",
    "train_router",
    "train_and_save",
    "graded_folds",
    "cross_fitted_failure_probabilities",
    "measured_floors",
]


def shipped_policy() -> Policy:
    """The policy of the shipped capability profile (the offline SmolLM2 default)."""
    return derive_policy(load_profile(PROFILE_JSON))


def load_routing_queries(policy: Policy | None = None):
    """data/routing_queries.csv as a DataFrame (query, label, category, group, fold), labelled by `policy`
    (default: the shipped profile's policy, which is also what the file's label column holds).

    Args:
        policy: The policy that labels each query; None is the shipped profile's.
    """
    import pandas as pd

    frame = pd.read_csv(QUERIES_CSV)
    frame["label"] = (policy or shipped_policy()).labels(frame["category"])
    return frame


def load_holdout(policy: Policy | None = None):
    """data/routing_holdout.csv (query, category, kind), hand-written, never trained on; labelled by `policy`.

    Args:
        policy: The policy that labels each query; None is the shipped profile's.
    """
    import pandas as pd

    frame = pd.read_csv(HOLDOUT_CSV)
    frame["label"] = (policy or shipped_policy()).labels(frame["category"])
    return frame


def _label_index(label: str) -> int:
    if label not in TIERS:
        raise RouterInputError(f"labels must be 'local' or 'cloud', got {label!r}")
    return TIERS.index(label)


def train_model(queries: Sequence[str], labels: Sequence[str]) -> LinearTextClassifier:
    """Fit the learned router's classifier on labelled queries ('local' / 'cloud'); about a second.

    Args:
        queries: The training queries.
        labels: Their labels, 'local' or 'cloud'.
    """
    queries = list(queries)
    y = [_label_index(label) for label in labels]
    if len(set(y)) < 2:
        raise RouterInputError(
            "every query has the same label, so there is nothing to learn: the policy sends every category to "
            f"{TIERS[y[0]] if y else 'no tier'}; route with a fixed tier instead"
        )
    return fit_text_classifier(queries, y, [rule_features(analyze_query(q)) for q in queries])


def graded_folds(categories: Sequence[str], folds: int = GRADED_FOLDS, seed: int = FOLD_SEED) -> np.ndarray:
    """A fold per graded query, stratified by category and seeded: each fold holds about 1/folds of every
    category, so the accuracies learned on the other folds cover every category."""
    rng = random.Random(seed)
    assignment = np.empty(len(categories), dtype=int)
    for category in sorted(set(categories)):
        members = [i for i, c in enumerate(categories) if c == category]
        rng.shuffle(members)
        for rank, i in enumerate(members):
            assignment[i] = rank % folds
    return assignment


def train_failure_model(
    queries: Sequence[str],
    categories: Sequence[str],
    local_accuracy: Mapping[str, float],
    graded_queries: Sequence[str] = (),
    graded_correct: Sequence[bool] = (),
    floors: Mapping[str, float] | None = None,
) -> LinearTextClassifier:
    """P(the local model answers this query wrongly), the default router's score.

    Two kinds of evidence, both from graded answers: every routing row counts as "fails" with weight
    1 - its category's measured accuracy (soft targets, so arithmetic at 3% right ranks above factual questions
    at 62%; a row of a kind with a floor at least that floor: `measured_floors`), and every graded query counts
    with its own outcome (so the ranking also moves within a category).
    Rank by it to spend a cloud budget where it helps most; a mode (modules/routing/modes.py) picks the threshold."""
    queries, graded_queries = list(queries), list(graded_queries)
    if len(graded_queries) != len(graded_correct):
        raise RouterInputError(f"{len(graded_queries)} graded queries but {len(graded_correct)} grades")
    missing = sorted(set(categories) - set(local_accuracy))
    if missing:
        raise RouterInputError(f"no measured accuracy for {missing}; re-measure: python -m modules.router profile")
    # each graded query enters GRADED_REPEATS times (its n-grams count that often in the TF-IDF statistics too)
    texts = queries + graded_queries * GRADED_REPEATS
    failure = [
        floored(1.0 - local_accuracy[c], analyze_query(q), floors) for q, c in zip(queries, categories, strict=True)
    ]
    failure += [0.0 if ok else 1.0 for ok in graded_correct] * GRADED_REPEATS
    return fit_text_classifier(
        texts, None, [rule_features(analyze_query(q)) for q in texts], soft_targets=failure, c=FAILURE_C
    )


def _graded_rows(profile: Mapping, graded: Sequence | None) -> tuple[list[str], list[str], list[bool]]:
    answers = profile["answers"]
    if graded is not None and [a["query"] for a in answers] != [g.query for g in graded]:
        raise ProfileError(
            "the profile was measured on other graded queries; re-measure: python -m modules.router profile"
        )
    answers = [a for a in answers if is_training_answer(a)]
    return [a["query"] for a in answers], [a["category"] for a in answers], [a["local"]["correct"] for a in answers]


def is_training_answer(answer: Mapping) -> bool:
    """A graded answer the router may learn from and tune on: not in the hold-out split (older profiles have none).

    Args:
        answer: One of a profile's "answers".

    Returns:
        False for a hold-out answer, which is only ever used to report figures.
    """
    return answer.get("split", "train") != "holdout"


def _category_accuracy(categories: Sequence[str], correct: Sequence[bool]) -> dict[str, float]:
    seen: dict[str, list[bool]] = {}
    for c, ok in zip(categories, correct, strict=True):
        seen.setdefault(c, []).append(ok)
    return {c: float(np.mean(v)) for c, v in seen.items()}


def cross_fitted_failure_probabilities(
    profile: Mapping, graded: Sequence | None = None, folds: int = GRADED_FOLDS
) -> np.ndarray:
    """P(local fails) for every graded answer of `profile`, each from a failure model fitted without it: the
    graded answers are split into `folds` stratified folds (`graded_folds`), and the model scoring one fold
    learns the per-category accuracies and the per-query outcomes of the other folds only (cross-fitting).
    Categories the other folds lack take the overall accuracy of those folds.
    `graded` (optional) are the rows of data/graded_queries.csv, checked to be in the profile's order.

    Args:
        profile: A capability profile (`load_profile`).
        graded: The rows of data/graded_queries.csv, or None.
        folds: How many stratified folds.
    """
    queries, categories, correct = _graded_rows(profile, graded)
    routing = load_routing_queries()
    part = graded_folds(categories, folds)
    probabilities = np.empty(len(queries))
    for k in range(folds):
        fit = np.flatnonzero(part != k)
        accuracy = _category_accuracy([categories[i] for i in fit], [correct[i] for i in fit])
        overall = float(np.mean([correct[i] for i in fit]))
        accuracy = {c: accuracy.get(c, overall) for c in set(routing["category"]) | set(categories)}
        fit_queries, fit_correct = [queries[i] for i in fit], [correct[i] for i in fit]
        floors = measured_floors(fit_queries, fit_correct)
        model = train_failure_model(routing["query"], routing["category"], accuracy, fit_queries, fit_correct, floors)
        strategy = LearnedStrategy(model, floors=floors)
        for i in np.flatnonzero(part == k):
            probabilities[i] = strategy.cloud_probability(queries[i], analyze_query(queries[i]))
    return probabilities


def out_of_fold_probabilities(queries: Sequence[str], labels: Sequence[str], folds: Sequence[int]) -> np.ndarray:
    """P(cloud) of every query from a model trained on the other folds (group k-fold: the folds of
    data/routing_queries.csv hold whole groups). Evaluate and calibrate on these, never on training rows.

    Args:
        queries: The queries.
        labels: Their labels, 'local' or 'cloud'.
        folds: Each query's fold.
    """
    queries, labels, folds = list(queries), list(labels), np.asarray(folds)
    probabilities = np.empty(len(queries))
    for k in np.unique(folds):
        fit_on = np.flatnonzero(folds != k)
        strategy = LearnedStrategy(train_model([queries[i] for i in fit_on], [labels[i] for i in fit_on]))
        for i in np.flatnonzero(folds == k):
            probabilities[i] = strategy.cloud_probability(queries[i], analyze_query(queries[i]))
    return probabilities


def train_router(profile: Mapping, target: Target | str | None = None) -> LearnedStrategy:
    """The default router for a capability profile: the failure model fitted on its training answers (never the
    hold-out split), carrying
    the cross-fitted scores of those answers (for its operating curve) and the model it was measured on.

    Args:
        profile: a capability profile (`load_profile`).
        target: the default operating point stored in the model file: a mode name or a target (default "balanced").

    Returns:
        The `LearnedStrategy`; `.save(path)` writes the model file.
    """
    queries, categories, correct = _graded_rows(profile, None)
    routing = load_routing_queries()
    accuracy = _category_accuracy(categories, correct)
    missing = sorted(set(routing["category"]) - set(accuracy))
    if missing:
        raise ProfileError(
            f"the profile has no graded answers for {missing}; measure them: python -m modules.router profile"
        )
    floors = measured_floors(queries, correct)
    model = train_failure_model(routing["query"], routing["category"], accuracy, queries, correct, floors)
    oof = cross_fitted_failure_probabilities(profile)
    return LearnedStrategy(
        model,
        out_of_fold={q: round(float(p), 9) for q, p in zip(queries, oof, strict=True)},
        trained_for=model_identity(profile),
        default_target=target if target is not None else DEFAULT_MODE,
        floors=floors,
    )


def train_and_save(
    profile_path: Path | str = PROFILE_JSON, model_path: Path | str = MODEL_PATH, target: Target | str | None = None
) -> tuple[Path, Policy]:
    """Train the default router on a capability profile and write the JSON model file.
    Unchanged inputs rewrite the same bytes.

    Args:
        profile_path: the capability profile to learn from.
        model_path: where to write the model file.
        target: the default operating point (a mode name or a target) stored in the file.

    Returns:
        (the model file's path, the policy the profile gives, for the summary printed by `train`).

    Raises:
        ProfileError: the profile is missing, malformed or lacks a routing category.
    """
    profile = load_profile(profile_path)
    strategy = train_router(profile, target)
    return strategy.save(model_path), derive_policy(profile)
