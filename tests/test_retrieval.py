"""RetrievalMetrics and the chunked top-K against brute force: the NumPy reference, the whole-corpus
``tf.math.top_k``, and trec_eval (pytrec_eval) on the full ranking.

Embeddings hold small integers, so every score is exact in float32 and equal scores are
real ties (many of them, across chunk borders); the near-tie test uses random floats.
"""

import numpy as np
import pytest
import tensorflow as tf

import tfrank
from tfrank import reference
from tfrank.retrieval import retrieval_metrics, retrieval_top_k

FAMILY = ["precision", "recall", "f1", "hit_rate", "mrr", "map", "ndcg", "dcg"]
M, D, B = 37, 4, 13


def corpus(seed, batch=B, n=M, dim=D, floats=False):
    """Queries, candidates, relevant rows and exclusion ids; integer embeddings (exact scores,
    many ties) unless ``floats`` (distinct scores, e.g. for cosine, whose float32
    normalisation would blur exact ties)."""
    rng = np.random.default_rng(seed)
    draw = (lambda shape: rng.normal(size=shape)) if floats else (lambda shape: rng.integers(-2, 3, size=shape))
    queries = draw((batch, dim)).astype(np.float32)
    candidates = draw((n, dim)).astype(np.float32)
    rows = [sorted(rng.choice(n, size=int(rng.integers(0, 4)), replace=False).tolist()) for _ in range(batch)]
    rows[1] = [int(rng.integers(0, n))]
    exclude = rng.integers(-1, n, size=(batch, 5))
    exclude[1, 0] = rows[1][0]  # a query whose only relevant candidate is excluded: empty
    exclude[2] = -1
    return queries, candidates, rows, exclude


def labels(rows, form):
    if form == "ragged":
        return tf.ragged.constant(rows, dtype=tf.int64, ragged_rank=1)
    if form in ("class", "class_2d"):
        ids = np.array([r[0] if r else 0 for r in rows])
        return ids if form == "class" else ids[:, None].astype(np.float32)  # Keras-style float class ids
    width = max(len(r) for r in rows) + 1
    return np.array([r + [-1] * (width - len(r)) for r in rows], np.int32)


def ref_rows(rows, form):
    return [[r[0] if r else 0] for r in rows] if form.startswith("class") else rows


def expected(rows, queries, candidates, k, weights=None, **kwargs):
    per_query = reference.retrieval_metrics(rows, queries, candidates, k, **kwargs)
    return {name: reference.weighted_mean(values, weights) for name, values in per_query.items()}


def assert_results(result, wanted):
    assert set(result) == set(wanted)
    for name, value in wanted.items():
        assert float(result[name]) == pytest.approx(value, abs=1e-5, nan_ok=True), name


# === The chunked top-K ===


@pytest.mark.parametrize("n, chunk, k", [(37, 8, 5), (37, 5, 7), (64, 16, 10), (10, 100, 10), (50, 7, 1)])
def test_top_k_equals_tf_top_k_over_the_whole_corpus(n, chunk, k):
    queries, candidates, _, exclude = corpus(n, n=n)
    top = retrieval_top_k(queries, candidates, k, chunk=chunk, exclude=tf.constant(exclude, tf.int32))
    scores = np.array(tf.matmul(queries, candidates, transpose_b=True))
    for b, row in enumerate(exclude):
        scores[b, row[row >= 0]] = -np.inf
    whole = tf.math.top_k(scores, k)
    np.testing.assert_array_equal(top.indices, whole.indices)
    np.testing.assert_array_equal(top.values, whole.values)
    assert not np.asarray(top.poisoned).any()


def chunked_scores(queries, candidates, chunk):
    """The scores of the chunk matmuls the metric makes ([B, chunk] each, the tail last), side by side.

    Float matmuls of different shapes may differ in the last bits (``q . c`` alone, a
    whole-corpus matmul, a chunk): near-ties are ordered by the chunk matmul's scores.
    """
    parts = [tf.matmul(queries, candidates[i : i + chunk], transpose_b=True) for i in range(0, len(candidates), chunk)]
    return tf.concat(parts, axis=1)


def near_ties(seed, n_queries, dim, copies=25, groups=4):
    rng = np.random.default_rng(seed)
    base = np.repeat(rng.normal(size=(groups, dim)), copies, axis=0)
    candidates = (base + rng.normal(scale=1e-6, size=base.shape)).astype(np.float32)[rng.permutation(len(base))]
    return rng.normal(size=(n_queries, dim)).astype(np.float32), candidates


