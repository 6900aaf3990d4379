"""The fast paths give exactly what the plain ones give: `fastrank.top_k` is `tf.math.top_k`
(values, indices, tie order), `count_true` is a float32 sum, and the metrics on lists long
enough to take the fast paths still match the NumPy reference in every label format.
"""

import numpy as np
import pytest
import tensorflow as tf
from conftest import FORMATS, assert_lists_close, make_batch

import tfrank
from tfrank.engine import fastrank, inputs, ranking
from tfrank import reference

MODES = ("eager", "graph", "xla")


def _in_mode(fn, mode):
    return fn if mode == "eager" else tf.function(fn, jit_compile=mode == "xla")


def _scores(kind, batch, items, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(batch, items)).astype(np.float32)
    if kind == "ties":
        scores = np.round(scores * 2) / 2  # a handful of distinct values: ties everywhere
    elif kind == "constant":
        scores[:] = 0.25
    elif kind == "infinite":
        scores[rng.random(scores.shape) < 0.3] = np.inf
        scores[rng.random(scores.shape) < 0.3] = -np.inf
        scores[0, :] = -np.inf  # a list with only -inf
    elif kind == "signed_zeros":
        scores = np.where(rng.random(scores.shape) < 0.5, np.float32(0.0), np.float32(-0.0))
        scores[:, ::97] = 1.0
    elif kind == "one_chunk":
        scores[:] = -1.0
        scores[:, 5:15] = 7.0  # every top item inside the same chunk or two
    return scores


# === Where it runs: the one device rule ===

# (GPU visible, how the function runs, fastrank.choose(...), fastrank.path())
DEVICE_RULE = [
    (False, "eager", "device", "cpu"), (False, "graph", "device", "cpu"), (False, "xla", "device", "xla_cpu"),
    (True, "eager", "device", "gpu"), (True, "graph", "device", "gpu"), (True, "xla", "device", "xla_gpu"),
    (False, "eager", "count", "xla_gpu"), (False, "graph", "count", "xla_gpu"), (False, "xla", "count", "xla_gpu"),
    (True, "eager", "count", "xla_gpu"), (True, "graph", "count", "xla_gpu"), (True, "xla", "count", "xla_gpu"),
    (False, "eager", "top_k", "cpu"), (False, "graph", "top_k", "cpu"), (False, "xla", "top_k", "xla_cpu"),
    (True, "eager", "top_k", "gpu"), (True, "graph", "top_k", "gpu"), (True, "xla", "top_k", "xla_cpu"),
]


@pytest.mark.parametrize("gpu, mode, choice, expected", DEVICE_RULE)
def test_one_device_rule(gpu, mode, choice, expected, monkeypatch):
    """fastrank.path, and the three choices that read it: counting and GPU chunks (on_gpu),
    int8 flag counts and large-batch chunks (both "cpu" only). A GPU is stubbed through
    tf.config's device list, as tests/test_counting.py does."""
    assert set(fastrank.PATHS) == {row[3] for row in DEVICE_RULE}
    real = tf.config.list_logical_devices
    monkeypatch.setattr(tf.config, "list_logical_devices",
                        lambda kind=None: (["GPU:0"] if gpu else []) if kind == "GPU" else real(kind))
    monkeypatch.setattr(fastrank, "LARGE_BATCH", 8 * 1000)
    seen = {}

    def fn(flags):
        seen.update(path=fastrank.path(), on_gpu=fastrank.on_gpu(),
                    large_batch=fastrank._large_batch_chunk_size(tf.zeros([8, 1000]), 10) is not None)
        return fastrank.count_true(flags)

    flags = tf.constant(np.ones((8, 1000), bool))
    with fastrank.choose(choice):
        if mode == "eager":
            fn(flags)
        else:
            graph = tf.function(fn, jit_compile=mode == "xla").get_concrete_function(flags).graph
            int8 = [op for op in graph.get_operations() if op.type == "Cast" and op.get_attr("DstT") == tf.int8]
            assert bool(int8) == (expected == "cpu")
    assert seen == {"path": expected, "on_gpu": expected == "xla_gpu", "large_batch": expected == "cpu"}


# === top_k ===


@pytest.mark.parametrize("kind", ["random", "ties", "constant", "infinite", "signed_zeros", "one_chunk"])
@pytest.mark.parametrize("items, k", [(1024, 1), (1024, 10), (10_000, 10), (2000, 25), (10_000, 100)])
def test_top_k_is_tf_top_k(kind, items, k):
    assert fastrank.chunk_size(items, k) is not None  # these cases do take the chunked path
    scores = tf.constant(_scores(kind, 6, items))
    want = tf.math.top_k(scores, k=k, sorted=True)
    got = fastrank.top_k(scores, k)
    np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
    np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())


