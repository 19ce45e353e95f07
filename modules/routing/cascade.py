"""The cascade: the local model answers first, and its own token log-probabilities say how sure it is.

    local = EmbeddedLogprobAnswerer()                      # SmolLM2 with logprobs (llama.cpp)
    cascade = CascadeStrategy.load()                       # confidence weights fitted on graded answers
    result = await cascade_answer("What is 17 * 23?", local=local, cloud=ask_cloud, cascade=cascade)
    result.tier, result.local_answer, result.cloud_answer, result.wasted_local_tokens, result.added_seconds

Unlike a pre-router, which decides from the query alone, a cascade (FrugalGPT-style) pays for a local answer
on every query and escalates to the cloud when that answer looks unreliable:

* **log-probabilities**: the mean and the lowest log-probability of the answer's tokens, the first token's,
  and the mean margin between the chosen token and the runner-up (llama.cpp returns them with
  `create_chat_completion(logprobs=True)`; OpenAI-compatible servers such as Ollama accept `logprobs`);
* **format checks** that need no reference answer: a question that asks for a number got a new number,
  the answer was not cut off at the token limit, the answer does not just repeat the question.

A logistic regression turns these into P(the local answer is right) (`confidence`); below the threshold the
cloud answers. The record keeps both answers, the local tokens wasted on an escalated query and the latency
the local attempt added. The weights are fitted on data/cascade_features.csv (the real local model's
answers to the graded queries, with log-probabilities; `python data/make_cascade_features.py`), and evaluated
cross-fitted (`cross_fitted_cascade_scores`): no graded answer helps score itself.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from modules.routing.classifier import ModelFileError, read_model_json
from modules.routing.curve import operating_curve, profile_qualities
from modules.routing.errors import RoutingError
from modules.routing.modes import DEFAULT_MODE, resolve, target_for
from modules.routing.profile import load_profile
from modules.routing.router import RoutingDecision, _confidence
from modules.routing.training import GRADED_FOLDS, graded_folds

__all__ = [
    "FEATURES",
    "CASCADE_FEATURES_CSV",
    "CASCADE_MODEL_PATH",
    "LocalAnswer",
    "CascadeResult",
    "CascadeStrategy",
    "EmbeddedLogprobAnswerer",
    "OpenAICompatibleLogprobAnswerer",
    "LOGPROB_OPTIONS",
    "cascade_answer",
    "cascade_curve",
    "cascade_decision",
    "judge_local_answer",
    "local_answer_of",
    "answer_features",
    "logprob_features",
    "format_checks",
    "load_cascade_features",
    "fit_cascade",
    "cross_fitted_cascade_scores",
]

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
CASCADE_FEATURES_CSV = DATA_DIR / "cascade_features.csv"
CASCADE_MODEL_PATH = Path(__file__).resolve().parent / "cascade_model.json"
INSTRUCTIONS = "Answer briefly and directly."  # the capability profile's instruction, so the answers match it
MAX_TOKENS = 48  # the profile's answer length
# Chat options that make a local tier's agent answer with log-probabilities: each token's and its runner-up's.
LOGPROB_OPTIONS = {"logprobs": True, "top_logprobs": 2}

LOGPROB_FEATURES = ("mean_logprob", "min_logprob", "first_logprob", "mean_margin", "log_tokens")
CHECK_FEATURES = ("number_expected_and_missing", "cut_off", "echoes_question")
FEATURES = LOGPROB_FEATURES + CHECK_FEATURES


class CascadeError(RoutingError, ValueError):
    """The cascade cannot run as configured (no logprobs from the local server, a malformed weights file)."""


@dataclass(frozen=True)
class LocalAnswer:
    """The local model's answer with what the cascade needs to judge it."""

    text: str
    token_logprobs: list[float]  # log-probability of each answer token
    margins: list[float]  # chosen token's log-probability minus the runner-up's, per token
    finish_reason: str  # "stop", or "length" when the answer hit the token limit
    seconds: float


