"""Exact threshold curves of a whole set: the pure TensorFlow math of the threshold metrics.

One sort per set, then cumulative sums at every distinct score: scikit-learn's
``_binary_clf_curve``. With the examples sorted by score, descending, and grouped by
equal score (a tie moves as one), the curve's points are the cumulative weighted true
and false positives ``(TP_g, FP_g)`` after each group g, preceded by ``(0, 0)``; every
metric reads only those points:

* ROC AUC = sum_g (FP_g - FP_{g-1}) (TP_g + TP_{g-1}) / 2 / (P N) (the trapezoid: a
  positive tied with a negative counts one half), 0 when P = 0 or N = 0;
* average precision = sum_g (TP_g - TP_{g-1}) / P * TP_g / (TP_g + FP_g) (step-wise),
  0 when P = 0;
* X at Y = max over the points whose Y >= the bound of X, 0 when none meets it, with
  precision TP/(TP+FP), recall = sensitivity TP/P, specificity (N - FP)/N (0/0 read as 0).

P and N are the weighted positives and negatives. Points repeated by weight-0 entries
(e.g. the empty slots of a metric's buffer) add nothing to any of these. Sums are
float64, so counts stay exact far beyond float32's 2^24.
"""

import numbers
import typing

import tensorflow as tf

from tfrank.engine import assertions, validation

AVERAGES = ("micro", "macro")
# Log-name base -> (argument name of the bound, or None).
BOUNDS = {
    "roc_auc": None,
    "average_precision": None,
    "precision_at_recall": "recall",
    "recall_at_precision": "precision",
    "sensitivity_at_specificity": "specificity",
    "specificity_at_sensitivity": "sensitivity",
}
_SIZE_TEXT = "y_true and y_pred must hold the same number of values; got y_true, y_pred = "
_WEIGHT_TEXT = "sample_weight must hold one weight per example (or per label); got weights, examples = "


class Batch(typing.NamedTuple):
    """One batch as the metrics store it, ``[B, C]`` for C labels (C = 1 for binary scores)."""

    scores: tf.Tensor  # float32; 0 where the value does not count (weight 0)
    signed: tf.Tensor  # float32: +w for a positive, -w for a negative, 0 when it does not count
    poisoned: tf.Tensor  # bool scalar: a NaN that counts, or a run-time check failed
    checks: list


# === Arguments ===


def check_bound(arg, value):
    """A bound in (0, 1] (bool rejected), as a float."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0.0 < value <= 1.0:
        return float(value)
    wrong_type = not isinstance(value, numbers.Real) or isinstance(value, bool)
    raise validation.invalid(arg, value, "a number in (0, 1] (e.g. 0.8)", TypeError if wrong_type else ValueError)


def check_count(arg, value, most=2**31 - 1):
    """A positive int of at most ``most`` (bool rejected): ``capacity``, ``num_labels``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 < value <= most:
        return int(value)
    wrong_type = not isinstance(value, numbers.Integral) or isinstance(value, bool)
    raise validation.invalid(arg, value, f"a positive int of at most {most:,}", TypeError if wrong_type else ValueError)


def bound_name(bound):
    """The bound in percent for a log name, '_' for a decimal point: 0.8 -> '80', 0.825 -> '82_5'.

    Keras and keras-tuner log names must not hold '.'; the shortest decimal of the
    float (``repr``) is used, so 0.8 never becomes 80.00000000000001.

    >>> bound_name(0.8), bound_name(0.825), bound_name(1.0), bound_name(0.005)
    ('80', '82_5', '100', '0_5')
    """
    import decimal

    percent = format(decimal.Decimal(repr(float(bound))) * 100, "f")
    if "." in percent:
        percent = percent.rstrip("0").rstrip(".")
    return percent.replace(".", "_")


# === One batch ===


