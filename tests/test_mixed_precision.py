"""Mixed precision: half-precision scores are ranked in float32, and differ from float32 only by ties.

Why results can differ at all: rounding scores to float16 (11 significant bits) or
bfloat16 (8 bits) can make two different float32 scores equal, and a tie is broken by
index (``ties="first"``), so two items can swap. tfrank casts half-precision scores to
float32 before ranking, so nothing is lost beyond that rounding: the metric on half
scores equals the NumPy reference on the rounded scores exactly, and a list's value
changes only if rounding changed its ranking.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
from catalog import ranking_metrics, results
from tfrank import reference

SPECS = ranking_metrics()
K = [1, 5, 10]
HALF = {"float16": tf.float16, "bfloat16": tf.bfloat16}
# Stated bound (docs/scaling-out.md, "Mixed precision"): on N(0, 1) scores of 400 lists x 30 items, every
# metric's mean over the lists moves by at most 0.02 when the scores are half precision
# (DCG: 0.02 x the largest gain, 2**max_label - 1). `test_stated_bound_holds_over_the_sweep`
# measures it over seeds, label densities, k and both policies.
TOLERANCE = 0.02


def _lists(seed=0, n=400, items=30):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, items)).astype(np.float32)
    labels = rng.integers(0, 3, size=(n, items)) * (rng.random((n, items)) < 0.2)
    labels = np.where(rng.random((n, items)) < 0.1, -1, labels).astype(np.float32)  # padding
    return labels, scores


def _order(labels, scores):
    """Each list's valid items from best to worst (ties in index order)."""
    return [tuple(np.flatnonzero(row >= 0)[np.argsort(-s[row >= 0], kind="stable")]) for row, s in zip(labels, scores)]


@pytest.mark.parametrize("mode", ["eager", "xla"])
@pytest.mark.parametrize("half", sorted(HALF))
def test_half_precision_scores_rank_exactly_in_float32(half, mode):
    labels, scores = _lists()
    half_scores = tf.cast(scores, HALF[half])
    rounded = tf.cast(half_scores, tf.float64).numpy()
    changed = np.array([a != b for a, b in zip(_order(labels, scores), _order(labels, rounded))])
    assert 0 < changed.sum() < len(changed)  # rounding made some ties, not everywhere
    for spec in SPECS:
        metric = spec.make(K)
        update = metric.update_state if mode == "eager" else tf.function(metric.update_state, jit_compile=True)
        update(tf.constant(labels), half_scores)
        on_rounded = spec.expected(labels, rounded, K)
        on_float32 = spec.expected(labels, scores, K)
        got = results(metric)
        for name, values in on_rounded.items():
            assert got[name] == pytest.approx(reference.weighted_mean(values), rel=1e-5, abs=1e-6), name
            # A list's value moves only where rounding changed its ranking.
            same = ~changed & ~np.isnan(values)
            np.testing.assert_allclose(values[same], on_float32[name][same], atol=1e-12, err_msg=name)
            scale = 2.0 ** float(labels.max()) - 1 if name.startswith("dcg") else 1.0  # DCG: in largest gains
            assert got[name] == pytest.approx(reference.weighted_mean(on_float32[name]), abs=TOLERANCE * scale), name


# === The stated bound, swept: seeds 1-9 x label densities x k x both policies x every metric ===

SWEEP_SEEDS = range(1, 10)
# (largest label, share of relevant items): binary sparse and dense, graded 0-2 and 0-3.
SWEEP_DENSITIES = [(1, 0.1), (1, 0.3), (2, 0.2), (3, 0.3)]
SWEEP_K = [1, 3, 5, 10]
SWEEP_METRICS = ["precision", "recall", "f1", "hit_rate", "mrr", "map", "ndcg", "dcg", "r_precision"]


def _sweep_lists(seed, max_label, rate, n=400, items=30):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, items)).astype(np.float32)
    labels = rng.integers(1, max_label + 1, size=(n, items)) * (rng.random((n, items)) < rate)
    labels = np.where(rng.random((n, items)) < 0.1, -1, labels).astype(np.float32)  # padding
    return labels, scores


