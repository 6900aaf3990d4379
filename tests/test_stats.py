"""tfrank.stats' paired tests on per-list vectors: compare, compare_many, mean_ci, adjust.

Each test is checked against an independent implementation on the same vectors:
``scipy.stats.ttest_rel`` / ``ttest_1samp`` (the t-test and its interval),
``scipy.stats.permutation_test`` (the sign-flip test: exact enumeration equal, Monte
Carlo within its noise), ``scipy.stats.bootstrap`` (the percentile interval, the same
draws), ``statsmodels.stats.multitest.multipletests`` (Holm, Bonferroni) and ranx's own
``ranx.compare`` (Fisher's randomization test and Student's t on the per-query values
ranx computes itself). NumPy only: no model runs here.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.stats
from statsmodels.stats.multitest import multipletests

import tfrank.stats
from tfrank import reference
from tfrank.stats import resampling


def _pair(n, seed, shift=0.03, discrete=False):
    """Two models' per-list values on the same lists: correlated, b a little worse."""
    rng = np.random.default_rng(seed)
    if discrete:  # P@3-like: thirds, with many exact ties in the differences
        a = rng.integers(0, 4, n) / 3
        b = np.clip(a - rng.choice([-1, 0, 1], n, p=[0.3, 0.38, 0.32]) / 3, 0, 1)
        return a, b
    a = rng.random(n)
    return a, np.clip(a - shift + 0.2 * rng.normal(size=n), 0, 1)


def _mean_difference(x, y, axis=-1):
    return np.mean(x - y, axis=axis)


# === t ===


@pytest.mark.parametrize("n, confidence", [(2, 0.95), (12, 0.9), (500, 0.99)])
def test_t_is_scipys_paired_t_test_and_its_interval(n, confidence):
    a, b = _pair(n, seed=n)
    r = tfrank.stats.compare(a, b, test="t", confidence=confidence)
    want = scipy.stats.ttest_rel(a, b)
    ci = want.confidence_interval(confidence_level=confidence)
    assert r.p_value == pytest.approx(want.pvalue, rel=1e-12)
    assert r.ci == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert r.difference == pytest.approx(np.mean(a - b), rel=1e-12)
    assert (r.n, r.test, r.exact, r.n_resamples) == (n, "t", True, None)


def test_pairs_where_either_value_is_nan_are_left_out():
    a, b = _pair(40, seed=1)
    a[[3, 9]], b[[9, 20]] = np.nan, np.nan
    kept = ~(np.isnan(a) | np.isnan(b))
    r = tfrank.stats.compare(a, b, test="t")
    assert r.n == 37
    assert r.p_value == pytest.approx(scipy.stats.ttest_rel(a[kept], b[kept]).pvalue, rel=1e-12)


def test_no_spread_gives_a_point_interval():
    same = tfrank.stats.compare([0.5, 1.0, 0.0], [0.5, 1.0, 0.0], test="t")
    assert (same.difference, same.ci, same.p_value) == (0.0, (0.0, 0.0), 1.0)
    shifted = tfrank.stats.compare([0.5, 1.0, 0.25], [0.25, 0.75, 0.0], test="t")
    assert (shifted.difference, shifted.ci, shifted.p_value) == (0.25, (0.25, 0.25), 0.0)


# === Randomization (sign flips) ===


@pytest.mark.parametrize("n, discrete", [(5, False), (9, True), (13, False), (13, True)])
def test_exact_randomization_equals_scipys_exact_permutation_test(n, discrete):
    a, b = _pair(n, seed=n, discrete=discrete)
    r = tfrank.stats.compare(a, b, test="randomization")  # 2^13 = 8,192 <= 10,000: every sign vector
    want = scipy.stats.permutation_test((a, b), _mean_difference, permutation_type="samples",
                                        n_resamples=np.inf, vectorized=True)
    assert r.exact and r.n_resamples is None
    assert r.p_value == pytest.approx(want.pvalue, rel=1e-12)
    assert r.ci == pytest.approx(tfrank.stats.compare(a, b, test="t").ci)  # its interval: the t-interval