def _width(y_pred, num_labels):
    """C, the number of labels: 1 for [B] or [B, 1] scores, C for [B, C] (static)."""
    shape = y_pred.shape
    if not y_pred.dtype.is_floating:
        raise validation.invalid("y_pred", y_pred, "float scores of shape [batch], [batch, 1] or [batch, labels]",
                                 TypeError)
    if shape.rank is None or (shape.rank == 2 and shape[1] is None):  # e.g. reduce_retracing: checked at run time
        return num_labels or 1
    width = 1 if shape.rank == 1 else shape[1] if shape.rank == 2 else None
    if width is None or (num_labels is not None and width != num_labels):
        expected = "[batch] or [batch, 1]" if num_labels in (None, 1) else f"[batch, {num_labels}]"
        hint = f"; pass num_labels={width} for {width} labels per example" if width and num_labels else ""
        where = f" (num_labels={num_labels})" if num_labels else " ([batch, labels] for several labels)"
        raise validation.invalid("y_pred", y_pred, f"float scores of shape {expected}{where}{hint}")
    return width


def _weights(sample_weight, scores, width, checks):
    """Weights broadcast to ``[B, C]``, or None for unit weights (no check needed then)."""
    if sample_weight is None:
        return None
    sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), tf.float32)
    shape = sample_weight.shape
    if shape.rank == 0:
        weights = tf.fill(tf.shape(scores), sample_weight)
    else:
        per_label = width > 1 and shape.rank == 2 and shape[1] == width
        if not (shape.rank == 1 or (shape.rank == 2 and shape[1] in (1, None)) or per_label):
            per_label_text = f" or [batch, {width}] (one per label)" if width > 1 else ""
            raise validation.invalid("sample_weight", sample_weight,
                                     f"a scalar or weights of shape [batch] or [batch, 1]{per_label_text}")
        weights = tf.reshape(sample_weight, [-1, width if per_label else 1])
        if not (weights.shape[0] is not None and weights.shape[0] == scores.shape[0]):
            weights = assertions.same_size(weights, tf.shape(weights)[0], tf.shape(scores)[0], _WEIGHT_TEXT, checks)
        weights = weights if per_label else tf.broadcast_to(weights, tf.shape(scores))
    checks.append(assertions.assert_non_negative(weights, "sample_weight"))
    return weights


def examples(y_true, y_pred, sample_weight=None, num_labels=None):
    """Checks one batch and returns it as a `Batch` (``num_labels`` None: C from y_pred).

    Static facts (dtypes, ranks, widths) raise at call or trace time; values only known
    at run time (labels 0/1, non-negative weights, matching sizes) are assertions, and
    also poison the batch, since XLA drops assertions. A NaN score of weight 0 does not count.
    """
    y_pred, y_true = tf.convert_to_tensor(y_pred), tf.convert_to_tensor(y_true)
    width = _width(y_pred, num_labels)
    labels_shape = "[batch] or [batch, 1]" if width == 1 else f"[batch, {width}] (the shape of y_pred)"
    if y_true.shape.rank not in (1, 2, None) or (width > 1 and not y_true.shape.is_compatible_with(y_pred.shape)) or (
            width == 1 and y_true.shape.rank == 2 and y_true.shape[1] not in (1, None)):
        raise validation.invalid("y_true", y_true, f"binary labels (0 or 1) of shape {labels_shape}")
    validation.check_same_batch("y_true", y_true, y_pred)
    scores = tf.reshape(tf.cast(y_pred, tf.float32), [-1, width])
    labels = tf.reshape(tf.cast(y_true, tf.float32), [-1, width])
    checks = []
    if not (y_true.shape.is_fully_defined() and y_pred.shape.is_fully_defined()
            and y_true.shape.num_elements() == y_pred.shape.num_elements()):  # static sizes need no run-time check
        labels = assertions.same_size(labels, tf.size(labels), tf.size(scores), _SIZE_TEXT, checks)
    binary = (labels == 0.0) | (labels == 1.0)
    checks.append(assertions.assert_binary(labels, "y_true", binary))
    weights = _weights(sample_weight, scores, width, checks)
    nan = tf.math.is_nan(scores)
    if weights is None:  # unit weights: +1 for a positive, -1 for a negative
        poisoned = tf.reduce_any(~binary | nan)
        return Batch(tf.where(nan, 0.0, scores), 2.0 * labels - 1.0, poisoned, checks)
    counts = weights > 0.0  # False for weight 0 and for NaN weights
    poisoned = tf.reduce_any(~binary | (weights < 0.0) | tf.math.is_nan(weights) | (counts & nan))
    scores = tf.where(counts & ~nan, scores, 0.0)  # weight 0: counts nowhere, whatever its score
    signed = tf.where(counts, tf.where(labels > 0.5, weights, -weights), 0.0)
    return Batch(scores, signed, poisoned, checks)


