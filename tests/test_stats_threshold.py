"""The whole-set threshold metrics in tfrank.stats: the paired bootstrap over examples and,
for ROC AUC, DeLong's test.

Oracles: scikit-learn's metric functions on each resample written as a plain loop (the same
Generator calls as tfrank.stats draws), and tfrank.stats.delong (itself checked against
MLstatkit in tests/test_threshold.py) with the normal interval of its variance.
"""

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn import metrics as skm
from test_stats_examples import _loop, _pvalue

import tfrank
import tfrank.stats

N, RESAMPLES = 80, 300


def _best(x, y, bound):
    allowed = y >= bound
    return float(np.max(x[allowed])) if allowed.any() else 0.0


def _sklearn(name, bound):
    """scikit-learn's value of the metric logged as ``name`` (roc_curve / precision_recall_curve for X at Y)."""

    def value(y, s, w):
        if name == "roc_auc":
            return skm.roc_auc_score(y, s, sample_weight=w) if 0 < np.sum(y * (w if w is not None else 1)) else 0.0
        if name == "average_precision":
            return skm.average_precision_score(y, s, sample_weight=w)
        precision, recall, _ = skm.precision_recall_curve(y, s, sample_weight=w)
        fpr, tpr, _ = skm.roc_curve(y, s, sample_weight=w, drop_intermediate=False)
        pairs = {"precision_at_recall": (precision, recall), "recall_at_precision": (recall, precision),
                 "sensitivity_at_specificity": (tpr, 1 - fpr), "specificity_at_sensitivity": (1 - fpr, tpr)}
        return _best(*pairs[name], bound)

    return value


@pytest.fixture(scope="module")
def examples():
    rng = np.random.default_rng(2)
    y = (rng.random(N) < 0.3).astype(float)
    a = np.round(y + rng.normal(0, 0.9, N), 1)  # rounded: tied scores
    b = np.round(y + rng.normal(0, 1.1, N), 1)
    w = rng.uniform(0.5, 2.0, N)
    w[[4, 40]] = 0.0
    return y, a, b, w


CASES = [("precision_at_recall", 0.8, "precision_at_recall_80"), ("recall_at_precision", 0.6, "recall_at_precision_60"),
         ("sensitivity_at_specificity", 0.9, "sensitivity_at_specificity_90"),
         ("specificity_at_sensitivity", 0.825, "specificity_at_sensitivity_82_5"),
         ("average_precision", None, "average_precision")]


@pytest.mark.parametrize("weighted", [False, True], ids=["unit", "weighted"])
@pytest.mark.parametrize("base, bound, log_name", CASES, ids=[c[2] for c in CASES])
def test_bootstrap_of_each_threshold_metric_is_the_plain_loop_over_sklearn(examples, base, bound, log_name, weighted):
    y, a, b, w = examples
    w = w if weighted else None
    statistic = _sklearn(base, bound)
    r = tfrank.stats.compare_examples(f"val_{log_name}", y, a, b, sample_weight=w, n_resamples=RESAMPLES, seed=3)
    on_a, on_b = _loop(statistic, y, [a, b], w, seed=3, resamples=RESAMPLES)
    delta = statistic(y, a, w) - statistic(y, b, w)
    assert r.test == "bootstrap" and r.difference == pytest.approx(delta, abs=1e-9)
    assert r.ci == pytest.approx(tuple(np.quantile(on_a - on_b, [0.025, 0.975])), abs=1e-9)
    assert r.p_value == pytest.approx(_pvalue(delta, on_a - on_b), abs=1e-9)
    assert np.std(on_a - on_b) > 0.01  # the resamples differ: the comparison above has teeth


def test_roc_auc_is_compared_by_delong_and_its_interval_by_the_bootstrap(examples):
    y, a, b, w = examples
    r = tfrank.stats.compare_examples(tfrank.ROCAUC(), y, a, b, sample_weight=w, confidence=0.9, seed=0)
    d = tfrank.stats.delong(y, a, b, sample_weight=w)
    half = scipy_stats.norm.ppf(0.95) * np.sqrt(d.variance)
    assert (r.test, r.n) == ("delong", N)
    assert r.difference == pytest.approx(skm.roc_auc_score(y, a, sample_weight=w) - skm.roc_auc_score(y, b, sample_weight=w))
    assert r.p_value == pytest.approx(d.p_value) and r.ci == pytest.approx((d.difference - half, d.difference + half))
    # One model's interval still resamples the examples: the plain loop over roc_auc_score.
    interval = tfrank.stats.example_ci("roc_auc", y, a, n_resamples=RESAMPLES, seed=1)
    (on_a,) = _loop(_sklearn("roc_auc", None), y, [a], None, seed=1, resamples=RESAMPLES)
    assert interval.mean == pytest.approx(skm.roc_auc_score(y, a))
    assert interval[1:] == pytest.approx(tuple(np.quantile(on_a, [0.025, 0.975])), abs=1e-9)


def test_threshold_metrics_have_no_per_list_values_and_multi_label_is_refused(examples):
    y, a, b, _ = examples
    with pytest.raises(ValueError, match=r"metric must be a threshold metric of one score per example \(num_labels=1\)"):
        tfrank.stats.compare_examples(tfrank.AveragePrecision(num_labels=3), y, a, b, seed=0)
    assert tfrank.stats.dataset.resolve("val_precision_at_recall_82_5")[0].bound == pytest.approx(0.825)
    assert tfrank.stats.dataset.resolve("roc_auc")[1].test == "delong"


def test_per_list_names_the_function_for_a_threshold_metric():
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    x, y = np.zeros((4, 2), np.float32), np.array([0.0, 1.0, 0.0, 1.0], np.float32)
    with pytest.raises(ValueError, match=r"ROCAUC is dataset-level .*tfrank.stats.per_example"):
        tfrank.stats.per_list(model, x, y, metrics=[tfrank.ROCAUC()])
