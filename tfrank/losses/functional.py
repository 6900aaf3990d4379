"""Ranking losses as pure functions: per-list values ``[B]`` float32, no state, no reduction.

Every function takes ``y_true, y_pred`` in any label form the metrics accept (dense
binary or graded labels with negative padding, ids ``[B, R]`` padded with -1 or ragged,
class ids ``[B]``/``[B, 1]``, the ``{"labels", "mask"}`` dict), through the same input
normalisation (`tfrank.engine.inputs.normalize`), and the logits ``y_pred`` ``[B, N]``.
Padding and masked items leave the loss; float16/bfloat16 logits are computed in float32.
``sample_weight``: one weight per list (``[B]``, ``[B, 1]``: the value is multiplied by
it) or per item (``[B, N]``: each loss' own definition, TF-Ranking's; an item of weight 0
still takes part, as a negative, unless it is masked).

This module holds the cross-entropies and the pointwise losses; the pairwise losses are in
`tfrank.losses.pairwise`, the list-wise approximations in `tfrank.losses.listwise`.

Ids are never densified here: each loss reads the relevant logits with one gather, so
memory is ``[B, N]`` (the logits) plus ``[B, R]``, except the unique softmax, whose
definition compares every pair of labels (``[B, N, N]`` for dense labels, one ``[B, N]``
relevance mask for ids).

Graded labels (dense only), per loss: softmax targets are proportional to the label;
sigmoid targets are ``min(label, 1)``; the mean squared error compares the label itself.
A list without a relevant item gives 0 (no gradient) for softmax and unique softmax; the
sigmoid and mean squared losses still push its items towards 0. A list whose valid item
scores NaN gives NaN.
"""

import tensorflow as tf

from tfrank.engine import validation
from tfrank.losses import _common, lambdas
from tfrank.losses._common import LOWEST, gather, sum_valid

TARGETS = ("normalized", "unnormalized")


def softmax_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, lambda_weight=None,
                 temperature=1.0, targets="normalized"):
    """List-wise softmax cross-entropy (ListNet top-1; TF-Ranking's ``SoftmaxLoss``).

    ``X / T0`` with ``X = Σ_i t_i (logsumexp_j(s_j) − s_i)`` over the valid items, targets
    ``t_i = w_i · t0_i`` and ``t0_i = y_i`` (or ``G(y_i) D(r_i)`` with a `DCGLambdaWeight`);
    ``T0 = Σ_i t0_i`` for ``targets="normalized"`` (default: each list counts once,
    ``t0 / T0`` is a distribution), 1 for ``"unnormalized"`` (TF-Ranking: a list counts its
    label sum). For ids (binary relevance) ``t0`` is 1 on the relevant ids. A list with no
    relevant item gives 0.
    """
    validation.check_choice("targets", targets, TARGETS)
    temperature = validation.check_temperature(temperature)
    lambda_weight = lambdas.check(lambda_weight, "softmax_loss", (lambdas.DCGLambdaWeight,))
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    lists, logits = p.lists, p.logits
    # Excluded items sit at the lowest float: exp() makes them 0, and a list with no valid
    # item stays finite (its value is then dropped), so no NaN reaches the gradient.
    spread = logits if p.valid is None else tf.where(p.valid, logits, LOWEST)
    lse = tf.reduce_logsumexp(spread, axis=1)
    if lists.ids is None:
        base = lists.labels
        if lambda_weight is not None:
            context = lambda_weight.context(base, None, lists.n_valid)
            ranks = _common.ranks(p)[:, None, :]
            base = tf.squeeze(lambda_weight.individual_weights(base[:, None, :], ranks, context), 1)
        chosen = logits
        weighted = base if p.item_weights is None else base * p.item_weights
    else:
        base = tf.cast(lists.ids >= 0, tf.float32)
        if lambda_weight is not None:
            context = lambda_weight.context(None, lists.ids, lists.n_valid)
            top_ranks = gather(_common.ranks(p), lists.ids)
            base = tf.where(lists.ids >= 0, tf.squeeze(
                lambda_weight.individual_weights(base[:, None, :], top_ranks[:, None, :], context), 1), 0.0)
        chosen = gather(logits, lists.ids)
        weighted = base if p.item_weights is None else base * gather(p.item_weights, lists.ids)
    total = tf.reduce_sum(weighted * (lse[:, None] - chosen), axis=1)
    base_sum = tf.reduce_sum(base, axis=1)
    values = tf.math.divide_no_nan(total, base_sum) if targets == "normalized" else total
    return _common.finish(tf.where(base_sum > 0.0, values, 0.0), p)


