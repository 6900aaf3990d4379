"""Custom gain and rank discount for DCG/NDCG: against the reference, under XLA, in configs."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import assert_lists_close, make_batch, per_list

import tfrank


@keras.saving.register_keras_serializable(package="tfrank_tests")
def cubed_gain(labels):
    return keras.ops.power(labels, 3.0) + 1.0  # + 1: tfrank still gives non-relevant items 0


@keras.saving.register_keras_serializable(package="tfrank_tests")
def sqrt_discount(ranks):
    return 1.0 / keras.ops.sqrt(ranks)


OPTIONS = [
    {"discount": "reciprocal"},
    {"gain": cubed_gain, "discount": sqrt_discount},
    {"gain": "tfrank_tests>cubed_gain", "discount": "log2"},  # a registered name
]


@pytest.mark.parametrize("ties", ["first", "expected"])
@pytest.mark.parametrize("fmt", ["graded", "ids"])
def test_custom_gain_and_discount_match_the_reference(fmt, ties):
    batch = make_batch(17, fmt, mask=True, ties=True)
    for options in OPTIONS:
        ref_options = {**options, "gain": cubed_gain} if isinstance(options.get("gain"), str) else options
        for name in ("ndcg", "dcg"):
            kwargs = dict(mask=batch["mask"], ties=ties, empty="zero")
            actual = per_list(name, "tf", batch["y_true"], batch["y_pred"], [2, 5], **kwargs, **options)
            expected = per_list(name, "ref", batch["ref_true"], batch["y_pred"], [2, 5], **kwargs, **ref_options)
            assert_lists_close(actual, expected, atol=1e-4)


def test_custom_gain_with_item_weights_matches_the_reference():
    batch = make_batch(19, "graded", mask=True)
    weights = np.random.default_rng(19).uniform(0.0, 2.0, batch["y_pred"].shape).astype(np.float32)
    for name in ("ndcg", "dcg"):
        kwargs = dict(mask=batch["mask"], sample_weight=weights, gain=cubed_gain, discount=sqrt_discount)
        actual = per_list(name, "tf", batch["y_true"], batch["y_pred"], [2, 5], **kwargs)
        assert_lists_close(actual, per_list(name, "ref", batch["ref_true"], batch["y_pred"], [2, 5], **kwargs), atol=1e-4)


def test_reciprocal_discount_by_hand():
    """Linear gains 2, 0, 1 at ranks 1, 2, 3: DCG = 2 + 1/3; the ideal 3, 2, 1 over 1, 1/2, 1/3."""
    y_true, y_pred = [[3.0, 2.0, 0.0, 1.0]], [[0.1, 0.9, 0.5, 0.3]]
    dcg = tfrank.ops.dcg_at_k(y_true, y_pred, 3, gain="linear", discount="reciprocal")
    np.testing.assert_allclose(dcg, [2 + 1 / 3], rtol=1e-6)
    ndcg = tfrank.ops.ndcg_at_k(y_true, y_pred, 3, gain="linear", discount="reciprocal")
    np.testing.assert_allclose(ndcg, [(2 + 1 / 3) / (3 + 1 + 1 / 3)], rtol=1e-6)


def test_config_names_the_function_and_round_trips():
    metric = tfrank.RankingMetrics(k=[2, 3], metrics=["ndcg", "dcg"], gain=cubed_gain, discount=sqrt_discount)
    config = metric.get_config()
    assert (config["gain"], config["discount"]) == ("tfrank_tests>cubed_gain", "tfrank_tests>sqrt_discount")
    restored = tfrank.RankingMetrics.from_config(config)
    batch = make_batch(23, "graded", ties=True)
    for m in (metric, restored):
        m.update_state(batch["y_true"], batch["y_pred"])
    assert {n: float(v) for n, v in restored.result().items()} == {n: float(v) for n, v in metric.result().items()}


@pytest.mark.parametrize("ties", ["first", "expected"])
def test_custom_gain_and_discount_under_xla_match_eager(ties):
    batch = make_batch(29, "graded", ties=True)
    results = []
    for jit in (False, True):
        metric = tfrank.NDCGAtK(k=[2, 5], gain=cubed_gain, discount=sqrt_discount, ties=ties)
        step = tf.function(lambda t, p: metric.update_state(t, p), jit_compile=jit)
        step(tf.constant(batch["y_true"]), tf.constant(batch["y_pred"]))
        results.append({n: float(v) for n, v in metric.result().items()})
    assert results[1] == pytest.approx(results[0], abs=1e-6)
