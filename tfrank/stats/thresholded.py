"""Keras' thresholded ``keras.metrics.Precision`` and ``keras.metrics.Recall`` as dataset-level metrics.

Keras counts an example as predicted positive when its score is above the metric's
threshold (``y_pred > threshold``, default 0.5). With w the weights, y the 0/1 labels and
p the 0/1 predictions, over a set of examples:

* recall    = Σ w y p / Σ w y
* precision = Σ w y p / Σ w p

each 0 when its denominator is 0 (Keras' ``divide_no_nan``). Registered in
`tfrank.stats.dataset`, so `tfrank.tuners.compare_trials` compares the trials of a search
on keras-tuner's ``val_recall`` or ``val_precision`` (the objective of the fraud tutorial)
by the paired bootstrap over the examples. On a resample, ``counts[r, i]`` copies of
example i: the sums become ``counts @ (w y p)``, ``counts @ (w y)`` and ``counts @ (w p)``.

NOTE: only the scalar form is supported: one threshold, no ``top_k``, no ``class_id``
(a list of thresholds gives one value per threshold, not one number to compare).
"""

import numpy as np

from tfrank.engine import validation


def _predicted(metric, scores):
    thresholds = [float(t) for t in np.atleast_1d(metric.thresholds)]
    if len(thresholds) != 1 or metric.top_k is not None or metric.class_id is not None:
        raise validation.invalid(
            "metric", metric, "keras.metrics.Precision or keras.metrics.Recall with one threshold, no top_k and no "
            f"class_id (got thresholds={thresholds}, top_k={metric.top_k}, class_id={metric.class_id})")
    return (scores > float(thresholds[0])).astype(np.float64)


def _ratio(num, den):
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def _weights(y_true, sample_weight):
    return np.ones_like(y_true) if sample_weight is None else sample_weight


def recall(metric, y_true, scores, sample_weight):
    w, p = _weights(y_true, sample_weight), _predicted(metric, scores)
    return float(_ratio(np.sum(w * y_true * p), np.sum(w * y_true)))


def precision(metric, y_true, scores, sample_weight):
    w, p = _weights(y_true, sample_weight), _predicted(metric, scores)
    return float(_ratio(np.sum(w * y_true * p), np.sum(w * p)))


def recall_on_counts(metric, y_true, scores, sample_weight, counts):
    w, p = _weights(y_true, sample_weight), _predicted(metric, scores)
    return _ratio(counts @ (w * y_true * p), counts @ (w * y_true))


def precision_on_counts(metric, y_true, scores, sample_weight, counts):
    w, p = _weights(y_true, sample_weight), _predicted(metric, scores)
    return _ratio(counts @ (w * y_true * p), counts @ (w * p))
