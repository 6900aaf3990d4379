"""``ties="expected"``: exact expected values over every ordering of tied items, no enumeration.

McSherry & Najork, "Computing Information Retrieval Performance Measures Efficiently in
the Presence of Tied Scores", ECIR 2008. Items of equal score form a tie group, and
every ordering of a group is equally likely, independently across groups. Read off
`tfrank.engine.ranking.TieGroups` (group start s, size n, relevant count r per position):

* P, R, F1 (= 2 hits / (K + n_rel)), R-precision, DCG and NDCG are linear in the
  per-position relevance or gain, so their expectation uses each position's group
  mean (``TieGroups.hits`` and ``TieGroups.mean_gain``); nothing here.
* HitRate and MRR depend on the first relevant position. Reading a group's positions
  in order is drawing its items without replacement, so position i (offset o = i - s
  in its group) is non-relevant, given that the group's earlier positions were, with
  probability ``f_i = (n - r - o) / (n - o)``. Then P(no hit in the top i) = f_1 ... f_i
  (over a whole group the product is 1 if r = 0 and 0 otherwise) and P(first hit at
  i) = f_1 ... f_{i-1} (1 - f_i): `miss_factors`.
* AP's numerator sum_i rel_i hits@i / i needs E[rel_i rel_j]: r/n for i = j,
  r(r-1) / (n(n-1)) for two positions of one group, a product of means across groups:
  `pair_terms`. With ``normalizer="hits"`` the denominator hits@K is random too:
  `average_precision_by_hits` conditions on the number h of relevant items that the
  group straddling K puts above the cut-off (hypergeometric).
"""

import tensorflow as tf

from tfrank.engine import ranking


def _offsets(ranked):
    """``[B, K']`` position minus group start: the position's offset within its tie group."""
    groups = ranked.ties
    return tf.cast(tf.range(tf.shape(groups.start)[1]), tf.float32)[None, :] - groups.start


def miss_factors(ranked):
    """``[B, K']`` P(position i is not relevant | its group's earlier positions were not)."""
    groups = ranked.ties
    left = groups.size - _offsets(ranked)  # items of the group not yet placed, >= 1
    return tf.maximum(left - groups.relevant, 0.0) / left


def pair_terms(ranked):
    """``[B, K']`` E[rel_i * hits@i] = E[rel_i] + E[rel_i * relevant items above i]."""
    groups = ranked.ties
    p = tf.math.divide_no_nan(groups.relevant, groups.size)
    above = tf.gather(groups.hits, tf.cast(groups.start, tf.int32), batch_dims=1)  # whole groups: exact
    both = tf.math.divide_no_nan(groups.relevant * (groups.relevant - 1.0), groups.size * (groups.size - 1.0))
    return p * (1.0 + above) + _offsets(ranked) * both


def _log_hypergeometric(n, r, m, h_max):
    """``[B, h_max + 1]`` log P(h relevant among m drawn from n items holding r relevant).

    P(h) = C(m, h) * prod_{j<h} (r - j) / (n - j) * prod_{j<m-h} (n - r - j) / (n - h - j),
    each factor a sum of logs of small ratios (no lgamma: float32 stays accurate for
    large n). Impossible h give log 0 = -inf, hence P = 0.
    """
    j = tf.range(h_max, dtype=tf.float32)[None, :]
    n, r, m = n[:, None], r[:, None], m[:, None]
    log_choose = tf.math.log(tf.maximum(m - j, 0.0) / (j + 1.0))
    log_relevant = tf.math.log(tf.maximum(r - j, 0.0) / tf.maximum(n - j, 1.0))
    # The last product, rewritten over u = h..m-1 as prod (n - r - m + u + 1) / (n - u):
    # a reverse cumulative sum gives it for every h at once.
    log_rest = tf.where(j < m, tf.math.log(tf.maximum(n - r - m + j + 1.0, 0.0) / tf.maximum(n - j, 1.0)), 0.0)
    zero = tf.zeros_like(n)
    forward = tf.concat([zero, tf.cumsum(log_choose + log_relevant, axis=1)], axis=1)
    backward = tf.concat([tf.cumsum(log_rest, axis=1, reverse=True), zero], axis=1)
    return forward + backward


def average_precision_by_hits(ranked, pair_prefix, k):
    """``[B]`` E[sum_{i<=K} rel_i hits@i / i  /  hits@K] (0 when hits@K = 0).

    Groups wholly above the cut-off contribute a fixed H relevant items and, in
    expectation, ``pair_prefix`` up to the boundary group's start s. The boundary
    group (n items, r relevant) puts m = K - s items above the cut-off, h of them
    relevant; given h, its relevant items are a uniform h-subset of those m positions,
    so position s + 1 + o adds (h/m) (1 + H) + o h (h-1) / (m (m-1)) to the numerator.
    """
    groups = ranked.ties
    cut = ranking.clamp(k, ranked.depth)

    def at_cut(values):  # the last position above the cut-off (a padded 0 for lists of no item)
        return tf.gather(tf.pad(values, [[0, 0], [0, 1]]), tf.maximum(cut - 1, 0), axis=1)

    start, n, r = at_cut(groups.start), at_cut(groups.size), at_cut(groups.relevant)
    m = tf.cast(cut, tf.float32) - start
    start_index = tf.cast(start, tf.int32)[:, None]
    above = tf.gather(groups.hits, start_index, batch_dims=1)[:, 0]
    fixed = tf.gather(pair_prefix, start_index, batch_dims=1)[:, 0]
    harmonic = ranking.prefix_sums(1.0 / tf.cast(tf.range(1, tf.shape(groups.start)[1] + 1), tf.float32)[None, :])
    d1 = harmonic[0, cut] - tf.gather(harmonic[0], start_index[:, 0])  # sum_o 1 / (s + 1 + o)
    d2 = m - (start + 1.0) * d1  # sum_o o / (s + 1 + o)
    h = tf.range(k + 1, dtype=tf.float32)[None, :]
    numerator = (
        fixed[:, None]
        + (h / m[:, None]) * (1.0 + above[:, None]) * d1[:, None]
        + tf.math.divide_no_nan(h * (h - 1.0), (m * (m - 1.0))[:, None]) * d2[:, None]
    )
    probability = tf.exp(_log_hypergeometric(n, r, m, k))
    return tf.reduce_sum(probability * tf.math.divide_no_nan(numerator, above[:, None] + h), axis=1)
