"""Ranking ids by counting: each relevant item's rank, without a top k, for XLA on a GPU.

Under ``ties="first"`` a metric needs only where the relevant items land among the top
K' positions. The rank of item i is the number of items ahead of it in
``tf.math.top_k``'s order: ``#(s_j > s_i) + #(s_j == s_i and j < i)``, a compare-and-sum
over the list. On a GPU that is far cheaper than XLA's TopK (a sort of every list), while
on a CPU it loses to `fastrank.top_k`. The result is the same `Ranked` view as the top
k's, value for value: positions follow ``tf.math.top_k``'s order, equal scores broken by
index, -0.0 equal to 0.0.

Each of the R relevant ids gets its own compare-and-sum over ``[B, N]``: R sibling
reductions of the same scores, which XLA can fuse into one kernel that reads them once.
One reduction over ``[B, R, N]`` reads each list R times (`LAYOUTS`; measured on an H100,
device time, B = 1024, N = 10,000, R = 5: 25 us as siblings, 46 us as one reduction).

Dense labels, and ids on lists longer than `MAX_ITEMS`, keep the top k (chunked on a GPU,
by `fastrank.top_k`: counting every item of a chunk's candidates lost to it on the H100).
`method` picks the path; `fastrank.choose` forces it (and `fastrank.on_gpu`): the XLA
replay export traces what a GPU runs on a machine without one, and the tests compare
both paths.
"""

import contextlib

import tensorflow as tf

from tfrank.engine import fastrank

MAX_IDS = 32  # ids lists padded to more than this many relevant ids take the top k
MAX_ITEMS = 1 << 17  # longer lists take the top k (measured on an H100, wall clock, [B, R, N]
# layout: counting 3.25 read passes against 2.78 at N = 1e6, B = 64; 1.36 against 2.08 at N = 10,000)
LAYOUTS = ("siblings", "broadcast")  # R reductions over [B, N], or one over [B, R, N]
_LAYOUT = ["siblings"]  # a stack, read while a function is traced (see `layout`)


@contextlib.contextmanager
def layout(name):
    """Within the block, `ranks` compares in layout ``name`` (the replay benchmark exports both).

    NOTE: a trace-time switch, one per process, like `fastrank.choose`: it acts on the
    functions traced inside the block, not on their later calls.
    """
    if name not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}; got {name!r}")
    _LAYOUT.append(name)
    try:
        yield
    finally:
        _LAYOUT.pop()


def method(lists, ties):
    """"count" or "top_k" for this batch: counting needs ids labels, ``ties="first"``, no
    per-item weights, a bounded number of relevant ids and of items (static), and pays under
    XLA on a GPU."""
    if lists.ids is None or ties != "first" or lists.weights is not None:
        return "top_k"
    if not (isinstance(lists.ids.shape[1], int) and lists.ids.shape[1] <= MAX_IDS):
        return "top_k"
    n_items = lists.scores.shape[1]
    if not isinstance(n_items, int) or n_items > MAX_ITEMS:
        return "top_k"
    return "count" if fastrank.on_gpu() else "top_k"


def ranks(scores, index):
    """``[B, R]`` int32 rank (0 = first) of the items ``index`` ``[B, R]`` (each in [0, N)) in
    ``tf.math.top_k``'s order of ``scores`` ``[B, N]``: a compare-and-sum per item."""
    own = tf.gather(scores, index, batch_dims=1)
    position = tf.range(tf.shape(scores)[1], dtype=index.dtype)[None, :]
    if _LAYOUT[-1] == "broadcast" or not isinstance(index.shape[1], int):
        ahead = (scores[:, None, :] > own[:, :, None]) | (
            tf.equal(scores[:, None, :], own[:, :, None]) & (position[:, None, :] < index[:, :, None]))
        return tf.reduce_sum(tf.cast(ahead, tf.int32), axis=2)
    columns = []
    for r in range(index.shape[1]):  # R static, at most MAX_IDS
        mine, at = own[:, r : r + 1], index[:, r : r + 1]
        ahead = (scores > mine) | (tf.equal(scores, mine) & (position < at))
        columns.append(tf.reduce_sum(tf.cast(ahead, tf.int32), axis=1))
    return tf.stack(columns, axis=1) if columns else tf.zeros_like(index)


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
