"""List-wise ranking losses: smooth ranks, Plackett-Luce likelihood, relaxed sorting.

Pure functions, per-list values ``[B]`` float32, in every label form (see
`tfrank.losses.functional`). Under per-item ``sample_weight`` a list's value is multiplied
by ``Σ_i w_i y_i / Σ_i y_i`` (TF-Ranking's list-wise rule). A list with no relevant item
gives 0. Memory, per loss: ApproxNDCG and ApproxMRR ``[B, N, N]`` for dense labels,
``[B, R, N]`` for ids (the Gumbel variant times ``sample_size``); ListMLE two sorts,
``[B, N]``; NeuralSort ``[B, N, N]`` for either form (it relaxes the whole permutation).
"""

import tensorflow as tf

from tfrank.engine import validation
from tfrank.losses import _common, lambdas
from tfrank.losses._common import LOWEST, expand, gather, log2, sum_valid

# === Smooth ranks (Qin, Liu & Li 2010) ===


def _approx_ranks(targets, logits, valid):
    """``r_i = 1/2 + Σ_{j valid} σ(s_j − s_i)`` (the j = i term adds the other 1/2) for the
    ``[B, M]`` target logits against the ``[B, N]`` logits: ``[B, M, N]`` pairs."""
    soft = tf.sigmoid(logits[:, None, :] - targets[:, :, None])
    return 0.5 + sum_valid(soft, expand(valid))


def _approx_ndcg(labels, ids, logits, valid):
    """``−DCG(smooth ranks) / IDCG`` per list, dense ``labels`` or ``ids``."""
    if ids is None:
        # 2^(y − m) − 2^(−m) = (2^y − 1) / 2^m with m the list's top label: the same NDCG,
        # and no overflow for large labels (TF-Ranking's safe gain).
        top_label = tf.reduce_max(labels, axis=1, keepdims=True)
        gains = tf.where(labels > 0.0, tf.pow(2.0, labels - top_label) - tf.pow(2.0, -top_label), 0.0)
        dcg = tf.reduce_sum(gains / log2(1.0 + _approx_ranks(logits, logits, valid)), axis=1)
        ideal = tf.sort(gains, axis=1, direction="DESCENDING")
        positions = tf.range(1, tf.shape(ideal)[1] + 1, dtype=tf.float32)
        idcg = tf.reduce_sum(ideal / log2(1.0 + positions), axis=1)
    else:
        relevant = ids >= 0
        ranks = _approx_ranks(gather(logits, ids), logits, valid)
        dcg = tf.reduce_sum(tf.where(relevant, 1.0 / log2(1.0 + ranks), 0.0), axis=1)
        positions = tf.range(1, tf.shape(ids)[1] + 1, dtype=tf.float32)
        n_relevant = tf.reduce_sum(tf.cast(relevant, tf.float32), axis=1)
        idcg = tf.reduce_sum(tf.where(positions <= n_relevant[:, None], 1.0 / log2(1.0 + positions), 0.0), 1)
    return -tf.math.divide_no_nan(dcg, idcg)


def _listwise(values, p):
    weight = _common.relevant_mean_weight(p)
    return _common.finish(values if weight is None else values * weight, p)


