"""Several models against one baseline, with a correction for multiple comparisons.

`compare_many` runs `tfrank.stats.compare` for every model against the baseline and
adjusts the p-values for the number of comparisons (m = models other than the
baseline): Holm's step-down method (default; Holm 1979) or Bonferroni's, both
controlling the family-wise error rate, equal to ``statsmodels.stats.multitest.
multipletests(p, method="holm" / "bonferroni")``.
"""

import dataclasses
import typing

import numpy as np

from tfrank._types import Seed, Values
from tfrank.engine import validation
from tfrank.stats import checks, paired


@dataclasses.dataclass(frozen=True)
class Row:
    """One model in `compare_many` (or `tfrank.stats.compare_examples_many`).

    Attributes:
        name: the model's key in the mapping.
        mean: its mean over its finite values (per-list), or its metric on every example.
        mean_ci: ``(low, high)``, the interval of ``mean`` (`tfrank.stats.mean_ci`).
        difference: mean of (this model - baseline) over the paired lists; 0.0 for the baseline.
        ci: ``(low, high)``, the interval of ``difference``; ``(0.0, 0.0)`` for the baseline.
        p_value: the p-value after the correction; None for the baseline (no test runs).
        p_raw: the p-value before the correction; None for the baseline.
        n: pairs the comparison used (the baseline: its finite values).
    """

    name: str
    mean: float
    mean_ci: typing.Tuple[float, float]
    difference: float
    ci: typing.Tuple[float, float]
    p_value: typing.Optional[float]
    p_raw: typing.Optional[float]
    n: int


def adjust(p_values: Values, correction: typing.Optional[str] = "holm") -> typing.List[float]:
    """p-values adjusted for multiple comparisons: ``"holm"``, ``"bonferroni"`` or None.

    Bonferroni: ``min(1, m p)``. Holm: with p sorted ascending, ``p_(i)`` becomes
    ``max_{j <= i} min(1, (m - j + 1) p_(j))`` (in the original order on return).

    >>> adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    checks.choice("correction", correction, checks.CORRECTIONS)
    p = np.asarray(p_values, dtype=np.float64)
    m = p.shape[0]
    if correction is None or m == 0:
        return [float(v) for v in p]
    if correction == "bonferroni":
        return [float(v) for v in np.minimum(1.0, m * p)]
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = stepped
    return [float(v) for v in out]


def check_baseline(names, baseline):
    if not isinstance(baseline, str) or baseline not in names:
        raise validation.invalid("baseline", baseline, f"one of the names of values ({', '.join(map(repr, names))})")
    return baseline


def compare_many(values: typing.Mapping[str, Values], *, baseline: str, test: str = "randomization",
                 correction: typing.Optional[str] = "holm", n_resamples: int = 10_000, confidence: float = 0.95,
                 seed: Seed = None) -> typing.List[Row]:
    """Every model against the baseline, paired over the same lists, p-values corrected.

    For each name other than ``baseline``: ``compare(values[name], values[baseline])``
    (so ``difference`` is name - baseline), then the p-values of those m comparisons are
    adjusted (`adjust`). Each row's ``mean_ci`` is `mean_ci` of its own values (the
    t-interval for ``test="t"`` and ``"randomization"``, the bootstrap one for
    ``"bootstrap"``).

    NOTE: every comparison starts from the same ``seed`` (the same sign vectors or
    resampled lists for every model: common random numbers; a Generator gives one seed
    drawn from it). The baseline's row has
    difference 0.0, ci (0.0, 0.0) and p-values None (no test is run against itself);
    it does not count in m.

    Args:
        values: mapping name -> 1-D array of per-list values, all on the same lists.
        baseline: the name the others are compared with (e.g. the best model).
        test: as in `compare`.
        n_resamples: as in `compare`.
        confidence: as in `compare`.
        seed: as in `compare`.
        correction: ``"holm"`` (default), ``"bonferroni"`` or None.

    Returns:
        A list of `Row`, in the order of ``values``.

    Example:

    >>> import tfrank.stats
    >>> rows = tfrank.stats.compare_many({"a": [1.0, 0.5, 1.0, 1.0], "b": [0.5, 0.5, 0.0, 0.5],
    ...                                   "c": [1.0, 0.5, 1.0, 0.5]}, baseline="a", test="t")
    >>> [(r.name, r.difference, r.p_value is None) for r in rows]
    [('a', 0.0, True), ('b', -0.5, False), ('c', -0.125, False)]
    """
    if not isinstance(values, typing.Mapping) or not values:
        raise validation.invalid("values", values, "a non-empty mapping of name -> 1-D array of per-list values",
                                 TypeError)
    names = list(values)
    check_baseline(names, baseline)
    checks.choice("correction", correction, checks.CORRECTIONS)
    checks.choice("test", test, checks.TESTS)
    lengths = {name: checks.vector(f"values[{name!r}]", v).shape[0] for name, v in values.items()}
    if len(set(lengths.values())) > 1:
        raise validation.invalid("values", values, f"arrays of one length, the same lists (got lengths {lengths})")
    method = "bootstrap" if test == "bootstrap" else "t"
    seed = checks.shared_seed(seed)
    options = {"n_resamples": n_resamples, "confidence": confidence}
    results = {name: paired.compare(values[name], values[baseline], test=test, seed=seed, **options)
               for name in names if name != baseline}
    adjusted = dict(zip(results, adjust([r.p_value for r in results.values()], correction)))
    rows = []
    for name in names:
        mean, low, high = paired.mean_ci(values[name], method=method, seed=seed, **options)
        if name == baseline:
            n = int(np.isfinite(checks.vector("values", values[name])).sum())
            rows.append(Row(name, mean, (low, high), 0.0, (0.0, 0.0), None, None, n))
            continue
        r = results[name]
        rows.append(Row(name, mean, (low, high), r.difference, r.ci, adjusted[name], r.p_value, r.n))
    return rows
