"""Shared test data: random batches of lists in every label format tfrank accepts.

`make_batch` draws one set of lists and expresses it in the requested format, so the
same lists can be fed to tfrank (TF) and to tfrank.reference (NumPy) and the two
compared; formats that describe the same lists must also agree with each other.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

import tfrank  # noqa: E402
from tfrank import reference  # noqa: E402

FORMATS = ("dense", "graded", "ids", "ragged", "class", "class_2d")

# === Every metric, once: the tables shared behaviour is parametrized over ===

# log base: (Keras class, functional op, NumPy reference, a non-default option set)
METRICS = {
    "precision": (tfrank.PrecisionAtK, tfrank.ops.precision_at_k, reference.precision_at_k, {"denominator": "min_k_n"}),
    "recall": (tfrank.RecallAtK, tfrank.ops.recall_at_k, reference.recall_at_k, {}),
    "f1": (tfrank.F1AtK, tfrank.ops.f1_at_k, reference.f1_at_k, {}),
    "hit_rate": (tfrank.HitRateAtK, tfrank.ops.hit_rate_at_k, reference.hit_rate_at_k, {}),
    "mrr": (tfrank.MRRAtK, tfrank.ops.mrr_at_k, reference.mrr_at_k, {}),
    "map": (tfrank.MAPAtK, tfrank.ops.map_at_k, reference.map_at_k, {"normalizer": "hits"}),
    "ndcg": (tfrank.NDCGAtK, tfrank.ops.ndcg_at_k, reference.ndcg_at_k, {"gain": "linear"}),
    "dcg": (tfrank.DCGAtK, tfrank.ops.dcg_at_k, reference.dcg_at_k, {"gain": "linear"}),
    "r_precision": (tfrank.RPrecision, tfrank.ops.r_precision, reference.r_precision, {}),
}
CUTOFF_METRICS = tuple(name for name in METRICS if name != "r_precision")
# Every option value of every metric: (log base, options).
VARIANTS = (
    [(name, {}) for name in METRICS]
    + [("precision", {"denominator": "min_k_n"}), ("ndcg", {"gain": "linear"}), ("dcg", {"gain": "linear"})]
    + [("map", {"normalizer": "min_k_n_rel"}), ("map", {"normalizer": "hits"})]
)
VARIANT_IDS = [name + "".join(f"-{v}" for v in options.values()) for name, options in VARIANTS]


def make_metric(base, k=(2, 5), **kwargs):
    """The Keras class of metric ``base`` for cut-offs ``k`` (R-precision takes none)."""
    cls = METRICS[base][0]
    return cls(**kwargs) if base == "r_precision" else cls(k=list(k), **kwargs)


def per_list(name, source, y_true, y_pred, k, **kwargs):
    """``[B, len(k)]`` per-list values of metric ``name`` from ``source`` ("tf" or "ref").

    k is a list of cut-offs (R-precision ignores it: one column, repeated per k so that
    every metric has the same shape).
    """
    fn = METRICS[name][1 if source == "tf" else 2]
    if name == "r_precision":
        values = np.asarray(fn(y_true, y_pred, **kwargs), np.float64)
        return np.repeat(values[:, None], len(k), axis=1)
    values = fn(y_true, y_pred, list(k), **kwargs)
    return np.stack([np.asarray(v, np.float64) for v in values.values()], axis=1)


def make_batch(seed, fmt, *, batch=12, items=9, pad=True, mask=False, weights=False, ties=False):
    """Returns dict(y_true, y_pred, mask, sample_weight, ref_true) for one random batch.

    ``ref_true`` is y_true in a form the NumPy reference reads (lists of lists for ragged).
    Some lists are deliberately empty (no relevant item) and some items padded/masked.
    """
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(batch, items)).astype(np.float32)
    if ties:
        scores = np.round(scores * 2) / 2  # quantised scores: many ties
    mask_array = rng.random((batch, items)) > 0.2 if mask else None
    out = {"y_pred": scores, "mask": mask_array, "sample_weight": None}
    if weights:
        out["sample_weight"] = rng.uniform(0.1, 3.0, size=batch).astype(np.float32)
    if fmt in ("class", "class_2d"):
        ids = rng.integers(0, items, size=batch)
        out["y_true"] = ids if fmt == "class" else ids[:, None]
    elif fmt in ("dense", "graded"):
        top = 1 if fmt == "dense" else 3
        labels = rng.integers(0, top + 1, size=(batch, items)) * (rng.random((batch, items)) < 0.35)
        if pad:
            labels = np.where(rng.random((batch, items)) < 0.15, -1, labels)
        labels[0] = np.where(labels[0] > 0, 0, labels[0])  # an empty list
        out["y_true"] = labels.astype(np.float32)
    else:
        rows = []
        for b in range(batch):
            n = 0 if b == 0 else min(int(rng.integers(0, 4)), items)
            rows.append(sorted(rng.choice(items, size=n, replace=False).tolist()))
        if fmt == "ragged":
            out["y_true"] = tf.ragged.constant(rows, dtype=tf.int64, ragged_rank=1)
        else:
            width = max(len(r) for r in rows) + (1 if pad else 0)
            out["y_true"] = np.array([r + [-1] * (width - len(r)) for r in rows], dtype=np.int32)
        out["ref_true"] = rows if fmt == "ragged" else out["y_true"]
    out.setdefault("ref_true", out["y_true"])
    return out


def assert_lists_close(actual, expected, atol=1e-5):
    """Per-list values equal, NaN (skipped list) where the reference has NaN; dicts key by key."""
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for name in expected:
            assert_lists_close(actual[name], expected[name], atol)
        return
    actual, expected = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_allclose(actual[~np.isnan(actual)], expected[~np.isnan(expected)], atol=atol)


@pytest.fixture(autouse=True, scope="module")
def _fresh_keras_state():
    yield
    import keras

    keras.backend.clear_session()