@pytest.mark.parametrize("mode", MODES)
def test_top_k_in_every_mode_and_with_an_unknown_batch(mode):
    scores = _scores("ties", 5, 2048, seed=1)
    want = tf.math.top_k(scores, k=20).indices.numpy()
    fn = _in_mode(lambda s: fastrank.top_k(s, 20).indices, mode)
    np.testing.assert_array_equal(fn(tf.constant(scores)).numpy(), want)
    if mode != "eager":
        unknown = tf.function(lambda s: fastrank.top_k(s, 20).indices, jit_compile=mode == "xla",
                              input_signature=[tf.TensorSpec([None, 2048], tf.float32)])
        np.testing.assert_array_equal(unknown(scores).numpy(), want)


def test_top_k_never_indexes_past_the_list_when_scores_are_nan():
    scores = _scores("random", 4, 2048)
    scores[1, ::3] = np.nan
    scores[2, :] = np.nan
    got = fastrank.top_k(tf.constant(scores), 16).indices.numpy()
    assert ((got >= 0) & (got < 2048)).all()
    want = tf.math.top_k(scores, k=16).indices.numpy()
    np.testing.assert_array_equal(got[[0, 3]], want[[0, 3]])  # lists without NaN: unchanged


@pytest.mark.parametrize("kind", ["ties", "infinite", "signed_zeros", "one_chunk"])
def test_top_k_of_a_large_static_batch_of_short_lists_is_tf_top_k(kind, monkeypatch):
    # A static batch of LARGE_BATCH items or more chunks lists from MIN_ITEMS / 2 on: shrink it.
    monkeypatch.setattr(fastrank, "LARGE_BATCH", 6 * 1000)
    scores = tf.constant(_scores(kind, 6, 1000))
    assert fastrank._large_batch_chunk_size(scores, 10) is not None
    assert fastrank._large_batch_chunk_size(scores[:5], 10) is None  # 5 lists: too few items
    for fn in (fastrank.top_k, tf.function(fastrank.top_k)):
        got, want = fn(scores, 10), tf.math.top_k(scores, k=10, sorted=True)
        np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
    sizes = []
    tf.function(lambda s: sizes.append(fastrank._large_batch_chunk_size(s, 10)) or s).get_concrete_function(
        tf.TensorSpec([None, 1000]))
    assert sizes == [None]  # an unknown batch (as in model.fit) keeps the plain top_k


@pytest.mark.parametrize("items, k", [(100, 10), (1000, 10), (1024, 200), (3000, 100), (10_007, 10), (None, 10)])
def test_chunk_size_falls_back_to_plain_top_k(items, k):
    # short lists, k not well below N, prime N (no divisor: a tail would copy the batch), unknown N
    assert fastrank.chunk_size(items, k) is None


@pytest.mark.parametrize("items, k", [(1024, 10), (10_000, 10), (1_000_000, 10), (10_000, 100)])
def test_chunk_size_divides_the_list_into_more_chunks_than_k(items, k):
    size = fastrank.chunk_size(items, k)
    assert items % size == 0 and items // size > k


@pytest.mark.parametrize("k", [1, 5, 10, 100])
def test_chunks_start_at_64_k(k):
    """What the docs say of the GPU chunks: no list shorter than 64 k is chunked; N = 64 k is, with C = 8."""
    assert fastrank._best_chunk(64 * k, k) == 8
    assert [n for n in range(2, 64 * k) if fastrank._best_chunk(n, k)] == []


# === count_true ===


@pytest.mark.parametrize("items", [5, 127, 128, 1000, 4096, 10_007])
def test_count_true_counts(items):
    rng = np.random.default_rng(items)
    flags = rng.random((7, items)) < rng.random((7, 1))  # densities from 0 to 1
    flags[0] = True
    flags[1] = False
    for fn in (fastrank.count_true, tf.function(fastrank.count_true)):
        got = fn(tf.constant(flags)).numpy()
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, flags.sum(axis=1))


@pytest.mark.parametrize("depth", [1, 10, 128, 129])
def test_hit_counts_are_prefix_sums(depth):
    flags = tf.constant(np.random.default_rng(depth).random((9, depth)) < 0.4)
    want = ranking.prefix_sums(tf.cast(flags, tf.float32)).numpy()
    for mode in MODES:
        np.testing.assert_array_equal(_in_mode(ranking.hit_counts, mode)(flags).numpy(), want)


# === Ranked view and metrics on long lists ===


