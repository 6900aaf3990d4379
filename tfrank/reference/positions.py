"""ARP and OPA in plain NumPy loops (TF-Ranking ``metrics_impl.ARPMetric`` and ``OPAMetric``).

* ARP (average relevance position): ``sum_i rank_i y_i w_i / sum_i y_i w_i`` over a list's
  valid items, rank 1 = best; lower is better. ``ties="expected"``: an item's expected
  rank among tied items is (items scored higher) + (its tie group's size + 1) / 2.
* OPA (ordered pair accuracy): over the pairs of valid items with y_i > y_j, the share
  (each pair weighing w_i) that the ranking orders i above j: s_i > s_j, or, for equal
  scores, i before j in index order (``"first"``) or half a pair (``"expected"``).

w is the per-item weight (1 without one). Lists with no relevant item (ARP), or without
two valid items of different labels (OPA), follow ``empty``; NaN scores give NaN.
`relevance_mass` and `pair_mass` are the lists' weights under ``average="micro"``
(TF-Ranking's mean): ``sum_i y_i w_i`` and ``sum over pairs of w_i``.

>>> arp([[0.0, 1.0, 1.0]], [[3.0, 1.0, 2.0]])  # relevant items ranked 2nd and 3rd
array([2.5])
>>> opa([[1.0, 0.0, 2.0]], [[1.0, 3.0, 2.0]])  # of the pairs 2>1, 2>0, 1>0 only 2>1 is in order
array([0.33333333])
"""

import numpy as np

from tfrank.reference import _inputs


def _lists(y_true, y_pred, mask, label_format, sample_weight, empty, ties):
    _inputs.check_option("empty", empty, _inputs.EMPTY_POLICIES)
    _inputs.check_option("ties", ties, _inputs.TIES)
    lists = _inputs.normalise(y_true, y_pred, mask=mask, label_format=label_format, weights=sample_weight)
    return [(s, y, w[0] if w else np.ones_like(s)) for s, y, *w in lists]


def _per_list(lists, value, scorable, empty, what):
    out = np.full(len(lists), np.nan)
    for b, (scores, labels, weights) in enumerate(lists):
        if np.isnan(scores).any():
            continue
        if not scorable(labels):
            if empty == "error":
                raise ValueError(f"list {b} has {what} and empty='error'; use empty='skip', 'zero' or 'one'")
            out[b] = {"skip": np.nan, "zero": 0.0, "one": 1.0}[empty]
            continue
        out[b] = value(scores, labels, weights)
    return out


def _expected_ranks(scores, ties):
    """1-based rank of each item; equal scores in index order, or their expected rank."""
    if ties == "first":
        ranks = np.empty(len(scores))
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        return ranks
    return np.array([np.sum(scores > s) + (np.sum(scores == s) + 1) / 2 for s in scores])


def arp(y_true, y_pred, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """Average relevance position per list: sum rank * label * weight / sum label * weight."""

    def value(scores, labels, weights):
        relevance = labels * weights
        return float(np.sum(_expected_ranks(scores, ties) * relevance) / np.sum(relevance))

    lists = _lists(y_true, y_pred, mask, label_format, sample_weight, empty, ties)
    return _per_list(lists, value, lambda labels: (labels > 0).any(), empty, "no relevant item")


def opa(y_true, y_pred, *, mask=None, sample_weight=None, label_format=None, empty="skip", ties="first"):
    """Ordered pair accuracy per list: correctly ordered pairs y_i > y_j over all of them, each weighing w_i."""

    def value(scores, labels, weights):
        correct = total = 0.0
        for i in range(len(scores)):
            for j in range(len(scores)):
                if labels[i] <= labels[j]:
                    continue
                total += weights[i]
                if scores[i] > scores[j]:
                    correct += weights[i]
                elif scores[i] == scores[j]:
                    correct += weights[i] * (0.5 if ties == "expected" else float(i < j))
        return correct / total

    lists = _lists(y_true, y_pred, mask, label_format, sample_weight, empty, ties)
    return _per_list(lists, value, lambda labels: len(set(labels.tolist())) > 1, empty, "no pair of different labels")


def relevance_mass(y_true, y_pred, *, mask=None, sample_weight=None, label_format=None):
    """ARP's list weight under ``average="micro"``: sum_i y_i w_i ([B]; per-list weights multiply it)."""
    return _mass(y_true, y_pred, mask, label_format, sample_weight, lambda labels, w: float(np.sum(labels * w)))


def pair_mass(y_true, y_pred, *, mask=None, sample_weight=None, label_format=None):
    """OPA's list weight under ``average="micro"``: sum of w_i over the pairs y_i > y_j."""

    def mass(labels, weights):
        return float(sum(weights[i] * np.sum(labels < labels[i]) for i in range(len(labels))))

    return _mass(y_true, y_pred, mask, label_format, sample_weight, mass)


def _mass(y_true, y_pred, mask, label_format, sample_weight, fn):
    per_list = None
    scores = np.asarray(y_pred, np.float64)
    if sample_weight is not None and np.shape(sample_weight) != scores.shape:  # one weight per list
        per_list, sample_weight = np.asarray(sample_weight, np.float64).reshape(-1), None
    lists = _lists(y_true, scores, mask, label_format, sample_weight, "skip", "first")
    masses = np.array([fn(labels, weights) for _, labels, weights in lists])
    return masses if per_list is None else masses * per_list