@pytest.mark.parametrize("n, discrete", [(200, False), (300, True)])
def test_monte_carlo_randomization_agrees_with_scipy_within_its_noise(n, discrete):
    a, b = _pair(n, seed=n, discrete=discrete, shift=0.02)
    resamples = 20_000
    r = tfrank.stats.compare(a, b, n_resamples=resamples, seed=0)
    want = scipy.stats.permutation_test((a, b), _mean_difference, permutation_type="samples",
                                        n_resamples=resamples, vectorized=True, rng=np.random.default_rng(1))
    assert not r.exact and r.n_resamples == resamples
    assert 0.01 < want.pvalue < 0.9  # a p-value with room to be wrong either way
    noise = np.sqrt(want.pvalue * (1 - want.pvalue) / resamples)
    assert abs(r.p_value - want.pvalue) < 5 * np.sqrt(2) * noise


def test_sign_flip_sums_are_the_plain_sums_of_random_signs():
    d = np.random.default_rng(2).normal(size=21)  # not a multiple of 8 lists: a part-used last byte
    sums = resampling.sign_flip_sums(d, 4_000, np.random.default_rng(3))
    # Each sum is one of the 2^21 values sum(s d); its mean is 0 and its variance sum(d^2).
    assert abs(sums.mean()) < 5 * np.sqrt(np.sum(d**2) / 4_000)
    assert np.var(sums) == pytest.approx(np.sum(d**2), rel=0.1)
    every = np.sort(resampling.every_sign_flip_sum(d[:10]))
    plain = np.sort([np.dot(np.where((code >> np.arange(10)) & 1, 1.0, -1.0), d[:10]) for code in range(1024)])
    np.testing.assert_allclose(every, plain, atol=1e-12)


def test_a_seed_makes_resampling_tests_deterministic():
    a, b = _pair(400, seed=4)
    for test in ("randomization", "bootstrap"):
        first, again = (tfrank.stats.compare(a, b, test=test, seed=7) for _ in range(2))
        assert first == again
        assert tfrank.stats.compare(a, b, test=test, seed=8).p_value != first.p_value


# === Bootstrap ===


def test_bootstrap_interval_is_scipys_percentile_bootstrap_on_the_same_draws():
    a, b = _pair(300, seed=5)
    r = tfrank.stats.compare(a, b, test="bootstrap", n_resamples=3_000, confidence=0.9, seed=11)
    want = scipy.stats.bootstrap((a - b,), np.mean, n_resamples=3_000, confidence_level=0.9, method="percentile",
                                 rng=np.random.default_rng(11))
    assert r.ci == pytest.approx((want.confidence_interval.low, want.confidence_interval.high), rel=1e-12)


def test_bootstrap_p_value_is_the_shifted_bootstrap_test_written_as_a_loop():
    a, b = _pair(80, seed=6, shift=0.05)
    d, resamples = a - b, 2_000
    r = tfrank.stats.compare(a, b, test="bootstrap", n_resamples=resamples, seed=3)
    draws = np.random.default_rng(3).integers(0, d.size, (resamples, d.size))
    extreme = sum(abs(d[row].mean() - d.mean()) >= abs(d.mean()) for row in draws)
    assert r.p_value == pytest.approx((extreme + 1) / (resamples + 1), rel=1e-12)
    assert r.p_value == pytest.approx(scipy.stats.ttest_1samp(d, 0).pvalue, abs=0.03)  # and near the t-test's


# === One model's interval ===


def test_mean_ci_is_scipys_t_interval_and_percentile_bootstrap():
    x = np.random.default_rng(7).random(60)
    x[[1, 2]] = np.nan
    finite = x[np.isfinite(x)]
    mean, low, high = tfrank.stats.mean_ci(x, confidence=0.9)
    want = scipy.stats.ttest_1samp(finite, 0).confidence_interval(confidence_level=0.9)
    assert (mean, low, high) == pytest.approx((finite.mean(), want.low, want.high), rel=1e-12)
    boot = tfrank.stats.mean_ci(x, method="bootstrap", n_resamples=2_000, seed=5)
    want = scipy.stats.bootstrap((finite,), np.mean, n_resamples=2_000, method="percentile",
                                 rng=np.random.default_rng(5)).confidence_interval
    assert boot[1:] == pytest.approx((want.low, want.high), rel=1e-12)


