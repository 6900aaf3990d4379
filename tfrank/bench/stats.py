"""Cost of `tfrank.stats.compare` (10,000 resamples of 10,000 lists) for each test, beside scipy's.

One pair of per-list vectors (P@10-like values in tenths, the second a noisy copy of
the first); each test is timed as the median of ``repeats`` calls with the same seed,
and scipy's own function for the same statistic once: ``scipy.stats.ttest_rel``,
``scipy.stats.permutation_test(..., permutation_type="samples", vectorized=True)`` and
``scipy.stats.bootstrap(..., method="percentile")`` (both in batches of 500 resamples,
so that they hold 5 * 10^6 numbers at a time, as tfrank's chunks do). The ratio
``scipy / tfrank`` is the figure; the seconds are this machine's, in one run.
"""

import time

import numpy as np

FULL = {"lists": 10_000, "resamples": 10_000, "repeats": 3}
QUICK = {"lists": 1_000, "resamples": 1_000, "repeats": 1}
TESTS = ("t", "randomization", "bootstrap")
SCIPY_BATCH = 500


def _seconds(call, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _scipy(test, a, b, resamples, seed):
    import scipy.stats

    if test == "t":
        def t_test():
            result = scipy.stats.ttest_rel(a, b)
            result.confidence_interval()
            return result

        return t_test
    if test == "randomization":
        def statistic(x, y, axis=-1):
            return np.mean(x - y, axis=axis)

        return lambda: scipy.stats.permutation_test(
            (a, b), statistic, permutation_type="samples", vectorized=True, n_resamples=resamples,
            batch=SCIPY_BATCH, rng=np.random.default_rng(seed))
    return lambda: scipy.stats.bootstrap((a - b,), np.mean, n_resamples=resamples, method="percentile",
                                         batch=SCIPY_BATCH, rng=np.random.default_rng(seed))


def run(quick=False, say=print, seed=0):
    """``[{test, lists, resamples, seconds, scipy_seconds, scipy_over_tfrank, p_value, scipy_p_value}]``."""
    from tfrank.stats import paired

    size = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 11, size["lists"]) / 10
    b = np.clip(a + rng.choice([-0.1, 0.0, 0.1], size["lists"], p=[0.34, 0.33, 0.33]), 0, 1)
    rows = []
    for test in TESTS:
        def ours(test=test):
            return paired.compare(a, b, test=test, n_resamples=size["resamples"], seed=seed)

        result = ours()
        seconds = _seconds(ours, size["repeats"])
        scipy_call = _scipy(test, a, b, size["resamples"], seed)
        start = time.perf_counter()
        theirs = scipy_call()
        scipy_seconds = time.perf_counter() - start
        scipy_p = float(getattr(theirs, "pvalue", np.nan))
        say(f"  {test}: {seconds * 1e3:.0f} ms for {size['resamples']:,} resamples of {size['lists']:,} lists "
            f"(scipy {scipy_seconds * 1e3:.0f} ms, {scipy_seconds / seconds:.1f}x); p = {result.p_value:.4f}")
        rows.append({"test": test, "lists": size["lists"], "resamples": size["resamples"], "seconds": seconds,
                     "scipy_seconds": scipy_seconds, "scipy_over_tfrank": scipy_seconds / seconds,
                     "p_value": result.p_value, "scipy_p_value": scipy_p})
    return rows


def table(rows):
    out = ["### `tfrank.stats.compare`: seconds per call, and scipy's own function on the same vectors", "",
           "| test | lists | resamples | tfrank (s) | scipy (s) | scipy ÷ tfrank | p (tfrank) | p (scipy) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        scipy_p = "–" if np.isnan(row["scipy_p_value"]) else f"{row['scipy_p_value']:.4f}"
        out.append(f"| {row['test']} | {row['lists']:,} | {row['resamples']:,} | {row['seconds']:.3f} | "
                   f"{row['scipy_seconds']:.3f} | {row['scipy_over_tfrank']:.1f}x | {row['p_value']:.4f} | {scipy_p} |")
    return out + ["", "scipy: `ttest_rel`, `permutation_test(permutation_type=\"samples\", vectorized=True)`, "
                  f"`bootstrap(method=\"percentile\")`, the last two in batches of {SCIPY_BATCH} resamples.", ""]
