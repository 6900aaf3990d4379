"""Diversity metrics over subtopic labels: alpha-DCG@K and Precision-IA@K (TF-Ranking's ``AlphaDCGMetric``,
``PrecisionIAMetric``; ndeval's ``alpha-DCG`` and ``P-IA``).

Subtopic labels ``y_true`` ``[B, N, S]``: ``y[b, i, t]`` > 0 when item i is relevant to
subtopic t of list b (graded values count with their value in alpha-DCG). A negative
entry is padding: a subtopic that list does not have (it is never relevant). An item
whose S entries are all negative is a padding item, excluded like a masked one
(TF-Ranking's convention: ragged lists padded with -1 everywhere). Every other label
form (``[B, N]`` labels, ids, class ids) is the single-subtopic case S = 1.

`normalize` is the subtopic form of `tfrank.engine.inputs.normalize`: it reduces the
labels to one ``[B, N]`` label per item, the number of subtopics it is relevant to (so
that ranking, masking, NaN scores, per-item weights and the empty-list policy are the
shared ones: a list is empty when no item is relevant to any subtopic), and keeps the
``[B, N, S]`` labels beside it for alpha-DCG.

* ``alpha-DCG@K = sum_{i<=K} d(i) sum_t y_it (1 - alpha)^(sum_{j<i} y_jt)`` (Clarke et al.,
  SIGIR 2008), d the rank discount (1 / log2(i + 1) by default); not normalised.
* ``Precision-IA@K = sum_{i<=K} sum_t [y_it > 0] / (K * S_rel)``, S_rel the subtopics
  with a relevant item in the list (Agrawal et al., WSDM 2009, with uniform subtopic
  probabilities; TREC 2009 Web track); ``denominator="min_k_n"`` divides by
  min(K, valid items) instead of K, as TF-Ranking does.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from tfrank.engine import fastrank, inputs, ranking, validation, weights
from tfrank.engine.definitions import DISCOUNT_CHOICES, Definition, _at, _cutoffs, _discounted, _gains, _hits

SUBTOPIC_METRICS = ("alpha_dcg", "precision_ia")
SHAPE = "subtopic labels [batch, items, subtopics]"


def _rank(y_true):
    if isinstance(y_true, dict):
        y_true = y_true.get("labels")
    if isinstance(y_true, (tf.Tensor, tf.Variable, tf.RaggedTensor)):
        return y_true.shape.rank
    try:
        return np.ndim(y_true)
    except ValueError:  # rows of unequal lengths: ragged ids
        return None


def given(y_true):
    """True when ``y_true`` (or its dict's ``"labels"``) holds subtopic labels: rank 3."""
    return _rank(y_true) == 3


def check_metrics(requests, y_true):
    """Subtopic labels serve only the metrics that take them."""
    others = [metric for metric, _, _ in requests if metric not in SUBTOPIC_METRICS]
    if others:
        valid = f"labels [batch, items], ids or class ids for {', '.join(others)} ({SHAPE} are for alpha_dcg and precision_ia)"
        raise validation.invalid("y_true", y_true, valid)


def normalize(y_true, y_pred, *, mask=None, label_format=None, item_weights=None):
    """`tfrank.engine.inputs.Lists` of subtopic labels ``[B, N, S]``, with ``subtopics`` set."""
    y_true, mask = inputs._split_dict(y_true, mask)  # the dict form {"labels", "mask"}, as for any labels
    validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
    if label_format == "ids" or isinstance(y_true, tf.RaggedTensor):
        raise validation.invalid("y_true", y_true, f"dense {SHAPE} (not ids: label_format must be None or 'dense')")
    labels = tf.convert_to_tensor(y_true)
    scores = tf.convert_to_tensor(y_pred)
    if not (labels.dtype.is_floating or labels.dtype.is_integer or labels.dtype == tf.bool):
        raise validation.invalid("y_true", labels, f"numeric {SHAPE}", TypeError)
    if scores.shape.rank == 2 and not labels.shape[:2].is_compatible_with(scores.shape):
        raise validation.invalid("y_true", labels, f"{SHAPE} with [batch, items] the shape of y_pred {scores.shape.as_list()}")
    labels = tf.cast(labels, tf.float32)
    item_valid = tf.reduce_any(labels >= 0.0, axis=2)  # all S entries negative (or NaN): a padding item
    relevant = labels > 0.0
    counts = tf.reduce_sum(tf.cast(relevant, tf.float32), axis=2)
    lists = inputs.normalize(tf.where(item_valid, counts, -1.0), scores, mask=mask, label_format="dense",
                             item_weights=item_weights)
    kept = lists.valid[:, :, None] & relevant  # valid: neither padding nor masked nor of weight 0
    return dataclasses.replace(lists, subtopics=tf.where(kept, labels, 0.0))


def _subtopic_labels(ranked):
    """``[B, K', S]`` the subtopic labels at each position (S = 1 for ordinary labels)."""
    return ranked.subtopics if ranked.subtopics is not None else ranked.gains[:, :, None]


def alpha_dcg(ranked, ks, *, alpha=0.5, discount="log2"):
    """sum_{i <= K} d(i) sum_t y_it (1 - alpha)^(y_t above i); per-item weights: sum w_i ... / w_list."""
    labels = _subtopic_labels(ranked)
    seen = tf.cumsum(labels, axis=1, exclusive=True)  # each subtopic's relevance ranked above
    gains = tf.reduce_sum(labels * tf.pow(1.0 - float(alpha), seen), axis=2)
    if ranked.weights is not None:
        gains = gains * ranked.weights
    value = _at(ranking.prefix_sums(_discounted(gains, discount)), ranked, ks)
    if ranked.weights is None:
        return value
    return tf.math.divide_no_nan(value, weights.list_weight(ranked.lists)[:, None])


def precision_ia(ranked, ks, *, denominator="k"):
    """(Expected) relevant (item, subtopic) pairs in the top K over K * S_rel (or min(K, valid items) * S_rel)."""
    lists = ranked.lists
    if lists.subtopics is None:  # one subtopic: hits@K over K, for lists with a relevant item
        covered = _at(_hits(ranked), ranked, ks)
        n_subtopics = tf.cast(lists.n_relevant > 0.0, tf.float32)
    else:  # ranked.gains counts each position's relevant subtopics
        covered = _at(ranking.prefix_sums(_gains(ranked, "linear")), ranked, ks)
        n_subtopics = fastrank.count_true(tf.reduce_any(lists.subtopics > 0.0, axis=1))
    cutoffs = _cutoffs(ks)
    if denominator == "min_k_n":
        cutoffs = tf.minimum(cutoffs, lists.n_valid[:, None])
    return tf.math.divide_no_nan(covered, cutoffs * n_subtopics[:, None])


DEFINITIONS = {
    "alpha_dcg": Definition(alpha_dcg, {"alpha": (0.5,), "discount": DISCOUNT_CHOICES}, ties=("first",),
                            subtopics=True),
    "precision_ia": Definition(precision_ia, {"denominator": ("k", "min_k_n")}, subtopics=True),
}
