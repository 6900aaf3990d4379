"""Engine shared by the functions and the Keras classes.

A *plan* is a tuple of requests ``(metric, ks, options)``, one per metric, all served
by one ranking of the batch (`tfrank.engine.ranking.rank` at the largest k, or the whole list
when R-precision is among them). `compute` returns every request's per-list values side
by side, ``[B, C]`` with one column per log name, and which lists count.
"""

import tensorflow as tf

from tfrank.engine import inputs, ranking, validation, weights
from tfrank.engine.definitions import DEFINITIONS, FUNCTION_OPTIONS

METRICS = tuple(DEFINITIONS)


def plan(metrics, ks, options, *, empty, ties, empty_weight="own"):
    """Checks metric names and options; returns the requests ``((metric, ks, options), ...)``.

    ``options`` are shared: each goes to every requested metric that takes it (``gain``
    to both ndcg and dcg). An option that no requested metric takes is an error. A
    function option given by its registered name comes back as the function.
    """
    options = dict(options)
    metrics = validation.check_metrics(metrics, METRICS)
    validation.check_choice("empty", empty, validation.EMPTY_POLICIES)
    validation.check_choice("ties", ties, validation.TIES)
    validation.check_choice("empty_weight", empty_weight, validation.EMPTY_WEIGHTS)
    if empty_weight == "batch_mean" and empty not in ("zero", "one"):
        valid = "'own' unless empty='zero' or 'one' (only then do lists with no relevant item count)"
        raise validation.invalid("empty_weight", empty_weight, valid)
    for name, value in options.items():
        owners = [m for m in metrics if name in DEFINITIONS[m].options]
        if not owners:
            every = [m for m in METRICS if name in DEFINITIONS[m].options]
            takes = sorted({o for m in metrics for o in DEFINITIONS[m].options})
            raise validation.no_such_option(name, metrics, takes, every)
        choices = DEFINITIONS[owners[0]].options[name]
        if name in FUNCTION_OPTIONS:
            options[name] = validation.check_function_option(name, value, choices)
        else:
            validation.check_choice(name, value, choices)
    requests = []
    for metric in metrics:
        taken = {name: value for name, value in options.items() if name in DEFINITIONS[metric].options}
        requests.append((metric, ks if DEFINITIONS[metric].cutoff else (None,), taken))
    return tuple(requests)


def log_names(requests):
    """The log name of every column: ``precision_at_5``, ..., ``r_precision``."""
    return [metric if k is None else f"{metric}_at_{k}" for metric, ks, _ in requests for k in ks]


def compute(requests, y_true, y_pred, *, mask=None, label_format=None, empty="skip", ties="first", item_weights=None):
    """Per-list values ``[B, C]`` float32 (C = len(log_names(requests))) and which lists count ``[B]``.

    ``item_weights``: optional per-item weights ``[B, N]`` (`tfrank.engine.weights`).
    """
    values, countable, _ = _compute(requests, y_true, y_pred, mask, label_format, empty, ties, item_weights)
    return values, countable


def _compute(requests, y_true, y_pred, mask, label_format, empty, ties, item_weights):
    lists = inputs.normalize(y_true, y_pred, mask=mask, label_format=label_format, item_weights=item_weights)
    cutoffs = [k for _, ks, _ in requests for k in ks]
    depth = None if None in cutoffs else max(cutoffs)  # None: rank the whole list
    ranked = ranking.rank(lists, depth, ties=ties, gains=gain_kinds(requests))
    values, countable = evaluate(requests, ranked, empty)
    return values, countable, lists


def gain_kinds(requests):
    """The gains the tie groups need: the two named ones and every function given as ``gain``."""
    functions = tuple({options["gain"] for _, _, options in requests if callable(options.get("gain"))})
    return ranking.GAINS + functions


def evaluate(requests, ranked, empty):
    """Per-list values ``[B, C]`` and which lists count, from any producer of a `Ranked` view."""
    columns = [DEFINITIONS[metric].fn(ranked, ks, **options) for metric, ks, options in requests]
    return apply_empty(tf.cast(tf.concat(columns, axis=1), tf.float32), ranked.lists, empty)


def weighted(requests, y_true, y_pred, sample_weight, *, mask, label_format, empty, ties, empty_weight):
    """``(values, weights)``, both ``[B, C]``: per-list values and the weight of each in the
    mean (0 where a list does not count). ``sample_weight``: None, per list or per item."""
    per_list, per_item, checks = inputs.split_weights(sample_weight, y_pred)
    with tf.control_dependencies(checks):  # the weights' run-time checks come first
        values, countable, lists = _compute(requests, y_true, y_pred, mask, label_format, empty, ties, per_item)
    return weigh(requests, values, countable, lists, per_list, empty_weight)


def weigh(requests, values, countable, lists, per_list, empty_weight):
    """``(values, weights)`` ``[B, C]`` of `weighted`, for any producer of the values and `Lists`."""
    column = weights.column_weights(requests, lists, per_list, empty_weight)
    # A list of weight 0 is left out, even a NaN one (as a budget metric's example of
    # weight 0); a NaN weight counts, so it poisons the result.
    counted = countable[:, None] & tf.not_equal(column, 0.0)
    # where(), not a product: a skipped list's NaN must not leak into the sum.
    return tf.where(counted, values, 0.0), tf.where(counted, column, 0.0)


def apply_empty(values, lists, empty):
    """Applies the empty-list policy and NaN poisoning; returns (values, countable [B])."""
    has_relevant = lists.n_relevant > 0.0
    checks = list(lists.checks)
    if empty == "error":
        # A NaN list is NaN whatever its labels (the reference checks NaN first, too).
        checks.append(validation.assert_no_empty_list(tf.where(lists.poisoned, 1.0, lists.n_relevant)))
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
