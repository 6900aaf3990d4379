"""The NaN / Inf policy, identical eagerly, in a graph and under XLA, for every metric.

Policy (docs/scaling-out.md, `tfrank.engine.inputs`): a list in which a *valid* item scores NaN gives NaN,
so the streamed result is NaN until ``reset_state()`` and keras-tuner records the trial as
FAILED (tests/test_tuners.py); a NaN on a padded or masked item is ignored; ``+inf`` ranks first and ``-inf``
last among valid items (ahead of padding). Budget metrics: a NaN score of an example
with weight > 0 gives NaN; with weight 0 it is ignored, and so is a ranking metric's
list of weight 0.
"""

import math

import numpy as np
import pytest
import tensorflow as tf

import tfrank
from catalog import ranking_metrics, results
from tfrank import reference
from tfrank.reference import budget as reference_budget

NAN, INF = float("nan"), float("inf")
SPECS = ranking_metrics()
MODES = ("eager", "graph", "xla")
K = [1, 2, 5]


def _update(metric, mode):
    if mode == "eager":
        return metric.update_state
    return tf.function(metric.update_state, jit_compile=mode == "xla")


def _expected(spec, batches):
    """Weighted mean over every list of every batch, from the reference."""
    per_list = {}
    for y_true, y_pred, mask in batches:
        for name, values in spec.expected(y_true, y_pred, K, mask=mask).items():
            per_list.setdefault(name, []).extend(values)
    return {name: reference.weighted_mean(values) for name, values in per_list.items()}


def _with(array, row, col, value):
    out = np.array(array, copy=True)
    out[row, col] = value
    return out


# Every case is 2 lists of 5 items with a mask (all True unless the case masks), so
# that each label form is traced (and XLA-compiled) once per metric and mode.
DENSE = np.array([[1, 0, 0, 1, 0], [0, 1, 0, 0, 1]], np.float32)
SCORES = np.array([[0.9, 0.8, 0.1, 0.7, 0.2], [0.1, 0.2, 0.3, 0.4, 0.5]], np.float32)
ALL = np.ones((2, 5), bool)
CLEAN = (DENSE, SCORES, ALL)

# A NaN on a valid item: the streamed result is NaN, whatever came before or after.
NAN_CASES = {
    "dense": (DENSE, _with(SCORES, 0, 2, NAN), ALL),
    "graded": (DENSE * 2, _with(SCORES, 1, 0, NAN), ALL),
    "ids": (np.array([[0, 3], [1, 4]], np.int32), _with(SCORES, 1, 3, NAN), ALL),
    "class": (np.array([0, 4], np.int32), _with(SCORES, 0, 4, NAN), ALL),
    "empty_list": (_with(DENSE, 1, [1, 4], 0.0), _with(SCORES, 1, 2, NAN), ALL),  # NaN beats empty="skip"
    "ids_unmasked_item": (np.array([[0, 3], [1, -1]], np.int32), _with(SCORES, 0, 2, NAN), _with(ALL, 0, 1, False)),
}

# A NaN on an excluded item is ignored; +inf ranks first, -inf last among valid items.
EXCLUDED_CASES = {
    "padded_dense": (_with(DENSE, 0, 2, -1.0), _with(SCORES, 0, 2, NAN), ALL),
    "padded_graded": (_with(DENSE * 3, 1, 0, -1.0), _with(SCORES, 1, 0, NAN), ALL),
    "masked_dense": (DENSE, _with(SCORES, 1, 3, NAN), _with(ALL, 1, 3, False)),
    "masked_ids": (np.array([[0, 3], [1, -1]], np.int32), _with(SCORES, 0, 1, NAN), _with(ALL, 0, 1, False)),
    "masked_class": (np.array([0, 4], np.int32), _with(SCORES, 1, 0, NAN), _with(ALL, 1, 0, False)),
    # +inf on a relevant and -inf on an irrelevant item, next to padding at -1.
    "inf_dense": (_with(DENSE, 0, 4, -1.0), _with(_with(SCORES, 0, 3, INF), 1, 1, -INF), ALL),
    # Several +inf tie (index order) and a relevant -inf item must still beat padding.
    "inf_ties": (np.array([[0, 1, 1, -1, -1], [1, 0, 0, 0, 1]], np.float32), np.array([[INF, INF, -INF, 0.5, 0.9], [-INF] * 5], np.float32), ALL),
    "inf_masked": (DENSE, _with(_with(SCORES, 0, 0, -INF), 0, 1, INF), _with(ALL, 0, 4, False)),
    "inf_ids": (np.array([[0, 3], [1, -1]], np.int32), np.array([[-INF, INF, 0.0, -INF, 1.0], [0.0, -INF, INF, -INF, INF]], np.float32), _with(ALL, 1, 4, False)),
    "inf_class": (np.array([2, 0], np.int32), np.array([[INF, -INF, -INF, 0.0, INF], [-INF, 1.0, INF, 0.0, 0.0]], np.float32), ALL),
}