@dataclass(frozen=True)
class CascadeResult:
    """One cascaded query: both answers, which one was served, and what the local attempt cost."""

    query: str
    tier: str  # "local" (confident enough) or "cloud" (escalated)
    text: str  # the answer served
    local_answer: str
    cloud_answer: str | None
    confidence: float  # P(the local answer is right), from its log-probabilities and format checks
    threshold: float
    wasted_local_tokens: int  # tokens the local model generated for an answer that was not served
    added_seconds: float  # the local attempt's time, added to an escalated query's latency
    features: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- features


def logprob_features(token_logprobs: Sequence[float], margins: Sequence[float]) -> dict[str, float]:
    """Summaries of an answer's token log-probabilities (0 = certain, more negative = less sure).

    Args:
        token_logprobs: the log-probability of each generated token.
        margins: per token, its log-probability minus the runner-up's.

    Returns:
        mean_logprob, min_logprob, first_logprob, mean_margin and log_tokens (log of 1 + the answer length).
    """
    lp = np.asarray(token_logprobs, dtype=float)
    if lp.size == 0:
        lp = np.array([-10.0])  # no answer at all: as unsure as an answer can be
    lp = np.clip(lp, -30.0, 0.0)
    return {
        "mean_logprob": float(lp.mean()),
        "min_logprob": float(lp.min()),
        "first_logprob": float(lp[0]),
        "mean_margin": float(np.clip(np.asarray(margins, dtype=float), 0.0, 30.0).mean()) if len(margins) else 0.0,
        "log_tokens": float(math.log1p(len(token_logprobs))),
    }


_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")
_ASKS_FOR_NUMBER = re.compile(
    r"\d\s*[-+*/x×^%]\s*\d|\bhow (many|much|long|far|old)\b|\bconvert\b|\bwhat is \d|\bcalculate\b|\b\d+ ?% of\b"
    r"|\bin (km|miles|kg|pounds|celsius|fahrenheit|hours|minutes|seconds|days|cm|inches|feet|metres|meters)\b"
)


def format_checks(query: str, answer: str, finish_reason: str) -> dict[str, float]:
    """Checks that need no reference answer, only the question and the answer.

    Returns:
        number_expected_and_missing (the question asks for a number and the answer gives no new one),
        cut_off (the answer hit the token limit), echoes_question (most of the answer's words are the question's).
    """
    q, a = query.lower(), answer.lower()
    asked = set(_NUMBER.findall(q))
    new_numbers = [n for n in _NUMBER.findall(a) if n not in asked]
    expects = bool(_ASKS_FOR_NUMBER.search(q))
    q_words, a_words = set(re.findall(r"[a-z']+", q)), re.findall(r"[a-z']+", a)
    echo = bool(a_words) and sum(w in q_words for w in a_words) / len(a_words) > 0.8
    return {
        "number_expected_and_missing": float(expects and not new_numbers),
        "cut_off": float(finish_reason == "length"),
        "echoes_question": float(echo),
    }


def answer_features(query: str, answer: LocalAnswer) -> dict[str, float]:
    """Every cascade feature of one local answer (log-probabilities and format checks)."""
    return logprob_features(answer.token_logprobs, answer.margins) | format_checks(
        query, answer.text, answer.finish_reason
    )


# --------------------------------------------------------------------------- local answers with logprobs


def _from_openai_logprobs(content: Sequence[Mapping[str, Any]] | None) -> tuple[list[float], list[float]]:
    """(token log-probabilities, margins to the runner-up) from OpenAI-shaped `logprobs.content`."""
    logprobs, margins = [], []
    for token in content or []:
        lp = float(token["logprob"])
        others = [float(t["logprob"]) for t in token.get("top_logprobs") or [] if t.get("token") != token.get("token")]
        logprobs.append(lp)
        margins.append(lp - max(others) if others else 0.0)
    return logprobs, margins


def _local_answer(choice: Mapping[str, Any], started: float) -> LocalAnswer:
    """One OpenAI-shaped chat-completion choice (llama.cpp's or a server's) as a LocalAnswer, timed from `started`."""
    logprobs, margins = _from_openai_logprobs((choice.get("logprobs") or {}).get("content"))
    return LocalAnswer(
        text=(choice["message"].get("content") or "").strip(),
        token_logprobs=logprobs,
        margins=margins,
        finish_reason=choice.get("finish_reason") or "stop",
        seconds=time.perf_counter() - started,
    )