def test_near_ties_follow_the_chunk_matmul():
    """Near-duplicate candidates (noise in the last bits) across chunks: the indices are
    those of ``tf.math.top_k`` over the chunk matmuls' scores."""
    queries, candidates = near_ties(5, 64, 16, copies=30)
    whole = tf.math.top_k(chunked_scores(queries, candidates, 32), 30)
    np.testing.assert_array_equal(retrieval_top_k(queries, candidates, 30, chunk=32).indices, whole.indices)


def test_near_ties_ranks_of_relevant_candidates_come_from_the_chunk_matmul():
    """MRR over near-tied candidates equals the reference on the chunk matmuls' scores: a
    relevant candidate's score is never recomputed apart (q . c_rel differs in the last bits)."""
    queries, candidates = near_ties(6, 64, 8)
    relevant = np.random.default_rng(6).integers(0, 100, size=64)
    metric = tfrank.RetrievalMetrics(candidates, k=100, metrics=["mrr"], chunk=16)
    metric.update_state(relevant, queries)
    scores = np.asarray(chunked_scores(queries, candidates, 16))
    assert float(metric.result()["mrr_at_100"]) == pytest.approx(np.mean(reference.mrr_at_k(relevant, scores, 100)), abs=1e-6)


# === The metric family against the reference ===


@pytest.mark.parametrize("form", ["ids", "ragged", "class", "class_2d"])
@pytest.mark.parametrize("with_exclude", [False, True])
def test_every_metric_matches_reference_streamed_over_uneven_batches(form, with_exclude):
    queries, candidates, rows, exclude = corpus(1)
    weights = np.random.default_rng(2).uniform(0.2, 2.0, size=B).astype(np.float32)
    metric = tfrank.RetrievalMetrics(candidates, k=[1, 3, 10, M], metrics=FAMILY, chunk=8)
    y = labels(rows, form)
    for lo, hi in ((0, 5), (5, 6), (6, B)):
        batch_ex = exclude[lo:hi] if with_exclude else None
        metric.update_state(y[lo:hi], queries[lo:hi], sample_weight=weights[lo:hi], exclude=batch_ex)
    wanted = expected(ref_rows(rows, form), queries, candidates, [1, 3, 10, M], weights,
                      metrics=FAMILY, exclude=exclude if with_exclude else None)
    assert_results(metric.result(), wanted)


@pytest.mark.parametrize(
    "options",
    [
        {"similarity": "cosine"},
        {"ties": "expected"},
        {"ties": "expected", "empty": "zero"},
        {"denominator": "min_k_n", "normalizer": "hits", "gain": "linear", "empty": "one"},
    ],
    ids=["cosine", "expected", "expected-zero", "options-one"],
)
def test_options_match_reference(options):
    queries, candidates, rows, exclude = corpus(3, floats=options.get("similarity") == "cosine")
    metric = tfrank.RetrievalMetrics(candidates, k=[1, 5, 20], metrics=FAMILY, chunk=6, **options)
    metric.update_state(labels(rows, "ids"), queries, exclude=exclude)
    assert_results(metric.result(), expected(rows, queries, candidates, [1, 5, 20], metrics=FAMILY, exclude=exclude, **options))


@pytest.mark.parametrize("ties", ["first", "expected"])
def test_functional_per_query_values_match_reference(ties):
    """Per query, NaN where a query is skipped (its relevant candidate excluded) or poisoned."""
    queries, candidates, rows, exclude = corpus(10)
    queries[4, 1] = np.nan
    got = retrieval_metrics(labels(rows, "ragged"), queries, candidates, [2, 9], metrics=FAMILY, exclude=exclude,
                            chunk=5, ties=ties)
    wanted = reference.retrieval_metrics(rows, queries, candidates, [2, 9], metrics=FAMILY, exclude=exclude, ties=ties)
    assert set(got) == set(wanted)
    for name, values in wanted.items():
        np.testing.assert_allclose(np.asarray(got[name]), values, atol=1e-6, equal_nan=True, err_msg=name)
    assert np.isnan(wanted["recall_at_2"][[1, 4]]).all()


