"""NumPy reference for tfrank's list-wise losses, each written from its paper's formula.

Per list of valid items (s = score / temperature, y = label), times the list's weight
(per list as given; under item weights ``Σ w_i y_i / Σ y_i``); a list with no relevant
item gives 0:

* ApproxNDCG (Qin, Liu & Li 2010): ``-Σ_i (2^{y_i} - 1) / log2(1 + r_i) / IDCG`` with
  ``r_i = 1 + Σ_{j≠i} σ(s_j - s_i)``; ApproxMRR: ``-Σ_i y_i / r_i / Σ_i y_i``;
* Gumbel ApproxNDCG (Bruch et al. 2020): the mean over the given noise draws g of ApproxNDCG
  on ``log(softmax((s + g) / T_g) + 1e-20) / T``;
* ListMLE (Xia et al. 2008): ``Σ_k D(k) (log Σ_{m ≥ k} e^{s_π(m)} - s_π(k))``, π sorting by
  label, ties by score (descending), then index;
* NeuralSort cross-entropy (Grover et al. 2019): ``-Σ_{r, j} P_y[r, j] log(P_s[r, j] + 1e-20) / n``
  with ``P_x[r, j] = softmax_j((n + 1 - 2r) x_j - Σ_m |x_j - x_m|)``.
"""

import math

import numpy as np

from tfrank.reference._loss_inputs import lists, position_weight


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _logsumexp(values):
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def _smooth_ranks(scores):
    return [1.0 + sum(_sigmoid(scores[j] - scores[i]) for j in range(len(scores)) if j != i)
            for i in range(len(scores))]


def _approx_ndcg(scores, labels):
    ideal = sorted(labels, reverse=True)
    idcg = sum((2.0 ** y - 1.0) / math.log2(1 + r) for r, y in enumerate(ideal, start=1))
    if idcg <= 0:
        return 0.0
    dcg = sum((2.0 ** y - 1.0) / math.log2(1.0 + r) for y, r in zip(labels, _smooth_ranks(scores)))
    return -dcg / idcg


def approx_ndcg_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=0.1):
    return np.array([_approx_ndcg([s / temperature for s in items.scores], items.labels) * items.listwise_weight()
                     for items in lists(y_true, y_pred, mask, label_format, sample_weight)], np.float64)


def approx_mrr_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=0.1):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        total = sum(items.labels)
        if total <= 0:
            out.append(0.0)
            continue
        ranks = _smooth_ranks([s / temperature for s in items.scores])
        out.append(-sum(y / r for y, r in zip(items.labels, ranks)) / total * items.listwise_weight())
    return np.array(out, np.float64)


def gumbel_approx_ndcg_loss(y_true, y_pred, *, noise, mask=None, label_format=None, sample_weight=None,
                            gumbel_temperature=1.0, temperature=0.1):
    """``noise``: ``[B, S, N]`` Gumbel draws (the function's own are stateless and seeded)."""
    noise = np.asarray(noise, np.float64)
    # The valid items of each list, in index order, pick their noise by position.
    positions = lists(y_true, np.broadcast_to(np.arange(np.shape(y_pred)[1], dtype=np.float64), np.shape(y_pred)),
                      mask, label_format)
    out = []
    for b, items in enumerate(lists(y_true, y_pred, mask, label_format, sample_weight)):
        values = []
        for draw in noise[b]:
            z = [(s + draw[int(p)]) / gumbel_temperature for s, p in zip(items.scores, positions[b].scores)]
            if not z:
                values.append(0.0)
                continue
            log_norm = _logsumexp(z)
            sampled = [math.log(math.exp(v - log_norm) + 1e-20) / temperature for v in z]
            values.append(_approx_ndcg(sampled, items.labels))
        out.append(float(np.mean(values)) * items.listwise_weight())
    return np.array(out, np.float64)


def list_mle_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, lambda_weight=None,
                  temperature=1.0):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        scores, labels = [s / temperature for s in items.scores], items.labels
        if sum(labels) <= 0:
            out.append(0.0)
            continue
        order = sorted(range(len(scores)), key=lambda i: (-labels[i], -scores[i], i))
        total = 0.0
        for k, item in enumerate(order):
            term = _logsumexp([scores[m] for m in order[k:]]) - scores[item]
            total += term * (1.0 if lambda_weight is None else position_weight(lambda_weight, k + 1))
        out.append(total * items.listwise_weight())
    return np.array(out, np.float64)


def _neural_sort(x):
    n = len(x)
    spread = [sum(abs(xj - xm) for xm in x) for xj in x]
    matrix = []
    for r in range(1, n + 1):
        logits = [(n + 1 - 2 * r) * xj - bj for xj, bj in zip(x, spread)]
        norm = _logsumexp(logits)
        matrix.append([math.exp(v - norm) for v in logits])
    return matrix


def neural_sort_cross_entropy_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                                   temperature=1.0):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        if sum(items.labels) <= 0:
            out.append(0.0)
            continue
        truth = _neural_sort(list(items.labels))
        guess = _neural_sort([s / temperature for s in items.scores])
        total = sum(-t * math.log(g + 1e-20) for row_t, row_g in zip(truth, guess) for t, g in zip(row_t, row_g))
        out.append(total / len(items) * items.listwise_weight())
    return np.array(out, np.float64)