# === The curve ===


def curve(scores, signed):
    """``(TP, FP)`` ``[L, m + 1]`` float64 of L sets of m values each (``[L, m]`` float32).

    Column 0 is the point (0, 0); column j > 0 holds the cumulative sums after the j-th
    group of equal scores, in descending order of score, and repeats the last point once
    the groups run out (m values make at most m groups).
    """
    rows, size = tf.shape(scores)[0], tf.shape(scores)[1]
    order = tf.argsort(scores, axis=1, direction="DESCENDING")
    ranked = tf.gather(scores, order, batch_dims=1)
    weights = tf.cast(tf.gather(signed, order, batch_dims=1), tf.float64)
    new = tf.concat([tf.ones_like(ranked[:, :1], tf.bool), ranked[:, 1:] != ranked[:, :-1]], axis=1)
    group = tf.cumsum(tf.cast(new, tf.int32), axis=1) - 1 + tf.range(rows)[:, None] * size
    group = tf.reshape(group, [-1])

    def cumulative(w):
        per_group = tf.math.unsorted_segment_sum(tf.reshape(w, [-1]), group, rows * size)
        running = tf.cumsum(tf.reshape(per_group, [rows, size]), axis=1)
        return tf.concat([tf.zeros([rows, 1], tf.float64), running], axis=1)

    return cumulative(tf.maximum(weights, 0.0)), cumulative(tf.maximum(-weights, 0.0))


def _before(x):
    return tf.concat([x[:, :1], x[:, :-1]], axis=1)  # the previous point (column 0 is (0, 0))


def _rates(tp, fp):
    positives, negatives = tp[:, -1:], fp[:, -1:]
    return {
        "precision": tf.math.divide_no_nan(tp, tp + fp),
        "recall": tf.math.divide_no_nan(tp, positives),
        "sensitivity": tf.math.divide_no_nan(tp, positives),
        "specificity": tf.math.divide_no_nan(negatives - fp, negatives),
    }


def _roc_auc(tp, fp, bound):
    area = tf.reduce_sum((fp - _before(fp)) * (tp + _before(tp)), axis=1) / 2.0
    return tf.math.divide_no_nan(area, tp[:, -1] * fp[:, -1])


def _average_precision(tp, fp, bound):
    precision = tf.math.divide_no_nan(tp, tp + fp)
    return tf.math.divide_no_nan(tf.reduce_sum((tp - _before(tp)) * precision, axis=1), tp[:, -1])


def _at(value, constraint):
    def at(tp, fp, bound):
        rates = _rates(tp, fp)
        meets = rates[constraint] >= bound
        return tf.reduce_max(tf.where(meets, rates[value], 0.0), axis=1)  # column 0 makes it non-empty

    return at


DEFINITIONS = {
    "roc_auc": _roc_auc,
    "average_precision": _average_precision,
    "precision_at_recall": _at("precision", "recall"),
    "recall_at_precision": _at("recall", "precision"),
    "sensitivity_at_specificity": _at("sensitivity", "specificity"),
    "specificity_at_sensitivity": _at("specificity", "sensitivity"),
}


def evaluate(base, bound, average, scores, signed):
    """The metric ``base`` of the values ``[m, C]`` (float32 scalar): one set of m * C
    label-score pairs (``average="micro"``), or the mean over the C labels' sets ("macro")."""
    if average == "micro":
        scores, signed = tf.reshape(scores, [1, -1]), tf.reshape(signed, [1, -1])
    else:
        scores, signed = tf.transpose(scores), tf.transpose(signed)
    tp, fp = curve(scores, signed)
    return tf.cast(tf.reduce_mean(DEFINITIONS[base](tp, fp, bound)), tf.float32)
