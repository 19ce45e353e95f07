"""A small linear text classifier: trained with scikit-learn, scored in plain Python.

Training uses scikit-learn (TF-IDF word and character n-grams, plus a few numeric
features, into a logistic regression). The fitted weights are then exported to plain
dictionaries, because a router decides on every single query: scikit-learn's
`predict_proba` costs milliseconds for one query and importing scikit-learn about a
second, while this scorer needs tens of microseconds and loads without scikit-learn.
`fit_text_classifier` checks that the export reproduces scikit-learn's probabilities.

The model file is JSON of those weights (`save` / `load`), checked field by field before use: loading
it parses data and never runs code, unlike a pickle.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modules.routing.errors import RouterInputError, RoutingError

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 4)
MIN_DF = 2  # ignore n-grams seen in only one training query: they are noise, and they bloat the file
C = 4.0  # inverse regularisation strength of the logistic regression
FORMAT = 2  # format 1 was a joblib pickle; format 2 is JSON
KIND = "linear-text-classifier"


MAX_ABS_WEIGHT = 1e6  # a fitted weight or idf is far smaller; anything larger is a damaged or crafted file


class ModelFileError(RoutingError, ValueError):
    """A router model file is malformed, damaged or of another format; the message says how to rebuild it."""


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
            raise RouterInputError(f"expected {len(self.extra_weights)} extra features, got {len(extra)}")
        z = self.intercept + _tfidf_dot(word_ngrams(text), self.words) + _tfidf_dot(char_ngrams(text), self.chars)
        z += sum(w * x for w, x in zip(self.extra_weights, extra, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def to_dict(self) -> dict:
        """Plain data: n-gram tables sorted, so the same weights always serialise to the same bytes."""
        return {
            "format": FORMAT,
            "kind": KIND,
            "words": {g: list(self.words[g]) for g in sorted(self.words)},
            "chars": {g: list(self.chars[g]) for g in sorted(self.chars)},
            "extra_weights": list(self.extra_weights),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: object, source: str = "model data") -> LinearTextClassifier:
        """Check every field before use: a malformed or foreign file is rejected with the fix named."""
        fix = "retrain it: python -m modules.router train"

        def bad(what: str) -> ModelFileError:
            return ModelFileError(f"{source} is not a format-{FORMAT} router model ({what}); {fix}")

        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise bad("not a text-classifier export")
        if data.get("format") != FORMAT:
            raise bad(f"format {data.get('format')!r}"[:40])
        tables = []
        for name in ("words", "chars"):
            table = data.get(name)
            if not isinstance(table, dict):
                raise bad(f"'{name}' must be an object")
            for gram, entry in table.items():
                if not (isinstance(entry, list) and len(entry) == 2 and all(_is_number(v) for v in entry)):
                    raise bad(
                        f"'{name}' entry {gram[:40]!r} must be [idf, weight], numbers of at most {MAX_ABS_WEIGHT:g}"
                    )
            tables.append({g: (float(e[0]), float(e[1])) for g, e in table.items()})
        extra, intercept = data.get("extra_weights"), data.get("intercept")
        if not isinstance(extra, list) or not all(_is_number(v) for v in extra):
            raise bad(f"'extra_weights' must be a list of numbers of at most {MAX_ABS_WEIGHT:g}")
        if not _is_number(intercept):
            raise bad("'intercept' must be a number")
        return cls(tables[0], tables[1], tuple(float(v) for v in extra), float(intercept))

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path | str) -> LinearTextClassifier:
        """Read a JSON model file: plain data, parsed and checked; nothing in it is executed."""
        path = Path(path)
        return cls.from_dict(read_model_json(path), str(path))


def read_model_json(path: Path) -> object:
    """Parse a model file as strict JSON: damaged bytes, NaN/Infinity and deep nesting raise ModelFileError."""
    fix = "retrain it: python -m modules.router train"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ModelFileError(f"cannot read router model {path} ({error.strerror or error}); {fix}") from error
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{path} is not a text file ({error.reason}); {fix}") from error
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise ModelFileError(f"{path} is not a JSON router model ({str(error)[:120]}); {fix}") from error
    except RecursionError:
        raise ModelFileError(f"{path} is nested too deeply to be a router model; {fix}") from None


def _reject_constant(name: str) -> float:
    raise ModelFileError(f"{name} is not a number a model file may hold")


def _is_number(value: object) -> bool:
    # abs() <= bound also rejects NaN and infinities, and compares huge JSON integers without converting them
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_ABS_WEIGHT


def _round(value: float) -> float:
    """12 significant digits: far below what changes a decision, and the last bits of floating-point
    arithmetic no longer change the model file's bytes."""
    return float(f"{float(value):.12g}")


def fit_text_classifier(
    texts: Sequence[str],
    labels: Sequence[int] | None,
    extra: Sequence[Sequence[float]],
    *,
    soft_targets: Sequence[float] | None = None,
    weights: Sequence[float] | None = None,
    c: float = C,
) -> LinearTextClassifier:
    """Fit on texts with 0/1 labels (balanced class weights) and one row of extra numeric features per text.

    With `soft_targets` instead of labels (P(class 1) per text, e.g. how often the local model fails on such
    queries), every text counts once as class 1 with weight p and once as class 0 with weight 1 - p: the model
    then estimates that probability. `weights` (with soft targets) count some texts more than others;
    `c` is the logistic regression's inverse regularisation strength."""
    from scipy.sparse import csr_matrix, hstack, vstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if (labels is None) == (soft_targets is None):
        raise RouterInputError("give either labels or soft_targets")
    texts, extra = list(texts), np.asarray(extra, dtype=float).reshape(len(texts), -1)
    vectorizers = [
        TfidfVectorizer(ngram_range=WORD_NGRAMS, sublinear_tf=True, min_df=MIN_DF),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=MIN_DF),
    ]
    blocks = [v.fit_transform(texts) for v in vectorizers]
    x = hstack([*blocks, csr_matrix(extra)]).tocsr()
    if soft_targets is None:
        lr = LogisticRegression(C=c, max_iter=2000, class_weight="balanced").fit(x, np.asarray(labels))
    else:
        p = np.clip(np.asarray(soft_targets, dtype=float), 0.0, 1.0)
        w = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
        y = np.r_[np.ones(len(texts)), np.zeros(len(texts))]
        lr = LogisticRegression(C=c, max_iter=2000).fit(
            vstack([x, x]).tocsr(), y, sample_weight=np.r_[w * p, w * (1 - p)]
        )

    coef, start, tables = lr.coef_[0], 0, []
    for v, block in zip(vectorizers, blocks, strict=True):
        weights = coef[start : start + block.shape[1]]
        tables.append({term: (_round(v.idf_[i]), _round(weights[i])) for term, i in v.vocabulary_.items()})
        start += block.shape[1]
    model = LinearTextClassifier(tables[0], tables[1], tuple(_round(w) for w in coef[start:]), _round(lr.intercept_[0]))

    expected = lr.predict_proba(x)[:, 1]
    exported = np.array([model.probability(t, row) for t, row in zip(texts, extra, strict=True)])
    if not np.allclose(expected, exported, atol=1e-9):
        raise RuntimeError(
            "The exported classifier disagrees with scikit-learn; has TfidfVectorizer's tokenisation changed?"
        )
    return model
