"""The whole-set threshold metrics (`tfrank.ROCAUC`, `tfrank.PrecisionAtRecall`, ...) in `tfrank.stats`.

A bootstrap resample is a multiset of the examples, and a threshold metric treats ``c``
copies of an example as one example of weight ``c`` (tied scores move together, so copies
always share a threshold). So resample r is the weighted curve with weights
``w * counts[r]``: sorted once by score (descending), the true and false positives at each
distinct score are cumulative sums of those weights, for all resamples at once:

* ROC AUC: the trapezoids of the (FPR, TPR) steps (ties: one half, as
  ``sklearn.metrics.roc_auc_score``); 0.0 without a positive or a negative, as the metric;
* average precision: ``sum (R_i - R_(i-1)) P_i`` over the distinct scores, step-wise
  (``sklearn.metrics.average_precision_score``);
* X at Y: the best X over the thresholds whose Y meets the bound, 0 when none does,
  the empty threshold (nothing flagged: recall 0, specificity 1) included, as
  `tfrank.reference.threshold` and the streaming metrics define it.

``roc_auc`` compares two models with DeLong's test (`tfrank.stats.delong`) instead of
the bootstrap; its interval is the normal one, ``difference +- z * sqrt(variance)``.
These functions take single-score metrics (``num_labels=1``, scores ``[n]``).
"""

import decimal

import numpy as np
from scipy import stats as scipy_stats

from tfrank.engine import validation
from tfrank.reference import threshold as reference
from tfrank.stats import paired
from tfrank.stats.delong import delong


def _single_label(metric):
    if getattr(metric, "num_labels", 1) != 1:
        raise validation.invalid("metric", metric, "a threshold metric of one score per example (num_labels=1): "
                                 "tfrank.stats resamples examples of one score each")


def statistic(metric, y_true, scores, sample_weight):
    _single_label(metric)
    return float(reference.of_metric(metric)(y_true, scores, sample_weight=sample_weight))


def _steps(y_true, scores, sample_weight, counts):
    """``(tp, fp) [m, T + 1]``: weighted true and false positives above each of the T distinct
    scores, after a first column of zeros (the empty threshold), and the totals ``[m]``."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], y_true[order]
    w = counts[:, order].astype(np.float64)
    if sample_weight is not None:
        w *= sample_weight[order]
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])  # the last example of each distinct score
    zeros = np.zeros((w.shape[0], 1))
    tp = np.concatenate([zeros, np.cumsum(w * y, axis=1)[:, last]], axis=1)
    fp = np.concatenate([zeros, np.cumsum(w * (1.0 - y), axis=1)[:, last]], axis=1)
    return tp, fp, tp[:, -1], fp[:, -1]


def _ratio(a, b):
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def on_counts(metric, y_true, scores, sample_weight, counts):
    _single_label(metric)
    tp, fp, positives, negatives = _steps(y_true, scores, sample_weight, counts)
    both = (positives > 0) & (negatives > 0)
    if metric.base == "roc_auc":
        area = np.sum(np.diff(fp, axis=1) * (tp[:, 1:] + tp[:, :-1]) / 2.0, axis=1)
        return np.where(both, _ratio(area, positives * negatives), 0.0)
    flagged = tp + fp
    precision = _ratio(tp, flagged)  # 0 when nothing is flagged (it never meets a recall bound > 0)
    if metric.base == "average_precision":
        recall_steps = _ratio(np.diff(tp, axis=1), positives[:, None])
        return np.where(positives > 0, np.sum(recall_steps * precision[:, 1:], axis=1), 0.0)
    rates = {"precision": precision, "recall": _ratio(tp, positives[:, None]),
             "sensitivity": _ratio(tp, positives[:, None]),
             "specificity": np.where(negatives[:, None] > 0, 1.0 - _ratio(fp, negatives[:, None]), 0.0)}
    value, constraint = metric.base.split("_at_")
    allowed = rates[constraint] >= metric.bound
    return np.max(np.where(allowed, rates[value], 0.0), axis=1)


def delong_comparer(metric, y_true, scores_a, scores_b, sample_weight, *, n_resamples, confidence, seed):
    """DeLong's test of two ROC AUCs as a `tfrank.stats.Comparison` (no resampling)."""
    _single_label(metric)
    result = delong(y_true, scores_a, scores_b, sample_weight=sample_weight)
    half = scipy_stats.norm.ppf(0.5 + confidence / 2.0) * np.sqrt(result.variance)
    ci = (float(result.difference - half), float(result.difference + half))
    return paired.Comparison(float(result.difference), ci, float(result.p_value), int(np.asarray(y_true).shape[0]),
                             "delong", confidence, True, None)


def from_name(classes):
    """A ``from_name`` for the registry: the metric object of a log name, or None."""

    def build(name):
        match = reference._LOG_NAME.fullmatch(name)
        if match is None or match.group("base") not in classes:
            return None
        try:
            reference.by_log_name(name)  # checks that the bound goes with the base
        except ValueError:
            return None
        cls = classes[match.group("base")]
        percent = match.group("percent")
        return cls() if percent is None else cls(float(decimal.Decimal(percent.replace("_", ".")) / 100))

    return build
