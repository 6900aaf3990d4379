"""NumPy brute-force reference for retrieval metrics (`tfrank.RetrievalMetrics`), written plainly.

Scores every query against every candidate (the full ``[B, M]`` matrix, float64), marks
excluded candidates as masked items, and hands the lists to this package's per-list
references (`tfrank.reference.metrics`): an excluded candidate leaves the ranking and
the relevant set exactly as a masked item does. Equal scores keep candidate order.

Definitions: the per-list metrics of docs/metrics.md (its first table), applied to the ranking
of all M candidates by ``q . c`` (``similarity="dot"``) or ``q . c / (|q| |c|)``
(``"cosine"``; a zero vector scores 0).

>>> import numpy as np
>>> candidates = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
>>> retrieval_metrics([1, 1], [[0.0, 1.0], [1.0, 0.0]], candidates, [1, 2], metrics=["recall"])
{'recall_at_1': array([0., 0.]), 'recall_at_2': array([1., 1.])}
"""

import numpy as np

from tfrank.reference import metrics as _metrics

_FUNCTIONS = {
    "precision": _metrics.precision_at_k,
    "recall": _metrics.recall_at_k,
    "f1": _metrics.f1_at_k,
    "hit_rate": _metrics.hit_rate_at_k,
    "mrr": _metrics.mrr_at_k,
    "map": _metrics.map_at_k,
    "ndcg": _metrics.ndcg_at_k,
    "dcg": _metrics.dcg_at_k,
}
_OPTIONS = {"precision": ("denominator",), "map": ("normalizer",), "ndcg": ("gain",), "dcg": ("gain",)}


def retrieval_scores(queries, candidates, similarity="dot"):
    """The full ``[B, M]`` float64 score matrix."""
    q = np.asarray(queries, np.float64)
    c = np.asarray(candidates, np.float64)
    if q.ndim != 2 or c.ndim != 2 or q.shape[1] != c.shape[1] or c.shape[0] == 0:
        raise ValueError(f"queries [B, d] and a non-empty candidates [M, d] expected, got {q.shape} and {c.shape}")
    if similarity == "cosine":
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        c = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
    elif similarity != "dot":
        raise ValueError(f"similarity must be 'dot' or 'cosine', got {similarity!r}")
    return q @ c.T


def _rows(ids, batch, what):
    """Per-query lists of ids (class ids, padded ids or ragged lists), -1 dropped."""
    if isinstance(ids, (list, tuple)) and ids and all(isinstance(r, (list, tuple, np.ndarray)) for r in ids):
        rows = [[int(i) for i in row] for row in ids]
    else:
        rows = [[int(i) for i in np.atleast_1d(row)] for row in np.asarray(ids).reshape(batch, -1)]
    if len(rows) != batch:
        raise ValueError(f"{what} has {len(rows)} rows for {batch} queries")
    return [[i for i in row if i != -1] for row in rows]


def retrieval_metrics(y_true, queries, candidates, k, *, metrics=("recall",), exclude=None, candidate_ids=None,
                      similarity="dot", empty="skip", ties="first", **options):
    """Per-query values ``{"{metric}_at_{k}": [B]}`` of each metric over the whole corpus.

    ``y_true`` (and ``exclude``) hold candidate ids, -1 for padding: rows of the index,
    or entries of ``candidate_ids`` when given. Raises ValueError for an unknown id.
    """
    scores = retrieval_scores(queries, candidates, similarity)
    batch, n_candidates = scores.shape
    row_of = {i: i for i in range(n_candidates)}
    if candidate_ids is not None:
        row_of = {int(c): row for row, c in enumerate(candidate_ids)}

    def to_rows(ids, what):
        out = []
        for row in _rows(ids, batch, what):
            unknown = [i for i in row if i not in row_of]
            if unknown:
                raise ValueError(f"{what} holds ids {unknown} that are no candidate")
            out.append([row_of[i] for i in row])
        return out

    relevant = to_rows(y_true, "y_true")
    mask = np.ones(scores.shape, bool)
    if exclude is not None:
        for b, row in enumerate(to_rows(exclude, "exclude")):
            mask[b, row] = False
    padded = np.full((batch, max([1] + [len(r) for r in relevant])), -1)
    for b, row in enumerate(relevant):
        padded[b, : len(row)] = row
    ks = list(k) if isinstance(k, (list, tuple)) else [k]
    out = {}
    for name in metrics:
        kwargs = {o: options[o] for o in _OPTIONS.get(name, ()) if o in options}
        out.update(_FUNCTIONS[name](padded, scores, ks, mask=mask, label_format="ids", empty=empty, ties=ties, **kwargs))
    return out
