"""What XLA on a GPU runs (`tfrank.engine.counting` for ids, `fastrank.top_k` chunked from
N = 64 k on for the rest) gives the CPU path's values.

Both paths are forced in turn on the same batches, in graph mode and under XLA, and must
agree with each other and with the NumPy reference: every metric, every label form, ties,
signed zeros, -inf, masks and padding, cut-offs past N, chunked and whole lists, empty
lists and NaN scores.
"""

import numpy as np
import pytest
import tensorflow as tf
from conftest import METRICS, assert_lists_close, make_batch, per_list

import tfrank
from tfrank import reference
from tfrank.engine import counting, fastrank, inputs, ranking

FORMATS = ("dense", "graded", "ids", "class", "class_2d")
MODES = ("graph", "xla")


ALL = sorted(METRICS)


def _run(batch, k, mode):
    """Every metric at cut-offs k from one `ranking_metrics` call: ``{log name: [B]}``."""

    def call(y_true, y_pred):
        return tfrank.ops.ranking_metrics(y_true, y_pred, list(k), metrics=ALL, mask=batch["mask"])

    out = tf.function(call, jit_compile=mode == "xla")(tf.constant(batch["y_true"]), tf.constant(batch["y_pred"]))
    return {name: np.asarray(v, np.float64) for name, v in out.items()}


