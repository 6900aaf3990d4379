"""Ranking losses as pure functions: per-list values ``[B]`` float32, no state, no reduction.

Every function takes ``y_true, y_pred`` in any label form the metrics accept (dense
binary or graded labels with negative padding, ids ``[B, R]`` padded with -1 or ragged,
class ids ``[B]``/``[B, 1]``, the ``{"labels", "mask"}`` dict), through the same input
normalisation (`tfrank.engine.inputs.normalize`), and the logits ``y_pred`` ``[B, N]``.
Padding and masked items leave the loss; float16/bfloat16 logits are computed in float32.

Ids are never densified: each loss reads the relevant logits with one gather, so memory
is ``[B, N]`` (the logits) plus ``[B, R]`` for the two cross-entropies and ``[B, R, N]``
for the pairwise and ApproxNDCG losses, against ``[B, N, N]`` for dense labels.

Graded labels (dense only), per loss: softmax targets are proportional to the label;
sigmoid targets are ``min(label, 1)``; pairwise pairs are ``y_i > y_j``; ApproxNDCG gains
are ``2**label - 1``. A list without a relevant item gives 0 (no gradient) for softmax,
pairwise and ApproxNDCG; the sigmoid loss still pushes its items down. A list whose
valid item scores NaN gives NaN.
"""

import tensorflow as tf

from tfrank.engine import inputs, validation

_LOWEST = tf.float32.min


# === Shared pieces ===


def _prepare(y_true, y_pred, mask, label_format):
    lists = inputs.normalize(y_true, y_pred, mask=mask, label_format=label_format)
    valid = lists.valid  # None for ids without a mask: nothing [B, N] is made for the labels
    logits = tf.cast(lists.scores, tf.float32)  # float16/bfloat16 already are; float64 too
    logits = logits if valid is None else tf.where(valid, logits, 0.0)
    return lists, valid, logits


def _finish(values, lists):
    """Poisons broken lists (NaN), and runs the input checks first."""
    values = tf.where(lists.poisoned, tf.constant(float("nan")), values)
    with tf.control_dependencies(lists.checks):
        return tf.identity(values)


def _gather(logits, ids):
    """``[B, R]`` logits of the relevant ids, 0 where the id is padding (-1)."""
    return tf.where(ids >= 0, tf.gather(logits, tf.maximum(ids, 0), batch_dims=1), 0.0)


def _sum_valid(values, valid):
    return tf.reduce_sum(values if valid is None else tf.where(valid, values, 0.0), axis=-1)


def _pair_valid(valid):
    return None if valid is None else valid[:, :, None] & valid[:, None, :]


# === Losses ===


def sigmoid_loss(y_true, y_pred, *, mask=None, label_format=None):
    """Sigmoid (binary) cross-entropy of each valid item, averaged over the list's valid items.

    ``(Σ_i softplus(s_i) − Σ_i t_i s_i) / n_valid`` with targets ``t_i = min(y_i, 1)``,
    i.e. Keras' ``BinaryCrossentropy(from_logits=True)`` over the valid items. For ids,
    ``Σ_i t_i s_i`` is the sum of the gathered relevant logits. A list with no valid item
    gives 0.
    """
    lists, valid, logits = _prepare(y_true, y_pred, mask, label_format)
    total = _sum_valid(tf.nn.softplus(logits), valid)
    if lists.ids is None:
        total -= tf.reduce_sum(tf.minimum(lists.labels, 1.0) * logits, axis=1)
    else:
        total -= tf.reduce_sum(_gather(logits, lists.ids), axis=1)
    return _finish(tf.math.divide_no_nan(total, lists.n_valid), lists)


def softmax_loss(y_true, y_pred, *, mask=None, label_format=None):
    """List-wise softmax cross-entropy (ListNet top-1; TF-Ranking's ``SoftmaxLoss``).

    ``logsumexp_i(s_i) − Σ_i t_i s_i`` over the valid items, targets ``t_i = y_i / Σ_j y_j``;
    for ids (binary relevance) ``logsumexp(s) − mean_relevant(s)``. A list with no
    relevant item gives 0.
    """
    lists, valid, logits = _prepare(y_true, y_pred, mask, label_format)
    has_relevant = lists.n_relevant > 0.0
    # Excluded items sit at the lowest float: exp() makes them 0, and a list with no valid
    # item stays finite (its value is then dropped), so no NaN reaches the gradient.
    spread = logits if valid is None else tf.where(valid, logits, _LOWEST)
    lse = tf.reduce_logsumexp(spread, axis=1)
    if lists.ids is None:
        targets = tf.math.divide_no_nan(lists.labels, tf.reduce_sum(lists.labels, axis=1, keepdims=True))
        target_logit = tf.reduce_sum(targets * logits, axis=1)
    else:
        target_logit = tf.math.divide_no_nan(tf.reduce_sum(_gather(logits, lists.ids), axis=1), lists.n_relevant)
    return _finish(tf.where(has_relevant, lse - target_logit, 0.0), lists)


