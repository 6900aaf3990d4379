"""Engine shared by the functions and the Keras classes.

A *plan* is a tuple of requests ``(metric, ks, options)``, one per metric, all served
by one ranking of the batch (`tfrank.engine.ranking.rank` at the largest k, or the whole list
when R-precision, ARP or OPA is among them). `compute` returns every request's per-list
values side by side, ``[B, C]`` with one column per log name, and which lists count ``[B, C]``.
"""

import tensorflow as tf

from tfrank.engine import assertions, definitions, diversity, inputs, positions, ranking, validation, weights
from tfrank.engine.definitions import FUNCTION_OPTIONS, NUMBER_OPTIONS

# Every definition: the base ones, ARP and OPA (positions), alpha-DCG and Precision-IA (diversity).
DEFINITIONS = {**definitions.DEFINITIONS, **positions.DEFINITIONS, **diversity.DEFINITIONS}
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
        elif name in NUMBER_OPTIONS:
            options[name] = validation.check_unit_interval(name, value)
        else:
            validation.check_choice(name, value, choices)
    requests = []
    for metric in metrics:
        if ties not in DEFINITIONS[metric].ties:
            raise validation.unsupported_ties(metric, ties, DEFINITIONS[metric].ties)
        taken = {name: value for name, value in options.items() if name in DEFINITIONS[metric].options}
        requests.append((metric, ks if DEFINITIONS[metric].cutoff else (None,), taken))
    return tuple(requests)


def log_names(requests):
    """The log name of every column: ``precision_at_5``, ..., ``r_precision``."""
    return [metric if k is None else f"{metric}_at_{k}" for metric, ks, _ in requests for k in ks]


def compute(requests, y_true, y_pred, *, mask=None, label_format=None, empty="skip", ties="first", item_weights=None):
    """Per-list values ``[B, C]`` float32 (C = len(log_names(requests))) and which lists count ``[B, C]``.

    ``item_weights``: optional per-item weights ``[B, N]`` (`tfrank.engine.weights`).
    """
    values, countable, _, _ = _compute(requests, y_true, y_pred, mask, label_format, empty, ties, item_weights)
    return values, countable


def per_list(requests, y_true, y_pred, *, as_dict, mask=None, label_format=None, empty="skip", ties="first",
             sample_weight=None):
    """What `tfrank.ops` returns: per-list values ``[B]`` (a dict of them by log name when
    ``as_dict``), NaN where a list does not count. ``sample_weight``: per item only."""
    item_weights, checks = None, ()
    if sample_weight is not None:
        _, item_weights, checks = inputs.split_weights(sample_weight, tf.convert_to_tensor(y_pred))
        if item_weights is None:
            valid = "per-item weights of the shape of y_pred [batch, items] (per-list weights weigh a mean: "
            raise validation.invalid("sample_weight", sample_weight, valid + "use the Keras metric)")
    with tf.control_dependencies(checks):
        values, countable = compute(requests, y_true, y_pred, mask=mask, label_format=label_format, empty=empty,
                                    ties=ties, item_weights=item_weights)
    values = tf.where(countable, values, tf.constant(float("nan")))
    names = log_names(requests)
    if as_dict:
        return dict(zip(names, tf.unstack(values, num=len(names), axis=1)))
    return values[:, 0]


def _compute(requests, y_true, y_pred, mask, label_format, empty, ties, item_weights):
    """``(values, countable, lists, masses)``: `compute`'s two, the `Lists`, and the
    columns' masses ``[B, C]`` under ``average="micro"`` (None elsewhere)."""
    if diversity.given(y_true):  # subtopic labels [B, N, S]
        diversity.check_metrics(requests, y_true)
        lists = diversity.normalize(y_true, y_pred, mask=mask, label_format=label_format, item_weights=item_weights)
    else:
        lists = inputs.normalize(y_true, y_pred, mask=mask, label_format=label_format, item_weights=item_weights)
    cutoffs = [k for _, ks, _ in requests for k in ks]
    depth = None if None in cutoffs else max(cutoffs)  # None: rank the whole list
    ranked = ranking.rank(lists, depth, ties=ties, gains=gain_kinds(requests))
    values, countable, masses = _evaluate(requests, ranked, empty)
    return values, countable, lists, masses