def _check(batch, k, mode, label):
    """Both paths give the same values, and those are the reference's."""
    with fastrank.choose("count"):
        counted = _run(batch, k, mode)
    with fastrank.choose("top_k"):
        topped = _run(batch, k, mode)
    assert counted.keys() == topped.keys()
    for key in counted:
        np.testing.assert_array_equal(counted[key], topped[key], err_msg=f"{label}: {key}")
    for name in ALL:
        expected = per_list(name, "ref", batch["ref_true"], batch["y_pred"], k, mask=batch["mask"])
        keys = ["r_precision"] * len(k) if name == "r_precision" else [f"{name}_at_{c}" for c in k]
        assert_lists_close(np.stack([counted[key] for key in keys], axis=1), expected)
    return counted


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_counting_matches_top_k_and_reference(fmt, mode):
    for seed, extra in ((0, {}), (1, {"ties": True}), (2, {"mask": True, "ties": True})):
        batch = make_batch(seed, fmt, batch=10, items=12, **extra)
        _check(batch, (1, 3, 20), mode, f"{fmt} {mode} seed {seed}")  # 20 > N: every position


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("items,k", [(1000, 10), (500, 5), (10_000, 10), (64, 5)])
def test_gpu_chunks_give_tf_top_k(items, k, mode):
    """On a GPU `fastrank.top_k` chunks every list it can (the CPU from N = 1,024 on): values
    and indices equal to tf.math.top_k's, ties, signed zeros and -inf included."""
    rng = np.random.default_rng(items + k)
    scores = np.round(rng.normal(size=(6, items)) * 2).astype(np.float32) / 2  # many ties
    scores[1] = np.where(rng.random(items) < 0.5, np.float32(-0.0), np.float32(0.0))
    scores[2, ::3] = -np.inf
    scores[3] = 1.5  # one tie group: index order
    with fastrank.choose("count"):
        assert (fastrank._gpu_chunk_size(tf.constant(scores), k) is None) == (items == 64)
        top = tf.function(lambda s: fastrank.top_k(s, k), jit_compile=mode == "xla")(tf.constant(scores))
    expected = tf.math.top_k(scores, k)
    np.testing.assert_array_equal(top.indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(top.values.numpy(), expected.values.numpy())


@pytest.mark.parametrize("layout", counting.LAYOUTS)
def test_both_layouts_count_the_same_ranks(layout):
    rng = np.random.default_rng(9)
    scores = np.round(rng.normal(size=(5, 300)) * 2).astype(np.float32)
    index = rng.integers(0, 300, size=(5, 6)).astype(np.int32)
    order = tf.math.top_k(scores, 300).indices.numpy()
    expected = np.array([[list(order[b]).index(i) for i in index[b]] for b in range(5)])
    with counting.layout(layout):
        got = tf.function(counting.ranks, jit_compile=True)(tf.constant(scores), tf.constant(index))
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("mode", MODES)
def test_graded_lists_through_the_gpu_chunks(mode):
    """Graded labels, N = 1,000 (chunked on a GPU, not on a CPU): every metric, both paths, the reference."""
    batch = make_batch(4, "graded", batch=6, items=1000, ties=True)
    _check(batch, (1, 10, 50), mode, "graded N=1000")


@pytest.mark.parametrize("mode", MODES)
def test_signed_zeros_tie_in_index_order(mode):
    scores = np.where(np.arange(40) % 3 == 0, np.float32(-0.0), np.float32(0.0))[None, :].repeat(4, axis=0)
    scores[:, 7] = 1.0
    ids = np.array([[0, 1, -1], [3, 2, 39], [6, -1, -1], [7, 9, 12]], np.int32)
    batch = {"y_true": ids, "y_pred": scores.astype(np.float32), "mask": None, "ref_true": ids}
    counted = _check(batch, (1, 2, 4), mode, "signed zeros")
    # -0.0 == 0.0, so items 0 and 1 are the first two zeros: they rank 2nd and 3rd.
    np.testing.assert_allclose([counted[f"precision_at_{k}"][0] for k in (1, 2, 4)], [0.0, 0.5, 0.5])


@pytest.mark.parametrize("mode", MODES)
def test_nan_scores_and_empty_lists_stay_nan_or_skipped(mode):
    batch = make_batch(3, "ids", batch=6, items=10)
    batch["y_pred"][2, 4] = np.nan
    counted = _check(batch, (3,), mode, "NaN")["recall_at_3"]
    assert np.isnan(counted[2]) and np.isnan(counted[0])  # NaN scores; list 0 has no relevant item


def _method_under(mode, fmt, **lists_options):
    seen = []

    def fn(y_true, y_pred):
        lists = inputs.normalize(y_true, y_pred)
        seen.append(counting.method(lists, **lists_options))
        return ranking.rank(lists, 3).gains

    batch = make_batch(0, fmt, batch=4, items=8)
    tf.function(fn, jit_compile=mode == "xla")(tf.constant(batch["y_true"]), tf.constant(batch["y_pred"]))
    return seen[-1]


def test_the_device_picks_top_k_on_a_cpu_and_choose_forces_either():
    assert not tf.config.list_logical_devices("GPU")
    for mode in MODES:
        assert _method_under(mode, "ids", ties="first") == "top_k"
    with fastrank.choose("count"):
        assert _method_under("graph", "ids", ties="first") == "count"
        assert _method_under("xla", "dense", ties="first") == "top_k"  # dense: the chunked top k
        # Only ties="first" without per-item weights is counted.
        assert _method_under("xla", "ids", ties="expected") == "top_k"
    with pytest.raises(ValueError, match="method must be one of"):
        with fastrank.choose("sort"):
            pass
    with pytest.raises(ValueError, match="layout must be one of"):
        with counting.layout("rows"):
            pass


def test_a_visible_gpu_picks_counting_under_xla_only(monkeypatch):
    """What Keras' fit compiles on a GPU (XLA) counts; the same GPU without XLA keeps the top k."""
    real = tf.config.list_logical_devices
    monkeypatch.setattr(tf.config, "list_logical_devices",
                        lambda kind=None: ["GPU:0"] if kind == "GPU" else real(kind))
    assert _method_under("xla", "ids", ties="first") == "count"
    assert _method_under("graph", "ids", ties="first") == "top_k"
    assert _method_under("xla", "class", ties="first") == "count"
    assert _method_under("xla", "dense", ties="first") == "top_k"  # dense: the chunked top k
    with fastrank.choose("top_k"):
        assert _method_under("xla", "ids", ties="first") == "top_k"


def test_wide_ids_take_the_top_k():
    ids = tf.tile(tf.range(counting.MAX_IDS + 1)[None, :], [2, 1])
    lists = inputs.normalize(ids, tf.zeros([2, 64]), label_format="ids")
    with fastrank.choose("count"):
        assert counting.method(lists, "first") == "top_k"
        narrow = inputs.normalize(ids[:, : counting.MAX_IDS], tf.zeros([2, 64]), label_format="ids")
        assert counting.method(narrow, "first") == "count"


def test_counted_ranks_are_top_k_positions():
    rng = np.random.default_rng(5)
    scores = np.round(rng.normal(size=(6, 50)) * 3).astype(np.float32)
    index = rng.integers(0, 50, size=(6, 7)).astype(np.int32)
    order = tf.math.top_k(scores, 50).indices.numpy()
    expected = np.array([[list(order[b]).index(i) for i in index[b]] for b in range(6)])
    np.testing.assert_array_equal(counting.ranks(tf.constant(scores), tf.constant(index)).numpy(), expected)


def _counted_or_not(monkeypatch):
    """Records what `counting.method` answers while the ranking is traced."""
    seen, real = [], counting.method
    monkeypatch.setattr(counting, "method", lambda lists, ties: seen.append(real(lists, ties)) or seen[-1])
    return seen


def test_lists_longer_than_max_items_take_the_top_k_and_match_the_reference(monkeypatch):
    """Under XLA (what a GPU runs): 2**17 items are counted, one more takes the top k."""
    seen, mode = _counted_or_not(monkeypatch), "xla"
    for items, method in ((counting.MAX_ITEMS, "count"), (counting.MAX_ITEMS + 1, "top_k")):
        batch = make_batch(6, "ids", batch=3, items=items)
        batch["y_pred"][1, ::7] = batch["y_pred"][1, 0]  # ties
        with fastrank.choose("count"):
            got = _run(batch, (1, 10), mode)
        assert seen[-1] == method, items
        for name in ("precision", "ndcg", "mrr"):
            expected = per_list(name, "ref", batch["ref_true"], batch["y_pred"], (1, 10))
            assert_lists_close(np.stack([got[f"{name}_at_{k}"] for k in (1, 10)], axis=1), expected)


@pytest.mark.parametrize("mode", MODES)
def test_per_item_weights_take_the_top_k_and_match_the_reference(mode, monkeypatch):
    seen = _counted_or_not(monkeypatch)
    batch = make_batch(7, "ids", batch=8, items=12, ties=True)
    items = np.random.default_rng(7).uniform(0.0, 2.0, (8, 12)).astype(np.float32)
    items[items < 0.4] = 0.0  # weight 0 excludes the item

    def call(y_true, y_pred, weights):
        return tfrank.ops.ranking_metrics(y_true, y_pred, [1, 3, 20], metrics=["precision", "map", "ndcg"],
                                          sample_weight=weights)

    with fastrank.choose("count"):
        got = tf.function(call, jit_compile=mode == "xla")(batch["y_true"], batch["y_pred"], items)
    assert seen and set(seen) == {"top_k"}
    for name in ("precision", "map", "ndcg"):
        want = getattr(reference, f"{name}_at_k")(batch["ref_true"], batch["y_pred"], [1, 3, 20], sample_weight=items)
        assert_lists_close({key: got[key] for key in want}, want)
