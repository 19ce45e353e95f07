"""The router's data and training: labels from the policy, group k-fold evaluation, the shipped model file.

    python -m modules.router train                      # shipped profile -> policy -> labels -> router_model.json
    python -m modules.router train --profile data/capability_profile_ollama.json --out my_router.json

Labels are never typed by hand: a query's label is the tier the policy gives its category, and the policy
comes from the capability profile of the local model (modules/routing/policy.py). Retraining for another
local model is therefore one command, after measuring it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from modules.routing.classifier import LinearTextClassifier, fit_text_classifier
from modules.routing.features import analyze_query, rule_features
from modules.routing.policy import Policy, derive_policy
from modules.routing.profile import DATA_DIR, PROFILE_JSON, load_profile
from modules.routing.strategies import MODEL_PATH, LearnedStrategy

QUERIES_CSV = DATA_DIR / "routing_queries.csv"
HOLDOUT_CSV = DATA_DIR / "routing_holdout.csv"
TARGETS = ("local", "cloud")

__all__ = ["MODEL_PATH", "load_routing_queries", "load_holdout", "train_model", "train_and_save"]


def shipped_policy() -> Policy:
    """The policy of the shipped capability profile (the offline SmolLM2 default)."""
    return derive_policy(load_profile(PROFILE_JSON))


def load_routing_queries(policy: Policy | None = None):
    """data/routing_queries.csv as a DataFrame (query, label, category, group, fold), labelled by `policy`
    (default: the shipped profile's policy, which is also what the file's label column holds)."""
    import pandas as pd

    frame = pd.read_csv(QUERIES_CSV)
    frame["label"] = (policy or shipped_policy()).labels(frame["category"])
    return frame


def load_holdout(policy: Policy | None = None):
    """data/routing_holdout.csv (query, category, kind), hand-written, never trained on; labelled by `policy`."""
    import pandas as pd

    frame = pd.read_csv(HOLDOUT_CSV)
    frame["label"] = (policy or shipped_policy()).labels(frame["category"])
    return frame


def _label_index(label: str) -> int:
    if label not in TARGETS:
        raise ValueError(f"labels must be 'local' or 'cloud', got {label!r}")
    return TARGETS.index(label)


def train_model(queries: Sequence[str], labels: Sequence[str]) -> LinearTextClassifier:
    """Fit the learned router's classifier on labelled queries ('local' / 'cloud'); about a second."""
    queries = list(queries)
    y = [_label_index(label) for label in labels]
    if len(set(y)) < 2:
        raise ValueError(
            "every query has the same label, so there is nothing to learn: the policy sends every category to "
            f"{TARGETS[y[0]] if y else 'no tier'}; route with a fixed tier instead"
        )
    return fit_text_classifier(queries, y, [rule_features(analyze_query(q)) for q in queries])


def train_failure_model(
    queries: Sequence[str], categories: Sequence[str], local_accuracy: Mapping[str, float]
) -> LinearTextClassifier:
    """P(the local model answers this query wrongly), learned from the per-category accuracy of a profile:
    soft targets instead of labels, so the score ranks arithmetic (3% right) above factual questions (62%).
    Route to the cloud above 1 - bar to follow the policy; rank by it to spend a cloud budget where it helps most."""
    queries = list(queries)
    failure = [1.0 - local_accuracy[c] for c in categories]
    return fit_text_classifier(queries, None, [rule_features(analyze_query(q)) for q in queries], soft_targets=failure)


def cross_fitted_failure_probabilities(profile: Mapping, graded: Sequence, folds: int = 2) -> np.ndarray:
    """P(local fails) for every graded query, from a failure model trained on the routing rows with the
    per-category accuracy of the *other* graded answers (cross-fitting): no graded answer scores itself.
    `graded` are the rows of data/graded_queries.csv, in the profile's order."""
    answers = profile["answers"]
    if [a["query"] for a in answers] != [g.query for g in graded]:
        raise ValueError(
            "the profile was measured on other graded queries; re-measure: python -m modules.router profile"
        )
    routing = load_routing_queries()
    part = np.arange(len(graded)) % folds
    probabilities = np.empty(len(graded))
    for k in range(folds):
        correct: dict[str, list[bool]] = {}
        for a in (a for a, p in zip(answers, part, strict=True) if p != k):
            correct.setdefault(a["category"], []).append(a["local"]["correct"])
        accuracy = {c: float(np.mean(v)) for c, v in correct.items()}
        strategy = LearnedStrategy(train_failure_model(routing["query"], routing["category"], accuracy))
        for i in np.flatnonzero(part == k):
            probabilities[i] = strategy.cloud_probability(graded[i].query, analyze_query(graded[i].query))
    return probabilities


def out_of_fold_probabilities(queries: Sequence[str], labels: Sequence[str], folds: Sequence[int]) -> np.ndarray:
    """P(cloud) of every query from a model trained on the other folds (group k-fold: the folds of
    data/routing_queries.csv hold whole groups). Evaluate and calibrate on these, never on training rows."""
    queries, labels, folds = list(queries), list(labels), np.asarray(folds)
    probabilities = np.empty(len(queries))
    for k in np.unique(folds):
        fit_on = np.flatnonzero(folds != k)
        strategy = LearnedStrategy(train_model([queries[i] for i in fit_on], [labels[i] for i in fit_on]))
        for i in np.flatnonzero(folds == k):
            probabilities[i] = strategy.cloud_probability(queries[i], analyze_query(queries[i]))
    return probabilities


def train_and_save(profile_path: Path | str = PROFILE_JSON, model_path: Path | str = MODEL_PATH) -> tuple[Path, Policy]:
    """Derive the policy from a capability profile, label every query with it, train on all of them,
    and write the JSON model file. Unchanged inputs rewrite the same bytes."""
    policy = derive_policy(load_profile(profile_path))
    frame = load_routing_queries(policy)
    path = train_model(frame["query"], frame["label"]).save(model_path)
    return Path(path), policy