def pairwise_logistic_loss(y_true, y_pred, *, mask=None, label_format=None):
    """Pairwise logistic loss (keras-rs ``PairwiseLogisticLoss``): pairs summed, / valid items.

    ``Σ_{i,j valid, y_i > y_j} log(1 + exp(−(s_i − s_j))) / n_valid``. keras-rs divides by the
    padded list size N (its mean over ``[B, N]``), so the two agree when nothing is padded
    or masked, and tfrank's value does not change with padding. Dense labels make every pair,
    ``[B, N, N]``. Ids (binary relevance) make ``[B, R, N]``: each relevant item against
    every valid item, minus the ``[B, R, R]`` pairs of two relevant items (the pair of an
    item with itself included). A list with no relevant item gives 0.
    """
    lists, valid, logits = _prepare(y_true, y_pred, mask, label_format)
    if lists.ids is None:
        labels = lists.labels
        better = labels[:, :, None] > labels[:, None, :]  # [B, N, N]: item i above item j
        pairs = better if valid is None else better & _pair_valid(valid)
        values = tf.nn.softplus(logits[:, None, :] - logits[:, :, None])
        total = tf.reduce_sum(tf.where(pairs, values, 0.0), axis=[1, 2])
        return _finish(tf.math.divide_no_nan(total, lists.n_valid), lists)
    relevant = lists.ids >= 0
    top = _gather(logits, lists.ids)  # [B, R]
    against_all = _sum_valid(tf.nn.softplus(logits[:, None, :] - top[:, :, None]), _expand(valid))
    among = tf.nn.softplus(top[:, None, :] - top[:, :, None])  # [B, R, R]
    among = tf.reduce_sum(tf.where(relevant[:, :, None] & relevant[:, None, :], among, 0.0), axis=2)
    total = tf.reduce_sum(tf.where(relevant, against_all - among, 0.0), axis=1)
    return _finish(tf.math.divide_no_nan(total, lists.n_valid), lists)


def approx_ndcg_loss(y_true, y_pred, *, mask=None, label_format=None, temperature=0.1):
    """ApproxNDCG (Qin, Liu & Li, 2010; TF-Ranking's ``ApproxNDCGLoss``): minus a smooth NDCG.

    Each item's rank is approximated by ``r_i = 1 + Σ_{j valid, j≠i} σ((s_j − s_i) / T)``
    (T = ``temperature``, TF-Ranking's default 0.1); the loss is
    ``−Σ_i (2**y_i − 1) / log2(1 + r_i) / IDCG`` with IDCG the DCG of the labels sorted, so
    it lies in [−1, 0]. Dense labels make ``[B, N, N]``; ids make ``[B, R, N]`` (gain 1 per
    relevant id, IDCG ``Σ_{r ≤ n_rel} 1 / log2(1 + r)``). A list with no relevant item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    lists, valid, logits = _prepare(y_true, y_pred, mask, label_format)
    if lists.ids is None:
        # σ(0) = 1/2 for j = i, so summing over every valid j and adding 1/2 gives r_i.
        soft = tf.sigmoid((logits[:, None, :] - logits[:, :, None]) / temperature)  # [B, N(i), N(j)]
        ranks = 0.5 + _sum_valid(soft, _expand(valid))
        gains = tf.pow(2.0, lists.labels) - 1.0  # 0 on excluded items
        dcg = tf.reduce_sum(gains / _log2(1.0 + ranks), axis=1)
        ideal = tf.sort(gains, axis=1, direction="DESCENDING")
        positions = tf.range(1, tf.shape(ideal)[1] + 1, dtype=tf.float32)
        idcg = tf.reduce_sum(ideal / _log2(1.0 + positions), axis=1)
    else:
        relevant = lists.ids >= 0
        top = _gather(logits, lists.ids)
        soft = tf.sigmoid((logits[:, None, :] - top[:, :, None]) / temperature)  # [B, R, N]
        ranks = 0.5 + _sum_valid(soft, _expand(valid))
        dcg = tf.reduce_sum(tf.where(relevant, 1.0 / _log2(1.0 + ranks), 0.0), axis=1)
        positions = tf.range(1, tf.shape(top)[1] + 1, dtype=tf.float32)
        idcg = tf.reduce_sum(tf.where(positions <= lists.n_relevant[:, None], 1.0 / _log2(1.0 + positions), 0.0), 1)
    return _finish(-tf.math.divide_no_nan(dcg, idcg), lists)


def _expand(valid):
    """``[B, 1, N]`` for ``[B, R or N, N]`` pair tensors, or None."""
    return None if valid is None else valid[:, None, :]


def _log2(x):
    return tf.math.log(x) / tf.math.log(2.0)


LOSSES = {
    "softmax": softmax_loss,
    "sigmoid": sigmoid_loss,
    "pairwise_logistic": pairwise_logistic_loss,
    "approx_ndcg": approx_ndcg_loss,
}
