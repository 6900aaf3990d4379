"""NumPy reference for tfrank's pairwise losses: a loop over every ordered pair of valid items.

Per list (s = score / temperature, y = label, w = item weight, λ = lambda weight, 1 without):
``Σ_{i,j: y_i > y_j} w_i λ_ij f(s_i - s_j) / n`` with f the logistic ``log(1 + e^{-x})``
(RankNet), hinge ``max(0, 1 - x)`` or soft zero-one ``1 / (1 + e^{x})`` (TF-Ranking's
definitions); the pairwise MSE sums ``w_i λ_ij ((s_i - s_j) - (y_i - y_j))²`` over every
pair ``i ≠ j``. n: the valid items, the padded list size N or 1 (``normalizer``), which is
also the list size the DCG lambda weights scale by. Per-list weights multiply the value.
"""

import math

import numpy as np

from tfrank.reference._loss_inputs import lists, pair_weight, ranks


def _logistic(x):
    return math.log1p(math.exp(-x)) if x >= 0 else -x + math.log1p(math.exp(x))


def _hinge(x):
    return max(0.0, 1.0 - x)


def _soft_zero_one(x):
    return 1.0 / (1.0 + math.exp(x)) if x <= 0 else math.exp(-x) / (1.0 + math.exp(-x))


def _pairwise(f, y_true, y_pred, mask, label_format, sample_weight, lambda_weight, temperature, normalizer,
              every_pair=False):
    out = []
    for items in lists(y_true, y_pred, mask, label_format, sample_weight):
        scores, labels = [s / temperature for s in items.scores], items.labels
        rank, n = ranks(scores), items.divisor(normalizer)
        total = 0.0
        for i in range(len(scores)):
            for j in range(len(scores)):
                if (i != j) if every_pair else labels[i] > labels[j]:
                    lam = pair_weight(lambda_weight, labels, rank, i, j, n)
                    total += items.weights[i] * lam * f(scores[i] - scores[j], labels[i] - labels[j])
        out.append(total / n * items.weight if len(scores) else 0.0)
    return np.array(out, np.float64)


def pairwise_logistic_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                           lambda_weight=None, temperature=1.0, normalizer="valid"):
    return _pairwise(lambda x, _: _logistic(x), y_true, y_pred, mask, label_format, sample_weight,
                     lambda_weight, temperature, normalizer)


def pairwise_hinge_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                        lambda_weight=None, temperature=1.0, normalizer="valid"):
    return _pairwise(lambda x, _: _hinge(x), y_true, y_pred, mask, label_format, sample_weight,
                     lambda_weight, temperature, normalizer)


def pairwise_soft_zero_one_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                                lambda_weight=None, temperature=1.0, normalizer="valid"):
    return _pairwise(lambda x, _: _soft_zero_one(x), y_true, y_pred, mask, label_format, sample_weight,
                     lambda_weight, temperature, normalizer)


def pairwise_mse_loss(y_true, y_pred, *, mask=None, label_format=None, sample_weight=None,
                      lambda_weight=None, temperature=1.0, normalizer="valid"):
    return _pairwise(lambda x, label_gap: (x - label_gap) ** 2, y_true, y_pred, mask, label_format,
                     sample_weight, lambda_weight, temperature, normalizer, every_pair=True)
