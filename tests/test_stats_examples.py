"""Dataset-level metrics compared by a paired bootstrap over examples (tfrank.stats.compare_examples).

The oracle is the bootstrap written as a plain loop: draw the resamples' indices (the
same Generator calls), evaluate `tfrank.reference`'s budget functions on each resample
of both models, take percentiles and count. The registry hook is checked with a metric
class registered in the test (one line), with and without a comparer of its own.
"""

import re

import keras
import numpy as np
import pytest
import sklearn.metrics
from statsmodels.stats.multitest import multipletests

import tfrank
import tfrank.stats
from tfrank import reference
from tfrank.stats import dataset

N, RESAMPLES = 60, 400


@pytest.fixture(scope="module")
def examples():
    rng = np.random.default_rng(0)
    y = (rng.random(N) < 0.25).astype(float)
    a = np.round(y + rng.normal(0, 0.8, N), 1)  # rounded: tied scores
    b = np.round(y + rng.normal(0, 1.0, N), 1)
    w = rng.uniform(0.5, 2.0, N)
    w[[3, 30]] = 0.0
    return y, a, b, w


def _loop(statistic, y, scores, w, seed, resamples=RESAMPLES):
    """Each model's statistic on each resample (a resample: its indices sorted, ties in data order)."""
    draws = np.random.default_rng(seed).integers(0, y.size, (resamples, y.size))
    out = []
    for s in scores:
        values = []
        for row in draws:
            i = np.sort(row)
            values.append(statistic(y[i], s[i], None if w is None else w[i]))
        out.append(np.array(values))
    return out


def _pvalue(delta, deltas):
    extreme = np.sum(np.abs(deltas - delta) >= abs(delta) - 1e-12)  # at least as far from the null
    return (extreme + 1) / (deltas.size + 1)


@pytest.mark.parametrize("base, budget, weighted", [("precision", 10, False), ("precision", 8, True),
                                                    ("recall", 12, True)])
def test_compare_examples_is_the_plain_loop_bootstrap(examples, base, budget, weighted):
    y, a, b, w = examples
    w = w if weighted else None
    ref = reference.precision_at_budget if base == "precision" else reference.recall_at_budget

    def statistic(y, s, w):
        return ref(y, s, budget, sample_weight=w)

    r = tfrank.stats.compare_examples(f"val_{base}_at_budget_{budget}", y, a, b, sample_weight=w,
                                      n_resamples=RESAMPLES, confidence=0.9, seed=5)
    on_a, on_b = _loop(statistic, y, [a, b], w, seed=5)
    delta = statistic(y, a, w) - statistic(y, b, w)
    assert r.difference == pytest.approx(delta, abs=1e-12)
    assert r.ci == pytest.approx(tuple(np.quantile(on_a - on_b, [0.05, 0.95])), abs=1e-12)
    assert r.p_value == pytest.approx(_pvalue(delta, on_a - on_b), abs=1e-12)
    assert (r.n, r.test, r.n_resamples, r.confidence) == (N, "bootstrap", RESAMPLES, 0.9)
    interval = tfrank.stats.example_ci(tfrank.RecallAtBudget(budget=budget) if base == "recall"
                                       else tfrank.PrecisionAtBudget(budget=budget), y, a, sample_weight=w,
                                       n_resamples=RESAMPLES, seed=5)
    assert interval.mean == pytest.approx(statistic(y, a, w))
    assert interval[1:] == pytest.approx(tuple(np.quantile(on_a, [0.025, 0.975])), abs=1e-12)


def test_a_long_ranking_with_its_best_examples_weighed_out():
    """n far above the budget, the 150 best-scored examples of weight 0: the slots fill further down."""
    rng = np.random.default_rng(4)
    y = (rng.random(500) < 0.2).astype(float)
    a, b = y + rng.normal(0, 1.0, 500), y + rng.normal(0, 1.2, 500)
    w = np.ones(500)
    w[np.argsort(-a)[:150]] = 0.0
    for base, ref in (("precision", reference.precision_at_budget), ("recall", reference.recall_at_budget)):
        r = tfrank.stats.compare_examples(f"{base}_at_budget_7", y, a, b, sample_weight=w, n_resamples=200, seed=1)
        on_a, on_b = _loop(lambda y, s, w: ref(y, s, 7, sample_weight=w), y, [a, b], w, seed=1, resamples=200)
        assert r.ci == pytest.approx(tuple(np.quantile(on_a - on_b, [0.025, 0.975])), abs=1e-12), base


