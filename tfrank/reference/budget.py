"""NumPy reference for the dataset-level budget metrics (`tfrank.metrics.budget`), written plainly.

Whole set at once, one stable sort, no streaming: the test oracle for the streaming,
graph-mode and distributed versions. Same signatures as `tfrank.precision_at_budget`
and `tfrank.recall_at_budget`; returns a Python float.

Definitions (docs/budget.md, "Definitions", with weights):
examples of weight 0 are dropped; the rest are sorted by score, descending, ties in
the order the examples were given (stable sort); T = the first min(budget, n).

* precision = (|T| / budget) * sum_T(w * y) / sum_T(w)   (unit weights: hits / budget,
  trec_eval's P@k applied to the whole set)
* recall    = sum_T(w * y) / sum_all(w * y), 0 when there is no positive.

A NaN score (of an example with weight > 0) or a NaN weight gives NaN.

>>> precision_at_budget([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.7], budget=2)
0.5
>>> recall_at_budget([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.7], budget=2)
0.5
"""

import numpy as np


def _whole_set(y_true, y_pred, sample_weight, budget):
    """Returns (labels, weights) of the top-`budget` examples, weighted positives, NaN flag."""
    scores = np.asarray(y_pred, np.float64).reshape(-1)
    labels = np.asarray(y_true, np.float64).reshape(-1)
    if sample_weight is None:
        weights = np.ones_like(scores)
    else:
        weights = np.broadcast_to(np.asarray(sample_weight, np.float64).reshape(-1), scores.shape)
    if np.isnan(weights).any() or np.isnan(scores[weights > 0]).any():
        return None, None, None, True
    keep = weights > 0
    scores, labels, weights = scores[keep], labels[keep], weights[keep]
    order = np.argsort(-scores, kind="stable")[:budget]
    return labels[order], weights[order], float(np.sum(labels * weights)), False


def precision_at_budget(y_true, y_pred, budget, *, sample_weight=None):
    labels, weights, _, nan = _whole_set(y_true, y_pred, sample_weight, budget)
    if nan:
        return float("nan")
    if len(labels) == 0:
        return 0.0
    hit_rate = float(np.sum(labels * weights) / np.sum(weights))
    return len(labels) / budget * hit_rate


def recall_at_budget(y_true, y_pred, budget, *, sample_weight=None):
    labels, weights, positives, nan = _whole_set(y_true, y_pred, sample_weight, budget)
    if nan:
        return float("nan")
    if positives == 0:
        return 0.0
    return float(np.sum(labels * weights)) / positives


REFERENCES = {"precision": precision_at_budget, "recall": recall_at_budget}
