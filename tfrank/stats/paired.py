"""Paired tests of two models' per-list values (`compare`), and the interval of one model's mean (`mean_ci`).

NumPy and scipy on host arrays, after the model has run (`tfrank.stats.per_list`). The
resampling itself is `tfrank.stats.resampling`.
"""

import dataclasses
import typing

import numpy as np

from tfrank._types import Seed, Values
from tfrank.stats import checks, resampling


@dataclasses.dataclass(frozen=True)
class Comparison:
    """The result of a paired comparison of two models (`compare`, `compare_examples`).

    Attributes:
        difference: mean of a - b over the pairs where both are finite (for
            `compare_examples`: the metric of a minus the metric of b on every example).
        ci: ``(low, high)``, the ``confidence`` interval of the difference.
        p_value: two-sided p-value of "no difference".
        n: number of pairs (lists; examples for `compare_examples`).
        test: ``"t"``, ``"randomization"`` or ``"bootstrap"`` (or a metric's own test,
            e.g. ``"delong"``).
        confidence: the level of ``ci``.
        exact: True when the p-value enumerates every sign assignment (randomization
            with 2^n <= n_resamples) or is the t distribution's.
        n_resamples: the number of random resamples behind the p-value (None when exact).
    """

    difference: float
    ci: typing.Tuple[float, float]
    p_value: float
    n: int
    test: str
    confidence: float
    exact: bool
    n_resamples: typing.Optional[int]


class Interval(typing.NamedTuple):
    """``(mean, low, high)``: a mean and its confidence interval."""

    mean: float
    low: float
    high: float


def _t_interval(d, confidence):
    """(p-value, interval) of the one-sample t-test of ``d`` against 0, as scipy gives them.

    Zero spread (all d equal): p = 1 when every d is 0, else 0, and the interval is the
    point itself (scipy would return NaN from 0 / 0).
    """
    import scipy.stats  # noqa: PLC0415  (scipy loads on first use)

    if np.all(d == d[0]):
        return (1.0 if d[0] == 0 else 0.0), (float(d[0]), float(d[0]))
    result = scipy.stats.ttest_1samp(d, 0.0)
    ci = result.confidence_interval(confidence_level=confidence)
    return float(result.pvalue), (float(ci.low), float(ci.high))