def test_compare_examples_many_shares_the_resamples_and_corrects(examples):
    y, a, b, _ = examples
    c = np.round(a + np.random.default_rng(1).normal(0, 0.3, N), 1)
    rows = tfrank.stats.compare_examples_many("precision_at_budget_10", y, {"a": a, "b": b, "c": c}, baseline="a",
                                              n_resamples=RESAMPLES, seed=2)
    pairs = [tfrank.stats.compare_examples("precision_at_budget_10", y, s, a, n_resamples=RESAMPLES, seed=2)
             for s in (b, c)]
    assert [row.name for row in rows] == ["a", "b", "c"] and rows[0].p_value is None
    assert [row.p_raw for row in rows[1:]] == [p.p_value for p in pairs]
    assert [row.ci for row in rows[1:]] == [p.ci for p in pairs]
    np.testing.assert_allclose([row.p_value for row in rows[1:]], multipletests([p.p_value for p in pairs],
                                                                                method="holm")[1])
    assert rows[2].mean == pytest.approx(reference.precision_at_budget(y, c, 10))


# === Keras' thresholded Precision and Recall (the fraud tutorial's val_recall) ===


@pytest.mark.parametrize("cls, threshold, weighted", [
    (keras.metrics.Recall, None, False), (keras.metrics.Recall, 0.3, True), (keras.metrics.Precision, 0.7, True)],
    ids=["recall", "recall-0.3-weighted", "precision-0.7-weighted"])
def test_keras_thresholded_metrics_are_sklearn_scores_on_each_resample(examples, cls, threshold, weighted):
    y, a, b, w = examples
    a, b, w = 1 / (1 + np.exp(-a)), 1 / (1 + np.exp(-b)), w if weighted else None  # probabilities, Keras' range
    metric = cls(thresholds=threshold)
    score = sklearn.metrics.recall_score if cls is keras.metrics.Recall else sklearn.metrics.precision_score
    cut = 0.5 if threshold is None else threshold

    def statistic(y, s, w):  # Keras: positive when the score is above the threshold
        return score(y, s > cut, sample_weight=w, zero_division=0)

    r = tfrank.stats.compare_examples(metric, y, a, b, sample_weight=w, n_resamples=100, seed=7)
    on_a, on_b = _loop(statistic, y, [a, b], w, seed=7, resamples=100)
    assert r.difference == pytest.approx(statistic(y, a, w) - statistic(y, b, w), abs=1e-12)
    assert r.ci == pytest.approx(tuple(np.quantile(on_a - on_b, [0.025, 0.975])), abs=1e-12)
    assert r.p_value == pytest.approx(_pvalue(r.difference, on_a - on_b), abs=1e-12)
    metric.update_state(y, a, sample_weight=w)  # and Keras' own value on all examples
    assert tfrank.stats.example_ci(metric, y, a, sample_weight=w, n_resamples=10).mean == pytest.approx(
        float(metric.result()), abs=1e-6)


@pytest.mark.parametrize("metric, shown", [(keras.metrics.Recall(thresholds=[0.3, 0.6]), "thresholds=[0.3, 0.6]"),
                                           (keras.metrics.Precision(top_k=2), "top_k=2")])
def test_keras_thresholded_metrics_take_one_threshold_only(examples, metric, shown):
    y, a, b, _ = examples
    with pytest.raises(ValueError, match=re.escape("metric must be keras.metrics.Precision or keras.metrics.Recall with "
                                                   "one threshold, no top_k and no class_id (got ") + f".*{re.escape(shown)}"):
        tfrank.stats.compare_examples(metric, y, a, b, n_resamples=10)


