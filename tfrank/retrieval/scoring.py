"""Exact top-K of every query over a whole candidate corpus, in chunks: pure TF functions.

The corpus ``[M, d]`` is scored ``[B, chunk]`` at a time (``queries @ block^T``) and a
running top-K is merged with each chunk's own top-K, so nothing ``[B, M]`` is ever held.

Why the merge is exact: say candidate a is *ahead* of b when a's score is greater, or
equal with a smaller index (``tf.math.top_k``'s order over the whole corpus). A candidate
among the top K of the corpus has at most K - 1 candidates ahead of it, so it is among
the top K of its own chunk; chunks are merged in index order with the running top-K
placed first, and ``top_k`` breaks equal scores by position, so an equal score from an
earlier chunk stays ahead. Example, K = 2, chunks [5, 7 | 7, 9]: the first chunk gives
(7: 1, 5: 0), the merge of [7, 5, 9, 7] gives 9 (item 3), then 7 (item 1, not item 2).

Every score that is compared comes from the same chunk matmul: a relevant candidate's
score is never recomputed as a separate ``q . c`` (whose last bits may differ), and the
second pass of `count_ties` repeats exactly the first pass's matmuls.

Shapes are static where XLA needs them: M and d come from the candidates' static
shape, ``chunk`` is a Python int; the first chunk and the tail (M % chunk rows) are
unrolled, the full chunks between them run in a ``tf.while_loop``.
"""

import collections

import tensorflow as tf

from tfrank.engine import fastrank

RetrievalTopK = collections.namedtuple("RetrievalTopK", ["values", "indices", "poisoned"])
SIMILARITIES = ("dot", "cosine")
DEFAULT_CHUNK = 32768  # B x 32768 float32 scores at a time: 128 MiB at B = 1024


def embeddings(x, similarity="dot"):
    """``x`` as float32 (half precision is scored in float32), unit rows for ``"cosine"``."""
    x = tf.convert_to_tensor(x)
    if x.dtype != tf.float32:
        x = tf.cast(x, tf.float32)
    return tf.math.l2_normalize(x, axis=-1) if similarity == "cosine" else x


# === Chunks ===


def _chunk_scores(queries, block, start, exclude):
    """Scores ``[B, c]`` of one chunk starting at candidate ``start``, and its NaN rows ``[B]``.

    Excluded candidates score -inf; a valid -inf is then lifted to the lowest float, so
    that excluded candidates always rank last (as tfrank's masked items do). A NaN score of
    an excluded candidate is ignored.
    """
    scores = tf.matmul(queries, block, transpose_b=True)
    if exclude is None:  # nothing to rank below a valid -inf: the scores as they are (no copy)
        return scores, tf.reduce_any(tf.math.is_nan(scores), axis=1)
    size = tf.shape(scores)[1]
    position = exclude - start
    inside = (exclude >= 0) & (position >= 0) & (position < size)
    rows = tf.broadcast_to(tf.range(tf.shape(exclude)[0])[:, None], tf.shape(exclude))
    where = tf.stack([rows, tf.clip_by_value(position, 0, size - 1)], axis=-1)
    # Out-of-chunk ids add 0 at a clipped position: only in-chunk ids mark a candidate.
    marks = tf.scatter_nd(tf.reshape(where, [-1, 2]), tf.reshape(tf.cast(inside, tf.float32), [-1]), tf.shape(scores))
    excluded = marks > 0.0
    nan = tf.reduce_any(tf.math.is_nan(scores) & ~excluded, axis=1)
    return tf.where(excluded, -float("inf"), tf.maximum(scores, tf.float32.min)), nan


def _scan(queries, candidates, chunk, exclude, first, step):
    """Folds the corpus in chunks: ``state = first(scores [B, c], nan [B])`` on the first
    chunk, then ``state = step(scores, nan, start, state)`` on each later one, in order."""
    n_candidates, dim = candidates.shape
    n_full, tail = divmod(n_candidates, chunk)

    def fold(start, size, state):
        block = tf.slice(candidates, [start, 0], [size, dim])
        return step(*_chunk_scores(queries, block, start, exclude), start, state)

    state = first(*_chunk_scores(queries, tf.slice(candidates, [0, 0], [chunk, dim]), 0, exclude))
    if n_full > 1:
        _, state = tf.while_loop(
            lambda i, _: i < n_full,
            lambda i, s: (i + 1, fold(i * chunk, chunk, s)),
            (tf.constant(1), state),
            maximum_iterations=n_full - 1,
            parallel_iterations=1,  # one chunk's scores alive at a time
        )
    if tail:
        state = fold(n_full * chunk, tail, state)
    return state


