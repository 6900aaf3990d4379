"""Fuzzing every ranking metric against the NumPy reference with hypothesis.

For any input (B = 0, N = 0 or 1, k far above N, float16/32/64 scores with ties, NaN
and ±inf, int32/int64 ids, padding or masking anywhere, lists with nothing relevant or
nothing valid, ragged rows of length 0, bad ids), a metric's update either gives the
reference's value or raises the documented clear error, as the reference does, and
a rejected update leaves the state exactly as it was. The regressions below are bugs
this fuzzing found, each pinned by a plain test.
"""

import math
import re

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import tfrank
from catalog import ranking_metrics, results
from tfrank import reference
from tfrank.reference import _inputs as reference_inputs

SPECS = ranking_metrics()
SCORE_VALUES = (-2.0, -0.5, 0.0, 0.25, 0.25, 1.0, 3.0)  # repeated values: ties
# The documented error shapes (tfrank.engine.validation): the message names the argument.
CLEAR_ERROR = re.compile(r"^((y_true|y_pred|mask|sample_weight)\b|empty='error')")


@st.composite
def batches(draw):
    """One update's arguments for tfrank and the same lists for the reference."""
    b, n = draw(st.integers(0, 4)), draw(st.integers(0, 5))
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    special = st.sampled_from([math.nan, math.inf, -math.inf])
    value = st.one_of(st.sampled_from(SCORE_VALUES), special) if draw(st.booleans()) else st.sampled_from(SCORE_VALUES)
    scores = np.array(draw(st.lists(value, min_size=b * n, max_size=b * n)), dtype).reshape(b, n)
    form = draw(st.sampled_from(["dense", "graded", "ids", "ragged", "class"]))
    label_format, ref_true = None, None
    if form in ("dense", "graded"):
        top = 1 if form == "dense" else 3
        labels = draw(st.lists(st.integers(-1, top), min_size=b * n, max_size=b * n))  # -1: padding anywhere
        y_true = np.array(labels, draw(st.sampled_from([np.float32, np.float64, np.int32]))).reshape(b, n)
        if y_true.dtype == np.int32 or draw(st.booleans()):
            label_format = "dense"  # int [B, N] labels could be ids: say which
    elif form == "class":
        y_true = np.array(draw(st.lists(st.integers(-1, n), min_size=b, max_size=b)), draw(st.sampled_from([np.int32, np.int64])))
        y_true = y_true.reshape(b, 1) if draw(st.booleans()) else y_true
    else:  # ids: rows of 0..n+1 ids from [-1, n], so out-of-range ids and repeats happen
        rows = draw(st.lists(st.lists(st.integers(-1, n), max_size=n + 1), min_size=b, max_size=b))
        ids_dtype = draw(st.sampled_from([np.int32, np.int64]))
        if form == "ragged":
            values = np.array([i for row in rows for i in row], ids_dtype)
            y_true = tf.RaggedTensor.from_row_lengths(values, np.array([len(r) for r in rows], np.int64))
            ref_true = rows if b else np.zeros((0,), ids_dtype)  # the reference reads [] as no ids
        else:
            width = max([len(r) for r in rows] + [draw(st.integers(0, 2))])
            y_true = np.array([r + [-1] * (width - len(r)) for r in rows], ids_dtype).reshape(b, width)
        label_format = "ids" if draw(st.booleans()) else None
    mask = np.array(draw(st.lists(st.booleans(), min_size=b * n, max_size=b * n)), bool).reshape(b, n)
    weights = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=b, max_size=b)), np.float32)
    return {
        "y_true": y_true,
        "ref_true": y_true if ref_true is None else ref_true,
        "y_pred": scores,
        "mask": mask if draw(st.booleans()) else None,
        "sample_weight": weights if draw(st.booleans()) else None,
        "label_format": label_format,
    }


def _reference(spec, k, batch, empty):
    """Per-list reference values, or the error the reference raises."""
    kwargs = {"mask": batch["mask"], "label_format": batch["label_format"], "empty": empty}
    try:
        return spec.expected(batch["ref_true"], batch["y_pred"], k, **kwargs)
    except (ValueError, TypeError) as error:
        return error


def _lists(batch):
    """For each list: does a valid item score NaN, and does it hold a relevant item."""
    lists = reference_inputs.normalise(batch["ref_true"], batch["y_pred"], batch["mask"], batch["label_format"])
    return [bool(np.isnan(scores).any()) for scores, _ in lists], [bool((labels > 0).any()) for _, labels in lists]


def _warm_up(label_format):
    """A first batch, so that a rejected update has some state to leave alone."""
    y_true = np.array([[0, 2]], np.int32) if label_format == "ids" else np.array([[1.0, 0.0, 1.0]], np.float32)
    return y_true, np.array([[0.3, 0.2, 0.1]], np.float32), np.array([2.0], np.float32)


@settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    spec=st.sampled_from(SPECS),
    k=st.one_of(st.integers(1, 3), st.just(50), st.lists(st.sampled_from([1, 2, 4, 50]), min_size=1, max_size=3, unique=True)),
    empty=st.sampled_from(["skip", "zero", "one", "error"]),
    batch=batches(),
)
def test_update_equals_reference_or_raises_clearly(spec, k, empty, batch):
    metric = spec.make(k, empty=empty, label_format=batch["label_format"])
    warm_true, warm_pred, warm_weight = _warm_up(batch["label_format"])
    metric.update_state(warm_true, warm_pred, sample_weight=warm_weight)
    before = [v.numpy().copy() for v in metric.variables]
    expected = _reference(spec, k, batch, empty)
    try:
        metric.update_state(batch["y_true"], batch["y_pred"], sample_weight=batch["sample_weight"], mask=batch["mask"])
    except (ValueError, TypeError) as error:
        event(f"rejected: {str(error).split(' ')[0]}")
        assert CLEAR_ERROR.match(str(error)), str(error)
        for old, variable in zip(before, metric.variables):
            np.testing.assert_array_equal(old, variable.numpy())
        assert isinstance(expected, Exception), f"tfrank raised {error!r}, the reference gave {expected!r}"
        return
    assert not isinstance(expected, Exception), f"the reference raised {expected!r}, tfrank did not"
    nan, _ = _lists(batch)
    event("NaN" if any(nan) else f"value, B={len(nan)}, N={batch['y_pred'].shape[1]}")
    warm = spec.expected(warm_true, warm_pred, k, label_format=batch["label_format"], empty=empty)
    weights = np.ones(len(nan)) if batch["sample_weight"] is None else batch["sample_weight"]
    got = results(metric)
    assert list(got) == list(expected)
    for name, values in expected.items():
        if any(n and w != 0 for n, w in zip(nan, weights)):  # a list of weight 0 is left out, NaN or not
            assert math.isnan(got[name]), name
            continue
        want = reference.weighted_mean(np.concatenate([warm[name], values]), np.concatenate([warm_weight, weights]))
        assert got[name] == pytest.approx(want, rel=1e-5, abs=1e-5), name


# === Regressions found by the fuzzing above ===

MODES = ("eager", "graph", "xla")


def _update(metric, mode, **kwargs):
    if mode == "eager":
        return metric.update_state
    return tf.function(metric.update_state, jit_compile=mode == "xla", **kwargs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "y_true",
    [np.zeros((0, 2), np.int32), np.zeros((0,), np.int64), np.zeros((0, 4), np.float32)],
    ids=["ids", "class", "dense"],
)
def test_an_empty_batch_adds_nothing(y_true, mode):
    """B = 0 (a replica's share of a short last batch): the ids checks used tf.argmax
    over the empty batch and failed with InvalidArgumentError, eagerly and in a graph."""
    for empty in ("skip", "error"):
        metric = tfrank.RecallAtK(k=[1, 3], empty=empty)
        update = _update(metric, mode)
        update(tf.constant([[2, -1]], tf.int32) if y_true.dtype != np.float32 else tf.constant([[0.0, 0.0, 1.0, 0.0]]), tf.constant([[0.1, 0.2, 0.3, 0.0]]))
        before = [v.numpy().copy() for v in metric.variables]
        update(tf.constant(y_true), tf.zeros((0, 4)))
        for old, variable in zip(before, metric.variables):
            np.testing.assert_array_equal(old, variable.numpy())
        assert results(metric) == {"recall_at_1": 1.0, "recall_at_3": 1.0}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("form", ["dense", "ids", "ids_masked"])
def test_lists_of_no_items(form, mode):
    """N = 0 (y_pred [B, 0]): the prefix sums were built from an empty slice
    (StridedSlice out of bounds), and masked ids gathered index 0 of an empty row."""
    y_true = {"dense": np.zeros((2, 0), np.float32), "ids": np.full((2, 1), -1, np.int32), "ids_masked": np.full((2, 1), -1, np.int32)}[form]
    mask = np.zeros((2, 0), bool) if form == "ids_masked" else None
    for empty in ("skip", "zero"):  # the fuzzing covers every class; the bug was in the shared engine
        metric = tfrank.PrecisionAtK(k=[1, 3], empty=empty)
        _update(metric, mode)(tf.constant(y_true), tf.zeros((2, 0)), **({} if mask is None else {"mask": tf.constant(mask)}))
        want = reference.weighted_mean(reference.precision_at_k(y_true, np.zeros((2, 0)), [1, 3], mask=mask, empty=empty))
        assert results(metric) == pytest.approx(want) == {"precision_at_1": 0.0, "precision_at_3": 0.0}


def test_labels_of_unknown_rank():
    """Keras relaxes a reused train/test function to unknown-rank labels once it has
    seen labels of two ranks. Dense labels and ids then work with label_format;
    without it the error says so (it was a broadcasting error deep in the ops)."""
    scores = np.array([[0.1, 0.9, 0.3, 0.5, 0.2], [0.8, 0.1, 0.2, 0.3, 0.4]], np.float32)
    cases = [
        (np.array([1, 4]), "ids"),
        (np.array([[1, 3], [0, -1]]), "ids"),
        (np.array([[0, 1, 0, 1, 0], [1, 0, 0, 0, 1]], np.float32), "dense"),
    ]
    for y_true, label_format in cases:
        metric = tfrank.RecallAtK(k=[1, 3], label_format=label_format)
        step = _update(metric, "graph", input_signature=[tf.TensorSpec(None, y_true.dtype), tf.TensorSpec([None, 5])])
        step(y_true, scores)
        want = reference.weighted_mean(reference.recall_at_k(y_true, scores, [1, 3], label_format=label_format))
        assert results(metric) == pytest.approx(want), label_format
    metric = tfrank.PrecisionAtK(k=1)
    step = _update(metric, "graph", input_signature=[tf.TensorSpec(None, tf.int64), tf.TensorSpec([None, 5])])
    with pytest.raises(ValueError, match=r"y_true must be a tensor of known rank, or pass label_format='dense' or 'ids', got y_true=a int64 tensor of shape <unknown>"):
        step(np.array([1, 4]), scores)


def test_reference_reads_an_empty_batch_of_ids():
    """The NumPy reference failed to reshape B = 0 ids (``reshape(0, -1)``)."""
    for y_true in (np.zeros((0,), np.int64), np.zeros((0, 3), np.int32)):
        assert reference.recall_at_k(y_true, np.zeros((0, 4)), [1, 2]) == {"recall_at_1": pytest.approx([]), "recall_at_2": pytest.approx([])}
