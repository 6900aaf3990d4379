"""Exact, faster building blocks of the ranking: the top k of each list and counts of flags.

Where the time goes on a CPU: ``tf.math.top_k`` over a ``[B, N]`` batch costs about 13
read passes at N = 10,000 (a partial sort per list), and every ``[B, N]`` float32
temporary costs a write and a read, more when the allocator must fetch fresh pages for
it. XLA does not fuse these away on CPU (a fused compare-and-sum runs about 13 read
passes there), so the fast paths here are plain TF ops that read the scores once and
make nothing larger than 1 byte per item.

`top_k`: the scores of a list are cut into chunks of C items (C divides N). Call a
chunk's leader its first item with the chunk's maximum score, and say item a is ahead of
item b when a's score is greater, or equal with a smaller index (``tf.math.top_k``'s
order). An item among the top k has at most k - 1 items ahead of it; its chunk's leader
is that item or ahead of it, so at most k - 1 leaders are ahead of that leader: the
chunk is among the k best chunks by leader. Chunks ordered by leader are chunks ordered
by maximum with ties broken by chunk index, which is what ``top_k`` over the maxima
gives. So one ``reduce_max`` over the chunks, a ``top_k`` over N / C maxima and a
``top_k`` over the k * C items of the chosen chunks, taken in index order so that equal
scores still break by index, give exactly ``tf.math.top_k``'s values and indices.

Example, C = 4, k = 2: scores [1, 9, 3, 9 | 7, 2, 8, 0 | 9, 9, 1, 1] have chunk maxima
[9, 8, 9]; the best two chunks are 0 and 2 (equal maxima: lower chunk first); their
items [1, 9, 3, 9, 9, 9, 1, 1] rank positions 1 and 3 first, i.e. items 1 and 3, which
is what ``tf.math.top_k`` over all twelve returns.
"""

import collections
import contextlib
import math

import tensorflow as tf

from tfrank.engine._internals import xla_context

TopK = collections.namedtuple("TopK", ["values", "indices"])
MIN_ITEMS = 1024  # below this, the plain top_k is as fast as anything
LARGE_BATCH = 2**22  # from this many items in a static batch, chunks pay from N = MIN_ITEMS / 2
INT8_BLOCK = 127  # the largest count of ones an int8 holds
CHOICES = ("device", "count", "top_k")
PATHS = ("cpu", "gpu", "xla_cpu", "xla_gpu")
_CHOICE = ["device"]  # a stack, read while a function is traced (see `choose`)

# === Where it runs ===


def compiling_with_xla():
    """True while tracing for XLA (``jit_compile=True``), whatever `choose` says: the switches
    that XLA needs for correct values read it (the -0.0 fix for XLA's TopK, the ragged-ids
    error), and `path` reads it for speed (`tfrank.engine._internals`)."""
    return xla_context()


@contextlib.contextmanager
def choose(method):
    """Within the block, rank as on a GPU under XLA (``"count"``: `tfrank.engine.counting` for
    ids, chunks from N = 64 k in `top_k`) or as on a CPU (``"top_k"``), whatever the device
    (``"device"``: by the device, the default). The XLA replay export traces what a GPU runs
    this way on a machine without one; the tests compare both paths.

    NOTE: a trace-time switch. It acts while a function is traced, not when it runs: a
    ``tf.function`` traced inside the block keeps its choice when called later, and one
    traced before never sees it. The stack is one per process, shared by every thread (as
    MirroredStrategy's replica threads trace their part of a step in threads of their own),
    so threads that trace at the same time must not choose differently.
    """
    if method not in CHOICES:
        raise ValueError(f"method must be one of {CHOICES}; got {method!r}")
    _CHOICE.append(method)
    try:
        yield
    finally:
        _CHOICE.pop()


def path():
    """The one device rule: which of `PATHS` the function being traced takes.

    ``"xla_gpu"`` under XLA with a GPU visible (what Keras' ``fit`` compiles there), and
    inside ``choose("count")`` in any case; ``"xla_cpu"`` under XLA otherwise (no GPU, or
    inside ``choose("top_k")``); ``"gpu"`` for separate TF ops with a GPU visible; ``"cpu"``
    for separate TF ops on a CPU. ``"xla_gpu"`` counts ranks for ids, chunks the top k from
    N = 64 k on and checks NaN without a conditional (`on_gpu`); only ``"cpu"`` counts flags in
    int8 blocks (GPUs have no int8 sum, XLA fuses the float32 cast away) and chunks a large
    static batch of short lists (`count_true`, `top_k`).
    """
    if _CHOICE[-1] == "count":
        return "xla_gpu"
    xla = compiling_with_xla()
    gpu = bool(tf.config.list_logical_devices("GPU"))
    if xla:
        return "xla_gpu" if gpu and _CHOICE[-1] == "device" else "xla_cpu"
    return "gpu" if gpu else "cpu"


def on_gpu():
    """True where `path` is ``"xla_gpu"``: XLA on a GPU, or inside ``choose("count")``."""
    return path() == "xla_gpu"


# === Top k ===


def chunk_size(n_items, k):
    """C for `top_k`, or None for the plain ``tf.math.top_k``.

    C divides N (slicing a tail off would copy the whole batch) and minimises the items
    that go through ``top_k``: N / C chunk maxima plus k * C candidates. Chunking pays
    when that is at most a quarter of N and N >= 1,024. Measured here (graph mode, B=1024):
    at N = 1,000, K = 10 it loses (6.3 vs 5.8 read passes); at N = 2,048 it takes 5 instead
    of 10, at 10,000 3.4 instead of 12, at 1,000,000 1.2 instead of 16 (K = 10), and at
    N = 10,000, K = 100, 17 instead of 21.
    """
    if not isinstance(n_items, int) or not isinstance(k, int) or n_items < MIN_ITEMS:
        return None
    return _best_chunk(n_items, k)