def _check(queries, candidates, k, chunk):
    n_candidates, dim = candidates.shape
    if n_candidates is None or dim is None:
        raise ValueError(f"candidates must have a static shape [M, d], got {candidates.shape}")
    if not 0 < k <= n_candidates or not isinstance(chunk, int) or chunk < 1:
        raise ValueError(f"k must be in [1, M = {n_candidates}] and chunk a positive int, got k={k}, chunk={chunk!r}")
    if queries.shape.rank != 2 or queries.shape[1] != dim:
        raise ValueError(f"queries must have shape [B, {dim}] (the candidates' d), got {queries.shape}")


def effective_chunk(chunk, k, n_candidates):
    """The chunk size used: at least k (so that the first chunk fills the running top-K), at most M."""
    return min(max(chunk, k), n_candidates)


# === Top K ===


def retrieval_top_k(queries, candidates, k, *, chunk=DEFAULT_CHUNK, exclude=None):
    """Top ``k`` candidates of each query by ``queries @ candidates^T``, never ``[B, M]``.

    Args:
        queries: ``[B, d]`` float query embeddings (scored in float32).
        candidates: ``[M, d]`` float candidate embeddings, M and d static.
        k: a Python int in [1, M].
        chunk: candidates scored at a time (a Python int, need not divide M; raised to k,
            lowered to M).
        exclude: optional ``[B, E]`` int32 candidate indices scored -inf (-1: none).

    Returns:
        ``RetrievalTopK(values [B, k], indices [B, k] int32, poisoned [B] bool)``: exactly
        ``tf.math.top_k(queries @ candidates^T, k)`` computed chunk by chunk (equal
        scores: lower index first), and which queries met a NaN score.

    >>> import tensorflow as tf
    >>> q = tf.constant([[1.0, 0.0]])
    >>> c = tf.constant([[5.0, 0.0], [7.0, 1.0], [7.0, 2.0], [9.0, 0.0]])
    >>> top = retrieval_top_k(q, c, 2, chunk=2)
    >>> top.values.numpy().tolist(), top.indices.numpy().tolist()
    ([[9.0, 7.0]], [[3, 1]])
    """
    queries, candidates = embeddings(queries), embeddings(candidates)
    _check(queries, candidates, k, chunk)
    chunk = effective_chunk(chunk, k, candidates.shape[0])

    def first(scores, nan):
        # The first chunk starts the running top-K: no placeholder entries that could tie
        # with a real -inf (excluded) candidate.
        top = fastrank.top_k(scores, min(k, scores.shape[1]))
        return top.values, top.indices, nan

    def step(scores, nan, start, state):
        values, indices, poisoned = state
        top = fastrank.top_k(scores, min(k, scores.shape[1]))
        merged = fastrank.top_k(tf.concat([values, top.values], axis=1), k)
        both = tf.concat([indices, top.indices + start], axis=1)
        return merged.values, tf.gather(both, merged.indices, batch_dims=1), poisoned | nan

    return RetrievalTopK(*_scan(queries, candidates, chunk, exclude, first, step))


def count_ties(queries, candidates, threshold, relevant, k, *, chunk=DEFAULT_CHUNK, exclude=None):
    """Candidates scoring exactly ``threshold`` ``[B]``, and relevant ones among them.

    The second pass that ``ties="expected"`` needs for the tie group that straddles the
    cut-off: the same chunks and matmuls as `retrieval_top_k` with the same ``k`` and
    ``chunk`` (so the same scores, bit for bit). ``relevant`` ``[B, R]`` int32 candidate indices (-1: none); a relevant
    candidate's score is read from its chunk's matmul, never recomputed.

    Returns: ``(size [B], relevant [B])`` float32.
    """
    queries, candidates = embeddings(queries), embeddings(candidates)
    _check(queries, candidates, k, chunk)
    chunk = effective_chunk(chunk, k, candidates.shape[0])
    threshold = threshold[:, None]

    def count(scores, start, totals):
        tied = tf.equal(scores, threshold)
        size = tf.shape(scores)[1]
        position = relevant - start
        inside = (relevant >= 0) & (position >= 0) & (position < size)
        hit = tf.gather(tied, tf.clip_by_value(position, 0, size - 1), batch_dims=1) & inside
        return totals[0] + fastrank.count_true(tied), totals[1] + fastrank.count_true(hit)

    def first(scores, nan):
        zeros = tf.zeros(tf.shape(scores)[:1])
        return count(scores, 0, (zeros, zeros))

    def step(scores, nan, start, totals):
        return count(scores, start, totals)

    return _scan(queries, candidates, chunk, exclude, first, step)