def _run(update, batch):
    y_true, y_pred, mask = batch
    update(tf.constant(y_true), tf.constant(y_pred, tf.float32), mask=tf.constant(mask))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_nan_and_inf_policy_every_metric(spec, mode):
    metric = spec.make(K)
    update = _update(metric, mode)
    for case, batch in NAN_CASES.items():
        metric.reset_state()
        for step in (CLEAN, batch, CLEAN):
            _run(update, step)
        assert all(math.isnan(v) for v in results(metric).values()), (case, results(metric))
    metric.reset_state()  # and then the metric is clean again
    _run(update, CLEAN)
    assert results(metric) == pytest.approx(_expected(spec, [CLEAN]), rel=1e-5, abs=1e-6)
    for case, batch in EXCLUDED_CASES.items():
        metric.reset_state()
        _run(update, batch)
        _run(update, CLEAN)
        got = results(metric)
        assert not any(math.isnan(v) for v in got.values()), case
        assert got == pytest.approx(_expected(spec, [batch, CLEAN]), rel=1e-5, abs=1e-6), case


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_nan_list_of_weight_zero_is_left_out(spec):
    """As a budget metric's example of weight 0: a list of weight 0 does not exist, NaN or not."""
    metric = spec.make(K)
    metric.update_state(DENSE, _with(SCORES, 1, 1, NAN), sample_weight=[1.0, 0.0])
    assert results(metric) == pytest.approx(_expected(spec, [(DENSE[:1], SCORES[:1], None)]), rel=1e-5, abs=1e-6)
    metric.update_state(DENSE, SCORES, sample_weight=[float("nan"), 1.0])  # a NaN weight poisons
    assert all(math.isnan(v) for v in results(metric).values())


@pytest.mark.parametrize("mode", MODES)
def test_inf_order_by_hand(mode):
    """Checked without the reference: in list 0, items 1 and 2 are relevant, item 0 is not.

    Scores [+inf, +inf, -inf, 0.5, 0.9] with items 3 and 4 padded: the ranking is
    0, 1 (tied +inf, index order), 2 (-inf, still ahead of the padding). P@1 = 0,
    P@2 = 1/2, and P@3 = 2/3, R@3 = 2/2 only because the -inf item ranks before the
    padding. List 1 scores -inf everywhere, so index order: items 0 and 4 are relevant,
    P@1 = 1, P@2 = 1/2, P@3 = 1/3; the means are 1/2, 1/2 and 1/2.
    """
    y_true, y_pred, mask = EXCLUDED_CASES["inf_ties"]
    p = tfrank.ops.precision_at_k(y_true[:1], y_pred[:1], [1, 2, 3])
    r = tfrank.ops.recall_at_k(y_true[:1], y_pred[:1], 3)
    assert {n: float(v[0]) for n, v in p.items()} == pytest.approx({"precision_at_1": 0.0, "precision_at_2": 0.5, "precision_at_3": 2 / 3})
    assert float(r[0]) == 1.0
    metric = tfrank.PrecisionAtK(k=[1, 2, 3])
    _run(_update(metric, mode), (y_true, y_pred, mask))
    assert results(metric) == pytest.approx({"precision_at_1": 0.5, "precision_at_2": 0.5, "precision_at_3": 0.5})


# === Budget metrics ===

BUDGET = {"precision": tfrank.PrecisionAtBudget, "recall": tfrank.RecallAtBudget}
LABELS = np.array([1, 0, 1, 0, 1, 0], np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("base", sorted(BUDGET))
def test_budget_nan_and_inf_policy(base, mode):
    ref = reference_budget.REFERENCES[base]

    def run(scores, weights=None):
        metric = BUDGET[base](budget=3)
        update = _update(metric, mode)
        update(tf.constant(LABELS), tf.constant(scores, tf.float32), *(() if weights is None else (tf.constant(weights),)))
        return float(metric.result())

    with_nan = np.array([0.1, 0.5, NAN, 0.3, 0.2, 0.9], np.float32)
    assert math.isnan(run(with_nan))
    assert math.isnan(run(with_nan, np.ones(6, np.float32)))
    weights = np.array([1, 1, 0, 1, 1, 1], np.float32)  # the NaN example weighs 0: left out
    assert run(with_nan, weights) == pytest.approx(ref(LABELS, with_nan, 3, sample_weight=weights))
    # +inf first, -inf last but still counted: top 3 = items 4 (+inf), 5, 1.
    infs = np.array([-INF, 0.5, -INF, 0.3, INF, 0.9], np.float32)
    assert run(infs) == pytest.approx(ref(LABELS, infs, 3))
    assert run(infs) == pytest.approx({"precision": 1 / 3, "recall": 1 / 3}[base])
    # Budget larger than the finite examples: the -inf examples fill the last slots.
    metric = BUDGET[base](budget=6)
    _update(metric, mode)(tf.constant(LABELS), tf.constant(infs))
    assert float(metric.result()) == pytest.approx(ref(LABELS, infs, 6))