def local_answer_of(response: Any, seconds: float) -> LocalAnswer:
    """The local answer in an Agent Framework response asked with `LOGPROB_OPTIONS`, with its log-probabilities.

    The embedded tier and `OpenAIChatCompletionClient` both put them in `response.additional_properties["logprobs"]`
    (OpenAI's `{"content": [{"token", "logprob", "top_logprobs"}, ...]}`).

    Args:
        response: The agent's (or chat client's) response.
        seconds: How long the answer took.

    Returns:
        A `LocalAnswer` the cascade can judge.

    Raises:
        CascadeError: The response carries no log-probabilities (a server that does not return them).
    """
    logprobs = (getattr(response, "additional_properties", None) or {}).get("logprobs")
    if logprobs is None:
        raise CascadeError(
            "The local tier answered without log-probabilities, so the cascade cannot judge its answer. Use the "
            "embedded model or a server that returns `logprobs` (recent Ollama, llama.cpp server, vLLM), or route "
            "with the pre-router instead."
        )
    content = logprobs.get("content") if isinstance(logprobs, Mapping) else getattr(logprobs, "content", None)
    tokens = [t.model_dump() if hasattr(t, "model_dump") else t for t in content or []]  # openai's objects, or dicts
    token_logprobs, margins = _from_openai_logprobs(tokens)
    reason = getattr(response, "finish_reason", None)
    return LocalAnswer(
        text=(response.text or "").strip(),
        token_logprobs=token_logprobs,
        margins=margins,
        finish_reason=str(getattr(reason, "value", reason) or "stop"),
        seconds=seconds,
    )


class EmbeddedLogprobAnswerer:
    """The embedded local model (SmolLM2, or any GGUF file) answering one query alone, with token log-probabilities.

    It asks the embedded tier's own chat client with `LOGPROB_OPTIONS`, as a conversation's cascade turn does (llama.cpp
    returns logprobs only from the process's `logits_all` copy of the model, loaded on first use).

    Args:
        model_path: A GGUF file; None is the shipped SmolLM2 weights.
        max_tokens: The cap on each answer's length.
    """

    def __init__(self, model_path: Path | str | None = None, *, max_tokens: int = MAX_TOKENS) -> None:
        self.model_path = model_path
        self.max_tokens = max_tokens
        self._client = None

    async def _answer(self, query: str, instructions: str) -> LocalAnswer:
        if self._client is None:
            from modules.tiers import EmbeddedChatClient

            self._client = EmbeddedChatClient(model_path=self.model_path, max_tokens=self.max_tokens)
        started = time.perf_counter()
        options = {"instructions": instructions, "max_tokens": self.max_tokens, **LOGPROB_OPTIONS}
        response = await self._client.get_response(query, options=options)
        return local_answer_of(response, time.perf_counter() - started)

    def answer(self, query: str, instructions: str = INSTRUCTIONS) -> LocalAnswer:
        """Answer one query (blocking, outside an event loop; inside one, await the answerer), greedy like the
        embedded tier, with log-probabilities."""
        return asyncio.run(self._answer(query, instructions))

    async def __call__(self, query: str) -> LocalAnswer:
        return await self._answer(query, INSTRUCTIONS)


