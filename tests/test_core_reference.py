"""tfrank's TF metrics against the independent NumPy reference (tfrank.reference).

Crosses metric x k x label format x padding/mask x weights, per batch (functional,
per-list values) and streamed over uneven batches (Keras class), and checks eager,
tf.function and XLA agree.
"""

import numpy as np
import pytest
import tensorflow as tf
from conftest import FORMATS, assert_lists_close, make_batch
from hypothesis import given, settings
from hypothesis import strategies as st

import tfrank
from tfrank import reference

# (log base, tfrank function, reference function, class, options)
METRICS = {
    "precision": (tfrank.ops.precision_at_k, reference.precision_at_k, tfrank.PrecisionAtK, {}),
    "precision_min_k_n": (
        tfrank.ops.precision_at_k,
        reference.precision_at_k,
        tfrank.PrecisionAtK,
        {"denominator": "min_k_n"},
    ),
    "recall": (tfrank.ops.recall_at_k, reference.recall_at_k, tfrank.RecallAtK, {}),
}
KS = (1, 3, 20, [1, 4, 9])


def _per_list(result, k):
    if isinstance(k, list):
        return np.stack([np.asarray(v) for v in result.values()], axis=1)
    return np.asarray(result)


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("mask", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("k", KS, ids=str)
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_functional_matches_reference(metric, k, fmt, mask, weights):
    fn, ref, _, options = METRICS[metric]
    data = make_batch(hash((metric, str(k), fmt, mask)) % 2**32, fmt, mask=mask, weights=weights)
    got = fn(data["y_true"], data["y_pred"], k, mask=data["mask"], **options)
    want = ref(data["ref_true"], data["y_pred"], k, mask=data["mask"], **options)
    if isinstance(k, list):
        assert list(got) == list(want) == [f"{metric.split('_min')[0]}_at_{v}" for v in k]
    assert_lists_close(_per_list(got, k), _per_list(want, k))


@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_streaming_matches_reference_mean(metric, fmt, weights):
    """Streaming over uneven batches gives the weighted mean over all lists seen."""
    _, ref, cls, options = METRICS[metric]
    k = [2, 5]
    m = cls(k=k, **options)
    expected_values, expected_weights = [], []
    for step, size in enumerate((5, 1, 13, 7)):
        data = make_batch(1000 + step, fmt, batch=size, mask=step % 2 == 1, weights=weights)
        m.update_state(data["y_true"], data["y_pred"], sample_weight=data["sample_weight"], mask=data["mask"])
        want = ref(data["ref_true"], data["y_pred"], k, mask=data["mask"], **options)
        expected_values.append(_per_list(want, k))
        w = data["sample_weight"]
        expected_weights.append(np.ones(size) if w is None else w)
    values, w = np.concatenate(expected_values), np.concatenate(expected_weights)
    result = m.result()
    for i, name in enumerate(m.result_names()):
        assert float(result[name]) == pytest.approx(reference.weighted_mean(values[:, i], w), abs=1e-5)


@pytest.mark.parametrize("empty", ["skip", "zero", "one"])
@pytest.mark.parametrize("metric", ["precision", "recall"])
def test_empty_policy_matches_reference(metric, empty):
    fn, ref, cls, _ = METRICS[metric]
    data = make_batch(7, "ids", batch=16)
    got = fn(data["y_true"], data["y_pred"], 3, empty=empty)
    want = ref(data["ref_true"], data["y_pred"], 3, empty=empty)
    assert_lists_close(got, want)
    m = cls(k=3, empty=empty)
    m.update_state(data["y_true"], data["y_pred"])
    assert float(m.result()) == pytest.approx(reference.weighted_mean(want), abs=1e-6)


@pytest.mark.parametrize("fmt", ["dense", "ids", "ragged", "class"])
@pytest.mark.parametrize("metric", sorted(METRICS))
def test_eager_graph_and_xla_agree(metric, fmt):
    fn, ref, cls, options = METRICS[metric]
    data = make_batch(3, fmt, mask=True)
    y_true = data["y_true"]
    args = (data["y_pred"], data["mask"])
    want = ref(data["ref_true"], data["y_pred"], [1, 4], mask=data["mask"], **options)
    results = {}
    for mode, jit in (("graph", False), ("xla", True)):
        m = cls(k=[1, 4], **options)
        step = tf.function(lambda t, p, s: m.update_state(t, p, mask=s), jit_compile=jit)
        if fmt == "ragged" and jit:
            y_for_xla = y_true.to_tensor(default_value=-1)  # XLA needs static shapes
            step(y_for_xla, *args)
        else:
            step(y_true, *args)
        results[mode] = {name: float(v) for name, v in m.result().items()}
    eager = cls(k=[1, 4], **options)
    eager.update_state(y_true, data["y_pred"], mask=data["mask"])
    results["eager"] = {name: float(v) for name, v in eager.result().items()}
    expected = {name: reference.weighted_mean(v) for name, v in want.items()}
    for mode, got in results.items():
        assert got == pytest.approx(expected, abs=1e-6), mode


def test_dense_and_ids_formats_agree():
    """The same lists given as multi-hot labels and as relevant ids give the same values."""
    data = make_batch(11, "ids", batch=20, pad=True)
    ids = np.asarray(data["y_true"])
    dense = np.zeros_like(data["y_pred"])
    for b, row in enumerate(ids):
        dense[b, row[row >= 0]] = 1.0
    for fn in (tfrank.ops.precision_at_k, tfrank.ops.recall_at_k):
        assert_lists_close(fn(ids, data["y_pred"], [1, 3]), fn(dense, data["y_pred"], [1, 3]))


def test_padding_equals_mask():
    """A -1 label and a False mask exclude an item the same way."""
    data = make_batch(5, "dense", batch=20, pad=True)
    labels = data["y_true"]
    as_mask = np.where(labels < 0, 0.0, labels)
    for fn, options in (
        (tfrank.ops.precision_at_k, {"denominator": "min_k_n"}),
        (tfrank.ops.recall_at_k, {}),
    ):
        got = fn(as_mask, data["y_pred"], 4, mask=labels >= 0, **options)
        assert_lists_close(got, fn(labels, data["y_pred"], 4, **options))


def test_ties_keep_index_order():
    """ties='first': equal scores rank by index, as tf.math.top_k does; checked by hand.

    Scores all 0.5, items 1 and 3 relevant: order is 0,1,2,3 so P@2 = 1/2 (item 1),
    P@1 = 0 (item 0 first), R@4 = 2/2.
    """
    y_true, y_pred = [[0, 1, 0, 1]], [[0.5, 0.5, 0.5, 0.5]]
    got = tfrank.ops.precision_at_k(y_true, y_pred, [1, 2], label_format="dense")
    assert float(got["precision_at_1"][0]) == 0.0 and float(got["precision_at_2"][0]) == 0.5
    assert float(tfrank.ops.recall_at_k(y_true, y_pred, 4, label_format="dense")[0]) == 1.0


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    batch=st.integers(1, 6),
    items=st.integers(1, 12),
    k=st.integers(1, 15),
    fmt=st.sampled_from(FORMATS),
    mask=st.booleans(),
    ties=st.booleans(),
)
def test_property_matches_reference(seed, batch, items, k, fmt, mask, ties):
    data = make_batch(seed, fmt, batch=batch, items=items, mask=mask, ties=ties)
    width = np.asarray(data["y_true"]).shape[-1] if fmt == "ids" else None
    label_format = "ids" if fmt == "ids" and width == items else None
    if fmt == "class_2d" and items == 1:
        label_format = "ids"  # [B, 1] with N = 1 could be dense: say which
    pairs = ((tfrank.ops.precision_at_k, reference.precision_at_k), (tfrank.ops.recall_at_k, reference.recall_at_k))
    for fn, ref in pairs:
        got = fn(data["y_true"], data["y_pred"], k, mask=data["mask"], label_format=label_format)
        want = ref(data["ref_true"], data["y_pred"], k, mask=data["mask"], label_format=label_format)
        assert_lists_close(got, want)
        finite = np.asarray(got)[~np.isnan(np.asarray(got))]
        assert np.all((finite >= 0) & (finite <= 1))
