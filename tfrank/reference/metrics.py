"""Per-list ranking metrics in plain NumPy: the oracle the TensorFlow metrics are tested against.

Every function takes ``y_true`` (dense labels, relevant-item ids or class ids; see
``tfrank/reference/_inputs.py``), ``y_pred`` scores ``[B, N]`` and a cutoff ``k`` (an int,
or a list of ints for a dict of results keyed ``"{metric}_at_{k}"``), and returns the
float64 value of each list, ``[B]``. Reduce over lists with :func:`weighted_mean`.

Shared policies:

* ``empty``: a list with no relevant valid item (n_rel == 0) gets NaN with ``"skip"``
  (left out of the mean, as trec_eval does), 0.0 with ``"zero"``, 1.0 with ``"one"``,
  and raises ValueError with ``"error"``.
* ``ties``: ``"first"`` (equal scores keep index order) or ``"expected"`` (mean over
  every ordering of tied items, McSherry & Najork, ECIR 2008; see ``_ranking.py``).
* NaN scores: a list where any valid item's score is NaN gets NaN, whatever ``empty``
  says (the NaN check comes first, so ``empty="error"`` does not raise for such a list).

Example (hand-checked: list 0 ranks items 1, 0, 2 and item 1 is relevant, so P@2 = 1/2;
list 1 has no relevant item, so it is skipped):

>>> import numpy as np
>>> precision_at_k([[0, 1, 0], [0, 0, 0]], [[0.5, 0.9, 0.1], [0.2, 0.1, 0.3]], 2, label_format="dense")
array([0.5, nan])
>>> precision_at_k([[1], [2]], [[0.5, 0.9, 0.1], [0.2, 0.1, 0.3]], [1, 3])
{'precision_at_1': array([1., 1.]), 'precision_at_3': array([0.33333333, 0.33333333])}
"""

import functools

import numpy as np

from tfrank.reference import _formulas, _inputs, _ranking, _weighted


_NO_CUTOFF = object()  # r_precision's k: the cutoff is each list's own n_rel


def _evaluate(name, formula, y_true, y_pred, k, *, mask, label_format, empty, ties,
              sample_weight=None, weighted=None):
    """Applies ``formula(ranked_labels, k)`` to every list; the shared plumbing of every metric.

    With per-item ``sample_weight`` ``[B, N]``, items of weight 0 drop out, and metrics
    that weigh items inside a list use ``weighted(labels, weights, all_labels,
    all_weights, k)`` instead (see ``_weighted.py``).
    """
    _inputs.check_option("empty", empty, _inputs.EMPTY_POLICIES)
    _inputs.check_option("ties", ties, _inputs.TIES)
    ks, as_dict = ([None], False) if k is _NO_CUTOFF else _inputs.check_k(k)
    lists = _inputs.normalise(y_true, y_pred, mask=mask, label_format=label_format, weights=sample_weight)
    if sample_weight is not None and weighted is not None and ties == "expected":
        raise ValueError(f"sample_weight per item is not defined for {name} with ties='expected'")
    values = {kk: np.full(len(lists), np.nan) for kk in ks}
    for b, (scores, labels, *weights) in enumerate(lists):
        if np.isnan(scores).any():
            continue  # NaN scores: the list's value stays NaN
        if not (labels > 0).any():
            if empty == "error":
                raise ValueError(f"list {b} has no relevant item and empty='error'; "
                                 f"use empty='skip', 'zero' or 'one' to allow such lists")
            for kk in ks:
                values[kk][b] = {"skip": np.nan, "zero": 0.0, "one": 1.0}[empty]
            continue
        if weights and weighted is not None:
            ranked_labels, ranked_weights = _weighted.ranked(scores, labels, weights[0])
            for kk in ks:
                values[kk][b] = weighted(ranked_labels, ranked_weights, list(labels), list(weights[0]), kk)
            continue
        orderings = _ranking.ranked_labels(scores, labels, ties)
        for kk in ks:
            values[kk][b] = np.mean([formula(list(ranked), kk) for ranked in orderings])
    if not as_dict:
        return values[ks[0]]
    return {f"{name}_at_{kk}": values[kk] for kk in ks}


