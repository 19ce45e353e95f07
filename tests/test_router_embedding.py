"""The embedding scorer: SmolLM2's real embedding, the combination with the text model, and leak-free cross-fitting."""

from __future__ import annotations

import numpy as np
import pytest

from modules.routing import EmbeddingStrategy, LearnedStrategy, QueryEmbedder, RouterInputError, analyze_query
from modules.routing.embedding import cross_fitted_embedding_scores
from modules.routing.features import rule_features
from modules.routing.strategies import floored


@pytest.fixture(scope="module")
def embedder():
    return QueryEmbedder()


def test_smollm2_embeds_a_query_as_a_unit_vector(embedder):
    hello, again, code = (embedder.embed(q) for q in ["hello there", "hello there", "Write a Rust web server"])
    assert hello.shape == (576,)  # SmolLM2-135M's hidden size
    assert np.linalg.norm(hello) == pytest.approx(1.0, abs=1e-6)
    assert np.array_equal(hello, again)
    assert not np.allclose(hello, code)


class _Fixed:
    """Stands in for the embedder: a given vector per query (the combination is the course's own arithmetic)."""

    def __init__(self, vectors):
        self.vectors = vectors

    def embed(self, text):
        return np.asarray(self.vectors[text], dtype=float)


def test_the_score_is_the_mean_of_both_models_floored_like_the_text_model():
    text = LearnedStrategy.load()
    weights = np.zeros(576)
    weights[0] = 3.0
    queries = ["ok", "What is the capital of Peru?", "Write a Python function that merges two sorted arrays"]
    vectors = {q: np.eye(576)[0] * (i - 1) for i, q in enumerate(queries)}
    strategy = EmbeddingStrategy(text, weights, -0.5, _Fixed(vectors))
    for i, q in enumerate(queries):
        analysis = analyze_query(q)
        embedded = 1 / (1 + np.exp(-(3.0 * (i - 1) - 0.5)))
        mean = (text.model.probability(q, rule_features(analysis)) + embedded) / 2
        expected = floored(mean, analysis, text.floors)
        assert strategy.cloud_probability(q, analysis) == pytest.approx(expected)
    with pytest.raises(RouterInputError, match="dimensions"):
        EmbeddingStrategy(text, weights[:10], 0.0, _Fixed(vectors)).embedding_probability("ok")
    letters = analyze_query("Spell 'orbit' backwards")
    assert strategy.floor_reason(letters) == text.floor_reason(letters) and "(letters) wrong" in text.floor_reason(
        letters
    )
    assert strategy.floor_reason(analyze_query("ok")) is None


def _profile(outcomes):
    categories = ["smalltalk", "arithmetic", "factual", "rewrite"]
    return {
        "answers": [
            {"query": f"question {i}", "category": categories[i % 4], "local": {"correct": ok}, "split": "train"}
            for i, ok in enumerate(outcomes)
        ]
    }


def test_cross_fitting_never_lets_an_answer_score_itself():
    rng = np.random.default_rng(3)
    outcomes = list(rng.random(60) < 0.5)
    vectors = rng.normal(size=(60, 8))
    text_scores = rng.random(60)
    before = cross_fitted_embedding_scores(_profile(outcomes), text_scores, vectors)
    flipped = list(outcomes)
    flipped[7] = not flipped[7]
    after = cross_fitted_embedding_scores(_profile(flipped), text_scores, vectors)
    assert after[7] == before[7]  # its own outcome is not used to score it ...
    assert not np.allclose(np.delete(after, 7), np.delete(before, 7))  # ... but it is used for the other folds
    with pytest.raises(RouterInputError):
        cross_fitted_embedding_scores(_profile(outcomes), text_scores[:10], vectors)
