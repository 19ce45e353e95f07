"""Router evaluation: metrics on small hand-computed cases, then on the real test split."""

from __future__ import annotations

import numpy as np
import pytest

from modules.routing.evaluation import (
    TierPrice,
    apgr,
    confusion_matrix,
    cost_per_1000_queries,
    cpt,
    load_pricing,
    mean_quality,
    performance_gap_recovered,
    quality_curve,
    random_curve,
    routing_metrics,
)
from modules.routing.router import HybridRouter, RuleStrategy, load_routing_queries

Y_TRUE = ["local", "local", "cloud", "cloud", "cloud"]
Y_PRED = ["local", "cloud", "cloud", "local", "cloud"]


def test_confusion_matrix_rows_are_labels_columns_are_routes():
    assert confusion_matrix(Y_TRUE, Y_PRED).tolist() == [[1, 1], [1, 2]]


def test_routing_metrics_hand_computed():
    m = routing_metrics(Y_TRUE, Y_PRED)
    assert m.accuracy == pytest.approx(3 / 5)
    assert m.cloud_precision == pytest.approx(2 / 3)
    assert m.cloud_recall == pytest.approx(2 / 3)
    assert m.cloud_share == pytest.approx(3 / 5)


def test_precision_is_nan_when_nothing_goes_to_the_cloud():
    assert np.isnan(routing_metrics(["cloud", "local"], ["local", "local"]).cloud_precision)


def test_label_based_quality_and_pgr():
    # only the cloud-labelled query routed locally scores 0
    assert mean_quality(Y_TRUE, Y_PRED) == pytest.approx(4 / 5)
    # all-local quality is 2/5, all-cloud 1: (4/5 - 2/5) / (1 - 2/5) = 2/3, the cloud recall
    assert performance_gap_recovered(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    assert performance_gap_recovered(Y_TRUE, ["cloud"] * 5) == pytest.approx(1.0)
    assert performance_gap_recovered(Y_TRUE, ["local"] * 5) == pytest.approx(0.0)


def test_quality_curve_cpt_and_apgr_hand_computed():
    x, y = quality_curve(["cloud", "local", "cloud", "local"], [0.9, 0.8, 0.7, 0.1])
    assert x.tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert y.tolist() == [0, 0.5, 0.5, 1, 1]
    assert cpt(x, y, 0.5) == pytest.approx(0.25)
    assert cpt(x, y, 0.8) == pytest.approx(0.65)  # on the segment (0.5, 0.5)-(0.75, 1): 0.5 + 0.25 * 0.3 / 0.5
    assert apgr(x, y) == pytest.approx(0.0625 + 0.125 + 0.1875 + 0.25)


def test_ties_are_one_step_with_the_random_expectation():
    x, y = quality_curve(["cloud", "local", "local", "cloud"], [0.5, 0.5, 0.5, 0.5])
    assert x.tolist() == [0, 1] and y.tolist() == [0, 1]


def test_random_and_perfect_routers():
    assert apgr(*random_curve()) == pytest.approx(0.5)
    assert cpt(*random_curve(), 0.8) == pytest.approx(0.8)
    x, y = quality_curve(["cloud", "local", "local", "local"], [1.0, 0.0, 0.0, 0.0])
    assert apgr(x, y) == pytest.approx(1 - 0.25 / 2)
    assert cpt(x, y, 0.8) == pytest.approx(0.2)


def test_bad_labels_are_named():
    with pytest.raises(ValueError, match="'Cloud'"):
        confusion_matrix(["Cloud"], ["cloud"])


def test_cost_per_1000_queries_hand_computed():
    prices = {"local": TierPrice("m", 0.0, 0.0, ""), "cloud": TierPrice("c", 0.001, 0.002, "")}
    # per cloud query: 100/1000 * 0.001 + 200/1000 * 0.002 = 0.0005 USD
    assert cost_per_1000_queries(1.0, prices, input_tokens=100, output_tokens=200) == pytest.approx(0.5)
    assert cost_per_1000_queries(0.3, prices, input_tokens=100, output_tokens=200) == pytest.approx(0.15)
    assert cost_per_1000_queries(0.0, prices) == 0.0


def test_shipped_pricing_table():
    prices = load_pricing()
    assert prices["local"].usd_per_1k_input_tokens == 0 and prices["local"].usd_per_1k_output_tokens == 0
    assert prices["cloud"].usd_per_1k_output_tokens > prices["cloud"].usd_per_1k_input_tokens > 0
    assert "check your provider" in prices["cloud"].note


def test_pricing_without_a_cloud_row_is_rejected(tmp_path):
    path = tmp_path / "pricing.csv"
    path.write_text("tier,model,usd_per_1k_input_tokens,usd_per_1k_output_tokens,note\nlocal,m,0,0,free\n")
    with pytest.raises(ValueError, match="missing: \\['cloud'\\]"):
        load_pricing(path)


@pytest.mark.parametrize("strategy", ["learned", "rules"])
def test_both_strategies_beat_random_routing_on_the_test_split(strategy):
    router = HybridRouter() if strategy == "learned" else HybridRouter(RuleStrategy())
    test = load_routing_queries("test")
    x, y = quality_curve(test["label"], router.cloud_probabilities(test["query"]))
    assert apgr(x, y) > 0.7 > apgr(*random_curve())
    assert cpt(x, y, 0.8) < 0.5 < cpt(*random_curve(), 0.8)
