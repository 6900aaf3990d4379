"""ARP and OPA: definitions over the whole ranking of a list (TF-Ranking's ``ARPMetric``, ``OPAMetric``).

Both rank the whole list (``cutoff=False``, as R-precision): ``ranked.gains`` ``[B, N]``
holds each position's label, the valid items first (excluded items rank last with gain
0), so position p (0-based) is valid when ``p < n_valid``.

* ARP, average relevance position: ``sum_i rank_i y_i w_i / sum_i y_i w_i`` (lower is
  better), with graded labels y as weights of the positions and w the per-item weights
  (1 without). ``ties="expected"``: every item of a tie group has the expected rank
  ``start + (size + 1) / 2``, and ARP is linear in the ranks, so it is exact.
* OPA, ordered pair accuracy: over the pairs (i, j) of valid items with y_i > y_j, the
  ``w_i``-weighted share that the ranking puts i above j. ``ties="first"``: tied items in
  index order (the ranking's order); ``"expected"``: a tied pair counts 1/2.

``average="micro"`` (TF-Ranking's mean) weighs a list by its *mass* instead of its weight:
``sum_i y_i w_i`` for ARP, ``sum over ordered pairs of w_i`` for OPA (times the per-list
weight), so the mean runs over units of relevance or over pairs of the whole data set
rather than over lists. ``"macro"`` (default) is the weighted mean over lists of the
per-list values, as for every tfrank metric.
"""

import tensorflow as tf

from tfrank.engine import ranking
from tfrank.engine.definitions import Definition

AVERAGES = ("macro", "micro")


def _item_weights(ranked):
    """``[B, N]`` per-item weights at each position, or 1.0 without them."""
    return 1.0 if ranked.weights is None else ranked.weights


def _ranks(ranked):
    """``[B, N]`` the (expected) 1-based rank of the item at each position."""
    if ranked.ties is None:
        return tf.cast(tf.range(1, tf.shape(ranked.gains)[1] + 1), tf.float32)[None, :]
    return ranked.ties.start + (ranked.ties.size + 1.0) / 2.0


def arp(ranked, ks, *, average="macro"):
    """sum_i rank_i y_i w_i / sum_i y_i w_i, and its mass sum_i y_i w_i."""
    relevance = ranked.gains * _item_weights(ranked)
    mass = tf.reduce_sum(relevance, axis=1)
    value = tf.math.divide_no_nan(tf.reduce_sum(_ranks(ranked) * relevance, axis=1), mass)
    return value[:, None], mass


def _valid_positions(ranked):
    positions = tf.cast(tf.range(tf.shape(ranked.gains)[1]), tf.float32)[None, :]
    return positions < ranked.lists.n_valid[:, None]


def _binary_pairs(ranked):
    """``[B, N]`` (expected) correctly ordered pairs and all pairs of each relevant position (ids: labels 1/0).

    O(N) after the ranking: a relevant item is above every irrelevant one ranked below
    its position (``"first"``) or below its tie group, plus half of those in the group.
    """
    relevant = ranked.gains > 0.0
    irrelevant = tf.cast(_valid_positions(ranked) & ~relevant, tf.float32)
    total = tf.reduce_sum(irrelevant, axis=1, keepdims=True)
    through = ranking.prefix_sums(irrelevant)  # [B, N + 1] irrelevant items among the top i
    if ranked.ties is None:
        correct = total - through[:, 1:]
    else:
        start = tf.cast(ranked.ties.start, tf.int32)
        end = start + tf.cast(ranked.ties.size, tf.int32)
        above_end = tf.gather(through, end, batch_dims=1)
        correct = total - above_end + 0.5 * (above_end - tf.gather(through, start, batch_dims=1))
    flag = tf.cast(relevant, tf.float32)
    return flag * correct, flag * total


def _graded_pairs(ranked):
    """The same for graded labels, over ``[B, N, N]`` pairs of positions (memory: B N^2)."""
    gains, valid = ranked.gains, _valid_positions(ranked)
    higher = (gains[:, :, None] > gains[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    positions = tf.range(tf.shape(gains)[1])
    before = positions[:, None] < positions[None, :]  # [N, N]: p ranked above q
    if ranked.ties is None:
        credit = tf.cast(before, tf.float32)[None]
    else:
        tied = tf.equal(ranked.ties.start[:, :, None], ranked.ties.start[:, None, :])
        credit = tf.where(tied, 0.5, tf.cast(before, tf.float32)[None])
    correct = tf.reduce_sum(tf.where(higher, credit, 0.0), axis=2)
    return correct, tf.reduce_sum(tf.cast(higher, tf.float32), axis=2)


def opa(ranked, ks, *, average="macro"):
    """sum of w_i over correctly ordered pairs / sum of w_i over pairs with y_i > y_j, and that mass."""
    correct, pairs = (_binary_pairs if ranked.lists.labels is None else _graded_pairs)(ranked)
    weights = _item_weights(ranked)
    mass = tf.reduce_sum(pairs * weights, axis=1)
    return tf.math.divide_no_nan(tf.reduce_sum(correct * weights, axis=1), mass)[:, None], mass


def has_pair(lists):
    """``[B]`` True where two valid items have different labels (OPA has a pair to score)."""
    if lists.labels is None:
        return (lists.n_relevant > 0.0) & (lists.n_valid > lists.n_relevant)
    valid = lists.valid if lists.valid is not None else tf.ones_like(lists.labels, tf.bool)
    top = tf.reduce_max(tf.where(valid, lists.labels, -float("inf")), axis=1)
    bottom = tf.reduce_min(tf.where(valid, lists.labels, float("inf")), axis=1)
    return top > bottom


DEFINITIONS = {
    "arp": Definition(arp, {"average": AVERAGES}, cutoff=False),
    "opa": Definition(opa, {"average": AVERAGES}, cutoff=False, countable=has_pair),
}
