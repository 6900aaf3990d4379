"""`PrecisionAtBudget` and `RecallAtBudget` on bootstrap resamples, vectorised over resamples.

A resample is a multiset of the examples: ``counts[r, i]`` copies of example i (its
order: the examples' own, each copy beside the others). Sorted once by score
(descending, stable: ties keep the examples' order, as `tfrank.reference.budget` and the
streaming metric rank them), the top `budget` slots of resample r take, from the best
example down, ``taken = clip(budget - copies before it, 0, copies)`` copies of each
example (weight 0: no slot). Then, with w the weights and y the labels,

* precision = (filled / budget) * sum(taken w y) / sum(taken w), filled = sum(taken);
* recall    = sum(taken w y) / sum(counts w y), 0 without a positive;

exactly the reference's value on that resample (``y[np.sort(idx)]``, ...).
"""

import numpy as np

from tfrank import reference


def _sorted(y_true, scores, sample_weight):
    order = np.argsort(-scores, kind="stable")
    weights = np.ones_like(scores) if sample_weight is None else sample_weight
    return order, y_true[order], weights[order]


def _taken(metric, order, weights, counts):
    """``(taken [m, L], L)``: the copies each of the L best examples puts in the top
    `budget` slots. Only a prefix of the ranking can reach them: L starts at about twice
    the budget and doubles until every resample has filled its slots (or L = n)."""
    n = order.shape[0]
    length = min(n, 2 * metric.budget + 64)
    while True:
        copies = counts[:, order[:length]] * (weights[:length] > 0)
        cumulative = np.cumsum(copies, axis=1)
        if length == n or np.all(cumulative[:, -1] >= metric.budget):
            return np.clip(metric.budget - (cumulative - copies), 0, copies), length
        length = min(n, 2 * length)


def precision_on_counts(metric, y_true, scores, sample_weight, counts):
    order, labels, weights = _sorted(y_true, scores, sample_weight)
    taken, length = _taken(metric, order, weights, counts)
    hits, mass = taken @ (weights * labels)[:length], taken @ weights[:length]
    rate = np.divide(hits, mass, out=np.zeros_like(hits), where=mass > 0)
    return taken.sum(axis=1) / metric.budget * rate


def recall_on_counts(metric, y_true, scores, sample_weight, counts):
    order, labels, weights = _sorted(y_true, scores, sample_weight)
    taken, length = _taken(metric, order, weights, counts)
    hits = taken @ (weights * labels)[:length]
    positives = counts @ (y_true * (1.0 if sample_weight is None else sample_weight))  # in any order
    return np.divide(hits, positives, out=np.zeros_like(hits), where=positives > 0)


def precision(metric, y_true, scores, sample_weight):
    return reference.precision_at_budget(y_true, scores, metric.budget, sample_weight=sample_weight)


def recall(metric, y_true, scores, sample_weight):
    return reference.recall_at_budget(y_true, scores, metric.budget, sample_weight=sample_weight)