def approx_ndcg_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=0.1):
    """ApproxNDCG (Qin, Liu & Li, 2010; TF-Ranking's ``ApproxNDCGLoss``): minus a smooth NDCG.

    Each item's rank is approximated by ``r_i = 1 + Σ_{j valid, j≠i} σ((s_j − s_i) / T)``
    (T = ``temperature``, TF-Ranking's default 0.1); the loss is
    ``−Σ_i (2**y_i − 1) / log2(1 + r_i) / IDCG`` with IDCG the DCG of the labels sorted, so
    it lies in [−1, 0]. Dense labels make ``[B, N, N]``; ids make ``[B, R, N]`` (gain 1 per
    relevant id, IDCG ``Σ_{r ≤ n_rel} 1 / log2(1 + r)``). A list with no relevant item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    return _listwise(_approx_ndcg(p.lists.labels, p.ids, p.logits, p.valid), p)


def approx_mrr_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=0.1):
    """ApproxMRR (Qin, Liu & Li, 2010; TF-Ranking's ``ApproxMRRLoss``): minus a smooth reciprocal rank.

    ``−Σ_i y_i / r_i / Σ_i y_i`` with the smooth ranks of `approx_ndcg_loss` (labels weigh the
    items, as in TF-Ranking; for ids the mean of ``1 / r_i`` over the relevant ids), in
    [−1, 0). Memory as `approx_ndcg_loss`. A list with no relevant item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    lists, logits = p.lists, p.logits
    if lists.ids is None:
        reciprocal = 1.0 / _approx_ranks(logits, logits, p.valid)
        mrr = tf.math.divide_no_nan(tf.reduce_sum(lists.labels * reciprocal, axis=1), tf.reduce_sum(lists.labels, 1))
    else:
        reciprocal = 1.0 / _approx_ranks(gather(logits, lists.ids), logits, p.valid)
        mrr = tf.math.divide_no_nan(tf.reduce_sum(tf.where(lists.ids >= 0, reciprocal, 0.0), 1), lists.n_relevant)
    return _listwise(-mrr, p)


def gumbel_approx_ndcg_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, seed=0,
                            sample_size=8, gumbel_temperature=1.0, temperature=0.1):
    """Gumbel ApproxNDCG (Bruch et al., 2020; TF-Ranking's ``GumbelApproxNDCGLoss``).

    The mean over ``sample_size`` draws of `approx_ndcg_loss` on the sampled logits
    ``z = log(softmax((s + g) / gumbel_temperature) + 1e-20)`` over the valid items, with
    Gumbel noise ``g = −log(−log(u))``, u uniform; T = ``temperature`` then applies to z.

    NOTE: ``seed`` is a stateless seed (an int or a ``[2]`` int tensor): the same seed gives
    the same noise, so this function is deterministic; `tfrank.losses.GumbelApproxNDCGLoss`
    draws a new seed per call from its ``seed``. Memory: ``sample_size`` times ApproxNDCG's.
    """
    temperature = validation.check_temperature(temperature)
    gumbel_temperature = validation.check_temperature(gumbel_temperature, "gumbel_temperature")
    sample_size = validation.check_positive_int("sample_size", sample_size)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight)
    lists, valid = p.lists, _common.valid_mask(p)
    batch, n_items = tf.shape(p.logits)[0], tf.shape(p.logits)[1]
    noise = gumbel_noise([batch, sample_size, n_items], seed)
    sampled = tf.where(valid[:, None, :], (p.logits[:, None, :] + noise) / gumbel_temperature, tf.math.log(1e-20))
    sampled = tf.math.log(tf.nn.softmax(sampled) + 1e-20) / temperature
    sampled = tf.reshape(sampled, [batch * sample_size, n_items])

    def repeat(x):
        return None if x is None else tf.repeat(x, sample_size, axis=0)

    values = _approx_ndcg(repeat(lists.labels), repeat(lists.ids), sampled, repeat(p.valid))
    return _listwise(tf.reduce_mean(tf.reshape(values, [batch, sample_size]), axis=1), p)


def gumbel_noise(shape, seed):
    """Standard Gumbel draws ``−log(−log(u + 1e-20) + 1e-20)``, u stateless-uniform from ``seed``
    (an int, or a ``[2]`` int tensor such as ``keras.random.SeedGenerator.next()``)."""
    seed = tf.convert_to_tensor(seed)
    if seed.shape.rank == 0:
        seed = tf.stack([tf.cast(seed, tf.int64), tf.constant(0, tf.int64)])
    uniform = tf.random.stateless_uniform(shape, seed=seed)
    return -tf.math.log(-tf.math.log(uniform + 1e-20) + 1e-20)


# === Plackett-Luce likelihood ===


