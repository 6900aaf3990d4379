"""Per-item weights (sample_weight [B, N]) and the empty-list weight rule (empty_weight=),
against the NumPy reference (tfrank/reference/_weighted.py) and keras-rs itself."""

import keras_rs
import numpy as np
import pytest
import tensorflow as tf
from conftest import METRICS, VARIANTS, assert_lists_close, make_batch, per_list

import tfrank
from tfrank import reference

# Every option value but map's "min_k_n_rel", which has no per-item definition (an error).
WEIGHTED = [(name, options) for name, options in VARIANTS if options.get("normalizer") != "min_k_n_rel"]
GAIN = {"ndcg": "linear", "dcg": "linear"}  # the gain RankingMetrics(gain="linear") gives them


def item_weights(shape, seed):
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.1, 3.0, shape).astype(np.float32)
    weights[rng.random(shape) < 0.2] = 0.0  # weight 0 excludes the item
    weights[1] = 0.0  # a list of weight 0 counts nowhere
    return weights


@pytest.mark.parametrize("fmt", ["graded", "ids"])
def test_per_list_values_match_the_reference(fmt):
    batch = make_batch(5, fmt, mask=True)
    weights = item_weights(batch["y_pred"].shape, 5)
    for name, options in WEIGHTED:
        kwargs = dict(mask=batch["mask"], sample_weight=weights, **options)
        expected = per_list(name, "ref", batch["ref_true"], batch["y_pred"], [2, 5], **kwargs)
        actual = per_list(name, "tf", batch["y_true"], batch["y_pred"], [2, 5], **kwargs)
        assert_lists_close(actual, expected)


def test_weights_change_ap_dcg_ndcg_and_zero_masks():
    """A worked example: labels [1, 1, 0, 2], scores rank items 0, 1, 2, 3."""
    y_true, y_pred = [[1.0, 1.0, 0.0, 2.0]], [[0.9, 0.8, 0.7, 0.6]]
    w = [[2.0, 1.0, 5.0, 1.0]]
    # AP = (2 * 1/1 + 1 * 2/2 + 1 * 3/4) / (2 + 1 + 1)
    np.testing.assert_allclose(tfrank.ops.map_at_k(y_true, y_pred, 4, sample_weight=w), [3.75 / 4], rtol=1e-6)
    # Weight 0 on item 0: it leaves the list, items 1, 2, 3 rank 1st to 3rd.
    w0 = [[0.0, 1.0, 1.0, 1.0]]
    np.testing.assert_allclose(tfrank.ops.mrr_at_k(y_true, y_pred, 1, sample_weight=w0), [1.0])
    np.testing.assert_allclose(tfrank.ops.precision_at_k(y_true, y_pred, 3, sample_weight=w0), [2 / 3], rtol=1e-6)
    # DCG (linear gains 1, 1, 0, 2) = (2 + 1/log2(3) + 2/log2(5)) / w_list, w_list = (2 + 1 + 2) / 4
    dcg = (2.0 + 1.0 / np.log2(3) + 2.0 / np.log2(5)) / 1.25
    np.testing.assert_allclose(tfrank.ops.dcg_at_k(y_true, y_pred, 4, sample_weight=w, gain="linear"), [dcg], rtol=1e-6)


def test_weights_of_one_are_no_weights():
    batch = make_batch(7, "graded", mask=True)
    ones = np.ones(batch["y_pred"].shape, np.float32)
    for name, options in WEIGHTED:
        kwargs = dict(mask=batch["mask"], **options)
        plain = per_list(name, "tf", batch["y_true"], batch["y_pred"], [2, 5], **kwargs)
        assert_lists_close(per_list(name, "tf", batch["y_true"], batch["y_pred"], [2, 5], sample_weight=ones, **kwargs), plain)


def _expected_means(batches, empty_weight, ks):
    """Streamed weighted means by the reference: sum of w_list * value over sum of w_list."""
    totals = {}
    for batch, weights in batches:
        for name in METRICS:
            fn = METRICS[name][2]
            options = {"gain": GAIN[name]} if name in GAIN else {}
            lw = reference.list_weights(batch["ref_true"], batch["y_pred"], weights, mask=batch["mask"],
                                        gain=GAIN.get(name), empty_weight=empty_weight)
            kwargs = dict(mask=batch["mask"], empty="zero", **options)
            if np.ndim(weights) == 2:
                kwargs["sample_weight"] = weights
            values = {"r_precision": fn(batch["ref_true"], batch["y_pred"], **kwargs)} if name == "r_precision" else (
                fn(batch["ref_true"], batch["y_pred"], ks, **kwargs))
            for key, v in values.items():
                num, den = totals.get(key, (0.0, 0.0))
                totals[key] = (num + float(np.sum(lw * v)), den + float(np.sum(lw)))
    return {key: num / den for key, (num, den) in totals.items()}


