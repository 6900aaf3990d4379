"""The shared engine: one top_k at max(k) and one ``tf.gather`` of the labels.

The top_k is `tfrank.engine.fastrank.top_k`: exactly ``tf.math.top_k``'s values and indices,
computed through chunk maxima when the lists are long enough for that to be faster. Under
XLA on a GPU, ids labels skip it: `tfrank.engine.counting` counts each relevant id's rank.

Every metric reads the same `Ranked` view of a batch, so a list of k values, or
several metrics at once, cost one top_k. `rank` is the only producer of that view.
"""

import dataclasses
from typing import Optional

import numpy as np
import tensorflow as tf

from tfrank.engine import counting, fastrank
from tfrank.engine.inputs import Lists


@dataclasses.dataclass(frozen=True)
class Ranked:
    """The top of each list.

    lists: the normalised batch (`tfrank.engine.inputs.Lists`).
    depth: K' = min(max(k), N), the number of ranked positions kept (static when N is);
        N itself when a metric needs the whole ranking (R-precision).
    gains: ``[B, K']`` float relevance of the item at each position (graded for dense
        labels, 1.0/0.0 for ids), 0 for excluded items; equal scores in index order.
    hits: ``[B, K' + 1]`` float, ``hits[:, i]`` = relevant items among the top i.
    ties: ``ties="expected"`` only: each position's tie group (`TieGroups`); None for
        ``ties="first"``, whose formulas read ``gains`` and ``hits`` alone.
    weights: ``[B, K']`` float per-item weight at each position (0 for excluded items),
        or None without per-item weights (`tfrank.engine.weights`).
    subtopics: ``[B, K', S]`` the subtopic labels at each position, for subtopic labels
        only (`tfrank.engine.diversity`), else None.
    """

    lists: Lists
    depth: object
    gains: tf.Tensor
    hits: tf.Tensor
    ties: Optional["TieGroups"] = None
    weights: Optional[tf.Tensor] = None
    subtopics: Optional[tf.Tensor] = None


def clamp(k, depth):
    """min(k, depth) for a Python k and a static or dynamic depth."""
    return min(k, depth) if isinstance(depth, int) else tf.minimum(k, depth)


GAINS = ("linear", "exponential")
MATMUL_DEPTH = 128  # `hit_counts` multiplies by a [K', K' + 1] triangle up to this K'


def gain(labels, kind):
    """Gain of a relevance label: ``2**rel - 1`` (``"exponential"``), ``rel`` (``"linear"``),
    or ``kind(rel)`` for a function, applied to relevant items only (label <= 0 gains 0)."""
    if isinstance(kind, str):
        return tf.pow(2.0, labels) - 1.0 if kind == "exponential" else labels
    return tf.where(labels > 0.0, tf.cast(kind(labels), tf.float32), 0.0)


def _depth(scores, k_max):
    n_items = scores.shape[1]
    if k_max is None:
        return n_items if n_items is not None else tf.shape(scores)[1]
    if n_items is not None:
        return min(k_max, n_items)
    return tf.minimum(k_max, tf.shape(scores)[1])


def top_gains(lists, indices):
    """Relevance of the items at ``indices`` ``[B, K']``, without densifying ids."""
    if lists.labels is not None:
        return tf.gather(lists.labels, indices, batch_dims=1)
    # ids: position p is relevant when its item index is one of the list's ids.
    match = tf.equal(indices[:, :, None], lists.ids[:, None, :])
    return tf.cast(tf.reduce_any(match, axis=2), tf.float32)


def prefix_sums(values):
    """``[B, K']`` -> ``[B, K' + 1]`` with ``out[:, i]`` = sum of the first i values (K' may be 0)."""
    return tf.pad(tf.cumsum(values, axis=1), [[0, 0], [1, 0]])


