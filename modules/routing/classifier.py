"""A small linear text classifier: trained with scikit-learn, scored in plain Python.

Training uses scikit-learn (TF-IDF word and character n-grams, plus a few numeric
features, into a logistic regression). The fitted weights are then exported to plain
dictionaries, because a router decides on every single query: scikit-learn's
`predict_proba` costs milliseconds for one query and importing scikit-learn about a
second, while this scorer needs tens of microseconds and loads without scikit-learn.
`fit_text_classifier` checks that the export reproduces scikit-learn's probabilities.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
MIN_DF = 2  # ignore n-grams seen in only one training query: they are noise, and they bloat the file
C = 4.0  # inverse regularisation strength of the logistic regression
FORMAT = 1

# The same tokenisation as scikit-learn's TfidfVectorizer defaults (checked at training time).
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WHITE_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str) -> list[str]:
    tokens = _TOKEN.findall(text.lower())
    grams = list(tokens)
    for n in range(2, WORD_NGRAMS[1] + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def char_ngrams(text: str) -> list[str]:
    """Character n-grams inside word boundaries, words padded with a space (scikit-learn's 'char_wb')."""
    grams = []
    for w in _WHITE_SPACES.sub(" ", text.lower()).split():
        w = f" {w} "
        for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
            if len(w) <= n:
                grams.append(w)  # a short word counts once, whatever n
                break
            grams += [w[i : i + n] for i in range(len(w) - n + 1)]
    return grams


def _tfidf_dot(grams: list[str], table: dict[str, tuple[float, float]]) -> float:
    """w . x for the l2-normalised, sublinear-tf TF-IDF vector x of these n-grams."""
    dot = norm2 = 0.0
    for gram, tf in Counter(grams).items():
        entry = table.get(gram)
        if entry is not None:
            idf, weight = entry
            value = (1.0 + math.log(tf)) * idf
            dot += value * weight
            norm2 += value * value
    return dot / math.sqrt(norm2) if norm2 else 0.0


@dataclass(frozen=True)
class LinearTextClassifier:
    """P(class 1 | text, extra features) of a logistic regression over TF-IDF n-grams and extra features.
    `words`/`chars` map an n-gram to (idf, weight)."""

    words: dict[str, tuple[float, float]]
    chars: dict[str, tuple[float, float]]
    extra_weights: tuple[float, ...]
    intercept: float

    def probability(self, text: str, extra: Sequence[float] = ()) -> float:
        if len(extra) != len(self.extra_weights):
            raise ValueError(f"expected {len(self.extra_weights)} extra features, got {len(extra)}")
        z = self.intercept + _tfidf_dot(word_ngrams(text), self.words) + _tfidf_dot(char_ngrams(text), self.chars)
        z += sum(w * x for w, x in zip(self.extra_weights, extra, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def save(self, path: Path | str) -> Path:
        import joblib

        path = Path(path)
        joblib.dump(
            {
                "format": FORMAT,
                "words": self.words,
                "chars": self.chars,
                "extra_weights": self.extra_weights,
                "intercept": self.intercept,
            },
            path,
            compress=3,
        )
        return path

    @classmethod
    def load(cls, path: Path | str) -> LinearTextClassifier:
        import joblib

        data = joblib.load(Path(path))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(
                f"{path} is not a format-{FORMAT} text classifier file; retrain it: python -m modules.router --train"
            )
        return cls(data["words"], data["chars"], tuple(data["extra_weights"]), float(data["intercept"]))


def fit_text_classifier(
    texts: Sequence[str], labels: Sequence[int], extra: Sequence[Sequence[float]]
) -> LinearTextClassifier:
    """Fit on texts with 0/1 labels and one row of extra numeric features per text (balanced class weights)."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, y, extra = list(texts), np.asarray(labels), np.asarray(extra, dtype=float).reshape(len(texts), -1)
    vectorizers = [
        TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True, min_df=MIN_DF),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=MIN_DF),
    ]
    blocks = [v.fit_transform(texts) for v in vectorizers]
    x = hstack([*blocks, csr_matrix(extra)]).tocsr()
    lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(x, y)

    coef, start, tables = lr.coef_[0], 0, []
    for v, block in zip(vectorizers, blocks, strict=True):
        weights = coef[start : start + block.shape[1]]
        tables.append({term: (float(v.idf_[i]), float(weights[i])) for term, i in v.vocabulary_.items()})
        start += block.shape[1]
    model = LinearTextClassifier(tables[0], tables[1], tuple(float(w) for w in coef[start:]), float(lr.intercept_[0]))

    expected = lr.predict_proba(x)[:, 1]
    exported = np.array([model.probability(t, row) for t, row in zip(texts, extra, strict=True)])
    if not np.allclose(expected, exported, atol=1e-9):
        raise RuntimeError(
            "The exported classifier disagrees with scikit-learn; has TfidfVectorizer's tokenisation changed?"
        )
    return model
