"""A scorer on the local model's own view of the query: SmolLM2's embedding of it, combined with the text model.

    embedder = QueryEmbedder()                          # llama.cpp embedding=True on the local tier's GGUF file
    strategy = train_embedding_strategy(load_profile(), embedder)
    HybridRouter(strategy=strategy, mode="balanced")

The embedding is the last token's hidden state (llama.cpp `pooling_type=LAST`, L2-normalised) of the same weights the
local tier answers with. A logistic regression on it learns, from the graded answers of the training split, how
likely the local answer is wrong; the strategy's score is the mean of that probability and the shipped text model's,
floored like the text model's (long-form requests, measured failures). `cross_fitted_embedding_scores` gives the
graded queries' scores from models fitted without them, so its curve and APGR compare fairly with the default's
(`bench/bench_router_embedding.py` measures both, and the decision time). It is offered, not the default: it must
beat the default's cross-fitted APGR by at least 0.02 (bootstrap interval above 0) and decide in at most 150 ms
(docs/router.md, "SmolLM2's own view").
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from modules.routing.errors import RouterInputError
from modules.routing.features import QueryAnalysis, analyze_query, rule_features
from modules.routing.strategies import LearnedStrategy, floored
from modules.routing.training import GRADED_FOLDS, graded_folds, is_training_answer

__all__ = ["QueryEmbedder", "EmbeddingStrategy", "train_embedding_strategy", "cross_fitted_embedding_scores"]

EMBED_TOKENS = 256  # a query longer than this is embedded by its first 256 tokens
EMBEDDING_C = 0.5  # the logistic regression's inverse regularisation strength (576 dimensions, ~800 answers)


class QueryEmbedder:
    """SmolLM2's embedding of a query: llama.cpp `embedding=True` on the local tier's GGUF file, loaded on first use.

    Args:
        model_path: A GGUF file; None for the SmolLM2 weights the offline local tier uses.
    """

    def __init__(self, model_path: Path | str | None = None) -> None:
        self.model_path = Path(model_path) if model_path else None
        self._llm = None
        self._lock = threading.Lock()

    def _model(self):
        if self._llm is None:
            import llama_cpp

            from modules.tiers import default_model_path

            path = self.model_path or default_model_path()
            self._llm = llama_cpp.Llama(
                model_path=str(path),
                embedding=True,
                pooling_type=llama_cpp.LLAMA_POOLING_TYPE_LAST,
                n_ctx=EMBED_TOKENS,
                n_batch=EMBED_TOKENS,
                n_ubatch=EMBED_TOKENS,
                # one thread: on 2 shared cores a second one mostly waits for the first (measured slower under load)
                n_threads=1,
                n_threads_batch=1,
                verbose=False,
            )
        return self._llm

    def embed(self, text: str) -> np.ndarray:
        """The L2-normalised embedding of one text.

        Args:
            text: The query.

        Returns:
            A vector of the model's hidden size (576 for SmolLM2-135M).
        """
        with self._lock:
            return np.asarray(self._model().embed(text, normalize=True, truncate=True), dtype=float)

    def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (see `embed`)."""
        return np.array([self.embed(t) for t in texts])


class EmbeddingStrategy:
    """P(the local answer is wrong): the mean of the text model's score and a logistic regression on SmolLM2's
    embedding of the query, floored for long-form requests like the text model's.

    Args:
        text: The text model (the shipped `LearnedStrategy`).
        weights: One weight per embedding dimension.
        intercept: The logistic regression's intercept.
        embedder: What embeds a query.
        out_of_fold: Cross-fitted scores of the graded queries, by query, or None.
    """

    name = "embedding + text"

    def __init__(
        self,
        text: LearnedStrategy,
        weights: Sequence[float],
        intercept: float,
        embedder: QueryEmbedder,
        *,
        out_of_fold: Mapping[str, float] | None = None,
    ) -> None:
        self.text = text
        self.weights = np.asarray(weights, dtype=float)
        self.intercept = float(intercept)
        self.embedder = embedder
        self.out_of_fold = dict(out_of_fold) if out_of_fold else None
        self.trained_for = text.trained_for

    def embedding_probability(self, query: str) -> float:
        """The embedding model's own P(the local answer is wrong) for `query`."""
        vector = self.embedder.embed(query)
        if vector.shape != self.weights.shape:
            raise RouterInputError(
                f"the embedding has {vector.size} dimensions but the model {self.weights.size}: it was trained on "
                "another local model; retrain it with train_embedding_strategy"
            )
        return _sigmoid(self.intercept + float(vector @ self.weights))

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        p = (self.text.model.probability(query, rule_features(analysis)) + self.embedding_probability(query)) / 2
        return floored(p, analysis, self.text.floors)

    def floor_reason(self, analysis: QueryAnalysis) -> str | None:
        """Why the score was floored (the text model's floors), or None."""
        return self.text.floor_reason(analysis)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def _fit(vectors: np.ndarray, failed: Sequence[bool]) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=EMBEDDING_C, max_iter=2000).fit(vectors, np.asarray(failed, dtype=int))
    return lr.coef_[0], float(lr.intercept_[0])