class OpenAICompatibleLogprobAnswerer:
    """A local model behind an OpenAI-compatible Chat Completions server (Ollama, Foundry Local, llama.cpp's
    server, vLLM) that returns `logprobs`. Raises `CascadeError` when the server sends none."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "not-needed",
        *,
        max_tokens: int = MAX_TOKENS,
        timeout_s: float = 60.0,
    ) -> None:
        self.base_url, self.model, self.max_tokens, self.timeout_s = base_url.rstrip("/"), model, max_tokens, timeout_s
        self._api_key = api_key

    async def __call__(self, query: str) -> LocalAnswer:
        import httpx

        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": query}],
            "max_tokens": self.max_tokens,
            "temperature": 0.0,
            "logprobs": True,
            "top_logprobs": 2,
        }
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=self.timeout_s) as client:
            response = await client.post(
                f"{self.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {self._api_key}"}
            )
        response.raise_for_status()
        choice = response.json()["choices"][0]
        content = (choice.get("logprobs") or {}).get("content")
        if not content:
            raise CascadeError(
                f"{self.base_url} returned no logprobs for model {self.model}; the cascade needs a server that "
                "supports `logprobs` (recent Ollama, llama.cpp server, vLLM) — or use the pre-router instead"
            )
        return _local_answer(choice, started)


# --------------------------------------------------------------------------- the confidence model


def load_cascade_features(path: Path | str = CASCADE_FEATURES_CSV):
    """data/cascade_features.csv as a DataFrame (one row per graded query, in the graded set's order).

    Args:
        path: The features file (default data/cascade_features.csv).

    Raises:
        CascadeError: the file is missing or lacks a feature column; the message names the generator.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise CascadeError(f"No cascade features at {path}. Generate them: python data/make_cascade_features.py")
    frame = pd.read_csv(path, keep_default_na=False)
    needed = ("query", "category", "correct", "local_seconds", "answer_tokens", *FEATURES)
    missing = [c for c in needed if c not in frame]
    if missing:
        raise CascadeError(f"{path.name} lacks {missing}; regenerate it: python data/make_cascade_features.py")
    return frame


@dataclass(frozen=True)
class CascadeStrategy:
    """P(the local answer is right) from its log-probabilities and format checks: a logistic regression.

    `out_of_fold` holds the cross-fitted escalation scores (1 - confidence) of the graded queries, so a mode can
    be resolved on the cascade's own operating curve (`threshold_for`).

    Attributes:
        weights: One weight per feature (FEATURES).
        intercept: The logistic regression's intercept.
        out_of_fold: Cross-fitted escalation scores per graded query, or None.
        name: The strategy's name in reasons.
    """

    weights: dict[str, float]
    intercept: float
    out_of_fold: dict[str, float] | None = None
    name: str = "cascade"

    def confidence(self, features: Mapping[str, float]) -> float:
        """P(the local answer is right), between 0 and 1."""
        z = self.intercept + sum(w * float(features[k]) for k, w in self.weights.items())
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def threshold_for(self, target=None, profile=None) -> float:
        """The confidence below which the cloud takes over, for a mode name or a target (default "balanced").

        Resolved on the cascade's cross-fitted operating curve over the profile's graded answers."""
        target = target_for(target or DEFAULT_MODE) if target is None or isinstance(target, str) else target
        queries, local, cloud = profile_qualities(profile if profile is not None else load_profile())
        # the graded queries the cascade's features were measured on (data/cascade_features.csv)
        scored = [i for i, q in enumerate(queries) if q in (self.out_of_fold or {})]
        if not scored:
            raise CascadeError("the cascade model has no cross-fitted scores for these graded queries; refit it")
        curve = operating_curve([self.out_of_fold[queries[i]] for i in scored], local[scored], cloud[scored])
        return 1.0 - resolve(target, curve)  # escalate when 1 - confidence >= resolved, i.e. confidence <= 1 - it

    def to_dict(self) -> dict:
        return {
            "kind": "cascade-confidence",
            "format": 1,
            "weights": self.weights,
            "intercept": self.intercept,
            "out_of_fold": dict(sorted(self.out_of_fold.items())) if self.out_of_fold else None,
        }

    def save(self, path: Path | str = CASCADE_MODEL_PATH) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path | str = CASCADE_MODEL_PATH) -> CascadeStrategy:
        """Read the cascade's weights file, checked field by field.

        Raises:
            CascadeError: missing, malformed, or weights for other features than FEATURES.
        """
        path = Path(path)
        fix = "refit it: python -m modules.router cascade"
        if not path.exists():
            raise CascadeError(f"No cascade weights at {path}; {fix}")
        try:
            data = read_model_json(path)
        except ModelFileError as error:
            raise CascadeError(str(error)) from None
        ok = (
            isinstance(data, dict)
            and data.get("kind") == "cascade-confidence"
            and isinstance(data.get("weights"), dict)
            and set(data["weights"]) == set(FEATURES)
            and all(_finite(v) for v in [*data["weights"].values(), data.get("intercept")])
        )
        if not ok:
            raise CascadeError(f"{path} is not a cascade weights file for the features {FEATURES}; {fix}")
        oof = data.get("out_of_fold")
        if oof is not None and not (isinstance(oof, dict) and all(_finite(v) for v in oof.values())):
            raise CascadeError(f"{path} has malformed cross-fitted scores; {fix}")
        return cls({k: float(data["weights"][k]) for k in FEATURES}, float(data["intercept"]), oof)


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1e6