# === The registry: a new dataset-level metric in one line ===


class MeanPositiveScore:
    """A stand-in dataset-level metric class: the weighted mean score of the positives."""

    name = "mean_positive_score"


def _mean_positive_score(metric, y, s, w):
    w = np.ones_like(s) if w is None else w
    return float(np.sum(w * y * s) / np.sum(w * y)) if np.sum(w * y) > 0 else 0.0


@pytest.fixture
def registered():
    tfrank.stats.register_dataset_metric(MeanPositiveScore, statistic=_mean_positive_score)
    yield
    del dataset.REGISTRY[MeanPositiveScore]


def test_a_registered_metric_without_on_counts_resamples_its_statistic(examples, registered):
    y, a, b, w = examples
    r = tfrank.stats.compare_examples(MeanPositiveScore(), y, a, b, sample_weight=w, n_resamples=RESAMPLES, seed=3)
    on_a, on_b = _loop(lambda y, s, w: _mean_positive_score(None, y, s, w), y, [a, b], w, seed=3)
    assert r.ci == pytest.approx(tuple(np.quantile(on_a - on_b, [0.025, 0.975])), abs=1e-12)
    with pytest.raises(ValueError, match="per-list tfrank metrics .* MeanPositiveScore is dataset-level"):
        tfrank.stats.per_list(None, np.zeros((2, 3)), np.zeros((2, 3)), metrics=[MeanPositiveScore()])


def test_a_registered_comparer_replaces_the_bootstrap(examples):
    calls = []

    def comparer(metric, y, a, b, w, *, n_resamples, confidence, seed):
        calls.append((a, b))
        return tfrank.stats.Comparison(0.5, (0.1, 0.9), 0.01, y.size, "delong", confidence, True, None)

    tfrank.stats.register_dataset_metric(MeanPositiveScore, statistic=_mean_positive_score, comparer=comparer,
                                         test="delong")
    try:
        y, a, b, _ = examples
        assert tfrank.stats.compare_examples(MeanPositiveScore(), y, a, b).test == "delong"
        rows = tfrank.stats.compare_examples_many(MeanPositiveScore(), y, {"a": a, "b": b}, baseline="a",
                                                  n_resamples=50)
        assert rows[1].p_raw == 0.01 and len(calls) == 2
        np.testing.assert_array_equal(calls[1][0], b)  # the model first, then the baseline
        assert dataset.entry_of(MeanPositiveScore).test == "delong"
    finally:
        del dataset.REGISTRY[MeanPositiveScore]


# === Bad input ===


@pytest.mark.parametrize("changes, error, match", [
    ({"metric": "precision_at_10"}, ValueError, "metric must be a dataset-level tfrank metric object or its log name"),
    ({"metric": tfrank.PrecisionAtK(k=3)}, TypeError, r"per-list metrics: tfrank.stats.per_list"),
    ({"y_true": np.full(N, 2.0)}, ValueError, r"y_true must be binary labels \(0 or 1\)"),
    ({"scores_b": np.zeros(N - 1)}, ValueError, f"scores_b must be {N} scores, one per example"),
    ({"scores_a": np.full(N, np.nan)}, ValueError, "scores_a must be scores without NaN"),
    ({"sample_weight": -np.ones(N)}, ValueError, "sample_weight must be 60 finite, non-negative weights"),
    ({"n_resamples": 0}, ValueError, "n_resamples must be a positive int"),
    ({"confidence": 2}, ValueError, r"confidence must be a float in \(0, 1\)"),
])
def test_compare_examples_rejects_bad_input(examples, changes, error, match):
    y, a, b, _ = examples
    args = {"metric": tfrank.PrecisionAtBudget(budget=5), "y_true": y, "scores_a": a, "scores_b": b, **changes}
    with pytest.raises(error, match=match):
        tfrank.stats.compare_examples(args.pop("metric"), args.pop("y_true"), args.pop("scores_a"),
                                      args.pop("scores_b"), **args)
