"""The query router: decide per query whether the small local model or the cloud model answers.

    router = HybridRouter()                       # the shipped learned model, threshold 0.5
    decision = router.route("Compare Kafka and RabbitMQ for order events")
    decision.target, decision.reasons             # 'cloud', ['asks for analysis, ...', ...]

A strategy turns a query into P(needs cloud): `RuleStrategy` (hand-written patterns) or
`LearnedStrategy` (a classifier trained on data/routing_queries.csv, the default). The
router compares it with a threshold (`calibrate_threshold` picks one for a cloud budget),
explains itself, keeps follow-ups on the tier that answered the previous turn, and
`route_and_answer` falls back to the other tier when the chosen one fails or times out.

Retrain the shipped model after changing the data or `analyze_query`:
    python -m modules.router --train
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from modules.routing.classifier import LinearTextClassifier, fit_text_classifier

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR.parent.parent / "data"
MODEL_PATH = PACKAGE_DIR / "router_model.joblib"
QUERIES_CSV = DATA_DIR / "routing_queries.csv"
HOLDOUT_CSV = DATA_DIR / "routing_holdout.csv"

TARGETS = ("local", "cloud")
DEFAULT_THRESHOLD = 0.5

# --------------------------------------------------------------------------- query analysis

_LANGS = (
    r"(python|javascript|typescript|java|c\+\+|c#|golang|go|rust|kotlin|swift|ruby|php|sql|bash|powershell"
    r"|react|node(\.js)?|django|flask|fastapi|pandas|terraform|docker)"
)

_PATTERNS = {
    "greeting": r"^\W*(hi+|hello|hey|hiya|howdy|yo|sup|greetings|good (morning|afternoon|evening|day|night)|morning"
    r"|evening"
    r"|bonjour|hallo|hola|well hello)\b"
    r"|\b(thanks?|thank you|thx|cheers|bye|see you|lol|haha|you rock|you're the best|how are you|how's (it going"
    r"|your day)"
    r"|what's up|nice to meet you|never ?mind|no worries|sounds good|who made you"
    r"|are you (a )?(robot|bot|human|there|still there))\b",
    "calculation": r"\d\s*[-+*/x×^]\s*\d|\d\s*%|\b(percent|square root|squared|to the power|factorial|divided by"
    r"|times|plus|minus"
    r"|average of|sum of|prime( number)?|divisible|round(ed)? to|decimals?|fraction|convert|conversion)\b"
    r"|\bhow many \w+( \w+)? (are |is )?(in|per) (a|an|one|\d)|\bhow many \w+( \w+)? (is|are) \d"
    r"|\d\s*(°\s*)?(km|mi|miles|kg|lbs?|pounds|ounces|oz|grams|g|ml|litres?|liters?|gallons?|cups|inches|feet|ft|cm"
    r"|metres?|meters?|mb|gb|kb|degrees|celsius|fahrenheit|hours?|minutes?|seconds?|days?|usd|eur|euros?|dollars?)"
    r"( (celsius|fahrenheit))? (to|in|into)\b",
    "short_task": r"\b(define|definition|meaning|mean|stand for|stands for|short for|acronym|synonym|opposite of"
    r"|antonym|plural"
    r"|translate|how do (you|i) say"
    r"|rephrase|reword|rewrite (this|in)|fix (the |this )?(grammar|spelling|typo|message)|fix:"
    r"|correct (this|the spelling)|spell|capitali[sz]e|uppercase|lowercase"
    r"|shorten|passive voice|active voice|past tense|more (polite|formal|professional)(ly)?|friendlier|nicer|punchier"
    r"|in one (line|sentence)|one-?liner|one line|briefly|short answer|in a nutshell|in simple (words|terms)"
    r"|keep it short)\b",
    "simple_question": r"^\W*(what|what's|whats|who|who's|when|where|which|how (many|much|long|far|tall|old|big|do i"
    r"|do you)|is|are"
    r"|does|do|can|in which)\b",
    "analysis": r"\b(analy[sz]e|analysis|analyse|why (did|do|does|is|are|has|have|was|were|my|our)|root causes?|causes?"
    r"|consequences|implications|impact|effects? of"
    r"|pros and cons|trade-?offs?|compare|comparison|compared|contrast|versus|vs\.?|evaluate|evaluation|assess|weigh"
    r"|critique|review"
    r"|which is better|better (for|to)|should (i|we|our)|is it (better|worth)|worth it|diagnose|figure out|interpret"
    r"|explain|walk me through"
    r"|break down|in depth|in-depth|thorough|detailed|what's going on|what('s| is) (really )?(driving|behind)"
    r"|what do you make of|dig into|think it through|argue|decide between|recommend)\b"
    r"|\bhow (would|will|does|do|did|could|might) .{3,60}\b(affect|change|influence)",
    "planning": r"\b(plan|planning|strategy|strategies|roadmap|itinerary|schedule|timetable|rota|agenda|milestones"
    r"|roll ?out|go-to-market"
    r"|step[- ]by[- ]step|prepare for|30-60-90|curriculum|(content|editorial|planting) calendar|business plan"
    r"|proposal|phases?|structure (a|an|the|our|my)"
    r"|how (should|can|do) (we|i) (grow|reduce|launch|prepare|structure|scale|roll))\b",
    "creative": r"\b(write|compose|draft|create|tell me|give me|invent|brainstorm|make up)\b.{0,40}\b(story|stories"
    r"|poem|poems"
    r"|poetry|song|lyrics|limerick|haiku|sonnet"
    r"|essay|blog|post|article|speech|toast|eulogy|letter|newsletter|screenplay|scene|dialogue|novel|chapter"
    r"|fairy tale|monologue|rap|verse"
    r"|press release|description|slogans?|names|backstory|world|page|thread|op-ed|diary|bio|ad|ads|copy|doc|document"
    r"|application|policy)\b"
    r"|\b(short story|bedtime story|\d+[- ]words?)\b",
    "code": r"\b(write|implement|build|code|create|make|refactor|debug|optimi[sz]e|port|migrate|set up|generate"
    r"|show me how to build)\b.{0,60}"
    r"\b(function|script|program|class|module|api|endpoint|server|cli|app|query|parser|tokenizer|crawler|scraper"
    r"|algorithm|tests?|fixtures?"
    r"|workflow|pipeline|dockerfile|docker-compose|game|component|middleware|code|regex|bot|tool|screen|backend|loop)\b"
    rf"|\b{_LANGS} (code|script|program|function|class)\b"
    rf"|\b(write|implement|build|code|refactor|debug|port)\b.{{0,40}}\b{_LANGS}\b"
    r"|\bdef \w+\(|\bclass \w+|[{};]\s*$|=>|\bimport \w+|\bfor \w+ in \w+"
    r"|\b(error|exception|segfault|stack ?trace|traceback|race condition|memory leak|crash(es|ing)?|re-?renders?)\b",
    "enterprise": r"\b(security|secure|threats?|threat model|vulnerabilit\w*|attacks?|breach\w*|incident|phishing"
    r"|pen ?test"
    r"|encrypt\w*|complian\w*|comply"
    r"|gdpr|hipaa|pci( dss)?|soc ?2|iso ?27001|ccpa|nis2|ai act|audit\w*|regulat\w*|privacy|access control|mfa"
    r"|authentication|authori[sz]ation"
    r"|secrets|architecture|architect|scalab\w*|scale|highly available|high availability|multi-tenant|microservices?"
    r"|monolith|kubernetes"
    r"|data platform|migrat\w*|downtime|leak\w*|personal data|data protection|disaster recovery|failover|throughput"
    r"|requests per second|concurrent|system design|infrastructure|vendor|risks?"
    r"|design (a|an|the|our|my))\b",
    "summarise": r"\b(summar\w*|tl;?dr|key points|takeaways|condense|boil (this|it) down|gist|recap)\b",
    "follow_up": r"^\W*(and|but|so|also|what about|how about|tell me more|more|why|how so|go on|continue|elaborate"
    r"|expand( on)?"
    r"|say more|what do you mean"
    r"|can you (explain|expand on) (that|it|this)|the (first|second|third|last|other) one|that one|which one"
    r"|and then|then what)\b"
    r"|\b(the (first|second|third|last|other) one|you (just )?(said|mentioned)|as you said|your (last"
    r"|previous) answer)\b",
    "constraint": r"\b(under \$?\d+|max(imum)?|at least|no more than|less than|fewer than|within|budget|must|only"
    r"|without|exactly"
    r"|not (in|older|more)|nobody|no \w+ on|\d+ (words|minutes|hours|days|weeks|people|guests))\b",
}
# Patterns are lower case and match lower-cased text: faster than re.IGNORECASE.
_COMPILED = {name: re.compile(p, re.MULTILINE) for name, p in _PATTERNS.items()}

_INTENTS = ("analysis", "planning", "creative", "code", "enterprise", "summarise")
_REASON_TEXT = {
    "greeting": "greeting or small talk",
    "calculation": "a calculation or unit conversion",
    "short_task": "a one-line definition, translation or short rewrite",
    "simple_question": "a short direct question",
    "analysis": "asks for analysis, comparison or evaluation",
    "planning": "asks for planning or strategy",
    "creative": "asks for creative or long-form writing",
    "code": "asks for code or debugging beyond a one-liner",
    "enterprise": "security, compliance or architecture topic",
    "summarise": "asks to summarise text",
}


@dataclass(frozen=True)
class QueryAnalysis:
    """What a quick look at the query text finds; every flag comes from a regular expression above."""

    words: int
    chars: int
    greeting: bool
    calculation: bool
    short_task: bool
    simple_question: bool
    analysis: bool
    planning: bool
    creative: bool
    code: bool
    enterprise: bool
    summarise: bool
    follow_up: bool
    constraints: int
    complexity: float  # 0 = trivially local, 1 = clearly needs the cloud (the rule-based score)

    @property
    def intents(self) -> list[str]:
        """The cloud-leaning intents found, e.g. ['analysis', 'code']."""
        return [name for name in _INTENTS if getattr(self, name)]

    def reasons(self) -> list[str]:
        """Readable findings, cloud-leaning ones first."""
        found = [_REASON_TEXT[name] for name in self.intents]
        if self.words >= 40:
            found.append(f"long query ({self.words} words)")
        if self.constraints >= 2:
            found.append(f"{self.constraints} constraints to satisfy")
        if not self.intents:
            found += [
                _REASON_TEXT[n]
                for n in ("greeting", "calculation", "short_task", "simple_question")
                if getattr(self, n)
            ]
            if self.words <= 12:
                found.append(f"short query ({self.words} word{'' if self.words == 1 else 's'})")
        elif self.short_task:
            found.append(_REASON_TEXT["short_task"])
        return found


def _complexity(words: int, flags: Mapping[str, bool], constraints: int) -> float:
    """The rule-based score: cloud-leaning intents, length and constraints push up; easy patterns pull down."""
    intents = sum(flags[n] for n in _INTENTS)
    score = 0.15 + 0.40 * (intents >= 1) + 0.15 * (intents >= 2)
    score += 0.30 * min(words / 40, 1.0) + 0.08 * min(constraints, 3)
    if flags["summarise"] and words > 50:
        score += 0.25  # summarising a long pasted text
    if not intents:  # numbers, "hi" or "10%" inside a real task do not make it easy
        score -= 0.30 * flags["greeting"] + 0.25 * flags["calculation"]
    score -= 0.30 * flags["short_task"] + 0.10 * flags["simple_question"]
    return round(min(max(score, 0.0), 1.0), 4)


def analyze_query(query: str) -> QueryAnalysis:
    """Extract the routing features of one query (pure function, tens of microseconds)."""
    text = query.strip().lower()
    words = len(text.split())
    flags = {name: bool(rx.search(text)) for name, rx in _COMPILED.items() if name not in ("constraint", "follow_up")}
    constraints = len(_COMPILED["constraint"].findall(text)) + max(text.count(",") - 1, 0)
    follow_up = words <= 12 and bool(_COMPILED["follow_up"].search(text))
    return QueryAnalysis(
        words=words,
        chars=len(text),
        follow_up=follow_up,
        constraints=constraints,
        complexity=_complexity(words, flags, constraints),
        **flags,
    )


def _rule_features(a: QueryAnalysis) -> list[float]:
    """The rule findings as numbers, so the learned model can weigh them together with the text."""
    return [
        a.complexity,
        math.log1p(a.words) / 5,
        min(a.constraints, 5) / 5,
        *(float(getattr(a, n)) for n in ("greeting", "calculation", "short_task", "simple_question", *_INTENTS)),
    ]


# --------------------------------------------------------------------------- decisions and strategies


@dataclass(frozen=True)
class RoutingDecision:
    """Where a query goes and why. `confidence` is how far the score sits from the threshold:
    0.5 = on the line, 1.0 = as far from it as the score can be."""

    target: str
    confidence: float
    reasons: list[str]
    strategy: str
    cloud_probability: float
    threshold: float
    decision_seconds: float
    fell_back: bool = False
    failed_target: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RoutingContext:
    """What the router may know about the conversation so far: the tier that actually answered
    the previous turn (after any fallback), so that follow-ups can stay with it."""

    previous_target: str | None = None

    def __post_init__(self) -> None:
        if self.previous_target not in (*TARGETS, None):
            raise ValueError(f"previous_target must be 'local', 'cloud' or None, not {self.previous_target!r}")


class Strategy(Protocol):
    """Anything that scores a query: P(the query needs the cloud tier), between 0 and 1."""

    name: str

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float: ...


class RuleStrategy:
    """Hand-written patterns and the complexity score of `analyze_query`; no training."""

    name = "rules"

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return analysis.complexity


class LearnedStrategy:
    """A logistic regression over the query's word and character n-grams plus the rule features,
    trained on data/routing_queries.csv (see `train_model`)."""

    name = "learned"

    def __init__(self, model: LinearTextClassifier) -> None:
        self.model = model

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> LearnedStrategy:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(
                f"No trained router model at {path}. Train one with: python -m modules.router --train"
            )
        return cls(LinearTextClassifier.load(path))

    def cloud_probability(self, query: str, analysis: QueryAnalysis) -> float:
        return self.model.probability(query, _rule_features(analysis))


def calibrate_threshold(probabilities: Sequence[float], cloud_share: float) -> float:
    """The threshold that sends `cloud_share` of these queries to the cloud (like RouteLLM's
    --strong-model-pct). Queries with probability >= threshold go to the cloud; it sits halfway
    between the last query sent and the first one kept, so ties are the only source of error."""
    if not 0.0 <= cloud_share <= 1.0:
        raise ValueError(f"cloud_share must be between 0 and 1, got {cloud_share!r}")
    p = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    if p.size == 0:
        raise ValueError("calibrate_threshold needs at least one probability")
    k = round(cloud_share * p.size)
    if k == 0:
        return float(np.nextafter(p[0], np.inf))  # nothing reaches it
    if k == p.size:
        return float(p[-1])
    return float((p[k - 1] + p[k]) / 2)


class HybridRouter:
    """Route each query to 'local' or 'cloud'. With no arguments: the shipped learned model at threshold 0.5."""

    def __init__(
        self, strategy: Strategy | None = None, threshold: float = DEFAULT_THRESHOLD, *, sticky_follow_ups: bool = True
    ) -> None:
        self.strategy = strategy if strategy is not None else LearnedStrategy.load()
        self.threshold = threshold
        self.sticky_follow_ups = sticky_follow_ups

    @property
    def name(self) -> str:
        return self.strategy.name

    def cloud_probabilities(self, queries: Sequence[str]) -> np.ndarray:
        """P(cloud) for many queries, e.g. to evaluate the router or to calibrate a threshold."""
        return np.array([self.strategy.cloud_probability(q, analyze_query(q)) for q in queries])

    def route(self, query: str, context: RoutingContext | None = None) -> RoutingDecision:
        """Decide one query. A follow-up ("why?", "and the second one?") after a cloud answer stays
        on the cloud; after a local answer it moves to the cloud only if it needs the cloud itself."""
        started = time.perf_counter()
        analysis = analyze_query(query)
        p = self.strategy.cloud_probability(query, analysis)
        target = "cloud" if p >= self.threshold else "local"
        reasons = analysis.reasons() + [
            f"{self.name} score P(cloud) = {p:.3f} {'>=' if target == 'cloud' else '<'} threshold {self.threshold:.3f}"
        ]
        previous = context.previous_target if context else None
        if self.sticky_follow_ups and analysis.follow_up and previous in TARGETS and previous != target:
            if previous == "cloud":
                target = "cloud"
                reasons.insert(
                    0, "follow-up to the previous turn, which the cloud answered: stays on the cloud for continuity"
                )
            else:  # previous == "local": the query itself needs the cloud, so it escalates
                reasons.insert(
                    0, "follow-up to a local answer, but it needs more than the local tier: escalates to the cloud"
                )
        elif analysis.follow_up and previous == target:
            reasons.insert(0, f"follow-up to the previous turn, which the {previous} tier answered: stays there")
        elif analysis.follow_up and previous is None:
            reasons.insert(0, "looks like a follow-up, but no previous turn is known: decided on its own")
        return RoutingDecision(
            target=target,
            confidence=_confidence(p, self.threshold, target),
            reasons=reasons,
            strategy=self.name,
            cloud_probability=p,
            threshold=self.threshold,
            decision_seconds=time.perf_counter() - started,
        )


def _confidence(p: float, threshold: float, target: str) -> float:
    if target == "cloud":
        margin = (p - threshold) / (1 - threshold) if threshold < 1 else 0.0
    else:
        margin = (threshold - p) / threshold if threshold > 0 else 0.0
    return round(0.5 + 0.5 * min(max(margin, 0.0), 1.0), 3)


# --------------------------------------------------------------------------- answering with fallback

Answerer = Callable[[str], Awaitable[str]]


@dataclass(frozen=True)
class RoutedAnswer:
    text: str
    decision: RoutingDecision
    tier: str  # the tier that actually answered
    answer_seconds: float


class AllTiersFailed(RuntimeError):
    """Both the chosen tier and the fallback failed; the message names both errors."""


async def route_and_answer(
    router: HybridRouter,
    query: str,
    answerers: Mapping[str, Answerer],
    *,
    timeout_s: float,
    context: RoutingContext | None = None,
) -> RoutedAnswer:
    """Route `query`, ask the chosen tier, and if it raises or exceeds `timeout_s`, ask the other tier.
    The returned decision records the fallback: fell_back=True, the failed tier and its error."""
    missing = set(TARGETS) - set(answerers)
    if missing:
        raise ValueError(f"answerers needs one async callable per tier; missing: {sorted(missing)}")
    decision = router.route(query, context)
    order = [decision.target, _other(decision.target)]
    started = time.perf_counter()
    try:
        text = await asyncio.wait_for(answerers[order[0]](query), timeout_s)
        return RoutedAnswer(text, decision, order[0], time.perf_counter() - started)
    except Exception as first:  # noqa: BLE001 - any failure of the chosen tier triggers the fallback
        error = f"{type(first).__name__}: {first}" if str(first) else type(first).__name__
        if isinstance(first, (TimeoutError, asyncio.TimeoutError)):  # distinct classes on Python 3.10
            error = f"TimeoutError: no answer within {timeout_s:g} s"
    decision = replace(
        decision,
        fell_back=True,
        failed_target=order[0],
        error=error,
        reasons=[*decision.reasons, f"{order[0]} tier failed ({error}): {order[1]} tier answered instead"],
    )
    try:
        text = await asyncio.wait_for(answerers[order[1]](query), timeout_s)
    except Exception as second:  # noqa: BLE001
        raise AllTiersFailed(
            f"{order[0]} tier: {error}; {order[1]} tier: {type(second).__name__}: {second}"
        ) from second
    return RoutedAnswer(text, decision, order[1], time.perf_counter() - started)


def _other(target: str) -> str:
    return "local" if target == "cloud" else "cloud"


# --------------------------------------------------------------------------- data and training


def load_routing_queries(split: str | None = None):
    """data/routing_queries.csv as a DataFrame (query, label, category, split); `split` = 'train' or 'test'."""
    import pandas as pd

    frame = pd.read_csv(QUERIES_CSV)
    if split is None:
        return frame
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train', 'test' or None, not {split!r}")
    return frame[frame["split"] == split].reset_index(drop=True)


def load_holdout():
    """data/routing_holdout.csv: separately written queries that are never used for training."""
    import pandas as pd

    return pd.read_csv(HOLDOUT_CSV)


def train_model(queries: Sequence[str], labels: Sequence[str]) -> LinearTextClassifier:
    """Fit the learned router's classifier on labelled queries ('local' / 'cloud'); about a second."""
    y = [_label_index(label) for label in labels]
    return fit_text_classifier(list(queries), y, [_rule_features(analyze_query(q)) for q in queries])


