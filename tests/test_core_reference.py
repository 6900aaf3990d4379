"""tfrank's TF metrics against the independent NumPy reference (tfrank.reference).

Crosses metric (every option value) x k x label format x padding/mask x ties, per batch
(functional, per-list values), and metric x weights x ties streamed over uneven batches
in mixed formats (Keras class); checks eager, tf.function and XLA agree.
"""

import zlib

import numpy as np
import pytest
import tensorflow as tf
from conftest import (
    FORMATS,
    METRICS,
    VARIANT_IDS,
    VARIANTS,
    assert_lists_close,
    make_batch,
    make_metric,
    per_list,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import tfrank
from tfrank import reference
from tfrank.engine.definitions import DEFINITIONS

KS = (1, 20, [1, 4, 9])
ALL = list(METRICS)


def _own(name, options):
    """The shared options that metric ``name`` takes (as RankingMetrics hands them out)."""
    return {key: value for key, value in options.items() if key in DEFINITIONS[name].options}


@pytest.mark.parametrize("ties", ["first", "expected"])
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("k", KS, ids=str)
def test_functional_matches_reference(k, fmt, mask, ties):
    """Every metric and option value, one batch: per-list values, and dict keys for a list k."""
    seed = zlib.crc32(f"{k}-{fmt}-{mask}".encode())  # the same in every run (str hashes are salted)
    data = make_batch(seed, fmt, mask=mask, ties=ties == "expected")
    args = (data["y_pred"],)
    for (name, options), label in zip(VARIANTS, VARIANT_IDS):
        fn, ref = METRICS[name][1:3]
        kwargs = {"mask": data["mask"], "ties": ties, **options}
        if name == "r_precision":
            got, want = fn(data["y_true"], *args, **kwargs), ref(data["ref_true"], *args, **kwargs)
        else:
            got, want = fn(data["y_true"], *args, k, **kwargs), ref(data["ref_true"], *args, k, **kwargs)
        if isinstance(k, list) and name != "r_precision":
            assert list(got) == list(want) == [f"{name}_at_{v}" for v in k], label
        assert_lists_close(got, want)


@pytest.mark.parametrize("ties", ["first", "expected"])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("name", ALL)
def test_streaming_matches_reference_mean(name, weights, ties):
    """Streaming over uneven batches, each in another label format, gives the weighted mean of all lists."""
    options = METRICS[name][3]
    k = [2, 5]
    m = make_metric(name, k, ties=ties, **options)
    values, all_weights = [], []
    for step, (size, fmt) in enumerate(zip((5, 1, 13, 7), ("graded", "ids", "class", "ragged"))):
        data = make_batch(1000 + step, fmt, batch=size, mask=step % 2 == 1, weights=weights, ties=True)
        m.update_state(data["y_true"], data["y_pred"], sample_weight=data["sample_weight"], mask=data["mask"])
        values.append(per_list(name, "ref", data["ref_true"], data["y_pred"], k, mask=data["mask"], ties=ties, **options))
        w = data["sample_weight"]
        all_weights.append(np.ones(size) if w is None else w)
    values, w = np.concatenate(values), np.concatenate(all_weights)
    result = m.result()
    got = [float(result)] if name == "r_precision" else [float(result[n]) for n in m.result_names()]
    want = [reference.weighted_mean(values[:, i], w) for i in range(len(got))]
    assert got == pytest.approx(want, abs=1e-5)


@pytest.mark.parametrize("empty", ["skip", "zero", "one"])
def test_empty_policy_matches_reference(empty):
    data = make_batch(7, "ids", batch=16)
    for name in ALL:
        got = per_list(name, "tf", data["y_true"], data["y_pred"], [3], empty=empty)
        want = per_list(name, "ref", data["ref_true"], data["y_pred"], [3], empty=empty)
        assert_lists_close(got, want)
        m = make_metric(name, [3], empty=empty)
        m.update_state(data["y_true"], data["y_pred"])
        result = m.result()
        value = float(result) if name == "r_precision" else float(result[f"{name}_at_3"])
        assert value == pytest.approx(reference.weighted_mean(want[:, 0]), abs=1e-6), name


def _run_modes(make, y_true, y_pred, mask):
    """{mode: result dict} of a fresh metric from ``make()`` updated once per mode."""
    results = {}
    for mode, jit in (("graph", False), ("xla", True)):
        m = make()
        step = tf.function(lambda t, p, s: m.update_state(t, p, mask=s), jit_compile=jit)
        # XLA needs static shapes: ragged ids go in padded with -1.
        step(y_true.to_tensor(default_value=-1) if isinstance(y_true, tf.RaggedTensor) and jit else y_true, y_pred, mask)
        results[mode] = m.result()
    m = make()
    m.update_state(y_true, y_pred, mask=mask)
    results["eager"] = m.result()
    return {mode: {n: float(v) for n, v in r.items()} if isinstance(r, dict) else float(r) for mode, r in results.items()}


@pytest.mark.parametrize("ties", ["first", "expected"])
@pytest.mark.parametrize("fmt", ["graded", "ragged", "class"])
def test_eager_graph_and_xla_agree_on_every_metric(fmt, ties):
    """RankingMetrics carries every metric and option value: two compiles per format check them all."""
    data = make_batch(3, fmt, mask=True, ties=True)
    for options in ({"normalizer": "hits"}, {"denominator": "min_k_n", "normalizer": "min_k_n_rel", "gain": "linear"}):
        results = _run_modes(
            lambda: tfrank.RankingMetrics(k=[1, 4], metrics=ALL, ties=ties, **options),
            data["y_true"], data["y_pred"], data["mask"],
        )  # fmt: skip
        for name in ALL:
            values = per_list(
                name, "ref", data["ref_true"], data["y_pred"], [1, 4], mask=data["mask"], ties=ties, **_own(name, options)
            )
            keys = ["r_precision"] if name == "r_precision" else [f"{name}_at_1", f"{name}_at_4"]
            expected = {key: reference.weighted_mean(values[:, i]) for i, key in enumerate(keys)}
            for mode, got in results.items():
                assert {key: got[key] for key in keys} == pytest.approx(expected, abs=1e-6), (mode, name, options)


@pytest.mark.parametrize("name", ALL)
def test_each_class_compiles_under_xla(name):
    """Each class's own update (not only RankingMetrics') agrees in eager, graph and XLA."""
    data = make_batch(4, "graded", mask=True, ties=True)
    options = METRICS[name][3]
    results = _run_modes(lambda: make_metric(name, [1, 4], ties="expected", **options), data["y_true"], data["y_pred"], data["mask"])
    assert results["graph"] == pytest.approx(results["eager"], abs=1e-6)
    assert results["xla"] == pytest.approx(results["eager"], abs=1e-6)


def test_dense_and_ids_formats_agree():
    """The same lists given as multi-hot labels and as relevant ids give the same values."""
    data = make_batch(11, "ids", batch=20, pad=True, ties=True)
    ids = np.asarray(data["y_true"])
    dense = np.zeros_like(data["y_pred"])
    for b, row in enumerate(ids):
        dense[b, row[row >= 0]] = 1.0
    for ties in ("first", "expected"):
        by_ids = tfrank.ops.ranking_metrics(ids, data["y_pred"], [1, 3], metrics=ALL, ties=ties)
        by_dense = tfrank.ops.ranking_metrics(dense, data["y_pred"], [1, 3], metrics=ALL, ties=ties)
        assert_lists_close(by_ids, by_dense)


def test_padding_equals_mask():
    """A -1 label and a False mask exclude an item the same way."""
    data = make_batch(5, "graded", batch=20, pad=True, ties=True)
    labels = data["y_true"]
    as_mask = np.where(labels < 0, 0.0, labels)
    for options in ({"denominator": "min_k_n"}, {"normalizer": "hits", "gain": "linear"}):
        for ties in ("first", "expected"):
            kwargs = {"metrics": ALL, "ties": ties, **options}
            got = tfrank.ops.ranking_metrics(as_mask, data["y_pred"], 4, mask=labels >= 0, **kwargs)
            assert_lists_close(got, tfrank.ops.ranking_metrics(labels, data["y_pred"], 4, **kwargs))


def test_combined_equals_separate_metrics():
    """RankingMetrics gives, key by key, the values of the separate classes."""
    data = make_batch(9, "graded", batch=10, mask=True, weights=True, ties=True)
    update = {"sample_weight": data["sample_weight"], "mask": data["mask"]}
    options = {"gain": "linear", "normalizer": "hits"}
    combined = tfrank.RankingMetrics(k=[2, 6], metrics=ALL, ties="expected", **options)
    combined.update_state(data["y_true"], data["y_pred"], **update)
    got = {name: float(v) for name, v in combined.result().items()}
    want = {}
    for name in ALL:
        m = make_metric(name, [2, 6], ties="expected", **_own(name, options))
        m.update_state(data["y_true"], data["y_pred"], **update)
        result = m.result()
        want.update({"r_precision": float(result)} if name == "r_precision" else {n: float(v) for n, v in result.items()})
    assert list(got) == list(want) and got == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("ties", ["first", "expected"])
def test_no_lists_and_lists_of_no_item(ties):
    """A batch of 0 lists, and lists of 0 items (all empty: "skip" gives NaN, "zero" 0), for every metric."""
    for shape, empty, want in (((0, 5), "skip", []), ((3, 0), "skip", [np.nan] * 3), ((3, 0), "zero", [0.0] * 3)):
        zeros = np.zeros(shape, np.float32)
        values = tfrank.ops.ranking_metrics(zeros, zeros, [1, 4], metrics=ALL, ties=ties, empty=empty, normalizer="hits")
        for name, value in values.items():
            np.testing.assert_array_equal(value.numpy(), want, err_msg=f"{name} {shape}")


def test_ties_keep_index_order():
    """ties='first': equal scores rank by index, as tf.math.top_k does; checked by hand.

    Scores all 0.5, items 1 and 3 relevant: order is 0,1,2,3 so P@2 = 1/2 (item 1),
    P@1 = 0 (item 0 first), R@4 = 2/2, MRR@4 = 1/2.
    """
    y_true, y_pred = [[0, 1, 0, 1]], [[0.5, 0.5, 0.5, 0.5]]
    got = tfrank.ops.precision_at_k(y_true, y_pred, [1, 2], label_format="dense")
    assert float(got["precision_at_1"][0]) == 0.0 and float(got["precision_at_2"][0]) == 0.5
    assert float(tfrank.ops.recall_at_k(y_true, y_pred, 4, label_format="dense")[0]) == 1.0
    assert float(tfrank.ops.mrr_at_k(y_true, y_pred, 4, label_format="dense")[0]) == 0.5


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    batch=st.integers(1, 6),
    items=st.integers(1, 12),
    k=st.integers(1, 15),
    fmt=st.sampled_from(FORMATS),
    mask=st.booleans(),
    ties=st.sampled_from(["first", "expected"]),
)
def test_property_matches_reference(seed, batch, items, k, fmt, mask, ties):
    data = make_batch(seed, fmt, batch=batch, items=items, mask=mask, ties=True)
    width = np.asarray(data["y_true"]).shape[-1] if fmt == "ids" else None
    label_format = "ids" if fmt == "ids" and width == items else None
    if fmt == "class_2d" and items == 1:
        label_format = "ids"  # [B, 1] with N = 1 is read as dense: say ids
    kwargs = {"mask": data["mask"], "label_format": label_format, "ties": ties}
    for name in ALL:
        got = per_list(name, "tf", data["y_true"], data["y_pred"], [k], **kwargs)
        want = per_list(name, "ref", data["ref_true"], data["y_pred"], [k], **kwargs)
        assert_lists_close(got, want)
        finite = got[~np.isnan(got)]
        assert np.all(finite >= 0) and (name == "dcg" or np.all(finite <= 1 + 1e-6)), name
