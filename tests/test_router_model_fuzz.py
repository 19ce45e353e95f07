"""Fuzzing the router model loader: a damaged or crafted model file ends in ModelFileError, never in another error.

Seeded and bounded (200 cases): bit flips, truncation, wrong shapes and lengths, non-finite and huge numbers,
wrong types and deep nesting. A file that still parses into a valid model must route a query.
"""

from __future__ import annotations

import json
import math
import random

import pytest

from modules.routing import HybridRouter, LearnedStrategy, ModelFileError, RoutingError
from modules.routing.classifier import LinearTextClassifier
from modules.routing.strategies import MODEL_PATH, RULE_FEATURES

CASES = 200
SEED = 20261130


def _small_model() -> dict:
    classifier = LinearTextClassifier(
        {"plan": (1.5, 2.0), "hello": (1.2, -1.0)},
        {" pl": (1.1, 0.3), "he": (1.0, -0.2)},
        tuple(0.1 * i for i in range(RULE_FEATURES)),
        -0.5,
    )
    return LearnedStrategy(
        classifier,
        out_of_fold={"hi": 0.2, "plan a trip": 0.7},
        trained_for={"name": "SmolLM2-135M-Instruct", "backend": "embedded", "path": None, "sha256": None},
        default_target="balanced",
    ).to_dict()


def _numbers(data, path=()):
    """Paths to every number in the JSON tree."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _numbers(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _numbers(v, (*path, i))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield path


def _containers(data, path=()):
    if isinstance(data, (dict, list)):
        yield path
        items = data.items() if isinstance(data, dict) else enumerate(data)
        for k, v in items:
            yield from _containers(v, (*path, k))


def _set(data, path, value):
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _get(data, path):
    for key in path:
        data = data[key]
    return data


BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e400", "1" + "0" * 400, '"0.5"', "true", "null"]


def _mutate(rng: random.Random, base: dict) -> bytes:
    kind = rng.choice(["flip", "truncate", "number", "length", "type", "nest", "drop"])
    data = json.loads(json.dumps(base))
    if kind == "flip":
        raw = bytearray(json.dumps(data).encode())
        for _ in range(rng.randint(1, 8)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw)
    if kind == "truncate":
        raw = json.dumps(data).encode()
        return raw[: rng.randrange(len(raw))]
    if kind == "number":
        path = rng.choice(list(_numbers(data)))
        _set(data, path, "__BAD__")
        return json.dumps(data).replace('"__BAD__"', rng.choice(BAD_NUMBERS)).encode()
    if kind == "length":
        target = rng.choice(
            [("classifier", "extra_weights"), ("classifier", "words", "plan"), ("classifier", "chars", " pl")]
        )
        values = _get(data, target)
        if rng.random() < 0.5:
            values.append(rng.uniform(-1, 1))
        else:
            values.pop()
        return json.dumps(data).encode()
    if kind == "type":
        path = rng.choice([p for p in _containers(data) if p] + list(_numbers(data)))
        _set(data, path, rng.choice([[], {}, "x", None, True, 3, [[1, 2]], {"a": 1}]))
        return json.dumps(data).encode()
    if kind == "nest":
        depth = rng.choice([50, 5_000, 200_000])
        path = rng.choice([p for p in _containers(data) if p] + list(_numbers(data)))
        _set(data, path, "__NEST__")
        return json.dumps(data).replace('"__NEST__"', "[" * depth + "1" + "]" * depth).encode()
    key_path = rng.choice([p for p in _containers(data) if p] + list(_numbers(data)))
    parent = _get(data, key_path[:-1])
    if isinstance(parent, dict):
        del parent[key_path[-1]]
    else:
        parent.pop(key_path[-1])
    return json.dumps(data).encode()


def _load_outcome(path) -> str:
    try:
        strategy = LearnedStrategy.load(path)
    except ModelFileError as error:
        message = str(error)
    else:
        message = None
    if message is not None:
        assert "python -m modules.router train" in message
        return "rejected"
    p = HybridRouter(strategy, threshold=0.5).route("plan a trip to Rome").cloud_probability
    assert math.isfinite(p) and 0.0 <= p <= 1.0
    return "loaded"


def test_damaged_model_files_end_in_the_typed_error(tmp_path):
    rng = random.Random(SEED)
    base = _small_model()
    outcomes: dict[str, int] = {}
    for case in range(CASES):
        path = tmp_path / f"case{case}.json"
        path.write_bytes(_mutate(rng, base))
        try:
            outcome = _load_outcome(path)
        except Exception as error:  # noqa: BLE001 - the point: name any untyped escape with its case
            pytest.fail(f"case {case}: {type(error).__name__}: {str(error)[:200]} (file {path.read_bytes()[:120]!r})")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("rejected", 0) >= CASES * 0.8  # almost every mutation breaks the file, and is caught


def test_bit_flips_in_the_shipped_model_file(tmp_path):
    rng = random.Random(SEED + 1)
    raw = MODEL_PATH.read_bytes()
    for case in range(10):
        damaged = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"shipped{case}.json"
        path.write_bytes(bytes(damaged))
        _load_outcome(path)  # rejected with ModelFileError, or (a flip inside an n-gram's text) still a valid model


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["classifier"]["extra_weights"].append(0.1), "rule-feature weights"),
        (lambda d: d["classifier"].update(intercept=1e308), "intercept"),
        (lambda d: d.update(out_of_fold={"hi": 1.5}), "out_of_fold"),
        (lambda d: d.update(default_target={"mode": "turbo"}), "unknown mode"),
        (lambda d: d.update(default_target={"cloud_budget": 2}), "between 0 and 1"),
        (lambda d: d.update(trained_for={"name": 3}), "trained_for"),
        (lambda d: d.update(format=2), "format"),
    ],
)
def test_each_kind_of_damage_is_named(change, message, tmp_path):
    data = _small_model()
    change(data)
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match=message) as caught:
        LearnedStrategy.load(path)
    assert isinstance(caught.value, RoutingError)


def test_a_valid_small_model_loads_and_round_trips(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(_small_model()))
    strategy = LearnedStrategy.load(path)
    assert strategy.to_dict() == _small_model()
    assert strategy.default_target == "balanced" and strategy.out_of_fold == {"hi": 0.2, "plan a trip": 0.7}
