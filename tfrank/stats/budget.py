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
    copies = counts[:, order] * (weights > 0)
    before = np.cumsum(copies, axis=1) - copies
    return np.clip(metric.budget - before, 0, copies), copies


def precision_on_counts(metric, y_true, scores, sample_weight, counts):
    order, labels, weights = _sorted(y_true, scores, sample_weight)
    taken, _ = _taken(metric, order, weights, counts)
    hits, mass, filled = taken @ (weights * labels), taken @ weights, taken.sum(axis=1)
    rate = np.divide(hits, mass, out=np.zeros_like(hits), where=mass > 0)
    return filled / metric.budget * rate


def recall_on_counts(metric, y_true, scores, sample_weight, counts):
    order, labels, weights = _sorted(y_true, scores, sample_weight)
    taken, copies = _taken(metric, order, weights, counts)
    hits, positives = taken @ (weights * labels), copies @ (weights * labels)
    return np.divide(hits, positives, out=np.zeros_like(hits), where=positives > 0)


def precision(metric, y_true, scores, sample_weight):
    return reference.precision_at_budget(y_true, scores, metric.budget, sample_weight=sample_weight)


def recall(metric, y_true, scores, sample_weight):
    return reference.recall_at_budget(y_true, scores, metric.budget, sample_weight=sample_weight)