def hit_counts(flags):
    """``[B, K']`` bool -> ``[B, K' + 1]`` float32 prefix counts, as `prefix_sums` of the flags.

    For a short static K' off XLA, one product with a constant 0/1 triangle: counts are
    small integers, exact in float32 whatever the order of the additions, and a CPU
    ``cumsum`` over a short axis costs about as much as a read pass over the scores.
    Under XLA, the same triangle as one fused compare-and-sum (a cumsum there is a
    reduce-window, a kernel of its own).
    """
    depth = flags.shape[1]
    ones = tf.cast(flags, tf.float32)
    if not isinstance(depth, int) or depth > MATMUL_DEPTH:
        return prefix_sums(ones)
    if fastrank.compiling_with_xla():  # a fused compare-and-sum: XLA's cumsum is a reduce-window
        below = tf.constant(np.triu(np.ones((depth, depth + 1), bool), 1))
        return tf.reduce_sum(tf.where(flags[:, :, None] & below[None], 1.0, 0.0), axis=1)
    return tf.matmul(ones, tf.constant(np.triu(np.ones((depth, depth + 1), np.float32), 1)))


def rank(lists, k_max, *, ties="first", gains=GAINS):
    """Ranks every list once, keeping the top ``min(k_max, N)`` positions (all N for None).

    ``ties="expected"`` adds the tie groups of the kept positions (one more pass over
    the ``[B, N]`` scores, for the group that straddles position K'), with the mean gain
    of each group for every gain kind in ``gains`` (the two built-in ones and any function).
    """
    depth = _depth(lists.scores, k_max)
    if counting.method(lists, ties) == "count":  # ids on a GPU: the same view, without a top k
        labels = counting.id_gains(lists, depth)
        return Ranked(lists=lists, depth=depth, gains=labels, hits=hit_counts(labels > 0.0))
    kinds = gains
    top = fastrank.top_k(lists.scores, depth)  # exactly tf.math.top_k's values and indices
    labels = top_gains(lists, top.indices)
    hits = hit_counts(labels > 0.0)
    groups = tie_groups(lists, top.values, labels, kinds) if ties == "expected" else None
    weights = None if lists.weights is None else tf.gather(lists.weights, top.indices, batch_dims=1)
    subtopics = None if lists.subtopics is None else tf.gather(lists.subtopics, top.indices, batch_dims=1)
    return Ranked(lists=lists, depth=depth, gains=labels, hits=hits, ties=groups, weights=weights, subtopics=subtopics)


# === Tie groups (ties="expected") ===


@dataclasses.dataclass(frozen=True)
class TieGroups:
    """Each ranked position's tie group: the valid items sharing its score, over the whole list.

    Under ``ties="expected"`` every ordering of a group's items is equally likely
    (McSherry & Najork, ECIR 2008), so the expected relevance or gain at a position is
    its group's mean, and the group that straddles position K' needs its size and
    relevant count over the whole list, not only over the top K'.

    start: ``[B, K']`` float, items ranked strictly above the position's group.
    size: ``[B, K']`` float, items in the group (those ranked below K' included).
    relevant: ``[B, K']`` float, relevant items in the group.
    mean_gain: ``{kind: [B, K']}`` the group's mean gain, for "linear", "exponential"
        and every gain function requested.
    hits: ``[B, K' + 1]`` float, expected relevant items among the top i.
    """

    start: tf.Tensor
    size: tf.Tensor
    relevant: tf.Tensor
    mean_gain: dict
    hits: tf.Tensor


def _group_bounds(top_scores):
    """First position and end (exclusive) of each position's run of equal scores in the top K'."""
    depth = tf.shape(top_scores)[1]
    positions = tf.range(depth)[None, :]
    first = tf.concat([tf.ones_like(top_scores[:, :1], tf.bool), top_scores[:, 1:] != top_scores[:, :-1]], axis=1)
    group = tf.cumsum(tf.cast(first, tf.int32), axis=1) - 1
    # Start positions in increasing order, then K' as padding: run g spans starts[g]..starts[g+1].
    starts = tf.sort(tf.where(first, positions, depth), axis=1)
    starts = tf.concat([starts, tf.fill([tf.shape(top_scores)[0], 1], depth)], axis=1)
    return tf.gather(starts, group, batch_dims=1), tf.gather(starts, group + 1, batch_dims=1)


