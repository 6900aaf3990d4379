"""Pairwise ranking losses: pure functions, per-list values ``[B]`` float32.

Every pair ``(i, j)`` of valid items with ``y_i > y_j`` adds ``w_i · λ_ij · f(s_i - s_j)``
(s: logits / temperature; w: per-item weight, 1 without; λ: a lambda weight of
`tfrank.losses.lambdas`, 1 without), and the list's sum is divided by ``normalizer``: its
valid items (``"valid"``, default), the padded list size N (``"list_size"``: TF-Ranking's
and keras-rs' Keras losses, whose mean runs over ``[B, N]``) or nothing (``"none"``:
TF-Ranking's ``reduction=SUM``). The four losses differ in f: logistic
``log(1 + e^{-x})``, hinge ``max(0, 1 - x)``, soft zero-one ``σ(-x)``, and the pairwise
MSE, which squares ``(s_i - s_j) - (y_i - y_j)`` over every pair ``i ≠ j``.

Memory: dense labels make every pair, ``[B, N, N]``. Ids make ``[B, R, N]``: each relevant
item against every valid item, less the ``[B, R, R]`` pairs of two relevant items. The
pairwise MSE without a lambda weight needs no pairs at all: over a list,
``Σ_{i≠j} w_i (a_i - a_j)² = Σ_i w_i (n d_i² + Σ_j d_j²)`` with ``a = s - y`` and
``d = a - mean(a)`` over the n valid items, ``O(B · N)`` for both label forms.
A list with no relevant item gives 0, except for the pairwise MSE (its pairs of equal
labels still count).
"""

import tensorflow as tf

from tfrank.engine import validation
from tfrank.losses import _common, lambdas
from tfrank.losses._common import expand, gather, sum_valid


def _logistic(delta):
    return tf.nn.softplus(-delta)


def _hinge(delta):
    return tf.nn.relu(1.0 - delta)


def _soft_zero_one(delta):
    return tf.sigmoid(-delta)


def _setup(y_true, y_pred, mask, label_format, sample_weight, lambda_weight, temperature, normalizer, loss):
    _common.check_normalizer(normalizer)
    temperature = validation.check_temperature(temperature)
    lambda_weight = lambdas.check(lambda_weight, loss, lambdas.PAIR_WEIGHTS)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    n = _common.list_size(p, normalizer)
    if lambda_weight is None:
        return p, n, None, None, None
    ranks = _common.ranks(p)
    labels = p.lists.labels
    context = lambda_weight.context(labels, None if p.ids is None else p.ids, n)
    return p, n, lambda_weight, ranks, context


def _pair_loss(f, y_true, y_pred, mask, label_format, sample_weight, lambda_weight, temperature, normalizer, loss):
    p, n, lw, ranks, context = _setup(y_true, y_pred, mask, label_format, sample_weight, lambda_weight,
                                      temperature, normalizer, loss)
    logits, weights = p.logits, p.item_weights
    if p.ids is None:
        labels = p.lists.labels
        pairs = labels[:, :, None] > labels[:, None, :]  # [B, N, N]: item i above item j
        if p.valid is not None:
            pairs &= _common.pair_valid(p.valid)
        values = f(logits[:, :, None] - logits[:, None, :])
        if weights is not None:
            values *= weights[:, :, None]
        if lw is not None:
            values *= lw._pairs(labels[:, :, None], ranks[:, :, None], labels[:, None, :], ranks[:, None, :], context)
        total = tf.reduce_sum(tf.where(pairs, values, 0.0), axis=[1, 2])
        return _common.finish(tf.math.divide_no_nan(total, n), p)
    relevant = p.ids >= 0
    top = gather(logits, p.ids)  # [B, R]
    # Each relevant item against every valid item taken as non-relevant, then less the pairs
    # of two relevant items (the pair of an item with itself included), weighed the same way.
    against_all = f(top[:, :, None] - logits[:, None, :])  # [B, R, N]
    among = f(top[:, :, None] - top[:, None, :])  # [B, R, R]
    if lw is not None:
        top_ranks = gather(ranks, p.ids)
        ones, zeros = tf.ones_like(top)[:, :, None], tf.zeros_like(logits)[:, None, :]
        against_all *= lw._pairs(ones, top_ranks[:, :, None], zeros, ranks[:, None, :], context)
        among *= lw._pairs(ones, top_ranks[:, :, None], tf.zeros_like(top)[:, None, :], top_ranks[:, None, :], context)
    among = tf.reduce_sum(tf.where(relevant[:, :, None] & relevant[:, None, :], among, 0.0), axis=2)
    per_relevant = sum_valid(against_all, expand(p.valid)) - among
    if weights is not None:
        per_relevant *= gather(weights, p.ids)
    total = tf.reduce_sum(tf.where(relevant, per_relevant, 0.0), axis=1)
    return _common.finish(tf.math.divide_no_nan(total, n), p)


def pairwise_logistic_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                           lambda_weight=None, temperature=1.0, normalizer="valid"):
    """Pairwise logistic loss (RankNet; TF-Ranking's and keras-rs' ``PairwiseLogisticLoss``).

    ``Σ_{i,j valid, y_i > y_j} w_i λ_ij log(1 + exp(-(s_i - s_j))) / n`` (module docstring).
    """
    return _pair_loss(_logistic, y_true, y_pred, mask, label_format, sample_weight, lambda_weight,
                      temperature, normalizer, "pairwise_logistic_loss")


