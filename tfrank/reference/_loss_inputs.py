"""Shared by the reference losses: each list's valid items with their weights, ranks, lambda weights.

Lambda weights are given as ``(class name, config)``, e.g. ``("NDCGLambdaWeight", {"k": 5})``
(what ``type(w).__name__, w.get_config()`` gives for a tfrank lambda weight); their
formulas are written out here from TF-Ranking's definitions (Burges 2010; Wang et al.
2018), item pair by item pair.
"""

import math

import numpy as np

from tfrank.reference._inputs import normalise


class ListItems:
    """One list: ``scores``, ``labels``, ``weights`` of its valid items in index order,
    ``weight`` (its per-list weight, 1.0 without) and ``size`` (the padded list size N)."""

    def __init__(self, scores, labels, weights, weight, size, per_item):
        self.scores, self.labels, self.weights, self.weight, self.size = scores, labels, weights, weight, size
        self.per_item = per_item

    def __len__(self):
        return len(self.scores)

    def divisor(self, normalizer):
        return {"valid": len(self.scores), "list_size": self.size, "none": 1}[normalizer]

    def listwise_weight(self):
        """The list's weight: per list as given, or under item weights ``Σ w_i y_i / Σ y_i``
        (0 without a relevant item), TF-Ranking's list-wise rule."""
        if not self.per_item:
            return self.weight
        total = sum(self.labels)
        return sum(w * y for w, y in zip(self.weights, self.labels)) / total if total > 0 else 0.0


def lists(y_true, y_pred, mask=None, label_format=None, sample_weight=None):
    """A `ListItems` per row of y_pred. sample_weight: None, per list ``[B]``/``[B, 1]``, or per item ``[B, N]``."""
    shape = np.shape(y_pred)
    per_item = sample_weight is not None and np.ndim(sample_weight) == 2 and np.shape(sample_weight)[1] == shape[1] != 1
    if per_item:
        rows = normalise(y_true, y_pred, mask, label_format, weights=sample_weight, zero_weight_valid=True)
        return [ListItems(s, y, w, 1.0, shape[1], True) for s, y, w in rows]
    per_list = np.ones(shape[0]) if sample_weight is None else np.broadcast_to(
        np.asarray(sample_weight, np.float64).reshape(-1), (shape[0],))
    rows = normalise(y_true, y_pred, mask, label_format)
    return [ListItems(s, y, np.ones(len(s)), float(w), shape[1], False) for (s, y), w in zip(rows, per_list)]


def ranks(scores):
    """1-based ranks by score, descending; equal scores in index order."""
    return [1 + sum(1 for j, t in enumerate(scores) if t > s or (t == s and j < i)) for i, s in enumerate(scores)]


# === Lambda weights ===


def gain(label, kind):
    if label <= 0:
        return 0.0
    return {"linear": label, "exponential": 2.0 ** label - 1.0}[kind] if isinstance(kind, str) else float(kind(label))


def discount(rank, kind):
    if isinstance(kind, str):
        return {"log2": 1.0 / math.log2(1.0 + rank), "reciprocal": 1.0 / rank}[kind]
    return float(kind(rank))


def _dcg_config(name, config):
    options = {"k": None, "gain": "linear", "discount": "reciprocal", "normalized": False, "smooth_fraction": 0.0}
    if name == "NDCGLambdaWeight":
        options.update(gain="exponential", discount="log2", normalized=True)
    options.update(config)
    return options


def _ideal_dcg(labels, options):
    ordered = sorted(labels, reverse=True)[: options["k"]] if options["k"] else sorted(labels, reverse=True)
    return sum(gain(y, options["gain"]) * discount(r, options["discount"]) for r, y in enumerate(ordered, 1))


def _scaled_gain(label, labels, options):
    g = gain(label, options["gain"])
    if options["normalized"]:
        ideal = _ideal_dcg(labels, options)
        g = g / ideal if ideal > 0 else 0.0
    return g


def pair_weight(lambda_weight, labels, rank, i, j, n):
    """λ of the pair (i, j) of a list (labels and ranks of its valid items), n the list size."""
    if lambda_weight is None:
        return 1.0
    name, config = lambda_weight
    if name == "LabelDiffLambdaWeight":
        return abs(labels[i] - labels[j])
    if name == "PrecisionLambdaWeight":
        k = config["k"]
        return float((labels[i] > 0) != (labels[j] > 0) and (rank[i] <= k) != (rank[j] <= k))
    options = _dcg_config(name, config)
    k = options["k"] or math.inf
    if rank[i] > k and rank[j] > k:
        return 0.0
    d = options["discount"]
    apart = abs(rank[i] - rank[j])
    near = abs(discount(apart, d) - discount(apart + 1, d)) if apart > 0 else 0.0
    far = abs((discount(rank[i], d) if rank[i] <= k else 0.0) - (discount(rank[j], d) if rank[j] <= k else 0.0))
    fraction = options["smooth_fraction"]
    swing = abs(_scaled_gain(labels[i], labels, options) - _scaled_gain(labels[j], labels, options))
    return swing * ((1.0 - fraction) * near + fraction * far) * n


def item_weight(lambda_weight, labels, rank, i):
    """The item weight of a DCG lambda weight, ``G(y_i) D(r_i)`` (the softmax loss' target)."""
    options = _dcg_config(*lambda_weight)
    return _scaled_gain(labels[i], labels, options) * discount(rank[i], options["discount"])


def position_weight(lambda_weight, position):
    """A ListMLE lambda weight at a 1-based position: its discount."""
    return discount(position, lambda_weight[1].get("discount", "log2"))