def compare(a: Values, b: Values, *, test: str = "randomization", n_resamples: int = 10_000,
            confidence: float = 0.95, seed: Seed = None) -> Comparison:
    """Is model a's mean over the same lists different from model b's? A paired test.

    ``d_i = a_i - b_i`` over the lists where both values are finite (NaN: a list the
    metric skips, e.g. one without a relevant item); ``difference = mean(d)``, and the
    question is whether the mean of d differs from 0:

    * ``test="randomization"``: Fisher's paired randomization (sign-flip) test (Smucker,
      Allan & Carterette, CIKM 2007; ranx's ``"fisher"``): under the null hypothesis each
      difference is as likely to have the other sign, so the p-value is the share of the
      2^n sign assignments s with ``|sum(s d)| >= |sum(d)|``. Exact enumeration when
      2^n <= n_resamples, else n_resamples random sign vectors and p = (count + 1) /
      (n_resamples + 1) (never 0; Phipson & Smyth 2010, as ``scipy.stats.permutation_test``).
      The test has no interval of its own: its ``ci`` is the paired t-interval.
    * ``test="t"``: Student's paired t-test and its t-interval (``scipy.stats.ttest_rel``).
    * ``test="bootstrap"``: ``ci`` is the percentile interval of the mean of d over
      n_resamples resamples of the lists with replacement (``scipy.stats.bootstrap(...,
      method="percentile")``); the p-value is the bootstrap test of the mean with the
      resampled means shifted to the null (Efron & Tibshirani 1993, section 16.4):
      p = (1 + #{|m* - mean(d)| >= |mean(d)|}) / (n_resamples + 1).

    NOTE: every list counts once (unweighted), whatever its weight in the metric; a
    metric with unequal list weights logs a weighted mean that can differ from
    ``mean(a)``. Resampling tests are deterministic for a given ``seed`` and differ
    between seeds by Monte-Carlo noise of about sqrt(p (1 - p) / n_resamples).
    Differences without spread (every d equal, e.g. two models that rank alike): the
    t-interval is that point and the t p-value 1 when d = 0, else 0 (scipy gives NaN).

    Args:
        a: 1-D array of per-list values of the first model.
        b: the second model's values on the same lists, in the same order (same length as a).
        test: ``"randomization"`` (default), ``"t"`` or ``"bootstrap"``.
        n_resamples: random sign vectors or bootstrap resamples (default 10,000).
        confidence: level of the interval, in (0, 1) (default 0.95).
        seed: None, an int or a ``numpy.random.Generator``.

    Returns:
        A `Comparison` (``difference``, ``ci``, ``p_value``, ``n``, ``test``, ...).

    Example (5 lists: a exact enumeration of the 2^5 sign flips):

    >>> import tfrank.stats
    >>> r = tfrank.stats.compare([1.0, 0.5, 1.0, 1.0, 0.5], [0.5, 0.5, 0.0, 0.5, 0.0])
    >>> r.difference, r.p_value, r.exact  # d = 0.5, 0, 1, 0.5, 0.5: 4 of 32 flips reach |sum| = 2.5
    (0.5, 0.125, True)
    """
    checks.choice("test", test, checks.TESTS)
    n_resamples, confidence = checks.resamples(n_resamples), checks.confidence(confidence)
    d = checks.pairs(a, b)
    rng = checks.generator(seed)
    n, difference = d.shape[0], float(d.mean())
    if test == "t":
        p_value, ci = _t_interval(d, confidence)
        return Comparison(difference, ci, p_value, n, test, confidence, True, None)
    if test == "randomization":
        _, ci = _t_interval(d, confidence)
        if n <= resampling.EXACT_MAX and 2**n <= n_resamples:
            null = resampling.every_sign_flip_sum(d)
            p_value = resampling.at_least_as_extreme(null, d.sum()) / null.shape[0]
            return Comparison(difference, ci, p_value, n, test, confidence, True, None)
        null = resampling.sign_flip_sums(d, n_resamples, rng)
        p_value = (resampling.at_least_as_extreme(null, d.sum()) + 1) / (n_resamples + 1)
        return Comparison(difference, ci, p_value, n, test, confidence, False, n_resamples)
    means = resampling.bootstrap_means(d, n_resamples, rng)
    ci = resampling.percentile_interval(means, confidence)
    p_value = (resampling.at_least_as_extreme(means - difference, difference) + 1) / (n_resamples + 1)
    return Comparison(difference, ci, p_value, n, test, confidence, False, n_resamples)


def mean_ci(values: Values, *, confidence: float = 0.95, method: str = "t", n_resamples: int = 10_000,
            seed: Seed = None) -> Interval:
    """The mean of one model's per-list values and its confidence interval.

    ``method="t"``: ``mean +- t_{(1+confidence)/2, n-1} * s / sqrt(n)`` (the interval of
    ``scipy.stats.ttest_1samp``); ``"bootstrap"``: the percentile interval of the mean
    over ``n_resamples`` resamples of the lists (``scipy.stats.bootstrap``,
    ``method="percentile"``).

    NOTE: NaN and infinite values (lists the metric skips) are left out; at least two
    finite values are needed. Unweighted, like `compare`.

    Args:
        values: 1-D array of per-list values (`tfrank.stats.per_list`).
        confidence: level in (0, 1) (default 0.95).
        method: ``"t"`` (default) or ``"bootstrap"``.
        n_resamples: for ``"bootstrap"``.
        seed: for ``"bootstrap"``.

    Returns:
        An `Interval` ``(mean, low, high)``.

    Example:

    >>> import tfrank.stats
    >>> m, low, high = tfrank.stats.mean_ci([0.0, 1.0, 1.0, 0.0, float("nan")])
    >>> m, round(low, 4), round(high, 4)
    (0.5, -0.4187, 1.4187)
    """
    checks.choice("method", method, checks.INTERVALS)
    n_resamples, confidence = checks.resamples(n_resamples), checks.confidence(confidence)
    x = checks.finite("values", values)
    rng = checks.generator(seed)
    mean = float(x.mean())
    if method == "t":
        _, (low, high) = _t_interval(x, confidence)
        return Interval(mean, low, high)
    return Interval(mean, *resampling.percentile_interval(resampling.bootstrap_means(x, n_resamples, rng), confidence))
