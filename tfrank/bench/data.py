"""Benchmark inputs: one batch of lists, expressed in every label format.

Scores are a random permutation of ``0 .. N-1`` per list (as float32), so no two items
of a list tie: every implementation compared then has one right answer, whatever its
tie order (ties are tested in the unit tests, not benchmarked). The relevant items'
ranks are drawn from the top ``max(4K, 2R)`` positions, so that Precision@K varies
between lists instead of being almost always 0.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark configuration (a row of the result table)."""

    batch: int
    items: int
    k: int
    relevant: int
    fmt: str
    mode: str

    def data_key(self):
        """Cases with the same key share their inputs (and their NumPy timings)."""
        return (self.batch, self.items, self.k, self.relevant, self.fmt)

    def label(self):
        return f"B={self.batch} N={self.items} K={self.k} R={self.relevant} {self.fmt} {self.mode}"


@dataclasses.dataclass
class Inputs:
    """y_pred ``[B, N]`` float32 and the same relevant items as ids ``[B, R]`` int32."""

    scores: np.ndarray
    ids: np.ndarray
    fmt: str
    _dense: np.ndarray = None

    @property
    def dense(self):
        """Multi-hot ``[B, N]`` float32 labels (built on first use: ids cases may never need it)."""
        if self._dense is None:
            self._dense = np.zeros(self.scores.shape, np.float32)
            np.put_along_axis(self._dense, self.ids, 1.0, axis=1)
        return self._dense

    @property
    def y_true(self):
        """The labels in this case's own format: dense, ids ``[B, R]`` or class ids ``[B]``."""
        if self.fmt == "dense":
            return self.dense
        return self.ids[:, 0] if self.fmt == "class" else self.ids

    def rows(self, count):
        """The first ``count`` lists (for estimating the cost of slow loop-based code)."""
        dense = None if self._dense is None else self._dense[:count]
        return Inputs(self.scores[:count], self.ids[:count], self.fmt, dense)


def make_inputs(case, seed=0):
    """Draws the inputs of ``case`` (class format: one relevant item per list)."""
    batch, items, k = case.batch, case.items, case.k
    relevant = 1 if case.fmt == "class" else case.relevant
    rng = np.random.default_rng([seed, batch, items, relevant])
    order = rng.permuted(np.broadcast_to(np.arange(items, dtype=np.int32), (batch, items)), axis=1)
    scores = order.astype(np.float32)
    # The item holding score value v is at index where_is[v]; rank r (0 = best) holds N-1-r.
    where_is = np.empty_like(order)
    np.put_along_axis(where_is, order, np.arange(items, dtype=np.int32)[None, :], axis=1)
    pool = min(items, max(4 * k, 2 * relevant))
    ranks = np.stack([rng.choice(pool, size=relevant, replace=False) for _ in range(batch)])
    ids = np.take_along_axis(where_is, items - 1 - ranks, axis=1).astype(np.int32)
    return Inputs(scores, ids, case.fmt)
