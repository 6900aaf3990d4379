"""Ranking by counting: each relevant item's rank, without a top k, for XLA on a GPU.

Under ``ties="first"`` a metric needs only where the relevant items land among the top
K' positions. The rank of item i is the number of items ahead of it in
``tf.math.top_k``'s order: ``#(s_j > s_i) + #(s_j == s_i and j < i)``. For R relevant
items that is one compare-and-sum over ``[B, R, N]``, which XLA fuses into a single
kernel that reads the scores once per list: on a GPU far cheaper than XLA's TopK (a sort
network over every list), while on a CPU the same count loses to `fastrank.top_k`.

Relevant ids ``[B, R]`` give the items directly. Dense labels first gather the relevant
items' indices into `SLOTS` slots (a running count of the relevant items, then one
compare-and-sum per slot); a batch with a list of more relevant items than that takes the
top k instead (a ``tf.cond``). The result is the same `Ranked` view as the top k's, value
for value: positions follow ``tf.math.top_k``'s order, equal scores broken by index,
-0.0 equal to 0.0.

`method` picks the path and `on_gpu` says whether a GPU is assumed (the NaN check then skips
its ``tf.cond``: an XLA conditional on a GPU copies its predicate to the host and waits for
it, while the exact check is one fused reduction); `choose` forces both (the XLA replay export, which must trace
what a GPU runs on a machine without one, and the tests that compare both paths).
"""

import contextlib

import tensorflow as tf

from tfrank.engine import fastrank

MAX_IDS = 32  # ids lists padded to more than this many relevant ids take the top k
SLOTS = 8  # dense labels: lists with up to this many relevant items are counted
CHOICES = ("device", "count", "top_k")
_CHOICE = ["device"]


@contextlib.contextmanager
def choose(method):
    """Within the block, rank by ``"count"`` or ``"top_k"`` wherever both are exact
    (``"device"``: counting under XLA with a GPU visible, the default)."""
    if method not in CHOICES:
        raise ValueError(f"method must be one of {CHOICES}; got {method!r}")
    _CHOICE.append(method)
    try:
        yield
    finally:
        _CHOICE.pop()


def method(lists, ties):
    """"count" or "top_k" for this batch: counting needs ``ties="first"``, no per-item
    weights and a bounded number of relevant ids (static), and pays under XLA on a GPU."""
    if ties != "first" or lists.weights is not None:
        return "top_k"
    if lists.ids is not None and not (isinstance(lists.ids.shape[1], int) and lists.ids.shape[1] <= MAX_IDS):
        return "top_k"
    return "count" if on_gpu() else "top_k"


def on_gpu():
    """True while tracing for XLA with a GPU visible (what Keras' ``fit`` compiles there), or
    inside ``choose("count")``; False inside ``choose("top_k")``."""
    if _CHOICE[-1] != "device":
        return _CHOICE[-1] == "count"
    return fastrank.compiling_with_xla() and bool(tf.config.list_logical_devices("GPU"))


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


def slots(labels, count):
    """``(index [B, S], present [B, S])``: the first `SLOTS` relevant items of each list, in index order."""
    relevant = labels > 0.0
    order = tf.cumsum(tf.cast(relevant, tf.int32), axis=1) - 1  # each relevant item's slot
    slot = tf.range(SLOTS, dtype=tf.int32)[None, :, None]
    position = tf.range(tf.shape(labels)[1], dtype=tf.int32)[None, None, :]
    taken = relevant[:, None, :] & tf.equal(order[:, None, :], slot)
    index = tf.reduce_sum(tf.where(taken, position, 0), axis=2)
    return index, tf.range(SLOTS)[None, :] < count[:, None]


def dense_gains(lists, depth):
    """``([B, K'] gains, [B, K'] ideal labels)`` for dense labels: counted when every list has at
    most `SLOTS` relevant items, through the top k otherwise; ideal: the labels sorted descending."""
    count = tf.cast(lists.n_relevant, tf.int32)

    def counted():
        index, present = slots(lists.labels, count)
        label = tf.gather(lists.labels, index, batch_dims=1) * tf.cast(present, tf.float32)
        gains = place(ranks(lists.scores, index), label, present, depth)
        ideal = tf.math.top_k(label, SLOTS, sorted=True).values  # S labels: a tiny sort
        return gains, _fit(ideal, depth)

    def ranked():
        top = fastrank.top_k(lists.scores, depth)
        return tf.gather(lists.labels, top.indices, batch_dims=1), fastrank.top_k(lists.labels, depth).values

    return tf.cond(tf.reduce_max(count) <= SLOTS, counted, ranked)  # an empty batch: the int minimum


def _fit(values, depth):
    """``[B, S]`` -> ``[B, K']``: cut or pad with zeros."""
    width = tf.shape(values)[1]
    padded = tf.pad(values, [[0, 0], [0, tf.maximum(depth - width, 0)]])
    return padded[:, :depth]