def pairwise_hinge_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                        lambda_weight=None, temperature=1.0, normalizer="valid"):
    """Pairwise hinge loss (TF-Ranking's ``PairwiseHingeLoss``; RankSVM's margin).

    ``Σ_{i,j valid, y_i > y_j} w_i λ_ij max(0, 1 - (s_i - s_j)) / n`` (module docstring).
    """
    return _pair_loss(_hinge, y_true, y_pred, mask, label_format, sample_weight, lambda_weight,
                      temperature, normalizer, "pairwise_hinge_loss")


def pairwise_soft_zero_one_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                                lambda_weight=None, temperature=1.0, normalizer="valid"):
    """Pairwise soft zero-one loss (TF-Ranking's ``PairwiseSoftZeroOneLoss``): a smooth count
    of misordered pairs.

    ``Σ_{i,j valid, y_i > y_j} w_i λ_ij σ(-(s_i - s_j)) / n`` (module docstring).
    """
    return _pair_loss(_soft_zero_one, y_true, y_pred, mask, label_format, sample_weight, lambda_weight,
                      temperature, normalizer, "pairwise_soft_zero_one_loss")


def pairwise_mse_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                      lambda_weight=None, temperature=1.0, normalizer="valid"):
    """Pairwise mean squared error (TF-Ranking's ``PairwiseMSELoss``): score gaps against label gaps.

    ``Σ_{i≠j valid} w_i λ_ij ((s_i - s_j) - (y_i - y_j))² / n`` over every ordered pair, equal
    labels included (a lambda weight gives those 0). Without a lambda weight no pair is made
    (module docstring); with one, pairs as for the other pairwise losses.
    """
    p, n, lw, ranks, context = _setup(y_true, y_pred, mask, label_format, sample_weight, lambda_weight,
                                      temperature, normalizer, "pairwise_mse_loss")
    if lw is None:
        total = _mse_without_pairs(p)
    elif p.ids is None:
        labels, logits = p.lists.labels, p.logits
        gaps = (logits[:, :, None] - logits[:, None, :]) - (labels[:, :, None] - labels[:, None, :])
        values = tf.square(gaps) * lw._pairs(labels[:, :, None], ranks[:, :, None], labels[:, None, :],
                                             ranks[:, None, :], context)
        if p.item_weights is not None:
            values *= p.item_weights[:, :, None]
        values = values if p.valid is None else tf.where(_common.pair_valid(p.valid), values, 0.0)
        total = tf.reduce_sum(values, axis=[1, 2])  # i = j adds (0 - 0)^2 = 0
    else:
        total = _mse_ids_lambda(p, lw, ranks, context)
    return _common.finish(tf.math.divide_no_nan(total, n), p)


def _mse_without_pairs(p):
    lists, logits, weights = p.lists, p.logits, p.item_weights
    count = lists.n_valid
    if lists.ids is None:
        spread = logits - lists.labels  # a_i = s_i - y_i, 0 on excluded items
        mean = tf.math.divide_no_nan(sum_valid(spread, p.valid), count)
        centred = spread - mean[:, None]
        squares = sum_valid(tf.square(centred), p.valid)  # Σ_j d_j²
        if weights is None:
            return 2.0 * count * squares
        weighted = tf.reduce_sum(weights * tf.square(centred), axis=1)
    else:
        # a_i = s_i - 1 for a relevant item: d_i² = e_i² + (1 - 2 e_i) there, with e = s - mean(a).
        top = gather(logits, lists.ids)
        relevant = lists.ids >= 0
        mean = tf.math.divide_no_nan(sum_valid(logits, p.valid) - lists.n_relevant, count)
        centred = logits - mean[:, None]
        shift = tf.where(relevant, 1.0 - 2.0 * (top - mean[:, None]), 0.0)  # [B, R]
        squares = sum_valid(tf.square(centred), p.valid) + tf.reduce_sum(shift, axis=1)
        if weights is None:
            return 2.0 * count * squares
        weighted = tf.reduce_sum(weights * tf.square(centred), axis=1) + tf.reduce_sum(
            gather(weights, lists.ids) * shift, axis=1)
    return count * weighted + squares * tf.reduce_sum(weights, axis=1)


def _mse_ids_lambda(p, lw, ranks, context):
    """Ids with a lambda weight: only relevant / non-relevant pairs weigh (λ is 0 for equal
    labels), in both orders; the pair (r, j) and (j, r) share ``(s_r - s_j - 1)²`` and λ."""
    logits, ids = p.logits, p.ids
    relevant = ids >= 0
    top, top_ranks = gather(logits, ids), gather(ranks, ids)
    ones = tf.ones_like(top)[:, :, None]
    weights = p.item_weights
    row_w = tf.ones_like(top) if weights is None else gather(weights, ids)

    def block(other, other_ranks, other_w):
        lam = lw._pairs(ones, top_ranks[:, :, None], tf.zeros_like(other)[:, None, :], other_ranks[:, None, :], context)
        return tf.square(top[:, :, None] - other[:, None, :] - 1.0) * lam * (row_w[:, :, None] + other_w[:, None, :])

    all_w = tf.ones_like(logits) if weights is None else weights
    against_all = sum_valid(block(logits, ranks, all_w), expand(p.valid))
    among = tf.reduce_sum(tf.where(relevant[:, :, None] & relevant[:, None, :], block(top, top_ranks, row_w), 0.0), 2)
    return tf.reduce_sum(tf.where(relevant, against_all - among, 0.0), axis=1)
