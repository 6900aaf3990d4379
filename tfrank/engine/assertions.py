"""Run-time checks: ``tf.debugging`` assertions for values only known when a graph runs.

The static checks and every message's shape live in `tfrank.engine.validation`; these
carry the same kind of message (``..., got y_true, y_pred lists = 1, 2``). Eagerly a
failed check is a plain ValueError. Under XLA TensorFlow drops Assert ops, so the
callers also poison the affected lists or results to NaN: a broken input never turns
into a silent number.
"""

import tensorflow as tf


def _assert(ok, text, *values, name):
    """Eagerly: a plain ValueError. In a graph: an Assert op carrying the same text.

    Under XLA TensorFlow drops Assert ops; the callers also poison the affected lists
    to NaN so that a broken input never turns into a silent number.
    """
    if tf.executing_eagerly():
        if not bool(ok):
            shown = ", ".join(str(v.numpy() if hasattr(v, "numpy") else v) for v in values)
            raise ValueError(f"{text}{shown}")
        return tf.no_op()
    return tf.debugging.Assert(ok, [text, *values], name=name)


def _first(flags):
    """Index of the first True in ``flags`` [B], or B when there is none (safe on an empty batch)."""
    return tf.argmax(tf.concat([tf.cast(flags, tf.int32), [1]], axis=0), output_type=tf.int32)


def assert_ids_in_range(ids, n_items, out_of_range=None, arg="y_true",
                        items="item ids in [0, N) or -1 for padding, where N = y_pred.shape[1]"):
    """Ids must lie in [0, N) or be the -1 padding. tf.gather on GPU would return 0 instead of failing.

    ``out_of_range``: ``[B]`` True where a list holds an id outside that range, when the
    caller has it already (one pass instead of two); computed here otherwise.
    """
    if out_of_range is None:
        ok = tf.reduce_all((ids >= -1) & (ids < tf.cast(n_items, ids.dtype)))
    else:
        ok = ~tf.reduce_any(out_of_range)
    text = f"{arg} must hold {items}; got N, min id, max id = "
    return _assert(ok, text, n_items, tf.reduce_min(ids), tf.reduce_max(ids), name="tfrank_check_ids")


def assert_no_duplicate_ids(sorted_ids):
    """``sorted_ids``: each list's ids in ascending or descending order."""
    dup = tf.reduce_any((sorted_ids[:, 1:] == sorted_ids[:, :-1]) & (sorted_ids[:, 1:] >= 0), axis=1)
    text = "y_true ids must not repeat within a list; got a repeated id in list "
    return _assert(~tf.reduce_any(dup), text, _first(dup), name="tfrank_check_duplicates")


def assert_integral(values, arg):
    ok = tf.reduce_all(tf.equal(values, tf.round(values)))
    text = f"{arg} holds class ids and must be whole numbers; got a fractional value, e.g. max = "
    return _assert(ok, text, tf.reduce_max(values), name="tfrank_check_integral")


def assert_binary(labels, arg, binary=None):
    """Every label 0 or 1 (``binary``: the caller's ``(labels == 0) | (labels == 1)``, if it has it)."""
    ok = tf.reduce_all((labels == 0.0) | (labels == 1.0) if binary is None else binary)
    text = f"{arg} must be binary (0 or 1) for a dataset-level metric; got min, max = "
    return _assert(ok, text, tf.reduce_min(labels), tf.reduce_max(labels), name="tfrank_check_binary")


def assert_non_negative(weights, arg):
    ok = tf.reduce_all(~(weights < 0.0))  # NaN weights pass here and poison the result instead
    text = f"{arg} must hold non-negative weights; got min = "
    return _assert(ok, text, tf.reduce_min(weights), name="tfrank_check_weights")


def assert_no_empty_list(n_relevant):
    text = "empty='error' and a list has no relevant item; first such list: "
    return _assert(tf.reduce_all(n_relevant > 0), text, _first(n_relevant <= 0), name="tfrank_check_empty")


def same_size(tensor, size, expected, text, checks):
    """``tensor``, read only once ``size == expected`` (two int32 scalars, e.g. batch sizes
    only known at run time) has been checked; the check is appended to ``checks``.

    In a graph the ops run in any order their inputs allow: were ``tensor`` not gated on
    the check, an op that combines two mismatched tensors (a gather, a product) could fail
    first, with TF's own message instead of the check's.
    """
    check = _assert(tf.equal(size, expected), text, size, expected, name="tfrank_check_size")
    checks.append(check)
    if tf.executing_eagerly():  # the check has already raised or passed
        return tensor
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


def assert_at_most(size, bound, text):
    """``size <= bound`` for an int32 scalar known at run time (e.g. examples seen vs a capacity)."""
    return _assert(size <= bound, text, bound, size, name="tfrank_check_at_most")
