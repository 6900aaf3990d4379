"""tfrank.stats.delong against MLstatkit's DeLong test and scikit-learn's AUCs.

MLstatkit (``Delong_test``) is an independent implementation of the same fast midrank
algorithm (Sun & Xu 2014), unweighted, with z signed as (B - A); integer frequency
weights are checked against it on the data with each example repeated, real weights
against DeLong's O(m n) pairwise definition written out below.
"""

import dataclasses

import numpy as np
import pytest
import scipy.stats
from MLstatkit import Delong_test
from sklearn.metrics import roc_auc_score

import tfrank


def make_data(kind, n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(float)
    a = y * 0.8 + rng.normal(size=n)
    b = 0.7 * a + 0.8 * rng.normal(size=n)  # correlated with a (two models of one data set), a little worse
    if kind == "tied":
        a, b = np.round(a * 2) / 2, np.round(b)
    if kind == "logits":
        a, b = 20 * a - 7, np.exp(b)
    return y, a, b


def mlstatkit(y, a, b):
    z, p, auc_a, auc_b = Delong_test(y, a, b, return_ci=False, return_auc=True)
    return -z, p, auc_a, auc_b


@pytest.mark.parametrize("kind", ["continuous", "tied", "logits"])
def test_equals_mlstatkit_and_sklearn(kind):
    y, a, b = make_data(kind, seed=len(kind))
    result = tfrank.stats.delong(y, a, b)
    z, p, auc_a, auc_b = mlstatkit(y, a, b)
    assert (result.auc_a, result.auc_b) == pytest.approx((roc_auc_score(y, a), roc_auc_score(y, b)), abs=1e-12)
    assert (result.auc_a, result.auc_b, result.z, result.p_value) == pytest.approx((auc_a, auc_b, z, p), rel=1e-9)
    assert result.p_value == pytest.approx(2 * scipy.stats.norm.sf(abs(result.z)), rel=1e-9)
    assert result.difference == pytest.approx(auc_a - auc_b) and 1e-4 < result.p_value < 0.9  # a test with teeth
    assert (result.positives, result.negatives) == (y.sum(), len(y) - y.sum())


def test_integer_weights_equal_the_repeated_data():
    y, a, b = make_data("tied", n=120, seed=4)
    w = np.random.default_rng(1).integers(0, 4, size=len(y))  # 0 drops an example
    result = tfrank.stats.delong(y, a, b, sample_weight=w)
    z, p, auc_a, auc_b = mlstatkit(np.repeat(y, w), np.repeat(a, w), np.repeat(b, w))
    assert (result.auc_a, result.auc_b, result.z, result.p_value) == pytest.approx((auc_a, auc_b, z, p), rel=1e-9)
    assert result.auc_a == pytest.approx(roc_auc_score(y, a, sample_weight=w), abs=1e-12)


def _pairwise(y, a, b, w):
    """DeLong, DeLong & Clarke-Pearson (1988) from the kernel psi over all (positive, negative) pairs."""
    pos, neg = y == 1, y == 0
    wp, wn = w[pos], w[neg]
    m, n = wp.sum(), wn.sum()
    rows = []
    for s in (a, b):
        psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        rows.append((psi @ wn / n, wp @ psi / m))  # V10 per positive, V01 per negative
    auc = [wp @ v10 / m for v10, _ in rows]

    def cov(x, v, total):
        centred = x - (x @ v / total)[:, None]
        return (centred * v) @ centred.T / (total - 1)

    s10 = cov(np.stack([rows[0][0], rows[1][0]]), wp, m)
    s01 = cov(np.stack([rows[0][1], rows[1][1]]), wn, n)
    c = np.array([1.0, -1.0])
    return auc[0], auc[1], (auc[0] - auc[1]) / np.sqrt(c @ s10 @ c / m + c @ s01 @ c / n)


def test_real_weights_equal_the_pairwise_definition():
    y, a, b = make_data("tied", n=150, seed=2)
    w = np.random.default_rng(3).uniform(0.0, 3.0, size=len(y))
    result = tfrank.stats.delong(y[:, None], a, b[:, None], sample_weight=w)
    assert (result.auc_a, result.auc_b, result.z) == pytest.approx(_pairwise(y, a, b, w), rel=1e-9)
    assert result.auc_b == pytest.approx(roc_auc_score(y, b, sample_weight=w), abs=1e-12)


def test_the_same_scores_twice_and_the_result_is_frozen():
    y, a, _ = make_data("continuous")
    result = tfrank.stats.delong(y, a, a * 3.0 + 1.0)  # the same order
    assert (result.difference, result.z, result.p_value) == (0.0, 0.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.z = 1.0


@pytest.mark.parametrize("args, kwargs, text", [
    (([1, 0, 1], [0.1, 0.2], [0.1, 0.2, 0.3]), {}, r"scores_a must be a vector of shape \[3\].*got scores_a of shape \[2\]"),
    (([1, 0], [[0.1, 0.2]], [0.1, 0.2]), {}, r"scores_a must be a vector.*\[1, 2\]"),
    (([1, 2, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4]), {}, r"y_true must hold only 0 and 1, got values \[0.0, 1.0, 2.0\]"),
    (([1, 1, 0, 0], [1, np.nan, 3, 4], [1, 2, 3, 4]), {}, "scores_a must not hold NaN, got 1"),
    (([1, 1, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4]), {"sample_weight": [1, -1, 1, 1]}, "non-negative.*min = -1"),
    (([1, 1, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4]), {"sample_weight": [1, 1]}, r"sample_weight must be a vector of shape \[4\]"),
    (([1, 0, 0, 0], [1, 2, 3, 4], [1, 2, 3, 4]), {}, "more than one positive.*positives = 1, negatives = 3"),
])
def test_bad_input(args, kwargs, text):
    with pytest.raises(ValueError, match=text):
        tfrank.stats.delong(*args, **kwargs)