def _matrix(frame) -> np.ndarray:
    return frame[list(FEATURES)].to_numpy(dtype=float)


def fit_cascade(frame) -> CascadeStrategy:
    """Fit the confidence model on cascade features with their graded outcome (`correct`).

    Args:
        frame: rows of `load_cascade_features` (all of them, or the training folds).

    Returns:
        A `CascadeStrategy` without cross-fitted scores.
    """
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0, max_iter=5000).fit(_matrix(frame), frame["correct"].astype(int).to_numpy())
    weights = {k: float(f"{w:.10g}") for k, w in zip(FEATURES, lr.coef_[0], strict=True)}
    return CascadeStrategy(weights, float(f"{lr.intercept_[0]:.10g}"))


def cross_fitted_cascade_scores(frame, folds: int | None = None) -> np.ndarray:
    """1 - confidence for every row, each from a model fitted on the other folds (the graded set's stratified
    folds, `modules.routing.training.graded_folds`): no graded answer helps score itself."""
    folds = folds or GRADED_FOLDS
    part = graded_folds(list(frame["category"]), folds)
    scores = np.empty(len(frame))
    for k in range(folds):
        model = fit_cascade(frame[part != k])
        held_out = frame[part == k]
        scores[part == k] = [1.0 - model.confidence(row) for row in held_out[list(FEATURES)].to_dict("records")]
    return scores


def fit_and_save_cascade(
    path: Path | str = CASCADE_MODEL_PATH, features_csv: Path | str = CASCADE_FEATURES_CSV
) -> Path:
    """Fit the cascade on every graded answer, attach the cross-fitted scores, write the weights file."""
    frame = load_cascade_features(features_csv)
    model = fit_cascade(frame)
    oof = cross_fitted_cascade_scores(frame)
    scored = CascadeStrategy(
        model.weights, model.intercept, {q: round(float(s), 9) for q, s in zip(frame["query"], oof, strict=True)}
    )
    return scored.save(path)


# --------------------------------------------------------------------------- answering


LocalAnswerer = Callable[[str], Awaitable[LocalAnswer]]
CloudAnswerer = Callable[[str], Awaitable[str]]


def judge_local_answer(
    query: str, answer: LocalAnswer, cascade: CascadeStrategy, threshold: float
) -> tuple[float, dict[str, float], list[str]]:
    """The cascade's judgement of one local answer: the cloud takes over when `confidence <= threshold`.

    Args:
        query: The question the local model answered.
        answer: Its answer, with log-probabilities.
        cascade: The confidence model.
        threshold: The confidence bar.

    Returns:
        (confidence, the features it came from, the reasons in words).
    """
    features = answer_features(query, answer)
    confidence = cascade.confidence(features)
    reasons = [f"local answer confidence {confidence:.3f} {'>' if confidence > threshold else '<='} {threshold:.3f}"]
    reasons += [f"format check failed: {k.replace('_', ' ')}" for k in CHECK_FEATURES if features[k]]
    return confidence, features, reasons