def _training_answers(profile: Mapping) -> list[Mapping]:
    return [a for a in profile["answers"] if is_training_answer(a)]


def cross_fitted_embedding_scores(
    profile: Mapping,
    text_scores: Sequence[float],
    vectors: np.ndarray,
    folds: int = GRADED_FOLDS,
    floors: Mapping[str, float] | None = None,
) -> np.ndarray:
    """The strategy's score for every training answer of `profile`, each from an embedding model fitted on the other
    folds (the default's folds, `graded_folds`), combined with that answer's cross-fitted text score.

    Args:
        profile: A capability profile (`load_profile`).
        text_scores: The text model's cross-fitted scores of the same answers (the shipped model's `out_of_fold`).
        vectors: `QueryEmbedder.embed_many` of the same answers' queries.
        folds: How many stratified folds.
        floors: The text model's floors (`LearnedStrategy.floors`), applied to the combined score too.

    Returns:
        One score per training answer, in the profile's order.
    """
    answers = _training_answers(profile)
    if not len(answers) == len(text_scores) == len(vectors):
        raise RouterInputError(f"{len(answers)} answers, {len(text_scores)} text scores, {len(vectors)} embeddings")
    failed = np.array([not a["local"]["correct"] for a in answers])
    part = graded_folds([a["category"] for a in answers], folds)
    scores = np.empty(len(answers))
    for k in range(folds):
        fit, held = np.flatnonzero(part != k), np.flatnonzero(part == k)
        weights, intercept = _fit(vectors[fit], failed[fit])
        embedded = 1 / (1 + np.exp(-(vectors[held] @ weights + intercept)))
        scores[held] = (np.asarray(text_scores, dtype=float)[held] + embedded) / 2
    for i, a in enumerate(answers):  # the text scores are floored already; their mean with the embedding's too
        scores[i] = floored(scores[i], analyze_query(a["query"]), floors)
    return scores


def train_embedding_strategy(
    profile: Mapping, embedder: QueryEmbedder, text: LearnedStrategy | None = None, vectors: np.ndarray | None = None
) -> EmbeddingStrategy:
    """The embedding strategy for a capability profile: the embedding model fitted on all its training answers, with
    the cross-fitted scores of those answers for its operating curve.

    Args:
        profile: A capability profile (`load_profile`).
        embedder: What embeds a query.
        text: The text model; None loads the shipped one.
        vectors: The training answers' embeddings, if already computed.

    Returns:
        The `EmbeddingStrategy`.
    """
    text = text or LearnedStrategy.load()
    answers = _training_answers(profile)
    queries = [a["query"] for a in answers]
    vectors = embedder.embed_many(queries) if vectors is None else vectors
    stored = text.out_of_fold or {}
    text_scores = [stored[q] if q in stored else text.cloud_probability(q, analyze_query(q)) for q in queries]
    oof = cross_fitted_embedding_scores(profile, text_scores, vectors, floors=text.floors)
    weights, intercept = _fit(vectors, [not a["local"]["correct"] for a in answers])
    return EmbeddingStrategy(
        text, weights, intercept, embedder, out_of_fold={q: float(s) for q, s in zip(queries, oof, strict=True)}
    )
