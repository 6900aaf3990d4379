"""tfrank.stats.per_list and per_example: a model's per-list values and per-example scores, streamed.

The model is a fixed scorer (its output is its input), so every expected value is the
NumPy reference (`tfrank.reference`) on the same scores and labels; the data streams in
uneven batches, from arrays and from a ``tf.data.Dataset``, in graph mode and under XLA.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
import tfrank.stats
from tfrank import reference

LISTS, ITEMS = 23, 7  # 23 lists in batches of 5: the last batch holds 3


def _identity(width):
    return keras.Sequential([keras.Input((width,)), keras.layers.Identity()])


@pytest.fixture(scope="module")
def lists():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(LISTS, ITEMS)).astype(np.float32)
    labels = (rng.random((LISTS, ITEMS)) < 0.3).astype(np.float32)
    labels[[0, 6, 17]] = 0.0  # lists without a relevant item: skipped, NaN
    weights = rng.uniform(0.5, 2.0, LISTS).astype(np.float32)
    weights[[4, 11]] = 0.0  # weight 0: the list does not count, NaN
    return scores, labels, weights


@pytest.fixture(scope="module")
def scorer():
    return _identity(ITEMS)


def _expected(scores, labels):
    out = dict(reference.precision_at_k(labels, scores, [1, 3]))
    out.update(reference.ndcg_at_k(labels, scores, [1, 3]))
    out["recall_at_5"] = reference.recall_at_k(labels, scores, 5)
    out["mrr_at_3"] = reference.mrr_at_k(labels, scores, 3, empty="zero")
    return out


def _metrics():
    return [tfrank.RankingMetrics(k=[1, 3], metrics=["precision", "ndcg"]), tfrank.RecallAtK(k=5, stderr=True),
            tfrank.MRRAtK(k=3, empty="zero")]


@pytest.mark.parametrize("source", ["arrays", "dataset", "xla"])
def test_per_list_is_the_reference_in_data_order(lists, scorer, source):
    scores, labels, _ = lists
    if source == "dataset":
        data = tf.data.Dataset.from_tensor_slices((scores, labels)).batch(5)
        got = tfrank.stats.per_list(scorer, data, metrics=_metrics())
    else:
        got = tfrank.stats.per_list(scorer, scores, labels, metrics=_metrics(), batch_size=5,
                                    jit_compile=source == "xla")
    want = _expected(scores, labels)
    assert list(got) == ["precision_at_1", "precision_at_3", "ndcg_at_1", "ndcg_at_3", "recall_at_5", "mrr_at_3"]
    for name, values in got.items():
        assert values.dtype == np.float64 and values.shape == (LISTS,)
        np.testing.assert_allclose(values, want[name], rtol=1e-6, equal_nan=True, err_msg=name)
    assert np.isnan(got["recall_at_5"][[0, 6, 17]]).all()  # skipped lists
    assert not np.isnan(got["mrr_at_3"]).any()  # empty="zero" counts every list


def test_weights_zero_skip_a_list_and_are_returned(lists, scorer):
    scores, labels, weights = lists
    data = tf.data.Dataset.from_tensor_slices((scores, labels, weights)).batch(4)
    values, got_weights = tfrank.stats.per_list(scorer, data, metrics=tfrank.PrecisionAtK(k=3), return_weights=True)
    want = reference.precision_at_k(labels, scores, 3)
    want[weights == 0] = np.nan
    np.testing.assert_allclose(values["precision_at_3"], want, rtol=1e-6, equal_nan=True)
    counted = np.where(np.isnan(want), 0.0, weights)
    np.testing.assert_allclose(got_weights["precision_at_3"], counted, rtol=1e-6)
    # The weighted mean of what it returns is what the metric reports over the same data.
    metric = tfrank.PrecisionAtK(k=3)
    metric.update_state(labels, scores, sample_weight=weights)
    kept = counted > 0
    assert np.average(values["precision_at_3"][kept], weights=counted[kept]) == pytest.approx(float(metric.result()))


def test_labels_with_a_mask_as_in_fit(lists, scorer):
    scores, labels, _ = lists
    mask = np.random.default_rng(1).random(scores.shape) > 0.3
    got = tfrank.stats.per_list(scorer, scores, {"labels": labels, "mask": mask}, metrics=[tfrank.NDCGAtK(k=3)],
                                batch_size=6)
    np.testing.assert_allclose(got["ndcg_at_3"], reference.ndcg_at_k(labels, scores, 3, mask=mask), rtol=1e-6,
                               equal_nan=True)


def test_retrieval_metrics_over_a_corpus():
    rng = np.random.default_rng(2)
    candidates = rng.normal(size=(40, 4)).astype(np.float32)
    queries = rng.normal(size=(11, 4)).astype(np.float32)
    relevant = rng.integers(0, 40, size=(11, 2))
    metric = tfrank.RetrievalMetrics(candidates, k=[5, 10], metrics=["recall", "mrr"], chunk=16)
    got = tfrank.stats.per_list(_identity(4), queries, relevant, metrics=metric, batch_size=4)
    want = reference.retrieval_metrics(relevant, queries, candidates, [5, 10], metrics=("recall", "mrr"))
    assert set(got) == set(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-6, err_msg=name)


def test_a_dataset_level_metric_says_what_to_use_instead(lists, scorer):
    scores, labels, _ = lists
    with pytest.raises(ValueError, match=r"PrecisionAtBudget is dataset-level .* use tfrank.stats.per_example"):
        tfrank.stats.per_list(scorer, scores, labels, metrics=[tfrank.PrecisionAtK(k=1),
                                                                tfrank.PrecisionAtBudget(budget=5)])


@pytest.mark.parametrize("call, error, match", [
    (lambda m, x, y: tfrank.stats.per_list(m, x, y, metrics=[]), ValueError, "metrics must be a tfrank metric"),
    (lambda m, x, y: tfrank.stats.per_list(m, x, y, metrics=[keras.metrics.MeanSquaredError()]), TypeError,
     "metrics must be tfrank per-list metric objects"),
    # Keras' thresholded Precision is registered as dataset-level (tfrank.stats.thresholded).
    (lambda m, x, y: tfrank.stats.per_list(m, x, y, metrics=[keras.metrics.Precision()]), ValueError,
     r"Precision is dataset-level .* use tfrank.stats.per_example"),
    (lambda m, x, y: tfrank.stats.per_list(m, x, y, metrics=[tfrank.PrecisionAtK(k=1), tfrank.PrecisionAtK(k=1)]),
     ValueError, "metrics whose log names differ"),
    (lambda m, x, y: tfrank.stats.per_list(m, x, None, metrics=[tfrank.PrecisionAtK(k=1)]), ValueError,
     "y must be the labels of x"),
    (lambda m, x, y: tfrank.stats.per_list(m, x, y, metrics=[tfrank.PrecisionAtK(k=1)], batch_size=0), ValueError,
     "batch_size must be a positive int"),
    (lambda m, x, y: tfrank.stats.per_list(m, tf.data.Dataset.from_tensor_slices((x, y)).batch(4), y,
                                           metrics=[tfrank.PrecisionAtK(k=1)]), ValueError,
     "y must be None when x is a tf.data.Dataset"),
    (lambda m, x, y: tfrank.stats.per_list(m, tf.data.Dataset.from_tensor_slices(x).batch(4),
                                           metrics=[tfrank.PrecisionAtK(k=1)]), ValueError,
     r"x must be a tf.data.Dataset of \(x, y\)"),
])
def test_per_list_rejects_bad_input(lists, scorer, call, error, match):
    scores, labels, _ = lists
    with pytest.raises(error, match=match):
        call(scorer, scores, labels)


# === Per-example scores ===


def test_per_example_returns_labels_scores_and_weights_in_data_order():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(19, 1)).astype(np.float32)
    y = (rng.random(19) < 0.3).astype(np.int64)
    w = rng.uniform(0.5, 2.0, 19).astype(np.float32)
    model = _identity(1)
    y_true, scores, weights = tfrank.stats.per_example(model, x, y, batch_size=4)
    np.testing.assert_array_equal(y_true, y)
    np.testing.assert_allclose(scores, x[:, 0])
    assert weights is None and scores.dtype == np.float64
    data = tf.data.Dataset.from_tensor_slices((x, y[:, None], w)).batch(6)
    y_true, scores, weights = tfrank.stats.per_example(model, data)
    np.testing.assert_array_equal(y_true, y)
    np.testing.assert_allclose(weights, w)
    with pytest.raises(ValueError, match=r"y_pred \(the model's output\) must be one value per example"):
        tfrank.stats.per_example(_identity(3), np.zeros((4, 3), np.float32), np.zeros(4))