def sigmoid_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, normalizer="valid"):
    """Sigmoid (binary) cross-entropy of each valid item, summed and divided by ``normalizer``.

    ``Σ_i w_i (softplus(s_i) − t_i s_i) / n`` with targets ``t_i = min(y_i, 1)`` and n the
    valid items (``"valid"``, default: Keras' ``BinaryCrossentropy(from_logits=True)`` over
    the valid items), the padded list size N (``"list_size"``, TF-Ranking's Keras loss) or 1
    (``"none"``). For ids, ``Σ_i t_i s_i`` is the sum of the gathered relevant logits. A
    list with no valid item gives 0.
    """
    _common.check_normalizer(normalizer)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight)
    lists, logits, weights = p.lists, p.logits, p.item_weights
    softplus = tf.nn.softplus(logits) if weights is None else weights * tf.nn.softplus(logits)
    total = sum_valid(softplus, p.valid)
    if lists.ids is None:
        targets = tf.minimum(lists.labels, 1.0) * (1.0 if weights is None else weights)
        total -= tf.reduce_sum(targets * logits, axis=1)
    else:
        top = gather(logits, lists.ids)
        total -= tf.reduce_sum(top if weights is None else top * gather(weights, lists.ids), axis=1)
    return _common.finish(tf.math.divide_no_nan(total, _common.list_size(p, normalizer)), p)


def mean_squared_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, normalizer="valid"):
    """Mean squared error of the scores against the labels (TF-Ranking's ``MeanSquaredLoss``).

    ``Σ_i w_i (y_i − s_i)² / n`` over the valid items, n as in `sigmoid_loss` (the raw
    scores, no temperature). For ids the labels are 1 on the relevant ids and 0 elsewhere:
    ``Σ_i w_i s_i² + Σ_{i relevant} w_i (1 − 2 s_i)``, with no ``[B, N]`` labels. A list
    with no valid item gives 0.
    """
    _common.check_normalizer(normalizer)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight)
    lists, scores, weights = p.lists, p.logits, p.item_weights
    if lists.ids is None:
        squares = tf.square(lists.labels - scores)
        total = sum_valid(squares if weights is None else weights * squares, p.valid)
    else:
        squares = tf.square(scores)
        total = sum_valid(squares if weights is None else weights * squares, p.valid)
        shift = 1.0 - 2.0 * gather(scores, lists.ids)
        shift = shift if weights is None else shift * gather(weights, lists.ids)
        total += tf.reduce_sum(tf.where(lists.ids >= 0, shift, 0.0), axis=1)
    return _common.finish(tf.math.divide_no_nan(total, _common.list_size(p, normalizer)), p)


def unique_softmax_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=1.0):
    """Unique-rating softmax (Zhu & Klabjan 2020; TF-Ranking's ``UniqueSoftmaxLoss``).

    ``Σ_i (2^{y_i} − 1) (log(e^{s_i} + Σ_{j valid, y_j < y_i} e^{s_j}) − s_i)``: each relevant
    item against the items of lower label only, weighted by its gain; times the list weight
    ``Σ_i w_i y_i / Σ_i y_i`` under item weights. Dense labels make ``[B, N, N]``; ids
    (gain 1 each) compare each relevant item with the non-relevant ones, ``[B, N]``. A list
    with no relevant item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    lists, logits = p.lists, p.logits
    valid = _common.valid_mask(p)
    if lists.ids is None:
        labels = lists.labels
        below = (labels[:, None, :] < labels[:, :, None]) & valid[:, None, :]  # [B, i, j]: y_j < y_i
        below |= tf.eye(tf.shape(labels)[1], batch_shape=[1], dtype=tf.bool)  # and j = i
        lse = tf.reduce_logsumexp(tf.where(below, logits[:, None, :], LOWEST), axis=2)
        gains = tf.pow(2.0, labels) - 1.0  # 0 on excluded items
        total = tf.reduce_sum(tf.where(labels > 0.0, gains * (lse - logits), 0.0), axis=1)
    else:
        relevant_items = _common.dense_labels(p) > 0.0
        others = tf.reduce_logsumexp(tf.where(valid & ~relevant_items, logits, LOWEST), axis=1)
        top = gather(logits, lists.ids)
        terms = tf.reduce_logsumexp(tf.stack([top, tf.broadcast_to(others[:, None], tf.shape(top))], 0), 0) - top
        total = tf.reduce_sum(tf.where(lists.ids >= 0, terms, 0.0), axis=1)
    weight = _common.relevant_mean_weight(p)
    return _common.finish(total if weight is None else total * weight, p)