def list_mle_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, lambda_weight=None,
                  temperature=1.0):
    """ListMLE (Xia et al., 2008; TF-Ranking's ``ListMLELoss``): −log of the Plackett-Luce
    likelihood of the items ordered by label.

    ``Σ_{k=1}^{n} D(k) (log Σ_{m ≥ k} e^{s_π(m)} − s_π(k))`` over the n valid items sorted by
    label, descending (π), with D = 1, or a `ListMLELambdaWeight`'s discount. Tied labels are
    ordered by score, descending (the most likely of the orders the labels allow; TF-Ranking
    shuffles them at random). Ids are labels 1 on the relevant ids. A list with no relevant
    item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    lambda_weight = lambdas.check(lambda_weight, "list_mle_loss", (lambdas.ListMLELambdaWeight,))
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    labels, valid = _common.dense_labels(p), _common.valid_mask(p)
    by_score = tf.argsort(tf.where(valid, p.logits, -float("inf")), axis=1, direction="DESCENDING", stable=True)
    by_label = tf.gather(tf.where(valid, labels, -float("inf")), by_score, batch_dims=1)
    order = tf.gather(by_score, tf.argsort(by_label, axis=1, direction="DESCENDING", stable=True), batch_dims=1)
    kept = tf.gather(valid, order, batch_dims=1)  # the valid items come first
    ordered = tf.where(kept, tf.gather(p.logits, order, batch_dims=1), LOWEST)
    terms = tf.where(kept, tf.math.cumulative_logsumexp(ordered, axis=1, reverse=True) - ordered, 0.0)
    if lambda_weight is not None:
        positions = tf.range(1, tf.shape(terms)[1] + 1, dtype=tf.float32)[None, None, :]
        terms *= tf.squeeze(lambda_weight.individual_weights(tf.ones_like(positions), positions, {}), 1)
    return _listwise(tf.where(p.lists.n_relevant > 0.0, tf.reduce_sum(terms, axis=1), 0.0), p)


# === NeuralSort (Grover et al., 2019) ===


def _neural_sort_logits(x, valid, n_valid):
    """``[B, N(rows), N]`` the logits of row r: ``(n + 1 − 2r) x_j − Σ_m |x_j − x_m|`` over the
    valid items j, m (its softmax over j relaxes "item j is at rank r")."""
    gaps = tf.abs(x[:, :, None] - x[:, None, :])
    spread = tf.reduce_sum(tf.where(valid[:, :, None] & valid[:, None, :], gaps, 0.0), axis=1)  # [B, N]
    rows = tf.range(1, tf.shape(x)[1] + 1, dtype=tf.float32)
    scaling = n_valid[:, None] + 1.0 - 2.0 * rows[None, :]  # [B, N]
    logits = scaling[:, :, None] * x[:, None, :] - spread[:, None, :]
    return tf.where(valid[:, None, :], logits, LOWEST)


def neural_sort_cross_entropy_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                                   temperature=1.0):
    """NeuralSort cross-entropy (TF-Ranking's ``NeuralSortCrossEntropyLoss``): the relaxed
    permutation of the scores against that of the labels, row by row.

    ``Σ_{r ≤ n} Σ_j −P_y[r, j] log(P_s[r, j] + 1e-20) / n`` with ``P_x = softmax_j`` of the
    NeuralSort logits of x (labels at temperature 1, scores at ``temperature``) over the n
    valid items. Ids are labels 1 on the relevant ids. Memory ``[B, N, N]``. A list with no
    relevant item gives 0.
    """
    temperature = validation.check_temperature(temperature)
    p = _common.prepare(y_true, y_pred, mask, label_format, sample_weight, temperature)
    labels, valid, n_valid = _common.dense_labels(p), _common.valid_mask(p), p.lists.n_valid
    truth = tf.nn.softmax(_neural_sort_logits(labels, valid, n_valid), axis=2)
    guess = tf.nn.softmax(_neural_sort_logits(p.logits, valid, n_valid), axis=2)
    rows = tf.range(1, tf.shape(labels)[1] + 1, dtype=tf.float32)[None, :] <= n_valid[:, None]
    per_row = -tf.reduce_sum(tf.where(valid[:, None, :], truth * tf.math.log(guess + 1e-20), 0.0), axis=2)
    values = tf.math.divide_no_nan(tf.reduce_sum(tf.where(rows, per_row, 0.0), axis=1), n_valid)
    return _listwise(tf.where(p.lists.n_relevant > 0.0, values, 0.0), p)