@pytest.mark.parametrize("fmt", ["dense", "graded", "ids", "class"])
@pytest.mark.parametrize("kind", ["ties", "infinite"])
def test_ranked_view_is_the_same_as_with_plain_top_k(fmt, kind, monkeypatch):
    data = make_batch(3, fmt, batch=6, items=2048, mask=True)
    scores = _scores(kind, 6, 2048, seed=3)
    lists = inputs.normalize(data["y_true"], scores, mask=data["mask"])
    fast = ranking.rank(lists, 25)
    monkeypatch.setattr(fastrank, "chunk_size", lambda n_items, k: None)
    plain = ranking.rank(lists, 25)
    np.testing.assert_array_equal(fast.gains.numpy(), plain.gains.numpy())
    np.testing.assert_array_equal(fast.hits.numpy(), plain.hits.numpy())


LONG, KS = 2000, [1, 10, 25]  # fastrank.chunk_size(2000, 25) and (2000, 10) chunk


def _long_batch(fmt, seed, kind="ties", **options):
    data = make_batch(seed, fmt, batch=10, items=LONG, **options)
    data["y_pred"] = _scores(kind, 10, LONG, seed=seed)
    data["y_pred"][3, 7] = np.nan  # one poisoned list
    return data


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_long_lists_match_the_reference(fmt, mode):
    kind = "signed_zeros" if fmt in ("graded", "class") else "ties"
    data = _long_batch(fmt, seed=len(fmt) + len(mode), kind=kind, pad=fmt != "dense")

    assert fastrank.chunk_size(LONG, max(KS)) and fastrank.chunk_size(LONG, 10)

    label_format = "ids" if fmt in ("ids", "class", "class_2d", "ragged") else None
    options = {"label_format": label_format}

    def metrics(y_true, y_pred):  # ndcg: also the top_k over the labels (its ideal ranking)
        return (tfrank.ops.precision_at_k(y_true, y_pred, KS, **options),
                tfrank.ops.recall_at_k(y_true, y_pred, 10, **options),
                tfrank.ops.ndcg_at_k(y_true, y_pred, 10, **options))

    y_true = data["y_true"]
    if fmt == "ragged" and mode == "xla":
        y_true = y_true.to_tensor(default_value=-1)  # XLA needs static shapes
    precision, recall, ndcg = _in_mode(metrics, mode)(y_true, tf.constant(data["y_pred"]))
    truth, scores = data["ref_true"], data["y_pred"]
    want = reference.precision_at_k(truth, scores, KS, **options)
    assert_lists_close({n: v.numpy() for n, v in precision.items()}, want)
    assert_lists_close(recall.numpy(), reference.recall_at_k(truth, scores, 10, **options))
    assert_lists_close(ndcg.numpy(), reference.ndcg_at_k(truth, scores, 10, **options), atol=2e-5)


@pytest.mark.parametrize("fmt", ["dense", "graded", "ids"])
def test_long_lists_with_a_mask_and_infinite_scores_match_the_reference(fmt):
    data = _long_batch(fmt, seed=11, kind="infinite", mask=True)
    for k in (10, [25, LONG + 1]):  # chunked, then k > N (the whole list, plain top_k)
        got = tfrank.ops.precision_at_k(data["y_true"], data["y_pred"], k, mask=data["mask"])
        want = reference.precision_at_k(data["ref_true"], data["y_pred"], k, mask=data["mask"])
        assert_lists_close(got if isinstance(k, int) else {n: v.numpy() for n, v in got.items()}, want)


def test_dense_labels_without_padding_keep_minus_infinity_below_the_lowest_float():
    """No padding: -inf scores are not lifted, so -inf ranks after float32's lowest, as in the reference."""
    scores = np.zeros((1, LONG), np.float32)
    scores[0, :] = -np.inf
    scores[0, 900] = np.finfo(np.float32).min
    labels = np.zeros((1, LONG), np.float32)
    labels[0, 900] = 1.0
    got = tfrank.ops.precision_at_k(labels, scores, 1).numpy()
    np.testing.assert_array_equal(got, reference.precision_at_k(labels, scores, 1))
    assert got[0] == 1.0


def test_nan_check_is_exact_when_rows_sum_to_nan_without_a_nan():
    """+inf and -inf in one list sum to NaN: the list must not be poisoned for it."""
    scores = np.zeros((3, LONG), np.float32)
    scores[:, 0], scores[:, 1] = np.inf, -np.inf
    scores[2, 5] = np.nan
    lists = inputs.normalize(np.ones((3, 1), np.int32), scores)
    np.testing.assert_array_equal(lists.poisoned.numpy(), [False, False, True])