def _best_chunk(n_items, k):
    """The divisor C of N that minimises N / C + k * C, when that is at most N / 4, else None.

    N / C + k * C >= 2 * sqrt(N * k) (equality at C = sqrt(N / k)), and 2 * sqrt(N * k) <= N / 4
    means N >= 64 * k: no list shorter than 64 k is chunked. At N = 64 k only C = 8 meets the
    bound, so N must be a multiple of 8 there (k = 10: N = 640, C = 8); longer lists take a
    wider range of C, and a list with no divisor in it (a prime N) is never chunked.
    """
    ideal = math.sqrt(n_items / k)
    sizes = [c for c in range(max(2, int(ideal / 4)), int(ideal * 4) + 1) if n_items % c == 0 and n_items // c > k]
    best = min(sizes, key=lambda c: n_items / c + k * c, default=None)
    if best is None or n_items / best + k * best > n_items / 4:
        return None
    return best


def _large_batch_chunk_size(scores, k):
    """`chunk_size` for N below `MIN_ITEMS` when the static batch holds ``LARGE_BATCH`` items
    or more (`path` ``"cpu"`` only): the extra ops then cost less than the shorter ``top_k`` saves.
    Measured here (graph mode, K = 10, N = 1,000): B = 8,192 takes 11 instead of 15 read
    passes, while B = 1,024 (and N = 100 at any B) still loses."""
    batch, n_items = scores.shape[0], scores.shape[1]
    if path() != "cpu" or not isinstance(batch, int) or not isinstance(n_items, int):
        return None
    if batch * n_items < LARGE_BATCH or n_items < MIN_ITEMS // 2:
        return None
    return _best_chunk(n_items, k)


def _gpu_chunk_size(scores, k):
    """`chunk_size` for XLA on a GPU (`on_gpu`), where XLA's TopK sorts every list: two TopKs
    over the N / C maxima and the k * C candidates, chunked wherever `_best_chunk` finds a C,
    i.e. from N = 64 k on (not from `MIN_ITEMS`; measured on an H100, device time, B = 1024:
    dense P@10 at N = 10,000 took 11.5 read passes chunked, a plain TopK + gather 86; at
    N = 1,000, B = 8192, 22 against 79)."""
    if not on_gpu() or not isinstance(scores.shape[1], int):
        return None
    return _best_chunk(scores.shape[1], k)


def top_k(scores, k):
    """``tf.math.top_k(scores, k, sorted=True)``'s values and indices (identical, ties included),
    through chunks when `chunk_size` (or, for a large static batch of shorter lists,
    `_large_batch_chunk_size`) finds that worthwhile.

    -0.0 and 0.0 are one score: ``tf.math.top_k`` ties them (index order), XLA's TopK orders
    -0.0 after 0.0. Under XLA the scores compared are given one zero (only the chunk maxima
    and candidates on the chunked path: a fused [B, N] select is slow on XLA's CPU backend).
    """
    one_zero = _one_zero if compiling_with_xla() else tf.identity
    size = chunk_size(scores.shape[1], k) or _large_batch_chunk_size(scores, k) or _gpu_chunk_size(scores, k)
    if size is None:
        top = tf.math.top_k(one_zero(scores), k=k, sorted=True)
        return TopK(top.values, top.indices)
    batch, chunks = tf.shape(scores)[0], scores.shape[1] // size
    blocks = tf.reshape(scores, [batch, chunks, size])
    best = tf.math.top_k(one_zero(tf.reduce_max(blocks, axis=2)), k=k, sorted=False).indices
    best = tf.sort(best, axis=1)  # chunks in index order: equal scores keep breaking by index
    candidates = tf.reshape(tf.gather(blocks, best, batch_dims=1), [batch, k * size])
    top = tf.math.top_k(one_zero(candidates), k=k, sorted=True)
    chunk = tf.gather(best, top.indices // size, batch_dims=1)
    return TopK(top.values, chunk * size + top.indices % size)


def _one_zero(scores):
    return tf.where(tf.equal(scores, 0.0), tf.zeros_like(scores), scores)


# === Counting ===


def count_true(flags):
    """``[B]`` float32 number of True in each row of a ``[B, N]`` bool tensor.

    Where `path` is ``"cpu"`` it counts in int8 blocks of at most 127 items (1 byte per item
    instead of a ``[B, N]`` float32 cast; a list of at most 127 items is one block); GPUs
    have no int8 sum kernel and plenty of bandwidth, and XLA fuses the cast away, so on
    every other path (and for unknown N) it sums a float32 cast. Exact up to 2**24 per row.
    """
    n_items = flags.shape[1]
    if path() != "cpu" or not isinstance(n_items, int):
        return tf.reduce_sum(tf.cast(flags, tf.float32), axis=1)
    if n_items <= INT8_BLOCK:
        return tf.cast(tf.reduce_sum(tf.cast(flags, tf.int8), axis=1), tf.float32)
    size = max((c for c in range(INT8_BLOCK // 2, INT8_BLOCK + 1) if n_items % c == 0), default=INT8_BLOCK)
    ones = tf.cast(flags, tf.int8)
    if n_items % size:
        ones = tf.pad(ones, [[0, 0], [0, -n_items % size]])
    partial = tf.reduce_sum(tf.reshape(ones, [tf.shape(flags)[0], -1, size]), axis=2)
    return tf.cast(tf.reduce_sum(tf.cast(partial, tf.int32), axis=1), tf.float32)