@pytest.mark.parametrize("empty_weight", ["own", "batch_mean"])
@pytest.mark.parametrize("per_item", [True, False], ids=["item", "list"])
def test_streamed_result_matches_the_reference(per_item, empty_weight):
    ks = [2, 5]
    batches = []
    for seed, fmt in ((11, "graded"), (12, "ids")):
        batch = make_batch(seed, fmt, mask=True, batch=8)
        shape = batch["y_pred"].shape if per_item else batch["y_pred"].shape[:1]
        weights = item_weights(shape, seed) if per_item else np.random.default_rng(seed).uniform(0.0, 2.0, shape)
        batches.append((batch, weights))
    metric = tfrank.RankingMetrics(k=ks, metrics=list(METRICS), empty="zero", empty_weight=empty_weight, gain="linear")
    for batch, weights in batches:
        metric.update_state(batch["y_true"], batch["y_pred"], sample_weight=weights, mask=batch["mask"])
    expected = _expected_means(batches, empty_weight, ks)
    result = {name: float(value) for name, value in metric.result().items()}
    assert result == pytest.approx(expected, abs=1e-5)


def test_item_weights_under_xla_match_eager():
    batch = make_batch(3, "graded", mask=True)
    weights = item_weights(batch["y_pred"].shape, 3)
    args = [tf.constant(batch["y_true"]), tf.constant(batch["y_pred"]), tf.constant(weights), tf.constant(batch["mask"])]
    results = []
    for jit in (False, True):
        metric = tfrank.RankingMetrics(k=[2, 5], metrics=list(METRICS), empty="zero", empty_weight="batch_mean")
        step = tf.function(lambda t, p, w, m: metric.update_state(t, p, sample_weight=w, mask=m), jit_compile=jit)
        step(*args)
        results.append({name: float(v) for name, v in metric.result().items()})
    assert results[1] == pytest.approx(results[0], abs=1e-6)


def test_negative_item_weight_under_xla_poisons_the_result():
    metric = tfrank.RankingMetrics(k=2, metrics=["precision", "ndcg"])
    step = tf.function(lambda t, p, w: metric.update_state(t, p, sample_weight=w), jit_compile=True)
    step(tf.constant([[1.0, 0.0, 1.0]]), tf.constant([[0.3, 0.2, 0.1]]), tf.constant([[1.0, -1.0, 1.0]]))
    assert all(np.isnan(float(v)) for v in metric.result().values())


KERAS_RS = {  # tfrank class and options, keras-rs class
    "precision": (tfrank.PrecisionAtK, {"denominator": "min_k_n"}, keras_rs.metrics.PrecisionAtK),
    "recall": (tfrank.RecallAtK, {}, keras_rs.metrics.RecallAtK),
    "mrr": (tfrank.MRRAtK, {}, keras_rs.metrics.MeanReciprocalRank),
    "map": (tfrank.MAPAtK, {}, keras_rs.metrics.MeanAveragePrecision),
    "dcg": (tfrank.DCGAtK, {}, keras_rs.metrics.DCG),
    "ndcg": (tfrank.NDCGAtK, {}, keras_rs.metrics.NDCG),
}


@pytest.mark.parametrize("per_item", [True, False], ids=["item", "list"])
def test_keras_rs_agrees(per_item):
    """Distinct scores (keras-rs shuffles ties), integer labels, an empty list, zero weights."""
    rng = np.random.default_rng(21)
    y_true = rng.integers(0, 3, (6, 5)).astype(np.float32)
    y_true[2] = 0.0
    y_pred = rng.permutation(30).reshape(6, 5).astype(np.float32)
    weights = item_weights((6, 5), 21) if per_item else rng.uniform(0.5, 2.0, 6).astype(np.float32)
    for name, (ours, options, theirs) in KERAS_RS.items():
        mine = ours(k=3, empty="zero", empty_weight="batch_mean", **options)
        mine.update_state(y_true, y_pred, sample_weight=weights)
        other = theirs(k=3)
        other.update_state(y_true, y_pred, sample_weight=weights)
        assert float(mine.result()) == pytest.approx(float(other.result()), abs=1e-5), name
