"""One table of bad inputs: each gives one clear error naming the argument and what is valid,
and a rejected update leaves the metric's state exactly as it was."""

import numpy as np
import pytest
import tensorflow as tf

import tfrank

SCORES = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.4, 0.6]], np.float32)
DENSE = np.array([[1, 0, 0, 1], [0, 1, 0, 0]], np.float32)
IDS = np.array([[0, 3], [1, -1]], np.int32)

# (id, constructor kwargs, update args, update kwargs, error, message fragment)
BAD_OPTIONS = [
    ("k_zero", {"k": 0}, r"k must be a positive int or a list of them, got k=0 \(int\)"),
    ("k_negative", {"k": -3}, r"k must be a positive int.*got k=-3"),
    ("k_bool", {"k": True}, r"k must be a positive int.*got k=True \(bool\)"),
    ("k_float", {"k": 2.0}, r"k must be a positive int.*got k=2.0 \(float\)"),
    ("k_str", {"k": "5"}, r"k must be a positive int.*got k='5' \(str\)"),
    ("k_empty_list", {"k": []}, r"k must be a positive int.*got k=\[\] \(list\)"),
    ("k_list_with_zero", {"k": [1, 0]}, r"k must be a positive int.*got k=\[1, 0\]"),
    ("k_repeated", {"k": [5, 5]}, r"k must be a positive int or a list of distinct ones"),
    ("empty_unknown", {"empty": "ignore"}, r"empty must be one of 'skip', 'zero', 'one', 'error', got empty='ignore'"),
    ("ties_unknown", {"ties": "random"}, r"ties must be one of 'first', 'expected', got ties='random'"),
    ("label_format_unknown", {"label_format": "sparse"}, r"label_format must be one of None, 'dense', 'ids'"),
    ("denominator_unknown", {"denominator": "n"}, r"denominator must be one of 'k', 'min_k_n', got denominator='n'"),
    ("name_not_str", {"name": 3}, r"name must be a str or None, got name=3 \(int\)"),
]


@pytest.mark.parametrize("kwargs, message", [case[1:] for case in BAD_OPTIONS], ids=[c[0] for c in BAD_OPTIONS])
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        tfrank.PrecisionAtK(**kwargs)
    fn_kwargs = {"k": 3, **kwargs}
    fn_kwargs.pop("name", None)
    if "name" not in kwargs:
        with pytest.raises((ValueError, TypeError), match=message):
            tfrank.ops.precision_at_k(DENSE, SCORES, **fn_kwargs)


def test_option_of_another_metric_is_rejected():
    with pytest.raises(TypeError, match=r"recall metrics take no option 'denominator'"):
        tfrank.RecallAtK(k=3, denominator="k")