# === Several models: corrections ===


@pytest.mark.parametrize("correction", ["holm", "bonferroni"])
def test_corrections_are_statsmodels_multipletests(correction):
    p = np.random.default_rng(8).random(9) ** 3
    p[4] = p[2]  # a tie keeps its order in Holm's step-down
    want = multipletests(p, method=correction)[1]
    np.testing.assert_allclose(tfrank.stats.adjust(p, correction), want, rtol=1e-12)
    assert tfrank.stats.adjust(p, None) == pytest.approx(list(p))


@pytest.mark.parametrize("test", ["t", "randomization", "bootstrap"])
def test_compare_many_is_compare_against_the_baseline_then_holm(test):
    rng = np.random.default_rng(9)
    best = rng.random(150)
    values = {"best": best, **{f"m{i}": np.clip(best - 0.03 * i + 0.2 * rng.normal(size=150), 0, 1)
                               for i in range(1, 4)}}
    values["m2"][5] = np.nan
    rows = tfrank.stats.compare_many(values, baseline="best", test=test, n_resamples=2_000, seed=1)
    assert [row.name for row in rows] == list(values)
    assert (rows[0].difference, rows[0].ci, rows[0].p_value, rows[0].p_raw) == (0.0, (0.0, 0.0), None, None)
    singles = [tfrank.stats.compare(values[f"m{i}"], best, test=test, n_resamples=2_000, seed=1) for i in (1, 2, 3)]
    assert [row.p_raw for row in rows[1:]] == [s.p_value for s in singles]
    assert [row.difference for row in rows[1:]] == [s.difference for s in singles]
    assert [row.ci for row in rows[1:]] == [s.ci for s in singles]
    np.testing.assert_allclose([row.p_value for row in rows[1:]],
                               multipletests([s.p_value for s in singles], method="holm")[1], rtol=1e-12)
    for row in rows:
        assert row.mean == pytest.approx(np.nanmean(values[row.name]))
    assert rows[2].n == 149


def test_compare_many_with_a_generator_seed_uses_the_same_draws_for_every_model():
    a, b = _pair(200, seed=10)
    rows = tfrank.stats.compare_many({"a": a, "b": b, "c": b}, baseline="a", n_resamples=500,
                                     seed=np.random.default_rng(4))
    assert rows[1].p_raw == rows[2].p_raw  # b and c are the same vector: common random numbers


# === ranx's own comparison ===

# ranx's numba functions compile for ~30 s on a fresh install; NUMBA_DISABLE_JIT runs the same
# Python source uncompiled, in a subprocess so that the setting stays out of this session.
_RANX = """
import json, sys, warnings
warnings.simplefilter("ignore")
import ranx
qrels, runs, metric, permutations = json.load(sys.stdin)
qrels = ranx.Qrels(qrels)
runs = [ranx.Run(run, name=name) for name, run in runs.items()]
out = {"per_query": {run.name: list(map(float, ranx.evaluate(qrels, run, metric, return_mean=False))) for run in runs}}
for test in ("fisher", "student"):
    report = ranx.compare(qrels, runs, [metric], stat_test=test, n_permutations=permutations, random_seed=0)
    out[test] = report.comparisons[frozenset(("a", "b"))][metric]["p_value"]
json.dump(out, sys.stdout)
"""


