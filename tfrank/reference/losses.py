"""NumPy reference for tfrank's cross-entropy and pointwise losses: plain loops over each list.

Every function takes the label forms the metrics' reference takes and returns per-list
values ``[B]`` float64 (times the list's weight when ``sample_weight`` is per list).
Definitions (per list, items i, j valid; s = score / temperature, y = label, w = item weight):

* softmax (TF-Ranking ``SoftmaxLoss``): ``-Σ_i t_i log(e^{s_i} / Σ_j e^{s_j}) / T``, targets
  ``t_i = w_i y_i`` (or ``w_i G(y_i) D(r_i)`` with a DCG lambda weight), ``T = Σ_i y_i``
  (or ``Σ G D``) for normalised targets, 1 otherwise;
* sigmoid: ``Σ_i w_i BCE(min(y_i, 1), σ(s_i)) / n``;
* mean squared (TF-Ranking ``MeanSquaredLoss``): ``Σ_i w_i (y_i - s_i)² / n``;
* unique softmax (Zhu & Klabjan 2020): ``Σ_i (2^{y_i} - 1) (log(e^{s_i} + Σ_{y_j < y_i} e^{s_j}) - s_i)``.

n: the list's valid items, its padded size N, or 1 (``normalizer``). A list without a
relevant item gives 0 for softmax and unique softmax; a list without a valid item gives 0.
"""

import math

import numpy as np

from tfrank.reference._loss_inputs import item_weight, lists, ranks


def _log_sigmoid(x):
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def _logsumexp(values):
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def softmax_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, lambda_weight=None,
                 temperature=1.0, targets="normalized"):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        scores = [s / temperature for s in items.scores]
        if lambda_weight is None:
            base = list(items.labels)
        else:
            rank = ranks(scores)
            base = [item_weight(lambda_weight, items.labels, rank, i) for i in range(len(scores))]
        total = sum(base)
        if total <= 0:
            out.append(0.0)
            continue
        log_norm = _logsumexp(scores)
        value = -sum(t * w * (s - log_norm) for t, w, s in zip(base, items.weights, scores))
        out.append((value / total if targets == "normalized" else value) * items.weight)
    return np.array(out, np.float64)


def sigmoid_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, normalizer="valid"):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        if len(items) == 0:
            out.append(0.0)
            continue
        total = 0.0
        for s, y, w in zip(items.scores, items.labels, items.weights):
            t = min(y, 1.0)
            total += -w * (t * _log_sigmoid(s) + (1.0 - t) * _log_sigmoid(-s))
        out.append(total / items.divisor(normalizer) * items.weight)
    return np.array(out, np.float64)


def mean_squared_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, normalizer="valid"):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        if len(items) == 0:
            out.append(0.0)
            continue
        total = sum(w * (y - s) ** 2 for s, y, w in zip(items.scores, items.labels, items.weights))
        out.append(total / items.divisor(normalizer) * items.weight)
    return np.array(out, np.float64)


def unique_softmax_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None, temperature=1.0):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        scores, labels = [s / temperature for s in items.scores], items.labels
        total = 0.0
        for i in range(len(scores)):
            if labels[i] <= 0:
                continue
            lower = [scores[i]] + [scores[j] for j in range(len(scores)) if labels[j] < labels[i]]
            total += (2.0 ** labels[i] - 1.0) * (_logsumexp(lower) - scores[i])
        out.append(total * items.listwise_weight())
    return np.array(out, np.float64)
