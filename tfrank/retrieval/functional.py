"""Per-query retrieval metrics as a pure function, and the computation the Keras class shares.

`retrieval_metrics` has the signature of `tfrank.reference.retrieval_metrics`: per-query
values ``{log name: [B]}``, NaN for a query left out (``empty="skip"``), NaN for a query
that met a NaN score.
"""

import tensorflow as tf

from tfrank import engine
from tfrank.engine import validation
from tfrank.retrieval import index, inputs, ranking, scoring


def check_metrics(metrics):
    """The metric names, all with a cut-off (R-precision, ARP and OPA would rank the whole corpus)."""
    names = validation.check_metrics(metrics, engine.METRICS)
    if any(not engine.DEFINITIONS[m].cutoff for m in names):
        valid = "metrics with a cut-off k (r_precision, arp and opa rank the whole corpus)"
        raise validation.invalid("metrics", metrics, valid)
    return names


def check_chunk(chunk):
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise validation.invalid("chunk", chunk, "a positive int (candidates scored at a time)")
    return chunk


def check_k(k, n_candidates):
    ks = validation.check_k(k)
    if max(ks) > n_candidates:
        raise validation.invalid("k", k, f"at most the number of candidates M = {n_candidates}")
    return ks


def compute(requests, y_true, y_pred, candidates, *, exclude=None, exclude_columns=0, lookup=None,
            similarity="dot", chunk=scoring.DEFAULT_CHUNK, empty="skip", ties="first"):
    """Per-query values ``[B, C]``, which queries count ``[B]`` and their `tfrank.engine.inputs.Lists`,
    against ``candidates`` ``[M, d]`` float32 (already unit rows for ``"cosine"``)."""
    n_candidates, dim = candidates.shape
    queries = tf.convert_to_tensor(y_pred)
    if not queries.dtype.is_floating or queries.shape.rank != 2 or queries.shape[1] != dim:
        valid = f"float query embeddings [batch, d] with d = {dim}, the candidates' d"
        raise validation.invalid("y_pred", queries, valid, ValueError if queries.dtype.is_floating else TypeError)
    queries = scoring.embeddings(queries, similarity)  # half precision: scored in float32
    labels = inputs.normalize(
        y_true, n_candidates, exclude=exclude, exclude_columns=exclude_columns, lookup=lookup, batch=tf.shape(queries)[0]
    )
    depth = max(k for _, ks, _ in requests for k in ks)
    kinds = engine.gain_kinds(requests)
    ranked = ranking.rank_corpus(queries, candidates, labels, depth, chunk=chunk, ties=ties, kinds=kinds)
    return (*engine.evaluate(requests, ranked, empty), ranked.lists)


def retrieval_metrics(y_true, y_pred, candidates, k, *, metrics=("recall",), exclude=None, candidate_ids=None,
                      similarity="dot", chunk=scoring.DEFAULT_CHUNK, empty="skip", ties="first", **options):
    """Per-query metrics of query embeddings ``y_pred`` ``[B, d]`` against every candidate.

    The functional form of `tfrank.RetrievalMetrics` (same ranking, definitions and
    options), for one batch: ``{"recall_at_10": [B], ...}``, NaN for a skipped query.

    Args:
        y_true: relevant candidate ids: ``[B]``, ``[B, R]`` padded with -1, or ragged.
        y_pred: query embeddings ``[B, d]``.
        candidates: candidate embeddings ``[M, d]``.
        k: a positive int <= M or a list of them.
        metrics: names from precision, recall, f1, hit_rate, mrr, map, ndcg, dcg.
        exclude: optional ids ``[B, E]`` padded with -1: candidates that leave both the
            ranking and the relevant set.
        candidate_ids: optional ``[M]`` distinct int ids of the rows; labels then use them.
        similarity: ``"dot"`` (default) or ``"cosine"``.
        chunk: candidates scored at a time.
        empty: ``"skip"`` (default: NaN), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        **options: ``denominator``, ``normalizer``, ``gain``, ``discount``.

    >>> import numpy as np
    >>> candidates = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    >>> out = retrieval_metrics([1, 1], [[0.0, 1.0], [1.0, 0.0]], candidates, [1, 2])
    >>> {name: values.numpy().tolist() for name, values in out.items()}
    {'recall_at_1': [0.0, 0.0], 'recall_at_2': [1.0, 1.0]}
    """
    validation.check_choice("similarity", similarity, scoring.SIMILARITIES)
    check_chunk(chunk)
    embeddings = tf.convert_to_tensor(candidates)
    index.check_embeddings(embeddings)
    n_candidates = embeddings.shape[0]
    requests = engine.plan(check_metrics(metrics), check_k(k, n_candidates), options, empty=empty, ties=ties)
    lookup = None
    if candidate_ids is not None:
        lookup = tuple(tf.constant(v) for v in index.id_lookup(candidate_ids, n_candidates))
    values, countable, _ = compute(requests, y_true, y_pred, scoring.embeddings(embeddings, similarity), exclude=exclude,
                                lookup=lookup, similarity=similarity, chunk=chunk, empty=empty, ties=ties)
    values = tf.where(countable, values, tf.constant(float("nan")))
    names = engine.log_names(requests)
    return dict(zip(names, tf.unstack(values, num=len(names), axis=1)))
