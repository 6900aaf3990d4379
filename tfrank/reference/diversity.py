"""alpha-DCG@k and Precision-IA@k over subtopic labels, in plain NumPy loops.

Definitions: Clarke et al., "Novelty and Diversity in Information Retrieval Evaluation",
SIGIR 2008 (alpha-DCG, as TF-Ranking's ``AlphaDCGMetric`` computes it, graded labels
counting with their value); Agrawal et al., "Diversifying Search Results", WSDM 2009
and the TREC 2009 Web track overview (Precision-IA with uniform subtopic probabilities,
as ndeval's ``P-IA`` and TF-Ranking's ``PrecisionIAMetric``).

Labels: ``y_true`` ``[B, N, S]``, ``y[b, i, t]`` > 0 when item i is relevant to subtopic t;
a negative entry is a subtopic the list does not have; an item whose entries are all
negative is padding. Any other label form (``[B, N]`` labels, ids, class ids) is one
subtopic, read by ``_inputs.normalise``.

* ``alpha-DCG@k = sum_{i<=k} d(i) sum_t y_it (1 - alpha)^(sum_{j<i} y_jt)``, d(i) = 1/log2(i+1)
  (or ``discount``); per-item weights: ``sum_i w_i ... / w_list`` (w_list: the mean
  weight of the items relevant to some subtopic, as for DCG in ``_weighted.py``).
* ``P-IA@k = sum_{i<=k} sum_t [y_it > 0] / (k * S_rel)``, S_rel the subtopics that have a
  relevant valid item; ``denominator="min_k_n"``: min(k, valid items) * S_rel.

>>> labels = [[[0, 1], [1, 0], [1, 1]]]
>>> round(float(alpha_dcg_at_k(labels, [[3.0, 1.0, 2.0]], 3)[0]), 4)  # 1 + 1.5/log2(3) + 0.5/2
2.1964
>>> precision_ia_at_k(labels, [[3.0, 1.0, 2.0]], [1, 3])
{'precision_ia_at_1': array([0.5]), 'precision_ia_at_3': array([0.66666667])}
"""

import numpy as np

from tfrank.reference import _formulas, _inputs, _ranking, _weighted


def _subtopic_lists(y_true, y_pred, mask, label_format, sample_weight):
    """``(scores, labels [n, S], weights)`` of each list's valid items, index order."""
    labels = y_true.get("labels") if isinstance(y_true, dict) else y_true
    try:
        rank = np.ndim(labels)
    except ValueError:  # ragged rows of ids
        rank = None
    if rank != 3:
        lists = _inputs.normalise(y_true, y_pred, mask=mask, label_format=label_format, weights=sample_weight)
        return [(s, y[:, None], w[0] if w else np.ones_like(s)) for s, y, *w in lists]
    if label_format == "ids":
        raise ValueError("y_true of subtopic labels [batch, items, subtopics] cannot be label_format='ids'")
    if isinstance(y_true, dict):
        mask = y_true.get("mask", mask)
    labels = np.asarray(labels, np.float64)
    scores = np.asarray(y_pred, np.float64)
    if scores.ndim != 2 or labels.shape[:2] != scores.shape:
        raise ValueError(f"y_true must be subtopic labels [batch, items, subtopics] with [batch, items] = the "
                         f"shape of y_pred {scores.shape}, got shape {labels.shape}")
    valid = (labels >= 0).any(axis=2)
    valid &= np.ones(scores.shape, bool) if mask is None else np.asarray(mask, bool)
    weights = np.ones(scores.shape) if sample_weight is None else _inputs.check_item_weights(sample_weight, scores.shape)
    valid &= weights > 0
    labels = np.where(labels > 0, labels, 0.0)  # padding subtopics and NaN: not relevant
    return [(scores[b, valid[b]], labels[b, valid[b]], weights[b, valid[b]]) for b in range(len(scores))]


def _evaluate(name, value, y_true, y_pred, k, mask, label_format, sample_weight, empty, ties):
    _inputs.check_option("empty", empty, _inputs.EMPTY_POLICIES)
    _inputs.check_option("ties", ties, _inputs.TIES)
    ks, as_dict = _inputs.check_k(k)
    lists = _subtopic_lists(y_true, y_pred, mask, label_format, sample_weight)
    out = {kk: np.full(len(lists), np.nan) for kk in ks}
    for b, (scores, labels, weights) in enumerate(lists):
        if np.isnan(scores).any():
            continue
        if not (labels > 0).any():
            if empty == "error":
                raise ValueError(f"list {b} has no relevant item and empty='error'")
            for kk in ks:
                out[kk][b] = {"skip": np.nan, "zero": 0.0, "one": 1.0}[empty]
            continue
        for kk in ks:
            out[kk][b] = value(scores, labels, weights, kk)
    return {f"{name}_at_{kk}": out[kk] for kk in ks} if as_dict else out[ks[0]]


def alpha_dcg_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, alpha=0.5,
                   discount="log2", empty="skip", ties="first"):
    """alpha-DCG@k per list (not normalised); ``ties="first"`` only."""
    if ties != "first":
        raise ValueError(f"ties must be 'first' for alpha_dcg, got ties={ties!r}")
    if isinstance(alpha, bool) or not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be a float in [0, 1], got alpha={alpha!r}")
    if not callable(discount):
        _inputs.check_option("discount", discount, ("log2", "reciprocal"))

    def value(scores, labels, weights, kk):
        order = _ranking.rank_order(scores)
        seen = np.zeros(labels.shape[1])
        total = 0.0
        for position, i in enumerate(order[:kk], start=1):
            gain = sum(labels[i, t] * (1.0 - alpha) ** seen[t] for t in range(labels.shape[1]))
            seen += labels[i]
            total += weights[i] * gain * _formulas.discount_of(position, discount)
        if sample_weight is None:
            return total
        relevant = (labels > 0).any(axis=1).astype(float)
        return total / _weighted.list_weight(list(relevant), list(weights))

    return _evaluate("alpha_dcg", value, y_true, y_pred, k, mask, label_format, sample_weight, empty, ties)


def precision_ia_at_k(y_true, y_pred, k, *, mask=None, sample_weight=None, label_format=None, denominator="k",
                      empty="skip", ties="first"):
    """Precision-IA@k per list; ``ties="expected"`` enumerates the orderings of tied items."""
    _inputs.check_option("denominator", denominator, ("k", "min_k_n"))

    def value(scores, labels, weights, kk):
        covered = (labels > 0).sum(axis=1).astype(float)  # relevant subtopics of each item
        n_subtopics = int((labels > 0).any(axis=0).sum())
        below = kk if denominator == "k" else min(kk, len(scores))
        orderings = _ranking.ranked_labels(scores, covered, ties)
        return float(np.mean([np.sum(ranked[:kk]) for ranked in orderings])) / (below * n_subtopics)

    return _evaluate("precision_ia", value, y_true, y_pred, k, mask, label_format, sample_weight, empty, ties)