def test_candidate_sources_agree():
    """Embeddings as an array, as a dataset of batches, or features through a candidate tower."""
    import keras

    queries, candidates, rows, _ = corpus(11)
    features = np.random.default_rng(11).normal(size=(M, 3)).astype(np.float32)
    tower = keras.layers.Dense(D)
    embedded = np.asarray(tower(features))
    y = labels(rows, "ids")
    sources = [
        {"candidates": embedded},
        {"candidates": tf.data.Dataset.from_tensor_slices(embedded).batch(10)},
        {"candidates": features, "candidate_model": tower, "batch_size": 8},
        {"candidates": tf.data.Dataset.from_tensor_slices(features).batch(16), "candidate_model": tower},
    ]
    wanted = expected(rows, queries, embedded, [4], metrics=["recall", "mrr"])
    for source in sources:
        metric = tfrank.RetrievalMetrics(k=4, metrics=["recall", "mrr"], chunk=9, **source)
        metric.update_state(y, queries)
        assert_results(metric.result(), wanted)


def test_candidate_ids_half_precision_and_a_single_metric_name():
    queries, candidates, rows, exclude = corpus(4)
    ids = np.arange(M) * 7 + 1000
    metric = tfrank.RetrievalMetrics(
        candidates.astype(np.float16), k=5, metrics=["ndcg"], candidate_ids=ids, chunk=10, name="items"
    )
    y = np.array([[ids[i] for i in r] + [-1] * (3 - len(r)) for r in rows])
    metric.update_state(y, queries.astype(np.float16), exclude=np.where(exclude >= 0, ids[exclude], -1))
    wanted = expected(rows, queries, candidates, [5], metrics=["ndcg"], exclude=exclude)
    assert metric.result_names() == ["items_ndcg_at_5"]
    assert float(metric.result()["items_ndcg_at_5"]) == pytest.approx(wanted["ndcg_at_5"], abs=1e-5)


def test_empty_policy_and_nan_poisoning():
    queries, candidates, rows, exclude = corpus(7)
    rows[0] = []
    with pytest.raises(ValueError, match="empty='error'"):
        tfrank.RetrievalMetrics(candidates, k=3, empty="error").update_state(labels(rows, "ids"), queries)
    poisoned = queries.copy()
    poisoned[3, 0] = np.nan
    metric = tfrank.RetrievalMetrics(candidates, k=3, metrics=["recall", "mrr"])
    metric.update_state(labels(rows, "ids"), poisoned)
    assert all(np.isnan(float(v)) for v in metric.result().values())
    # A NaN candidate poisons every query, unless it is excluded.
    bad = candidates.copy()
    bad[0, 1] = np.nan
    metric = tfrank.RetrievalMetrics(bad, k=3)
    metric.update_state(labels(rows, "ids"), queries, exclude=np.zeros((B, 1), np.int32))
    clean = expected(rows, queries, candidates, [3], exclude=np.zeros((B, 1), int))
    assert float(metric.result()["recall_at_3"]) == pytest.approx(clean["recall_at_3"], abs=1e-6)


# === trec_eval on the full ranking ===


def test_matches_trec_eval_on_the_full_ranking():
    import pytrec_eval  # a test dependency: missing, the test fails (it never skips)
    rng = np.random.default_rng(8)
    queries = rng.normal(size=(20, 6)).astype(np.float32)
    candidates = rng.normal(size=(30, 6)).astype(np.float32)  # distinct scores: trec_eval breaks ties by docno
    rows = [sorted(rng.choice(30, size=int(rng.integers(1, 5)), replace=False).tolist()) for _ in range(20)]
    scores = np.asarray(tf.matmul(queries, candidates, transpose_b=True), np.float64)
    qrels = {f"q{b}": {f"d{i}": 1 for i in row} for b, row in enumerate(rows)}
    run = {f"q{b}": {f"d{i}": float(s) for i, s in enumerate(scores[b])} for b in range(20)}
    trec = pytrec_eval.RelevanceEvaluator(qrels, {"P.5,10", "recall.5,10", "ndcg_cut.5,10", "map_cut.5,10", "recip_rank"})
    per_query = trec.evaluate(run)
    metric = tfrank.RetrievalMetrics(candidates, k=[5, 10, 30], metrics=["precision", "recall", "ndcg", "map", "mrr"], chunk=7)
    metric.update_state(labels(rows, "ids"), queries)
    result = metric.result()
    for ours, theirs in [("precision_at_5", "P_5"), ("recall_at_10", "recall_10"), ("ndcg_at_10", "ndcg_cut_10"),
                         ("map_at_5", "map_cut_5"), ("mrr_at_30", "recip_rank")]:
        assert float(result[ours]) == pytest.approx(np.mean([q[theirs] for q in per_query.values()]), abs=1e-5), ours


