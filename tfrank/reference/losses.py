"""NumPy reference for tfrank's ranking losses: plain loops over each list's valid items.

Every function takes the label forms the metrics' reference takes (`_inputs.normalise`:
per list, the scores and labels of its valid items) and returns per-list values ``[B]``
float64. Definitions (per list, items i, j valid; s = score, y = label):

* softmax (TF-Ranking ``SoftmaxLoss``): ``-Σ_i (y_i / Σ_j y_j) log(e^{s_i} / Σ_j e^{s_j})``;
* sigmoid: mean over items of ``-(t_i log σ(s_i) + (1 - t_i) log(1 - σ(s_i)))``, t = min(y, 1);
* pairwise logistic (keras-rs ``PairwiseLogisticLoss``): ``Σ_{y_i > y_j} log(1 + e^{-(s_i - s_j)}) / n_valid``;
* ApproxNDCG (Qin, Liu & Li 2010): ``-DCG(smooth ranks) / IDCG``.

A list without a relevant item gives 0, except for the sigmoid loss (its items are all
negatives); a list without a valid item gives 0.
"""

import math

import numpy as np

from tfrank.reference._inputs import normalise


def _log_sigmoid(x):
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def softmax_loss(y_true, y_pred, *, mask=None, label_format=None):
    out = []
    for scores, labels in normalise(y_true, y_pred, mask, label_format):
        total = sum(labels)
        if total <= 0:
            out.append(0.0)
            continue
        top = max(scores)
        log_norm = top + math.log(sum(math.exp(s - top) for s in scores))
        out.append(-sum(y / total * (s - log_norm) for s, y in zip(scores, labels)))
    return np.array(out, np.float64)


def sigmoid_loss(y_true, y_pred, *, mask=None, label_format=None):
    out = []
    for scores, labels in normalise(y_true, y_pred, mask, label_format):
        if len(scores) == 0:
            out.append(0.0)
            continue
        terms = []
        for s, y in zip(scores, labels):
            t = min(y, 1.0)
            terms.append(-(t * _log_sigmoid(s) + (1.0 - t) * _log_sigmoid(-s)))
        out.append(sum(terms) / len(terms))
    return np.array(out, np.float64)


def pairwise_logistic_loss(y_true, y_pred, *, mask=None, label_format=None):
    out = []
    for scores, labels in normalise(y_true, y_pred, mask, label_format):
        total = 0.0
        for i in range(len(scores)):
            for j in range(len(scores)):
                if labels[i] > labels[j]:
                    total += -_log_sigmoid(scores[i] - scores[j])
        out.append(total / len(scores) if len(scores) else 0.0)
    return np.array(out, np.float64)


def approx_ndcg_loss(y_true, y_pred, *, mask=None, label_format=None, temperature=0.1):
    out = []
    for scores, labels in normalise(y_true, y_pred, mask, label_format):
        n = len(scores)
        ideal = sorted(labels, reverse=True)
        idcg = sum((2.0 ** y - 1.0) / math.log2(1 + r) for r, y in enumerate(ideal, start=1))
        if idcg <= 0:
            out.append(0.0)
            continue
        dcg = 0.0
        for i in range(n):
            rank = 1.0 + sum(_sigmoid((scores[j] - scores[i]) / temperature) for j in range(n) if j != i)
            dcg += (2.0 ** labels[i] - 1.0) / math.log2(1.0 + rank)
        out.append(-dcg / idcg)
    return np.array(out, np.float64)