def _boundary_totals(lists, threshold, in_boundary, gains, kinds):
    """Whole-list size, relevant count and gain sums of the items scoring ``threshold`` ``[B, 1]``.

    ``in_boundary`` ``[B, K']`` marks the top positions holding that score. Only when some
    list's boundary group goes on below position K' are labels read over all N items (a
    tf.cond): with distinct scores the top K' alone holds each group whole.
    """
    size = fastrank.count_true(tf.equal(lists.scores, threshold))  # bool temporaries: cheap
    straddles = tf.reduce_any(size > tf.reduce_sum(tf.cast(in_boundary, tf.float32), axis=1))

    def top_only():
        relevant = tf.reduce_sum(tf.cast(in_boundary & (gains > 0.0), tf.float32), axis=1)
        sums = tuple(tf.reduce_sum(tf.where(in_boundary, gain(gains, kind), 0.0), axis=1) for kind in kinds)
        return relevant, sums

    def whole_list():
        tied = tf.equal(lists.scores, threshold)
        if lists.labels is None:  # ids: gather the relevant items' scores, never a [B, N] label tensor
            scores = tf.gather(lists.scores, tf.maximum(lists.ids, 0), batch_dims=1)
            relevant = tf.reduce_sum(tf.cast((lists.ids >= 0) & tf.equal(scores, threshold), tf.float32), axis=1)
            return relevant, tuple(relevant * gain(tf.ones([]), kind) for kind in kinds)
        labels = tf.where(tied & (lists.labels > 0.0), lists.labels, 0.0)  # gain(0) = 0 for every kind
        sums = tuple(tf.reduce_sum(gain(labels, kind), axis=1) for kind in kinds)
        return fastrank.count_true(labels > 0.0), sums

    relevant, sums = tf.cond(straddles, whole_list, top_only)  # sums: a tuple (tf.nest sorts dict keys)
    return size, relevant, dict(zip(kinds, sums))


def tie_groups(lists, top_scores, gains, kinds=GAINS, boundary_totals=None):
    """`TieGroups` of the top K' positions, given their scores and labels ``[B, K']``.

    ``kinds``: the gains whose group means are needed (names or functions).
    ``boundary_totals(threshold, in_boundary, gains, kinds)`` gives the size, relevant count
    and gain sums of the group that straddles K' over the whole list; by default read from
    ``lists.scores`` (a producer that never holds ``[B, N]`` scores passes its own).
    """
    start, end = _group_bounds(top_scores)
    threshold = top_scores[:, -1:]
    in_boundary = tf.equal(top_scores, threshold)  # the last group, which may go on below K'
    totals = boundary_totals or (lambda *args: _boundary_totals(lists, *args))
    size_b, relevant_b, sums_b = totals(threshold, in_boundary, gains, kinds)

    def whole_group(values, boundary_total):
        within = prefix_sums(values)
        local = tf.gather(within, end, batch_dims=1) - tf.gather(within, start, batch_dims=1)
        return tf.where(in_boundary, boundary_total[:, None], local)

    size = whole_group(tf.ones_like(gains), size_b)
    relevant = whole_group(tf.cast(gains > 0.0, tf.float32), relevant_b)
    mean_gain = {
        kind: tf.math.divide_no_nan(whole_group(gain(gains, kind), sums_b[kind]), size) for kind in sums_b
    }
    return TieGroups(
        start=tf.cast(start, tf.float32),
        size=size,
        relevant=relevant,
        mean_gain=mean_gain,
        hits=prefix_sums(tf.math.divide_no_nan(relevant, size)),
    )