# === Bad input: one clear error, state unchanged ===

BAD_UPDATES = {
    "d mismatch": (lambda q, y: (y, q[:, :3]), {}, "y_pred must be float query embeddings"),
    "int queries": (lambda q, y: (y, q.astype(np.int32)), {}, "y_pred must be float query embeddings"),
    "id >= M": (lambda q, y: (np.where(y == y.max(), M, y), q), {}, r"y_true must hold candidate ids in \[0, M\)"),
    "id < -1": (lambda q, y: (np.where(y == y.max(), -3, y), q), {}, "y_true must hold candidate ids"),
    "exclude >= M": (lambda q, y: (y, q), {"exclude": np.full((B, 1), M)}, "exclude must hold candidate ids"),
    "repeated ids": (lambda q, y: (np.stack([y[:, 0], y[:, 0]], 1), q), {}, "must not repeat"),
    "float ids": (lambda q, y: (y + 0.5, q), {}, "whole numbers"),
    "unknown dict key": (lambda q, y: ({"labels": y, "mask": y}, q), {}, "'labels' and optionally 'exclude'"),
}


@pytest.mark.parametrize("case", list(BAD_UPDATES))
def test_bad_updates_raise_and_leave_the_state_unchanged(case):
    queries, candidates, rows, _ = corpus(9)
    rows = [r or [0] for r in rows]
    y = labels(rows, "ids")
    metric = tfrank.RetrievalMetrics(candidates, k=3, metrics=["recall"])
    metric.update_state(y, queries)
    before = float(metric.result()["recall_at_3"])
    make, kwargs, message = BAD_UPDATES[case]
    with pytest.raises((ValueError, TypeError), match=message):
        metric.update_state(*make(queries, y), **kwargs)
    assert float(metric.result()["recall_at_3"]) == before


BAD_ARGS = {
    "empty index": ({"candidates": np.zeros((0, 4), np.float32)}, "candidates must be .*non-empty"),
    "k > M": ({"k": M + 1}, "k must be at most the number of candidates M = 37"),
    "r_precision": ({"metrics": ["r_precision"]}, "metrics must be metrics with a cut-off"),
    "similarity": ({"similarity": "l2"}, "similarity must be one of 'dot', 'cosine'"),
    "chunk": ({"chunk": 0}, "chunk must be a positive int"),
    "candidate ids repeat": ({"candidate_ids": np.zeros(M, int)}, "candidate_ids must be distinct ids"),
    "no candidates": ({"candidates": None}, "candidates must be candidate embeddings"),
    "rank-1 candidates": ({"candidates": np.zeros(5, np.float32)}, r"candidates must be candidate embeddings of shape \[M, d\]"),
}


@pytest.mark.parametrize("case", list(BAD_ARGS))
def test_bad_arguments_name_the_argument(case):
    kwargs, message = BAD_ARGS[case]
    args = {"candidates": corpus(0)[1], "k": 3, **kwargs}
    with pytest.raises((ValueError, TypeError), match=message):
        tfrank.RetrievalMetrics(**args)


def test_set_candidates_checks_the_shape():
    metric = tfrank.RetrievalMetrics(corpus(0)[1], k=3)
    with pytest.raises(ValueError, match=r"embeddings of the index's shape \[37, 4\]"):
        metric.set_candidates(np.zeros((36, 4), np.float32))


def test_xla_update_with_ties_expected_candidate_ids_and_exclusions():
    queries, candidates, rows, exclude = corpus(3)
    ids = np.arange(M) * 3 + 5
    # chunk 8: a first chunk, a while loop over three, a tail of 5 (XLA-compiled).
    metric = tfrank.RetrievalMetrics(candidates, k=[5, 8], metrics=["map", "hit_rate"], chunk=8, ties="expected",
                                     candidate_ids=ids)
    y = labels(rows, "ids")
    update = tf.function(lambda y, q, e: metric.update_state(y, q, exclude=e), jit_compile=True)
    update(np.where(y >= 0, ids[y], -1), queries, np.where(exclude >= 0, ids[exclude], -1))
    wanted = expected(rows, queries, candidates, [5, 8], metrics=["map", "hit_rate"], exclude=exclude, ties="expected")
    assert_results(metric.result(), wanted)