# (id, y_true, y_pred, update kwargs, error types, message fragment)
BAD_UPDATES = [
    ("y_pred_rank_1", DENSE[0], SCORES[0], {}, ValueError, r"y_pred must be float scores of shape \[batch, items\] \(rank 2\), got y_pred=a float32 tensor of shape \[4\]"),
    ("y_pred_int", DENSE, SCORES.astype(np.int32), {}, TypeError, r"y_pred must be float scores.*int32"),
    ("dense_shape_mismatch", DENSE[:, :3], SCORES, {"label_format": "dense"}, ValueError, r"y_true must be dense labels with the shape of y_pred \[2, 4\]"),
    ("int_ambiguous", DENSE.astype(np.int32), SCORES, {}, ValueError, r"could be dense labels or relevant ids. Pass label_format='dense' or label_format='ids'"),
    ("id_too_large", np.array([[0, 4], [1, -1]]), SCORES, {}, ValueError, r"y_true must hold item ids in \[0, N\) or -1 for padding.*4, -1, 4"),
    ("id_below_padding", np.array([[0, -2], [1, -1]]), SCORES, {}, ValueError, r"item ids in \[0, N\) or -1 for padding"),
    ("class_id_too_large", np.array([1, 9]), SCORES, {}, ValueError, r"item ids in \[0, N\).*9"),
    ("duplicate_ids", np.array([[3, 3], [1, -1]]), SCORES, {}, ValueError, r"y_true ids must not repeat within a list"),
    ("fractional_class_ids", np.array([[1.5], [2.0]], np.float32), SCORES, {}, ValueError, r"y_true holds class ids and must be whole numbers"),
    ("batch_mismatch", IDS[:1], SCORES, {}, ValueError, r"y_true must be a tensor with the batch size of y_pred"),
    ("sample_weight_2d", DENSE, SCORES, {"sample_weight": np.ones((2, 4))}, ValueError, r"sample_weight must be one weight per list.*\[2, 4\]"),
    ("sample_weight_batch", DENSE, SCORES, {"sample_weight": np.ones(3)}, ValueError, r"sample_weight must be one weight per list"),
    ("mask_shape", DENSE, SCORES, {"mask": np.ones((2, 3), bool)}, ValueError, r"mask must be a bool tensor with the shape of y_pred \[2, 4\]"),
    ("dict_unknown_key", {"labels": DENSE, "weights": DENSE}, SCORES, {}, ValueError, r"y_true must be a tensor or a dict with keys 'labels' and optionally 'mask'"),
    ("mask_twice", {"labels": DENSE, "mask": DENSE > 0}, SCORES, {"mask": DENSE > 0}, ValueError, r"mask must be None when y_true already carries a 'mask' entry"),
    ("ragged_scores", DENSE, tf.ragged.constant([[0.1, 0.2], [0.3]]), {}, ValueError, r"y_pred must be a dense float tensor"),
]


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, error, message", [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_bad_update_is_rejected_and_state_kept(y_true, y_pred, kwargs, error, message):
    kwargs = dict(kwargs)
    label_format = kwargs.pop("label_format", None)
    metric = tfrank.PrecisionAtK(k=2, label_format=label_format)
    metric.update_state(DENSE, SCORES, sample_weight=[1.0, 3.0])
    before = [v.numpy().copy() for v in metric.variables]
    with pytest.raises(error, match=message):
        metric.update_state(y_true, y_pred, **kwargs)
    for old, variable in zip(before, metric.variables):
        np.testing.assert_array_equal(old, variable.numpy())


@pytest.mark.parametrize("bad_ids", [np.array([[0, 4], [1, -1]]), np.array([[2, 2], [1, -1]])], ids=["range", "dup"])
def test_run_time_checks_hold_inside_tf_function(bad_ids):
    """In a graph the check is an Assert: InvalidArgumentError, state untouched."""
    metric = tfrank.PrecisionAtK(k=2)
    step = tf.function(lambda t, p: metric.update_state(t, p))
    step(tf.constant(IDS), tf.constant(SCORES))
    before = [v.numpy().copy() for v in metric.variables]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"y_true (must hold item ids|ids must not repeat)"):
        step(tf.constant(bad_ids, tf.int32), tf.constant(SCORES))
    for old, variable in zip(before, metric.variables):
        np.testing.assert_array_equal(old, variable.numpy())


def test_bad_ids_under_xla_poison_the_result():
    """XLA drops Assert ops; a bad id must then give NaN, never a silent number."""
    metric = tfrank.PrecisionAtK(k=2)
    step = tf.function(lambda t, p: metric.update_state(t, p), jit_compile=True)
    step(tf.constant([[0, 9], [1, -1]], tf.int32), tf.constant(SCORES))
    assert np.isnan(float(metric.result()))


def test_empty_error_policy():
    with pytest.raises(ValueError, match=r"empty='error' and a list has no relevant item; first such list: 1"):
        tfrank.ops.recall_at_k([[1, 0, 0, 0], [0, 0, 0, 0]], SCORES, 2, empty="error", label_format="dense")