def cross_validated_probabilities(
    queries: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """P(cloud) of every query from a learned model trained without it (k-fold cross-validation).
    Calibrate thresholds on these: a model is over-confident on the very queries it was trained on."""
    queries, labels = list(queries), list(labels)
    fold_of = np.random.default_rng(seed).permutation(len(queries)) % folds
    probabilities = np.empty(len(queries))
    for k in range(folds):
        fit_on = np.flatnonzero(fold_of != k)
        strategy = LearnedStrategy(train_model([queries[i] for i in fit_on], [labels[i] for i in fit_on]))
        for i in np.flatnonzero(fold_of == k):
            probabilities[i] = strategy.cloud_probability(queries[i], analyze_query(queries[i]))
    return probabilities


def _label_index(label: str) -> int:
    if label not in TARGETS:
        raise ValueError(f"labels must be 'local' or 'cloud', got {label!r}")
    return TARGETS.index(label)


def train_and_save(path: Path | str = MODEL_PATH) -> Path:
    """Train on the train split of data/routing_queries.csv and write the model file the package ships."""
    train = load_routing_queries("train")
    return train_model(train["query"], train["label"]).save(path)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m modules.router", description=__doc__.split("\n")[0])
    parser.add_argument("--train", action="store_true", help=f"retrain the shipped model ({MODEL_PATH.name})")
    parser.add_argument("query", nargs="*", help="route these queries and print the decisions")
    args = parser.parse_args(argv)
    if args.train:
        path = train_and_save()
        print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    router = HybridRouter()
    for q in args.query:
        d = router.route(q)
        print(f"{d.target:5}  P(cloud)={d.cloud_probability:.2f}  {q}\n       " + "; ".join(d.reasons))


if __name__ == "__main__":
    main()