def _sweep_deviations(half):
    """{(log name, max_label, rate, seed): |mean on half scores - mean on float32| (DCG: / largest gain)}."""
    deviations = {}
    for max_label, rate in SWEEP_DENSITIES:
        # Every seed's 400 lists in one batch: one ranking per precision, then a mean per seed.
        labels, scores = map(np.concatenate, zip(*(_sweep_lists(seed, max_label, rate) for seed in SWEEP_SEEDS)))
        exact = tfrank.ops.ranking_metrics(labels, scores, SWEEP_K, metrics=SWEEP_METRICS)
        rounded = tfrank.ops.ranking_metrics(labels, tf.cast(scores, HALF[half]), SWEEP_K, metrics=SWEEP_METRICS)
        for name in exact:
            per_seed = [np.nanmean(np.reshape(v, (len(SWEEP_SEEDS), -1)), axis=1) for v in (exact[name], rounded[name])]
            scale = 2.0 ** max_label - 1 if name.startswith("dcg") else 1.0
            for seed, deviation in zip(SWEEP_SEEDS, np.abs(per_seed[1] - per_seed[0]) / scale):
                deviations[name, max_label, rate, seed] = deviation
    return deviations


@pytest.mark.parametrize("half", sorted(HALF))
def test_stated_bound_holds_over_the_sweep(half):
    deviations = _sweep_deviations(half)
    assert len(deviations) == len(SWEEP_SEEDS) * len(SWEEP_DENSITIES) * (8 * len(SWEEP_K) + 1)
    worst = max(deviations, key=deviations.get)
    assert deviations[worst] <= TOLERANCE, (worst, deviations[worst])
    # Not a vacuous sweep: rounding moves some means, and by more than float32 noise.
    assert deviations[worst] > 1e-3


def _model(items, metrics_for):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(items)])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=metrics_for())
    return model


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_model_logs_the_reference_value(policy):
    """Under a mixed policy the model's scores are half precision; the metrics stay float32."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(300, 8)).astype(np.float32)
    labels = (x[:, :6] + rng.normal(size=(300, 6)) > 0.5).astype(np.float32)
    labels = np.concatenate([labels, np.zeros((300, 24), np.float32)], axis=1)  # 30 items, 6 ever relevant

    def metrics():
        return [spec.make(K) for spec in SPECS]

    keras.mixed_precision.set_global_policy(policy)
    try:
        mixed = _model(30, metrics)
        history = mixed.fit(x, labels, validation_data=(x, labels), epochs=1, batch_size=32, verbose=0)
        scores = mixed.predict(x, verbose=0)
        logs = mixed.evaluate(x, labels, batch_size=64, return_dict=True, verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert scores.dtype == HALF[policy.split("_")[1]].as_numpy_dtype
    assert all(v.dtype == "float32" for m in mixed.metrics for v in m.variables)
    twin = _model(30, metrics)
    twin.set_weights(mixed.get_weights())
    float32_logs = twin.evaluate(x, labels, batch_size=64, return_dict=True, verbose=0)
    for spec in SPECS:
        for name, values in spec.expected(labels, scores.astype(np.float64), K).items():
            assert logs[name] == pytest.approx(reference.weighted_mean(values), rel=1e-5, abs=1e-6), name
            assert history.history[f"val_{name}"][-1] == pytest.approx(logs[name], rel=1e-5, abs=1e-6), name
            # The layers' half-precision arithmetic moves scores a little more than
            # rounding alone (138 of 300 lists reorder under bfloat16); same tolerance.
            assert logs[name] == pytest.approx(float32_logs[name], rel=TOLERANCE, abs=TOLERANCE), name


@pytest.mark.parametrize("half", sorted(HALF))
def test_budget_metrics_rank_half_precision_scores_exactly(half):
    from tfrank.reference import budget as reference_budget

    rng = np.random.default_rng(6)
    scores = rng.normal(size=500).astype(np.float32)
    labels = (rng.random(500) < 0.1).astype(np.float32)
    half_scores = tf.cast(scores, HALF[half])
    rounded = tf.cast(half_scores, tf.float64).numpy()
    assert len(np.unique(rounded)) < len(np.unique(scores))  # rounding made ties
    for cls, base in ((tfrank.PrecisionAtBudget, "precision"), (tfrank.RecallAtBudget, "recall")):
        metric = cls(budget=40)
        metric.update_state(labels[:300], half_scores[:300])
        metric.update_state(labels[300:], half_scores[300:])
        expected = reference_budget.REFERENCES[base](labels, rounded, 40)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-5, abs=1e-6)
        assert expected == pytest.approx(reference_budget.REFERENCES[base](labels, scores, 40), rel=TOLERANCE, abs=TOLERANCE)