def _check_functions(gain, discount):
    """gain / discount: a named choice or any function (the reference needs no registration)."""
    if not callable(gain):
        _inputs.check_option("gain", gain, ("exponential", "linear"))
    if not callable(discount):
        _inputs.check_option("discount", discount, ("log2", "reciprocal"))


def precision_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, denominator="k",
                   empty="skip", ties="first"):
    """Precision@k per list: hits@k / k (trec_eval ``P_k``; k even when fewer items).

    ``denominator="min_k_n"`` divides by min(k, number of valid items) instead
    (tf-ranking / keras-rs).
    """
    _inputs.check_option("denominator", denominator, ("k", "min_k_n"))
    formula = functools.partial(_formulas.precision, denominator=denominator)
    return _evaluate("precision", formula, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def recall_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """Recall@k per list: hits@k / n_rel (trec_eval ``recall_k``)."""
    return _evaluate("recall", _formulas.recall, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def f1_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """F1@k per list: 2PR / (P + R) with P = hits@k / k and R = hits@k / n_rel; 0 when both are 0."""
    return _evaluate("f1", _formulas.f1, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def hit_rate_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """HitRate@k per list: 1 if a relevant item is in the top k, else 0 (trec_eval ``success_k``)."""
    return _evaluate("hit_rate", _formulas.hit_rate, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def mrr_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """Reciprocal rank@k per list: 1 / rank of the first relevant item within the top k, else 0.

    trec_eval ``recip_rank`` is the uncut value, i.e. this with k >= N.
    """
    return _evaluate("mrr", _formulas.reciprocal_rank, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def map_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, normalizer="n_rel",
             empty="skip", ties="first"):
    """Average precision@k per list: sum of P@i over relevant positions i <= k, normalised.

    ``normalizer="n_rel"`` (trec_eval ``map_cut_k``), ``"min_k_n_rel"`` or ``"hits"``
    (0 when no hit).
    """
    _inputs.check_option("normalizer", normalizer, ("n_rel", "min_k_n_rel", "hits"))
    formula = functools.partial(_formulas.average_precision, normalizer=normalizer)
    weighted = functools.partial(_weighted.average_precision, normalizer=normalizer)
    return _evaluate("map", formula, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight, weighted=weighted)


def ndcg_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, gain="exponential", discount="log2",
              empty="skip", ties="first"):
    """NDCG@k per list: DCG@k / ideal DCG@k (Järvelin & Kekäläinen, 2002).

    DCG@k = sum_{i <= k} g(rel_i) * discount(i), g = 2^rel - 1 (``"exponential"``), rel
    (``"linear"``, trec_eval ``ndcg_cut_k``) or a function of rel (relevant items only);
    discount(i) = 1 / log2(i + 1) (``"log2"``), 1 / i (``"reciprocal"``) or a function of
    the 1-based rank. The ideal ranking sorts the list's valid labels descending. Ids and
    class ids give rel = 1.
    """
    _check_functions(gain, discount)
    formula = functools.partial(_formulas.ndcg, gain=gain, discount=discount)
    return _evaluate("ndcg", formula, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight, weighted=functools.partial(_weighted.ndcg, gain=gain, discount=discount))


def dcg_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, gain="exponential", discount="log2",
             empty="skip", ties="first"):
    """DCG@k per list (not normalised), as in :func:`ndcg_at_k`; ``empty`` applies when n_rel == 0."""
    _check_functions(gain, discount)
    formula = functools.partial(_formulas.dcg, gain=gain, discount=discount)
    return _evaluate("dcg", formula, y_true, y_pred, k, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight, weighted=functools.partial(_weighted.dcg, gain=gain, discount=discount))


def r_precision(y_true, y_pred, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """R-precision per list: hits@R / R with R = n_rel (trec_eval ``Rprec``)."""
    return _evaluate("r_precision", _formulas.r_precision, y_true, y_pred, _NO_CUTOFF, mask=mask,
                     label_format=label_format, empty=empty, ties=ties,
                     sample_weight=sample_weight)


def list_weights(y_true, y_pred, sample_weight, *, mask=None, label_format=None, gain=None,
                 empty_weight="own"):
    """Weight ``[B]`` of each list in the mean over lists, for per-list or per-item ``sample_weight``.

    Per-item weights ``[B, N]``: the weighted mean of the relevant items' weights, each
    weighing its gain for DCG and NDCG (pass their ``gain``; None for the other metrics),
    and the empty-list rule ``empty_weight`` (see ``_weighted.py``). Per-list weights
    ``[B]``: themselves with ``"own"``; with ``"batch_mean"`` a list with no relevant item
    weighs the mean weight of the lists that have one (0 if it has no valid item).
    """
    _inputs.check_option("empty_weight", empty_weight, ("own", "batch_mean"))
    scores = np.asarray(y_pred, dtype=np.float64)
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != scores.shape:
        weights = weights.reshape(-1)
        if empty_weight == "own":
            return weights
        weights = np.repeat(weights[:, None], scores.shape[1], axis=1)
    lists = _inputs.normalise(y_true, scores, mask=mask, label_format=label_format, weights=weights)
    pairs = [(list(labels), list(item_weights)) for _, labels, item_weights in lists]
    return _weighted.batch_list_weights(pairs, gain, empty_weight)


def weighted_mean(values, sample_weight=None):
    """Weighted mean over lists of per-list values, ignoring NaN entries.

    Returns sum(w * v) / sum(w) over the lists whose value is not NaN, and 0.0 when no
    list remains (or their weights sum to 0): "a metric that has seen no countable list
    reports 0.0". NaN marks both lists skipped by ``empty="skip"`` and lists with NaN
    scores; this function cannot tell them apart and drops both, so a NaN score does
    *not* propagate to the mean here.

    ``values`` may also be the dict a list ``k`` returns; the result is then a dict of means.
    ``sample_weight`` is ``[B]``, ``[B, 1]`` or None (every list weighs 1).
    """
    if isinstance(values, dict):
        return {key: weighted_mean(value, sample_weight) for key, value in values.items()}
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be per-list values of shape [B], got shape {values.shape}")
    if sample_weight is None:
        weights = np.ones_like(values)
    else:
        weights = np.asarray(sample_weight, dtype=np.float64)
        if weights.ndim == 2 and weights.shape[1] == 1:
            weights = weights[:, 0]
        if weights.shape != values.shape:
            raise ValueError(f"sample_weight must have shape [B] or [B, 1] with B={values.shape[0]}, "
                             f"got shape {weights.shape}")
    keep = ~np.isnan(values)
    total = float(np.sum(weights[keep]))
    if total == 0.0:
        return 0.0
    return float(np.sum(weights[keep] * values[keep]) / total)


def stderr(values, sample_weight=None):
    """Standard error of :func:`weighted_mean`: the linearised standard error of a weighted mean.

    Over the lists that count (value not NaN, weight > 0), n of them, with weights w_i,
    values x_i and m = sum(w x) / sum(w)::

        SE = sqrt(n / (n - 1) * sum(w^2 (x - m)^2)) / sum(w)

    (the delta-method variance of a ratio of sums: Cochran's ratio estimator, *Sampling
    Techniques*, 1977, ch. 6, with n - 1 in the sample variance). Unit weights give
    s / sqrt(n), ``scipy.stats.sem``. NaN when fewer than two lists count. Like
    :func:`weighted_mean`, this drops NaN values, so a NaN score does not propagate here.

    ``values`` may also be the dict a list ``k`` returns; the result is then a dict keyed
    ``"{name}_stderr"``.

    >>> round(stderr([1.0, 0.0, 1.0]), 4)  # s = sqrt(1/3), over sqrt(3)
    0.3333
    >>> stderr([0.5, float("nan")])  # one list counts
    nan
    """
    if isinstance(values, dict):
        return {f"{key}_stderr": stderr(value, sample_weight) for key, value in values.items()}
    x = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.ones_like(x) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w.shape != x.shape:
        raise ValueError(f"sample_weight must have one weight per list ({x.shape[0]}), got shape {w.shape}")
    kept = [(wi, xi) for wi, xi in zip(w, x) if not np.isnan(xi) and wi > 0]
    n = len(kept)
    if n < 2:
        return float("nan")
    total = sum(wi for wi, _ in kept)
    mean = sum(wi * xi for wi, xi in kept) / total
    squares = sum((wi * (xi - mean)) ** 2 for wi, xi in kept)
    return float(np.sqrt(n / (n - 1) * squares) / total)