def test_p_values_agree_with_ranx_compare_on_its_own_per_query_values():
    rng = np.random.default_rng(12)
    n_lists, n_items = 60, 8
    labels = (rng.random((n_lists, n_items)) < 0.3).astype(float)
    labels[np.arange(n_lists), rng.integers(0, n_items, n_lists)] = 1  # ranx needs a relevant item per query
    scores_a = labels + rng.normal(0, 0.9, labels.shape)
    scores_b = labels + rng.normal(0, 1.1, labels.shape)
    qrels = {f"q{q:03d}": {f"d{i}": int(labels[q, i]) for i in range(n_items) if labels[q, i]} for q in range(n_lists)}
    runs = {name: {f"q{q:03d}": {f"d{i}": float(s[q, i]) for i in range(n_items)} for q in range(n_lists)}
            for name, s in (("a", scores_a), ("b", scores_b))}
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", _RANX], input=json.dumps([qrels, runs, "precision@3", 4_000]),
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    ranx_out = json.loads(done.stdout)
    a, b = (reference.precision_at_k(labels, s, 3) for s in (scores_a, scores_b))
    np.testing.assert_allclose(ranx_out["per_query"]["a"], a, atol=1e-12)  # the same per-query vectors
    np.testing.assert_allclose(ranx_out["per_query"]["b"], b, atol=1e-12)
    assert tfrank.stats.compare(a, b, test="t").p_value == pytest.approx(ranx_out["student"], rel=1e-9)
    p_fisher = ranx_out["fisher"]
    assert 0.02 < p_fisher < 0.9
    noise = np.sqrt(p_fisher * (1 - p_fisher) / 4_000)  # ranx: 4,000 permutations; ours 20,000
    assert tfrank.stats.compare(a, b, n_resamples=20_000, seed=0).p_value == pytest.approx(p_fisher, abs=5 * noise)


# === Bad input ===

GOOD = ([0.1, 0.5, 0.9], [0.2, 0.4, 0.3])

BAD_COMPARE = [
    ({"a": [0.1, 0.2, 0.3], "b": [0.1, 0.2]}, ValueError, r"b must be an array of the length of a \(3\)"),
    ({"a": [0.1, np.nan, 0.3], "b": [0.2, 0.1, np.nan]}, ValueError, "at least two lists where both are finite"),
    ({"a": [0.1], "b": [0.2]}, ValueError, r"found 1\)"),
    ({"a": [[0.1, 0.2]], "b": [[0.1, 0.3]]}, ValueError, "a must be a 1-D array of numbers"),
    ({"a": ["x", "y"], "b": [0.1, 0.2]}, TypeError, "a must be a 1-D array of numbers"),
    ({"test": "wilcoxon"}, ValueError, "test must be one of"),
    ({"confidence": 1.0}, ValueError, r"confidence must be a float in \(0, 1\)"),
    ({"confidence": 0}, ValueError, r"confidence must be a float in \(0, 1\)"),
    ({"confidence": "95%"}, TypeError, r"confidence must be a float in \(0, 1\)"),
    ({"n_resamples": 0}, ValueError, "n_resamples must be a positive int"),
    ({"n_resamples": 100.0}, ValueError, "n_resamples must be a positive int"),
    ({"n_resamples": True}, TypeError, "n_resamples must be a positive int"),
    ({"seed": -1}, TypeError, "seed must be None, a non-negative int or a numpy.random.Generator"),
]


@pytest.mark.parametrize("changes, error, match", BAD_COMPARE)
def test_compare_rejects_bad_input(changes, error, match):
    args = {"a": GOOD[0], "b": GOOD[1], **changes}
    with pytest.raises(error, match=match):
        tfrank.stats.compare(args.pop("a"), args.pop("b"), **args)


@pytest.mark.parametrize("call, error, match", [
    (lambda: tfrank.stats.compare_many({"a": GOOD[0], "b": GOOD[1]}, baseline="c"), ValueError,
     "baseline must be one of the names of values"),
    (lambda: tfrank.stats.compare_many({"a": GOOD[0], "b": [0.1, 0.2]}, baseline="a"), ValueError,
     "values must be arrays of one length"),
    (lambda: tfrank.stats.compare_many({}, baseline="a"), TypeError, "values must be a non-empty mapping"),
    (lambda: tfrank.stats.compare_many({"a": GOOD[0], "b": GOOD[1]}, baseline="a", correction="fdr"), ValueError,
     "correction must be one of"),
    (lambda: tfrank.stats.mean_ci([0.5]), ValueError, "values must be a 1-D array with at least two finite values"),
    (lambda: tfrank.stats.mean_ci(GOOD[0], method="randomization"), ValueError, "method must be one of"),
    (lambda: tfrank.stats.adjust([0.1], "sidak"), ValueError, "correction must be one of"),
])
def test_compare_many_and_mean_ci_reject_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
