"""Functional metrics: pure TF, no state, per-list values.

Each function takes ``y_true, y_pred, k`` (Keras names) and keyword-only options and
returns the per-list values ``[B]`` (float32) for an int k, or a dict of them keyed by
log name (``{"precision_at_5": ..., "precision_at_10": ...}``) for a list of k.
Lists with no relevant item follow ``empty``: ``"skip"`` marks them NaN (left out of a
mean, as trec_eval does), ``"zero"``/``"one"`` give that value, ``"error"`` raises.
A list in which a valid item scores NaN gives NaN.
"""

import tensorflow as tf

from tfrank import inputs, ranking, validation

# === Per-list definitions on a Ranked batch: each returns [B, len(ks)] ===


def _precision(ranked, ks, *, denominator="k"):
    columns = []
    for k in ks:
        hits = ranked.hits_at(k)
        if denominator == "k":
            columns.append(hits / float(k))
        else:  # "min_k_n": tf-ranking / keras-rs
            columns.append(tf.math.divide_no_nan(hits, tf.minimum(float(k), ranked.lists.n_valid)))
    return tf.stack(columns, axis=1)


def _recall(ranked, ks):
    n_relevant = ranked.lists.n_relevant
    return tf.stack([tf.math.divide_no_nan(ranked.hits_at(k), n_relevant) for k in ks], axis=1)


# name: (per-list function, {option: valid values})
DEFINITIONS = {
    "precision": (_precision, {"denominator": ("k", "min_k_n")}),
    "recall": (_recall, {}),
}


# === Engine shared by the functions and the Keras classes ===


def check_options(base, options, empty, ties):
    """Validates option strings for metric ``base``; returns the options to pass on."""
    _, choices = DEFINITIONS[base]
    validation.check_choice("empty", empty, validation.EMPTY_POLICIES)
    validation.check_choice("ties", ties, validation.TIES)
    if ties == "expected":
        raise validation.invalid("ties", ties, "'first' (ties='expected' is not available yet in this version)")
    for name, value in options.items():
        if name not in choices:
            raise TypeError(f"{base} metrics take no option {name!r}; their options are {sorted(choices)}")
        validation.check_choice(name, value, choices[name])
    return options


def apply_empty(values, lists, empty):
    """Applies the empty-list policy and NaN poisoning; returns (values, countable [B])."""
    has_relevant = lists.n_relevant > 0.0
    checks = list(lists.checks)
    if empty == "error":
        checks.append(validation.assert_no_empty_list(lists.n_relevant))
    if empty in ("zero", "one"):
        fill = 0.0 if empty == "zero" else 1.0
        values = tf.where(has_relevant[:, None], values, fill)
        countable = tf.ones_like(has_relevant)
    else:
        countable = has_relevant
    poisoned = lists.poisoned
    if empty == "error":
        poisoned |= ~has_relevant  # XLA drops assertions: poison instead of a silent number
    values = tf.where(poisoned[:, None], tf.constant(float("nan")), values)
    countable |= poisoned
    with tf.control_dependencies(checks):
        return tf.identity(values), tf.identity(countable)


def compute(base, y_true, y_pred, ks, *, mask=None, label_format=None, empty="skip", options=None):
    """Per-list values ``[B, len(ks)]`` float32 and which lists count ``[B]`` bool."""
    lists = inputs.normalize(y_true, y_pred, mask=mask, label_format=label_format)
    ranked = ranking.rank(lists, max(ks))
    fn, _ = DEFINITIONS[base]
    values = tf.cast(fn(ranked, ks, **(options or {})), tf.float32)
    return apply_empty(values, lists, empty)


def log_names(base, ks):
    return [f"{base}_at_{k}" for k in ks]


def _public(base, y_true, y_pred, k, mask, label_format, empty, ties, **options):
    ks = validation.check_k(k)
    options = check_options(base, options, empty, ties)
    values, countable = compute(
        base, y_true, y_pred, ks, mask=mask, label_format=label_format, empty=empty, options=options
    )
    values = tf.where(countable[:, None], values, tf.constant(float("nan")))
    if isinstance(k, (list, tuple)):
        return dict(zip(log_names(base, ks), tf.unstack(values, num=len(ks), axis=1)))
    return values[:, 0]


# === Public functions ===


def precision_at_k(
    y_true, y_pred, k, *, mask=None, label_format=None, denominator="k", empty="skip", ties="first"
):
    """Per-list Precision@K: relevant items among the top K, divided by K.

    ``P@K = hits@K / K`` (trec_eval ``P_k``: the denominator stays K when a list has
    fewer than K items). ``denominator="min_k_n"`` divides by min(K, valid items)
    instead, as tf-ranking and keras-rs do. Relevant means label > 0.

    Args:
        y_true: dense labels ``[B, N]`` (negative = padding), relevant ids ``[B, R]``
            padded with -1 (or a RaggedTensor), class ids ``[B]``/``[B, 1]``, or a dict
            ``{"labels": ..., "mask": ...}``.
        y_pred: scores ``[B, N]``, higher ranks first.
        k: a positive int, or a list of them (then a dict of values is returned).
        mask: optional bool ``[B, N]``; False items are excluded like padding.
        label_format: None (resolve from dtype and shape), ``"dense"`` or ``"ids"``.
        denominator: ``"k"`` (default) or ``"min_k_n"``.
        empty: lists with no relevant item: ``"skip"`` (NaN), ``"zero"``, ``"one"``, ``"error"``.
        ties: ``"first"``: equal scores keep index order (``tf.math.top_k``'s order).

    Returns:
        ``[B]`` float32 per-list values, or a dict of them keyed by log name.

    Example:

    >>> import tfrank
    >>> y_true = [[1, 0, 0, 1], [0, 0, 1, 0]]
    >>> y_pred = [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]]
    >>> tfrank.ops.precision_at_k(y_true, y_pred, k=2, label_format="dense").numpy()
    array([0.5, 0.5], dtype=float32)
    """
    return _public("precision", y_true, y_pred, k, mask, label_format, empty, ties, denominator=denominator)


def recall_at_k(y_true, y_pred, k, *, mask=None, label_format=None, empty="skip", ties="first"):
    """Per-list Recall@K: share of a list's relevant items found in its top K.

    ``R@K = hits@K / n_rel`` (trec_eval ``recall_k``), where n_rel counts the list's
    relevant (label > 0), non-padding, unmasked items. Lists with n_rel = 0 follow
    ``empty`` (default ``"skip"``: NaN here, left out of the Keras metric's mean).

    Args:
        y_true, y_pred, k, mask, label_format, empty, ties: as in `precision_at_k`.

    Returns:
        ``[B]`` float32 per-list values, or a dict of them keyed by log name.

    Example:

    >>> import tfrank
    >>> relevant_ids = [[0, 3, -1], [2, -1, -1]]
    >>> y_pred = [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]]
    >>> tfrank.ops.recall_at_k(relevant_ids, y_pred, k=[1, 2])["recall_at_2"].numpy()
    array([0.5, 1. ], dtype=float32)
    """
    return _public("recall", y_true, y_pred, k, mask, label_format, empty, ties)
