"""Labels of a retrieval batch: relevant candidate ids and excluded ones, checked and normalised.

``y_true`` holds the relevant candidates of each query: class ids ``[B]`` / ``[B, 1]``,
ids ``[B, R]`` padded with -1, or a ``tf.RaggedTensor``; with it, the exclusions come as
the keyword ``exclude=``, as a dict ``{"labels": ..., "exclude": ...}``, or, inside
``model.fit`` (where no keyword reaches a metric, and Keras 3 flattens a dict ``y`` of
a one-output model and passes on its first entry only), as the last
``exclude_columns`` columns of one ``[B, R + E]`` tensor. The
exclusion ids ``[B, E]`` (padded with -1) name candidates a query must not be judged on
(items the user has already seen): they leave the ranking and the relevant set.

With candidate ids (``candidate_ids``, one per index row), ids are looked up in them;
otherwise an id is the candidate's row in the index.
"""

import dataclasses

import tensorflow as tf

from tfrank.engine import assertions, validation
from tfrank.engine.fastrank import count_true


@dataclasses.dataclass(frozen=True)
class Labels:
    """relevant: ``[B, R]`` int32 index rows (-1: none), excluded candidates removed.
    exclude: ``[B, E]`` int32 index rows or None. n_excluded: ``[B]`` float distinct
    excluded candidates. bad: ``[B]`` bool, a run-time check failed (poisons the list)."""

    relevant: tf.Tensor
    exclude: object
    n_excluded: tf.Tensor
    bad: tf.Tensor
    checks: tuple


def split(y_true, exclude, exclude_columns=0):
    """``(labels, exclude)`` from ``y_true``, a dict ``{"labels", "exclude"}``, or, with
    ``exclude_columns=E``, a ``[B, R + E]`` tensor whose last E columns are the exclusions."""
    if isinstance(y_true, dict):
        if "labels" not in y_true or set(y_true) - {"labels", "exclude"}:
            raise validation.invalid("y_true", y_true, "a tensor or a dict with keys 'labels' and optionally 'exclude'")
        y_true, packed = y_true["labels"], y_true.get("exclude")
    elif exclude_columns:
        y_true = tf.convert_to_tensor(y_true)  # a ragged y_true cannot carry columns
        if y_true.shape.rank != 2 or (y_true.shape[1] is not None and y_true.shape[1] <= exclude_columns):
            valid = f"ids [batch, R + E] whose last E = exclude_columns = {exclude_columns} columns are exclusions"
            raise validation.invalid("y_true", y_true, valid)
        y_true, packed = y_true[:, :-exclude_columns], y_true[:, -exclude_columns:]
    else:
        return y_true, exclude
    if exclude is not None and packed is not None:
        raise validation.invalid("exclude", exclude, "None when y_true already carries the exclusions")
    return y_true, packed if packed is not None else exclude


def _id_matrix(values, arg, checks):
    """``[B, W]`` int ids from class ids ``[B]``, ``[B, W]`` ids or ragged ids (padding -1)."""
    if isinstance(values, tf.RaggedTensor):
        if values.ragged_rank != 1 or values.shape.rank != 2:
            raise validation.invalid(arg, values, "a ragged tensor of ids [batch, (R)]")
        values = values.to_tensor(default_value=-1)
    values = tf.convert_to_tensor(values)
    if values.dtype == tf.bool or not (values.dtype.is_integer or values.dtype.is_floating):
        raise validation.invalid(arg, values, "integer candidate ids [batch] or [batch, R] padded with -1", TypeError)
    if values.shape.rank not in (1, 2):
        raise validation.invalid(arg, values, "candidate ids of shape [batch] or [batch, R] padded with -1")
    if values.dtype.is_floating:  # Keras may deliver class ids as floats
        checks.append(assertions.assert_integral(values, arg))
    return tf.reshape(tf.cast(values, tf.int64), [tf.shape(values)[0], -1])


def _rows(ids, lookup, n_candidates, arg, checks):
    """Index rows ``[B, W]`` int32 of ids (through ``lookup`` when given), and bad lists ``[B]``."""
    if lookup is not None:
        sorted_ids, order = lookup
        at = tf.searchsorted(sorted_ids[None, :], tf.reshape(ids, [1, -1]), out_type=tf.int64)
        at = tf.reshape(tf.clip_by_value(at, 0, n_candidates - 1), tf.shape(ids))
        known = tf.equal(tf.gather(sorted_ids, at), ids)
        missing = tf.where(ids == -1, tf.constant(-1, tf.int64), tf.constant(n_candidates, tf.int64))
        rows = tf.where(known, tf.gather(order, at), missing)
        items = "ids found in candidate_ids or -1 for padding (N: number of candidates)"
    else:
        rows = ids
        items = "candidate ids in [0, M) or -1 for padding, where M = number of candidates"
    checks.append(assertions.assert_ids_in_range(rows, n_candidates, arg=arg, items=items))
    rows = tf.cast(tf.clip_by_value(rows, -2, n_candidates), tf.int32)  # -2, M: out of range
    bad = tf.reduce_any((rows < -1) | (rows >= n_candidates), axis=1)
    return tf.where((rows >= 0) & (rows < n_candidates), rows, -1), bad


def _n_distinct(rows):
    ordered = tf.sort(rows, axis=1)
    fresh = tf.concat([ordered[:, :1] >= 0, (ordered[:, 1:] != ordered[:, :-1]) & (ordered[:, 1:] >= 0)], axis=1)
    return count_true(fresh)


def normalize(y_true, n_candidates, *, exclude=None, exclude_columns=0, lookup=None, batch=None):
    """Checks and normalises one batch's labels into `Labels` (``batch``: y_pred's batch size)."""
    y_true, exclude = split(y_true, exclude, exclude_columns)
    checks = []
    relevant, bad = _rows(_id_matrix(y_true, "y_true", checks), lookup, n_candidates, "y_true", checks)
    if batch is not None:
        text = "y_true and y_pred must hold the same number of queries; got y_true, y_pred queries = "
        relevant = assertions.same_size(relevant, tf.shape(relevant)[0], batch, text, checks)
    checks.append(assertions.assert_no_duplicate_ids(tf.sort(relevant, axis=1)))
    n_excluded = tf.zeros(tf.shape(relevant)[:1])
    if exclude is not None:
        exclude, bad_exclusion = _rows(_id_matrix(exclude, "exclude", checks), lookup, n_candidates, "exclude", checks)
        text = "exclude and y_pred must hold the same number of queries; got exclude, y_pred queries = "
        exclude = assertions.same_size(exclude, tf.shape(exclude)[0], tf.shape(relevant)[0], text, checks)
        bad |= bad_exclusion
        seen = tf.reduce_any(tf.equal(relevant[:, :, None], exclude[:, None, :]), axis=2)
        relevant = tf.where(seen, -1, relevant)  # an excluded candidate is no longer relevant
        n_excluded = _n_distinct(exclude)
    return Labels(relevant, exclude, n_excluded, bad, tuple(checks))