def cascade_decision(
    query: str, answer: LocalAnswer, *, cascade: CascadeStrategy, threshold: float, mode: str = DEFAULT_MODE
) -> tuple[RoutingDecision, dict[str, float]]:
    """The cascade's judgement of a local answer as a routing decision: "local" keeps it, "cloud" escalates.

    The score is the escalation score, 1 - confidence, against 1 - threshold (as on `cascade_curve`), so a cascade's
    exchange reads like a routed one: P(cloud), threshold, confidence (how far from the line).

    Args:
        query: The question the local model answered.
        answer: Its answer, with log-probabilities.
        cascade: The confidence model.
        threshold: The confidence bar: at or below it the cloud answers.
        mode: The operating point's name the bar was resolved for.

    Returns:
        The decision (`escalated` when the cloud takes over) and the answer's features.
    """
    confidence, features, judged = judge_local_answer(query, answer, cascade, threshold)
    score, line = 1.0 - confidence, 1.0 - threshold
    target = "local" if confidence > threshold else "cloud"
    reasons = [
        "cascade: the local model answered first; its log-probabilities and format checks judge the answer",
        f"mode {mode}: the cloud answers at local confidence <= {threshold:.3f}",
        *judged,
        "escalated: the cloud answers instead" if target == "cloud" else "confident enough: the local answer is served",
    ]
    decision = RoutingDecision(
        target=target,
        confidence=_confidence(score, line, target),
        reasons=reasons,
        strategy=cascade.name,
        cloud_probability=score,
        threshold=line,
        decision_seconds=answer.seconds,
        mode=mode,
        escalated=target == "cloud",
    )
    return decision, features


async def cascade_answer(
    query: str,
    *,
    local: LocalAnswerer,
    cloud: CloudAnswerer,
    cascade: CascadeStrategy | None = None,
    threshold: float | None = None,
) -> CascadeResult:
    """Ask the local model first; when its confidence is below `threshold`, ask the cloud and serve that.

    Args:
        query: the user's message.
        local: async callable returning a `LocalAnswer` with log-probabilities (e.g. `EmbeddedLogprobAnswerer()`).
        cloud: async callable returning the cloud's answer text.
        cascade: the confidence model (default `CascadeStrategy.load()`).
        threshold: the confidence bar (default: the "balanced" mode on the cascade's measured curve).

    Returns:
        A `CascadeResult` with both answers, the tier served, the wasted local tokens and the added latency.
    """
    cascade = cascade or CascadeStrategy.load()
    threshold = cascade.threshold_for() if threshold is None else threshold
    answer = await local(query)
    confidence, features, reasons = judge_local_answer(query, answer, cascade, threshold)
    if confidence > threshold:
        return CascadeResult(
            query, "local", answer.text, answer.text, None, confidence, threshold, 0, 0.0, features, reasons
        )
    cloud_text = await cloud(query)
    reasons.append("escalated: the cloud answered")
    return CascadeResult(
        query,
        "cloud",
        cloud_text,
        answer.text,
        cloud_text,
        confidence,
        threshold,
        len(answer.token_logprobs),
        answer.seconds,
        features,
        reasons,
    )


def cascade_curve(cascade=None, features=None, *, pricing=None):
    """The cascade's operating curve over its own graded answers (data/cascade_features.csv), cross-fitted.

    The threshold is on the escalation score, 1 - confidence: at threshold t the cloud answers every query whose
    local answer had confidence <= 1 - t. Every query pays for a local answer first, so the curve also says how
    much latency the local attempts on escalated queries add, averaged over all queries.

    Args:
        cascade: a `CascadeStrategy` with cross-fitted scores (default `CascadeStrategy.load()`).
        features: the DataFrame of `load_cascade_features()` (default: read it).
        pricing: as in `operating_curve`.

    Returns:
        The DataFrame of `operating_curve` plus `added_seconds` and `wasted_tokens` (per query, on average).
    """
    cascade = cascade or CascadeStrategy.load()
    frame = load_cascade_features() if features is None else features
    scores = np.array([cascade.out_of_fold[q] for q in frame["query"]])
    curve = operating_curve(scores, frame["correct"].to_numpy(dtype=float), pricing=pricing)
    seconds = frame["local_seconds"].to_numpy(dtype=float)
    tokens = frame["answer_tokens"].to_numpy(dtype=float)
    curve["added_seconds"] = [float(seconds[scores >= t].sum() / len(scores)) for t in curve["threshold"]]
    curve["wasted_tokens"] = [float(tokens[scores >= t].sum() / len(scores)) for t in curve["threshold"]]
    return curve
