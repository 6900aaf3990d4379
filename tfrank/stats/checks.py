"""Argument checks of `tfrank.stats`, with the house message shape (`tfrank.engine.validation.invalid`).

NumPy only: every statistic here runs on host arrays, after the model has run.
"""

import numbers

import numpy as np

from tfrank.engine import validation

TESTS = ("randomization", "t", "bootstrap")
CORRECTIONS = ("holm", "bonferroni", None)
INTERVALS = ("t", "bootstrap")


def vector(arg, values):
    """``values`` as a 1-D float64 array (a copy), or the error naming ``arg``."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise validation.invalid(arg, values, "a 1-D array of numbers (one value per list)", TypeError) from None
    if array.ndim != 1:
        raise validation.invalid(arg, array, "a 1-D array of numbers (one value per list)")
    return array


def pairs(a, b):
    """The differences ``a - b`` over the pairs where both are finite (at least two of them)."""
    a, b = vector("a", a), vector("b", b)
    if a.shape != b.shape:
        raise validation.invalid("b", b, f"an array of the length of a ({a.shape[0]}): the same lists, paired")
    finite = np.isfinite(a) & np.isfinite(b)
    if finite.sum() < 2:
        raise validation.invalid(
            "a", a, f"paired with b over at least two lists where both are finite (found {int(finite.sum())})"
        )
    return a[finite] - b[finite]


def finite(arg, values):
    """The finite entries of a 1-D array (at least two of them)."""
    array = vector(arg, values)
    kept = array[np.isfinite(array)]
    if kept.size < 2:
        raise validation.invalid(arg, array, f"a 1-D array with at least two finite values (found {kept.size})")
    return kept


def resamples(n_resamples):
    if isinstance(n_resamples, numbers.Integral) and not isinstance(n_resamples, bool) and n_resamples > 0:
        return int(n_resamples)
    error = ValueError if isinstance(n_resamples, numbers.Number) and not isinstance(n_resamples, bool) else TypeError
    raise validation.invalid("n_resamples", n_resamples, "a positive int", error)


def confidence(level):
    if isinstance(level, numbers.Real) and not isinstance(level, bool) and 0.0 < level < 1.0:
        return float(level)
    error = ValueError if isinstance(level, numbers.Real) and not isinstance(level, bool) else TypeError
    raise validation.invalid("confidence", level, "a float in (0, 1), e.g. 0.95", error)


def alpha(level):
    if isinstance(level, numbers.Real) and not isinstance(level, bool) and 0.0 < level < 1.0:
        return float(level)
    raise validation.invalid("alpha", level, "a float in (0, 1), e.g. 0.05")


def generator(seed):
    """A NumPy Generator from ``seed`` (None, an int >= 0 or a Generator)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise validation.invalid("seed", seed, "None, a non-negative int or a numpy.random.Generator", TypeError)


def shared_seed(seed):
    """A seed several resampling runs can each start from: ``seed`` itself, or for a
    Generator one int drawn from it (so that every run sees the same draws)."""
    generator(seed)  # checks it
    return int(seed.integers(2**63)) if isinstance(seed, np.random.Generator) else seed


def choice(arg, value, choices):
    return validation.check_choice(arg, value, choices)
