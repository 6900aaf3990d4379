"""Inputs of the XLA replay benchmark, regenerated from a recipe with NumPy alone.

The exporter (TensorFlow) and the replayer (jaxlib, possibly on a machine without
TensorFlow) both call `make`, so a bundle carries recipes, never the inputs: the
B=64, N=1,000,000 scores alone are 244 MiB. A recipe is a JSON dict with a ``kind``:

- ``ranking``: one batch of lists, seeded. Each list's scores are a permutation of
  ``0 .. N-1`` (float32, no ties); ``relevant`` distinct items per list are drawn among
  the ``top`` highest scored, so that P@K varies between lists. ``part`` picks the
  array: ``scores`` ``[B, N]`` float32, ``ids`` ``[B, R]`` int32, ``dense`` multi-hot
  ``[B, N]`` float32 or ``class`` ``[B]`` int32 (the first relevant id).
- ``normal``: ``scale * N(0, 1)`` of ``shape``, float32, seeded.
- ``zeros``: zeros of ``shape`` and ``dtype``.
- ``const``: ``value`` (a nested list) as ``dtype``.

`checksum` summarises an array (sum and sum of squares in float64) so the replayer can
tell "the inputs differ" (another NumPy stream) from "the program computes differently".

This module imports NumPy only; it is copied into every bundle beside ``xla_replay.py``.
"""

import numpy as np

KINDS = ("ranking", "normal", "integers", "zeros", "const")
PARTS = ("scores", "ids", "dense", "class")


def ranking(batch, items, relevant, top, seed):
    """``(scores, ids)``: scores ``[B, N]`` float32, a permutation per list; ids ``[B, R]`` int32."""
    rng = np.random.default_rng(seed)
    # order[b, r] = the item ranked r-th in list b; that item gets score N-1-r.
    order = rng.permuted(np.broadcast_to(np.arange(items, dtype=np.int32), (batch, items)), axis=1)
    scores = np.empty((batch, items), np.float32)
    np.put_along_axis(scores, order, np.arange(items - 1, -1, -1, dtype=np.float32)[None, :], axis=1)
    top = min(max(top, relevant), items)
    ranks = np.argsort(rng.random((batch, top)), axis=1)[:, :relevant]
    ids = np.take_along_axis(order, ranks, axis=1).astype(np.int32)
    return scores, ids


def make(recipe, cache=None):
    """The array a recipe describes (``cache``: a dict reused across calls, keyed by recipe)."""
    kind = recipe["kind"]
    if kind == "ranking":
        key = tuple(recipe[name] for name in ("batch", "items", "relevant", "top", "seed"))
        if cache is not None and key in cache:
            scores, ids = cache[key]
        else:
            scores, ids = ranking(*key)
            if cache is not None:
                cache[key] = (scores, ids)
        part = recipe["part"]
        if part == "scores":
            return scores
        if part == "ids":
            return ids
        if part == "class":
            return np.ascontiguousarray(ids[:, 0])
        if part == "dense":
            dense = np.zeros(scores.shape, np.float32)
            np.put_along_axis(dense, ids, 1.0, axis=1)
            return dense
        raise ValueError(f"recipe part must be one of {', '.join(PARTS)}, got part={part!r}")
    if kind == "normal":
        rng = np.random.default_rng(recipe["seed"])
        return (recipe["scale"] * rng.standard_normal(recipe["shape"])).astype(np.float32)
    if kind == "integers":  # uniform in [0, high), e.g. relevant candidate ids
        rng = np.random.default_rng(recipe["seed"])
        return rng.integers(0, recipe["high"], size=recipe["shape"], dtype=np.int32)
    if kind == "zeros":
        return np.zeros(recipe["shape"], recipe["dtype"])
    if kind == "const":
        return np.asarray(recipe["value"], recipe["dtype"]).reshape(recipe["shape"])
    raise ValueError(f"recipe kind must be one of {', '.join(KINDS)}, got kind={kind!r}")


def checksum(array):
    """``[sum, sum of squares]`` in float64: equal inputs give equal sums on any machine."""
    values = np.asarray(array, np.float64)
    return [float(values.sum()), float(np.square(values).sum())]


def ranking_recipes(batch, items, relevant, top, seed):
    """The four ranking parts of one batch, as recipes keyed by part name."""
    common = {"kind": "ranking", "batch": batch, "items": items, "relevant": relevant, "top": top, "seed": seed}
    return {part: {**common, "part": part} for part in PARTS}
