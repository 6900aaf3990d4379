"""NumPy reference for the exact threshold metrics (`tfrank.metrics.threshold`), written plainly.

Whole set at once, one loop over the distinct scores, no streaming: the test oracle of
the streaming, graph-mode, XLA and distributed versions. Definitions are scikit-learn's
(``sklearn.metrics._ranking._binary_clf_curve``): a threshold at every distinct score t
of the examples with weight > 0; at t, an example is predicted positive when its score
is >= t, and TP(t) / FP(t) are the summed weights of the positives / negatives so
predicted. P and N are the summed weights of all positives / negatives.

* ROC AUC: the trapezoid rule over the points (FP/N, TP/P), starting at (0, 0)
  (``roc_auc_score``); 0.0 when P = 0 or N = 0 (scikit-learn raises there).
* average precision: sum over t, descending, of (R(t) - R(previous t)) * P(t)
  (``average_precision_score``, not interpolated); 0.0 when P = 0.
* X at Y: the largest X over the thresholds whose Y >= bound, 0.0 when none
  (Keras' ``PrecisionAtRecall`` and friends, without their grid of thresholds).

Multi-label ``[n, C]``: ``average="micro"`` pools every (label, score) pair into one set
(each example's weight repeated per label), ``"macro"`` is the mean over the labels'
sets. A NaN score (of weight > 0) or a NaN weight gives NaN.

Every function of one set takes ``(y_true, y_pred, sample_weight=None)`` once its bound
is fixed: `by_log_name` gives that callable for a log name such as
``precision_at_recall_80``, `of_metric` for a metric object.

>>> roc_auc([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1])  # 3 of 4 pairs right, the tied one counts one half
0.875
>>> by_log_name("precision_at_recall_50")([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
1.0
"""

import decimal
import re

import numpy as np