def gain_kinds(requests):
    """The gains the tie groups need: the two named ones and every function given as ``gain``."""
    functions = tuple({options["gain"] for _, _, options in requests if callable(options.get("gain"))})
    return ranking.GAINS + functions


def evaluate(requests, ranked, empty):
    """Per-list values ``[B, C]`` and which lists count ``[B, C]``, from any producer of a `Ranked` view."""
    values, countable, _ = _evaluate(requests, ranked, empty)
    return values, countable


def _evaluate(requests, ranked, empty):
    columns, masses, has = [], [], []
    default = ranked.lists.n_relevant > 0.0
    for metric, ks, options in requests:
        definition = DEFINITIONS[metric]
        out = definition.fn(ranked, ks, **options)
        values, mass = out if isinstance(out, tuple) else (out, None)
        columns.append(values)
        micro = mass is not None and options.get("average") == "micro"
        masses.extend([mass if micro else None] * len(ks))
        has.extend([default if definition.countable is None else definition.countable(ranked.lists)] * len(ks))
    values, countable = apply_empty(tf.cast(tf.concat(columns, axis=1), tf.float32), ranked.lists, empty,
                                    tf.stack(has, axis=1))
    return values, countable, (masses if any(m is not None for m in masses) else None)


def weighted(requests, y_true, y_pred, sample_weight, *, mask, label_format, empty, ties, empty_weight):
    """``(values, weights)``, both ``[B, C]``: per-list values and the weight of each in the
    mean (0 where a list does not count). ``sample_weight``: None, per list or per item."""
    per_list, per_item, checks = inputs.split_weights(sample_weight, y_pred)
    with tf.control_dependencies(checks):  # the weights' run-time checks come first
        values, countable, lists, masses = _compute(requests, y_true, y_pred, mask, label_format, empty, ties, per_item)
    return weigh(requests, values, countable, lists, per_list, empty_weight, masses)


def weigh(requests, values, countable, lists, per_list, empty_weight, masses=None):
    """``(values, weights)`` ``[B, C]`` of `weighted`, for any producer of the values and `Lists`.

    ``masses``: per column, None or the ``[B]`` mass that replaces a list's weight under
    ``average="micro"`` (times its per-list weight; 0 for a list with nothing to count).
    """
    column = weights.column_weights(requests, lists, per_list, empty_weight)
    if masses is not None:
        scale = 1.0 if per_list is None else per_list
        column = tf.stack([column[:, c] if m is None else m * scale for c, m in enumerate(masses)], axis=1)
    # A list of weight 0 is left out, even a NaN one (as a budget metric's example of
    # weight 0); a NaN weight counts, so it poisons the result.
    counted = countable & tf.not_equal(column, 0.0)
    # where(), not a product: a skipped list's NaN must not leak into the sum.
    return tf.where(counted, values, 0.0), tf.where(counted, column, 0.0)


def apply_empty(values, lists, empty, has=None):
    """Applies the empty-list policy and NaN poisoning; returns (values, countable ``[B, C]``).

    ``has`` ``[B, C]``: which lists each column can score (default: those with a relevant item).
    """
    has = tf.broadcast_to((lists.n_relevant > 0.0)[:, None], tf.shape(values)) if has is None else has
    checks = list(lists.checks)
    poisoned = lists.poisoned[:, None]
    if empty == "error":
        # A NaN list is NaN whatever its labels (the reference checks NaN first, too).
        scorable = tf.reduce_all(has | poisoned, axis=1)
        checks.append(assertions.assert_no_empty_list(tf.cast(scorable, tf.float32)))
    if empty in ("zero", "one"):
        fill = 0.0 if empty == "zero" else 1.0
        values = tf.where(has, values, fill)
        countable = tf.ones_like(has)
    else:
        countable = has
    if empty == "error":
        poisoned = poisoned | ~has  # XLA drops assertions: poison instead of a silent number
    values = tf.where(poisoned, tf.constant(float("nan")), values)
    countable |= poisoned
    with tf.control_dependencies(checks):
        return tf.identity(values), tf.identity(countable)
