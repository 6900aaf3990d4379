"""Ranking ids by counting: each relevant item's rank, without a top k, for XLA on a GPU.

Under ``ties="first"`` a metric needs only where the relevant items land among the top
K' positions. The rank of item i is the number of items ahead of it in
``tf.math.top_k``'s order: ``#(s_j > s_i) + #(s_j == s_i and j < i)``. For R relevant
ids that is one compare-and-sum over ``[B, R, N]``, which XLA fuses into a single kernel
that reads the scores once per list: on a GPU far cheaper than XLA's TopK (a sort over
every list), while on a CPU the same count loses to `fastrank.top_k`. The result is the
same `Ranked` view as the top k's, value for value: positions follow ``tf.math.top_k``'s
order, equal scores broken by index, -0.0 equal to 0.0.

Dense labels on a GPU keep the top k, which there is `fastrank.counted_top_k` (counting
too, over chunk candidates). `method` picks the path; `choose` (`fastrank.choose`)
forces it, with `on_gpu`: the XLA replay export traces what a GPU runs on a machine
without one, and the tests compare both paths.
"""

import tensorflow as tf

from tfrank.engine import fastrank

MAX_IDS = 32  # ids lists padded to more than this many relevant ids take the top k
MAX_ITEMS = 1 << 17  # longer lists take the top k (measured on an H100: 3.25 against 2.78
# read passes at N = 1,000,000, B = 64; 1.36 against 2.08 at N = 10,000, B = 1,024)
choose, on_gpu = fastrank.choose, fastrank.on_gpu


def method(lists, ties):
    """"count" or "top_k" for this batch: counting needs ids labels, ``ties="first"``, no
    per-item weights, a bounded number of relevant ids and of items (static), and pays under
    XLA on a GPU (dense labels there take `fastrank.counted_top_k`)."""
    if lists.ids is None or ties != "first" or lists.weights is not None:
        return "top_k"
    if not (isinstance(lists.ids.shape[1], int) and lists.ids.shape[1] <= MAX_IDS):
        return "top_k"
    n_items = lists.scores.shape[1]
    if not isinstance(n_items, int) or n_items > MAX_ITEMS:
        return "top_k"
    return "count" if on_gpu() else "top_k"


def ranks(scores, index):
    """``[B, R]`` int32 rank (0 = first) of the items ``index`` ``[B, R]`` (each in [0, N)) in
    ``tf.math.top_k``'s order of ``scores`` ``[B, N]``: one fused compare-and-sum."""
    own = tf.gather(scores, index, batch_dims=1)[:, :, None]
    others = scores[:, None, :]
    position = tf.range(tf.shape(scores)[1], dtype=index.dtype)[None, None, :]
    ahead = (others > own) | ((others == own) & (position < index[:, :, None]))
    return tf.reduce_sum(tf.cast(ahead, tf.int32), axis=2)


def place(rank, value, present, depth):
    """``[B, K']``: ``value`` ``[B, R]`` at position ``rank``, for the ``present`` items ranked
    within the top ``depth``; 0 elsewhere (distinct items have distinct ranks)."""
    at = tf.equal(rank[:, :, None], tf.range(depth, dtype=rank.dtype)[None, None, :]) & present[:, :, None]
    return tf.reduce_sum(tf.where(at, value[:, :, None], 0.0), axis=1)


def id_gains(lists, depth):
    """``[B, K']`` gains (1.0 / 0.0) of the top ``depth`` positions, for ids labels."""
    present = lists.ids >= 0
    rank = ranks(lists.scores, tf.maximum(lists.ids, 0))
    # A repeated id lands twice on its position: cap at 1, as the top k's membership test does.
    return tf.minimum(place(rank, tf.cast(present, tf.float32), present, depth), 1.0)
