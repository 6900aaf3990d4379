"""Per-item weights in the reference: keras-rs 0.4 / TF-Ranking's definitions, written out plainly.

Sources: keras-rs ``keras_rs/src/metrics/ranking_metric.py`` (an item of weight 0 is
masked), ``ranking_metrics_utils.get_list_weights`` (the weight of a list), and each
metric's ``compute_metric`` (AP, DCG and NDCG weigh items inside a list); TF-Ranking's
``metrics_impl.py`` defines the same. Each list here is ``(scores, labels, weights)``
over its valid items (weight > 0).

* Weight of a list: sum w_i r_i / sum r_i over its items, r_i = 1 for a relevant item
  (label > 0) or r_i = gain(label_i) for DCG and NDCG. A list with no relevant item:
  the mean weight of its items (``"own"``), or the mean list weight of the batch's lists
  that have a relevant item and a positive weight, 1.0 if none (``"batch_mean"``).
* AP@k = sum over relevant positions i <= k of w_i * (hits@i / i), over the sum of
  w_i over all relevant items (``normalizer="n_rel"``) or over the relevant items in
  the top k (``"hits"``).
* DCG@k = sum_{i <= k} w_i gain_i / log2(i + 1), divided by the list's weight.
* NDCG@k = that sum (before the division) over the same sum for the items sorted by
  w_i gain_i, descending.
"""

import numpy as np

from tfrank.reference import _formulas


def ranked(scores, labels, weights):
    """(labels, weights) best-scored first; equal scores keep index order."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    return [float(labels[i]) for i in order], [float(weights[i]) for i in order]


def average_precision(labels, weights, all_labels, all_weights, k, normalizer):
    if normalizer == "min_k_n_rel":
        raise ValueError("sample_weight per item is not defined for map with normalizer='min_k_n_rel'")
    total, found, weight_in_top = 0.0, 0, 0.0
    for position, (label, weight) in enumerate(zip(labels[:k], weights[:k]), start=1):
        if label > 0:
            found += 1
            total += weight * found / position
            weight_in_top += weight
    if normalizer == "hits":
        below = weight_in_top
    else:
        below = sum(w for label, w in zip(all_labels, all_weights) if label > 0)
    return 0.0 if below == 0 else total / below


def weighted_dcg(labels, weights, k, gain, discount):
    return sum(w * _formulas.gain_of(label, gain) * _formulas.discount_of(position, discount)
               for position, (label, w) in enumerate(zip(labels[:k], weights[:k]), start=1))


def dcg(labels, weights, all_labels, all_weights, k, gain, discount):
    weight = list_weight(all_labels, all_weights, gain)
    return 0.0 if weight == 0 else weighted_dcg(labels, weights, k, gain, discount) / weight


def ndcg(labels, weights, all_labels, all_weights, k, gain, discount):
    pairs = sorted(zip(all_labels, all_weights), key=lambda p: p[1] * _formulas.gain_of(p[0], gain), reverse=True)
    ideal = weighted_dcg([p[0] for p in pairs], [p[1] for p in pairs], k, gain, discount)
    return 0.0 if ideal == 0 else weighted_dcg(labels, weights, k, gain, discount) / ideal


def list_weight(labels, weights, gain=None):
    """sum w r / sum r (r: 1 per relevant item, or its gain), or None when no item is relevant."""
    relevance = [(_formulas.gain_of(label, gain) if gain else 1.0) if label > 0 else 0.0 for label in labels]
    if sum(relevance) == 0:
        return None
    return sum(w * r for w, r in zip(weights, relevance)) / sum(relevance)


def batch_list_weights(lists, gain, empty_weight):
    """Weight of each list ``(labels, weights)`` (its valid items) of one batch."""
    own = [list_weight(labels, weights, gain) for labels, weights in lists]
    donors = [w for w in own if w is not None and w > 0]
    mean = sum(donors) / len(donors) if donors else 1.0
    out = []
    for (labels, weights), weight in zip(lists, own):
        if weight is not None:
            out.append(weight)
        elif len(weights) == 0 or sum(weights) == 0:
            out.append(0.0)
        else:
            out.append(float(np.mean(weights)) if empty_weight == "own" else mean)
    return np.asarray(out, dtype=np.float64)
