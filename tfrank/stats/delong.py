"""DeLong's test: do two models' ROC AUCs on the same examples differ by more than noise?

DeLong, DeLong & Clarke-Pearson (Biometrics, 1988) estimate the covariance of two
correlated AUCs from the placement values of the examples; Sun & Xu (IEEE Signal
Processing Letters, 2014) compute those from midranks in O(n log n). With m positives
X, n negatives Y and, per model, T_Z the midranks over all examples, T_X over the
positives and T_Y over the negatives:

* V10_i = (T_Z(x_i) - T_X(x_i)) / n (the share of negatives ranked below positive i,
  ties one half), V01_j = 1 - (T_Z(y_j) - T_Y(y_j)) / m;
* AUC = mean of V10 (= ``sklearn.metrics.roc_auc_score``);
* Var(AUC_a - AUC_b) = c' S10 c / m + c' S01 c / n, S the 2 x 2 sample covariances of
  the placement values of the two models (ddof 1), c = (1, -1);
* z = (AUC_a - AUC_b) / sqrt(Var), two-sided p = erfc(|z| / sqrt(2)).

NumPy only (the normal tail is ``math.erfc``).
"""

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class DeLongResult:
    """DeLong's test of ``auc_a`` against ``auc_b`` (two models, the same examples)."""

    auc_a: float
    auc_b: float
    difference: float  # auc_a - auc_b
    variance: float  # the estimated variance of the difference
    z: float  # difference / sqrt(variance)
    p_value: float  # two-sided, normal approximation
    positives: float  # m: the (weighted) number of positives
    negatives: float  # n: the (weighted) number of negatives


def _vector(arg, value, size=None):
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or (size is not None and len(array) != size):
        shape = f"[{size}] (one per example, as y_true)" if size is not None else "[n] or [n, 1]"
        raise ValueError(f"{arg} must be a vector of shape {shape}, got {arg} of shape {list(np.shape(value))}")
    return array


def _midranks(values, weights):
    """1-based midranks of ``values`` where an example of weight w counts as w examples."""
    order = np.argsort(values, kind="mergesort")
    ranked = values[order]
    starts = np.concatenate([[True], ranked[1:] != ranked[:-1]])
    group = np.cumsum(starts) - 1
    group_weight = np.bincount(group, weights=weights[order])
    before = np.concatenate([[0.0], np.cumsum(group_weight)[:-1]])
    ranks = np.empty(len(values))
    ranks[order] = (before + (group_weight + 1.0) / 2.0)[group]
    return ranks


def _placements(scores, positive, weights):
    """V10 (per positive) and V01 (per negative) of one model."""
    m, n = weights[positive].sum(), weights[~positive].sum()
    everyone = _midranks(scores, weights)
    among_positives = _midranks(scores[positive], weights[positive])
    among_negatives = _midranks(scores[~positive], weights[~positive])
    v10 = (everyone[positive] - among_positives) / n
    v01 = 1.0 - (everyone[~positive] - among_negatives) / m
    return v10, v01


def _covariance(rows, weights):
    """The 2 x 2 sample covariance of ``rows`` [2, k] with frequency weights (ddof 1)."""
    mean = rows @ weights / weights.sum()
    centred = rows - mean[:, None]
    return (centred * weights) @ centred.T / (weights.sum() - 1.0)


def delong(y_true, scores_a, scores_b, sample_weight=None) -> DeLongResult:
    """DeLong's test of the ROC AUCs of two models scored on the same examples, O(n log n).

    Returns a `DeLongResult`: ``auc_a``, ``auc_b`` (each equal to
    ``sklearn.metrics.roc_auc_score``), their ``difference`` (a - b), its estimated
    ``variance``, ``z`` = difference / sqrt(variance) and the two-sided ``p_value``.

    NOTE: ``sample_weight`` are frequency weights: an example of weight 2 counts as two
    examples, so with integer weights the test equals the unweighted one on the data
    with each example repeated (m, n are the summed weights; rescaling the weights
    changes the variance). Weight 0 drops an example. When the variance is 0 (e.g. the
    same scores twice) z is 0 and p 1 for a zero difference, ±inf and 0 otherwise.
    Scores may be any real values (only their order matters; ties count one half);
    NaN scores are an error. DeLong's variance is an asymptotic approximation: with
    few positives (the fraud demo's 8) read the p-value as rough.

    Args:
        y_true: 0/1 labels, shape [n] or [n, 1].
        scores_a: model a's scores of the n examples, any real values.
        scores_b: model b's scores of the same n examples.
        sample_weight: None or non-negative frequency weights [n].

    Raises:
        ValueError: shapes differ, labels other than 0 and 1, NaN scores, negative or
            NaN weights, or a (weighted) count of positives or negatives of 1 or less.

    Example:

    >>> import tfrank.stats
    >>> y = [1, 1, 1, 0, 0, 0, 1, 0]
    >>> r = tfrank.stats.delong(y, [0.9, 0.8, 0.4, 0.3, 0.2, 0.1, 0.7, 0.6],
    ...                         [0.5, 0.9, 0.3, 0.4, 0.6, 0.1, 0.2, 0.8])
    >>> round(r.auc_a, 4), round(r.auc_b, 4), round(r.p_value, 3)
    (0.9375, 0.5, 0.049)
    """
    labels = _vector("y_true", y_true)
    a, b = _vector("scores_a", scores_a, len(labels)), _vector("scores_b", scores_b, len(labels))
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError(f"y_true must hold only 0 and 1, got values {np.unique(labels)[:5].tolist()}")
    for arg, scores in (("scores_a", a), ("scores_b", b)):
        if np.isnan(scores).any():
            raise ValueError(f"{arg} must not hold NaN, got {int(np.isnan(scores).sum())} NaN scores")
    weights = np.ones_like(labels) if sample_weight is None else _vector("sample_weight", sample_weight, len(labels))
    if not (weights >= 0).all() or not np.isfinite(weights).all():
        raise ValueError("sample_weight must hold finite non-negative frequency weights, got min = "
                         f"{np.nanmin(weights) if not np.isnan(weights).all() else 'nan'}")
    keep = weights > 0
    labels, a, b, weights = labels[keep], a[keep], b[keep], weights[keep]
    positive = labels == 1.0
    m, n = float(weights[positive].sum()), float(weights[~positive].sum())
    if m <= 1.0 or n <= 1.0:
        raise ValueError("delong needs more than one positive and more than one negative (weighted), got "
                         f"positives = {m:g}, negatives = {n:g}")
    (v10_a, v01_a), (v10_b, v01_b) = _placements(a, positive, weights), _placements(b, positive, weights)
    w_pos, w_neg = weights[positive], weights[~positive]
    auc_a, auc_b = float(v10_a @ w_pos / m), float(v10_b @ w_pos / m)
    contrast = np.array([1.0, -1.0])
    s10 = _covariance(np.stack([v10_a, v10_b]), w_pos)
    s01 = _covariance(np.stack([v01_a, v01_b]), w_neg)
    variance = max(float(contrast @ s10 @ contrast / m + contrast @ s01 @ contrast / n), 0.0)
    difference = auc_a - auc_b
    if variance > 0.0:
        z = difference / math.sqrt(variance)
    else:
        z = 0.0 if difference == 0.0 else math.copysign(math.inf, difference)
    p_value = math.erfc(abs(z) / math.sqrt(2.0))
    return DeLongResult(auc_a, auc_b, difference, variance, z, p_value, m, n)