def _sets(y_true, y_pred, sample_weight, average):
    """The (labels, scores, weights) sets to score: one (micro) or one per label (macro);
    None when a NaN counts."""
    scores = np.asarray(y_pred, np.float64)
    scores = scores.reshape(len(scores), -1)  # [n] -> [n, 1]
    labels = np.asarray(y_true, np.float64).reshape(scores.shape)
    if not np.isin(labels, (0.0, 1.0)).all():
        raise ValueError("y_true must hold only 0 and 1")
    weights = np.ones_like(scores) if sample_weight is None else np.asarray(sample_weight, np.float64)
    weights = np.broadcast_to(weights.reshape(len(scores), -1) if weights.ndim else weights, scores.shape)
    if (weights < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if np.isnan(weights).any() or np.isnan(scores[weights > 0]).any():
        return None
    if average == "micro":
        return [(labels.ravel(), scores.ravel(), weights.ravel())]
    return [(labels[:, c], scores[:, c], weights[:, c]) for c in range(scores.shape[1])]


def _points(labels, scores, weights):
    """[(TP, FP)] at (0, 0) and then at each distinct score, descending; and P, N."""
    keep = weights > 0
    labels, scores, weights = labels[keep], scores[keep], weights[keep]
    points = [(0.0, 0.0)]
    for threshold in sorted(set(scores.tolist()), reverse=True):
        chosen = scores >= threshold
        points.append((float(np.sum(weights[chosen] * labels[chosen])),
                       float(np.sum(weights[chosen] * (1 - labels[chosen])))))
    return points, float(np.sum(weights * labels)), float(np.sum(weights * (1 - labels)))


def _of_sets(one_set, name):
    """The metric of a whole set, from ``one_set(points, P, N, *bound)``."""

    def metric(y_true, y_pred, *bound, sample_weight=None, average="micro"):
        sets = _sets(y_true, y_pred, sample_weight, average)
        if sets is None:
            return float("nan")
        return float(np.mean([one_set(*_points(*one), *bound) for one in sets]))

    metric.__name__ = metric.__qualname__ = name
    return metric


def _roc_auc(points, positives, negatives):
    if positives == 0 or negatives == 0:
        return 0.0
    area = 0.0
    for (tp0, fp0), (tp1, fp1) in zip(points[:-1], points[1:]):
        area += (fp1 - fp0) / negatives * (tp1 + tp0) / positives / 2.0
    return area


def _average_precision(points, positives, negatives):
    if positives == 0:
        return 0.0
    total = 0.0
    for (tp0, _), (tp1, fp1) in zip(points[:-1], points[1:]):
        if tp1 > tp0:
            total += (tp1 - tp0) / positives * tp1 / (tp1 + fp1)
    return total


def _rates(tp, fp, positives, negatives):
    return {
        "precision": tp / (tp + fp) if tp + fp > 0 else 0.0,
        "recall": tp / positives if positives > 0 else 0.0,
        "sensitivity": tp / positives if positives > 0 else 0.0,
        "specificity": (negatives - fp) / negatives if negatives > 0 else 0.0,
    }


def _best(value, constraint):
    def one_set(points, positives, negatives, bound):
        best = 0.0
        for tp, fp in points:
            rates = _rates(tp, fp, positives, negatives)
            if rates[constraint] >= bound:
                best = max(best, rates[value])
        return best

    return one_set


roc_auc = _of_sets(_roc_auc, "roc_auc")
average_precision = _of_sets(_average_precision, "average_precision")
precision_at_recall = _of_sets(_best("precision", "recall"), "precision_at_recall")
recall_at_precision = _of_sets(_best("recall", "precision"), "recall_at_precision")
sensitivity_at_specificity = _of_sets(_best("sensitivity", "specificity"), "sensitivity_at_specificity")
specificity_at_sensitivity = _of_sets(_best("specificity", "sensitivity"), "specificity_at_sensitivity")

REFERENCES = {
    "roc_auc": roc_auc,
    "average_precision": average_precision,
    "precision_at_recall": precision_at_recall,
    "recall_at_precision": recall_at_precision,
    "sensitivity_at_specificity": sensitivity_at_specificity,
    "specificity_at_sensitivity": specificity_at_sensitivity,
}
_LOG_NAME = re.compile(r"(?P<base>[a-z_]+?)(?:_(?P<percent>100|[1-9][0-9]?(?:_[0-9]*[1-9])?|0_[0-9]*[1-9]))?")


def by_log_name(name, average="micro"):
    """``(y_true, y_pred, sample_weight=None) -> float`` of the threshold metric logged as ``name``.

    ``"roc_auc"``, ``"average_precision"``, or an X-at-Y name with its bound in percent,
    '_' for a decimal point (``"precision_at_recall_80"``, ``"recall_at_precision_82_5"``).
    """
    match = _LOG_NAME.fullmatch(name)
    base = match and match.group("base")
    bounded = base not in (None, "roc_auc", "average_precision")
    if base not in REFERENCES or bounded != (match.group("percent") is not None):
        raise ValueError(f"name must be a threshold metric's log name, e.g. 'roc_auc' or "
                         f"'precision_at_recall_80', got name={name!r}")
    fn = REFERENCES[base]
    bound = float(decimal.Decimal(match.group("percent").replace("_", ".")) / 100) if bounded else None

    def metric(y_true, y_pred, sample_weight=None):
        args = (bound,) if bounded else ()
        return fn(y_true, y_pred, *args, sample_weight=sample_weight, average=average)

    metric.__name__ = name
    return metric


def of_metric(metric):
    """``(y_true, y_pred, sample_weight=None) -> float`` computing what a threshold metric object computes.

    Reads the object's ``base``, ``bound`` and ``average`` (duck-typed: this module imports
    nothing from tfrank), so a metric built with its own ``name`` maps too.
    """
    base, bound = getattr(metric, "base", None), getattr(metric, "bound", None)
    average = getattr(metric, "average", None)
    if base not in REFERENCES or average not in ("micro", "macro"):
        raise ValueError("metric must be one of tfrank's threshold metrics (PrecisionAtRecall, ..., "
                         f"AveragePrecision), got metric={metric!r}")
    fn = REFERENCES[base]

    def reference(y_true, y_pred, sample_weight=None):
        args = () if bound is None else (bound,)
        return fn(y_true, y_pred, *args, sample_weight=sample_weight, average=average)

    reference.__name__ = getattr(metric, "name", base)
    return reference
