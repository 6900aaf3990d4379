"""The exact threshold metrics: PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity,
SpecificityAtSensitivity, ROCAUC and AveragePrecision over every example since the last reset.

Thin subclasses of `ThresholdMetric`; the definitions are scikit-learn's (thresholds at
every distinct score, `tfrank.metrics.curves`), without Keras' grid of 200 thresholds.
"""

import typing

import keras

from tfrank.metrics.threshold import DEFAULT_CAPACITY, ThresholdMetric

_Name = typing.Optional[str]


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionAtRecall(ThresholdMetric):
    """Best precision over the thresholds whose recall is at least ``recall``, exactly.

    ``max { TP_t / (TP_t + FP_t) : TP_t / P >= recall }`` over every distinct score t
    of the examples seen since the last reset (predicted positive: score >= t), TP/FP
    the weighted true/false positives, P all weighted positives; 0 when no threshold
    reaches the recall. Keras' and torchmetrics' definition, on scikit-learn's
    ``precision_recall_curve`` instead of 200 fixed thresholds in [0, 1].

    NOTE: exact: scores of any real value (probabilities or logits: only their order
    matters, compared in float32); equal scores move together. Weights as scikit-learn's
    ``sample_weight``; weight 0 drops an example. A NaN score (weight > 0) or weight
    makes the result NaN until ``reset_state()``; 0.0 before any positive. More
    examples than ``capacity`` is an error (NaN under XLA, which drops assertions).

    Args:
        recall: the bound, a number in (0, 1].
        average: for ``[batch, labels]`` scores, ``"micro"`` (every label-score pair of
            one set, Keras' default) or ``"macro"`` (the mean over labels, scikit-learn's).
        num_labels: labels per example C (``[batch, C]`` scores); 1 for ``[batch]`` / ``[batch, 1]``.
        capacity: examples kept since the reset; the state takes 8 * capacity * num_labels
            bytes (the default 2^20: 8 MiB). In fit it must hold a training epoch too.
        per_step: False (default): inside a compiled function (fit's train and test
            steps) ``result()`` returns NaN without sorting, and only an eager call computes
            it; Keras computes the epoch's logs and evaluate's return that way, so
            ``val_precision_at_recall_80`` is exact while the per-batch logs show NaN, and
            fit runs about as fast as without the metric. True: ``result()`` is exact
            wherever it runs (a ``tf.function`` of your own too), at the cost of one sort of
            the rows seen at every step of fit (an epoch 15 times as long in the bench).
        name: the log name; default ``precision_at_recall_{percent}`` (0.8:
            ``precision_at_recall_80``; 0.825: ``precision_at_recall_82_5``).
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.PrecisionAtRecall(recall=0.5, capacity=1024)
    >>> m.update_state([1, 0, 0], [0.9, 0.8, 0.7])
    >>> m.update_state([1, 0], [0.6, 0.1])
    >>> float(m.result())  # the top 1 reaches recall 0.5 with precision 1
    1.0
    >>> m.name
    'precision_at_recall_50'

    In a model: ``model.compile(optimizer="adam", loss="binary_crossentropy",
    metrics=[tfrank.PrecisionAtRecall(recall=0.8)])`` logs ``precision_at_recall_80``
    and ``val_precision_at_recall_80``.
    """

    base = "precision_at_recall"

    def __init__(self, recall: float, *, average: str = "micro", num_labels: int = 1,
                 capacity: int = DEFAULT_CAPACITY, per_step: bool = False, name: _Name = None,
                 dtype: _Name = None) -> None:
        super().__init__(recall, average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="tfrank")
class RecallAtPrecision(ThresholdMetric):
    """Best recall over the thresholds whose precision is at least ``precision``, exactly.

    ``max { TP_t / P : TP_t / (TP_t + FP_t) >= precision }`` over every distinct score
    t seen since the last reset; 0 when no threshold is that precise (Keras' definition).

    NOTE: as `PrecisionAtRecall` (exact, ties together, weights, NaN, capacity).

    Args:
        precision: the bound, a number in (0, 1].
        average: ``"micro"`` or ``"macro"`` for ``[batch, labels]`` scores, as in `PrecisionAtRecall`.
        num_labels: labels per example; 1 for ``[batch]`` / ``[batch, 1]`` scores.
        capacity: examples kept since the reset (8 * capacity * num_labels bytes).
        per_step: False (default): NaN inside fit's compiled steps, exact in the epoch's
            logs; True: exact wherever ``result()`` runs (see `PrecisionAtRecall`).
        name: the log name; default ``recall_at_precision_{percent}``.
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.RecallAtPrecision(precision=0.6, capacity=1024)
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    >>> float(m.result())  # the top 3: precision 2/3, recall 1
    1.0

    In a model: ``model.compile(..., metrics=[tfrank.RecallAtPrecision(precision=0.9)])``
    logs ``recall_at_precision_90``.
    """

    base = "recall_at_precision"

    def __init__(self, precision: float, *, average: str = "micro", num_labels: int = 1,
                 capacity: int = DEFAULT_CAPACITY, per_step: bool = False, name: _Name = None,
                 dtype: _Name = None) -> None:
        super().__init__(precision, average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="tfrank")
class SensitivityAtSpecificity(ThresholdMetric):
    """Best sensitivity (recall) over the thresholds whose specificity is at least ``specificity``.

    ``max { TP_t / P : (N - FP_t) / N >= specificity }`` over every distinct score t
    seen since the last reset (N: all weighted negatives), on scikit-learn's
    ``roc_curve``; 0 when none meets the bound (Keras' definition).

    NOTE: as `PrecisionAtRecall` (exact, ties together, weights, NaN, capacity).

    Args:
        specificity: the bound, a number in (0, 1].
        average: ``"micro"`` or ``"macro"`` for ``[batch, labels]`` scores, as in `PrecisionAtRecall`.
        num_labels: labels per example; 1 for ``[batch]`` / ``[batch, 1]`` scores.
        capacity: examples kept since the reset (8 * capacity * num_labels bytes).
        per_step: False (default): NaN inside fit's compiled steps, exact in the epoch's
            logs; True: exact wherever ``result()`` runs (see `PrecisionAtRecall`).
        name: the log name; default ``sensitivity_at_specificity_{percent}``.
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.SensitivityAtSpecificity(specificity=0.5, capacity=1024)
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    >>> float(m.result())  # the top 3 keep 1 of 2 negatives out and find both positives
    1.0

    In a model: ``model.compile(..., metrics=[tfrank.SensitivityAtSpecificity(specificity=0.95)])``
    logs ``sensitivity_at_specificity_95``.
    """

    base = "sensitivity_at_specificity"

    def __init__(self, specificity: float, *, average: str = "micro", num_labels: int = 1,
                 capacity: int = DEFAULT_CAPACITY, per_step: bool = False, name: _Name = None,
                 dtype: _Name = None) -> None:
        super().__init__(specificity, average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="tfrank")
class SpecificityAtSensitivity(ThresholdMetric):
    """Best specificity over the thresholds whose sensitivity (recall) is at least ``sensitivity``.

    ``max { (N - FP_t) / N : TP_t / P >= sensitivity }`` over every distinct score t
    seen since the last reset; 0 when none meets the bound (Keras' definition).

    NOTE: as `PrecisionAtRecall` (exact, ties together, weights, NaN, capacity).

    Args:
        sensitivity: the bound, a number in (0, 1].
        average: ``"micro"`` or ``"macro"`` for ``[batch, labels]`` scores, as in `PrecisionAtRecall`.
        num_labels: labels per example; 1 for ``[batch]`` / ``[batch, 1]`` scores.
        capacity: examples kept since the reset (8 * capacity * num_labels bytes).
        per_step: False (default): NaN inside fit's compiled steps, exact in the epoch's
            logs; True: exact wherever ``result()`` runs (see `PrecisionAtRecall`).
        name: the log name; default ``specificity_at_sensitivity_{percent}``.
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.SpecificityAtSensitivity(sensitivity=1.0, capacity=1024)
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    >>> float(m.result())  # both positives need the top 3, which hold 1 of 2 negatives
    0.5

    In a model: ``model.compile(..., metrics=[tfrank.SpecificityAtSensitivity(sensitivity=0.9)])``
    logs ``specificity_at_sensitivity_90``.
    """

    base = "specificity_at_sensitivity"

    def __init__(self, sensitivity: float, *, average: str = "micro", num_labels: int = 1,
                 capacity: int = DEFAULT_CAPACITY, per_step: bool = False, name: _Name = None,
                 dtype: _Name = None) -> None:
        super().__init__(sensitivity, average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="tfrank")
class ROCAUC(ThresholdMetric):
    """Area under the ROC curve of every example seen since the last reset, exactly.

    ``AUC = sum_t (FP_t - FP_{t-1}) (TP_t + TP_{t-1}) / 2 / (P N)``: the trapezoids
    between the ROC points of consecutive distinct scores, i.e. the weighted share of
    (positive, negative) pairs ranked correctly, a tied pair counting one half.
    ``sklearn.metrics.roc_auc_score``; ``average="macro"``: the mean of the labels' AUCs.

    NOTE: scikit-learn raises when one class is absent; a streaming metric must report
    something, so this one gives 0.0 then (as Keras' ``AUC`` does): a trial that never
    saw both classes never wins a search. With "macro", such a label counts 0 in the
    mean (scikit-learn raises). Otherwise as `PrecisionAtRecall` (weights, NaN, capacity).

    Args:
        average: ``"micro"`` or ``"macro"`` for ``[batch, labels]`` scores, as in `PrecisionAtRecall`.
        num_labels: labels per example; 1 for ``[batch]`` / ``[batch, 1]`` scores.
        capacity: examples kept since the reset (8 * capacity * num_labels bytes).
        per_step: False (default): NaN inside fit's compiled steps, exact in the epoch's
            logs; True: exact wherever ``result()`` runs (see `PrecisionAtRecall`).
        name: the log name; default ``roc_auc``.
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.ROCAUC(capacity=1024)
    >>> m.update_state([1, 0], [0.9, 0.8])
    >>> m.update_state([1, 0], [0.8, 0.1])
    >>> float(m.result())  # 3 of 4 pairs right, the tied pair at 0.8 one half
    0.875

    In a model: ``model.compile(..., metrics=[tfrank.ROCAUC()])`` logs ``roc_auc`` and
    ``val_roc_auc``.
    """

    base = "roc_auc"

    def __init__(self, *, average: str = "micro", num_labels: int = 1, capacity: int = DEFAULT_CAPACITY,
                 per_step: bool = False, name: _Name = None, dtype: _Name = None) -> None:
        super().__init__(average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="tfrank")
class AveragePrecision(ThresholdMetric):
    """Average precision of every example seen since the last reset, step-wise and exact.

    ``AP = sum_t (R_t - R_{t-1}) P_t`` over the distinct scores t, descending, with
    precision P_t and recall R_t at threshold t: ``sklearn.metrics.average_precision_score``
    (no interpolation). Keras' ``AUC(curve="PR")`` differs twice: it interpolates between
    its thresholds (Davis & Goadrich's rule, an area under a curve rather than a sum of
    steps) and those 200 thresholds are fixed in [0, 1].

    NOTE: 0.0 while no positive was seen (scikit-learn's value, with a warning there).
    Otherwise as `PrecisionAtRecall` (exact, ties together, weights, NaN, capacity).

    Args:
        average: ``"micro"`` or ``"macro"`` for ``[batch, labels]`` scores, as in `PrecisionAtRecall`.
        num_labels: labels per example; 1 for ``[batch]`` / ``[batch, 1]`` scores.
        capacity: examples kept since the reset (8 * capacity * num_labels bytes).
        per_step: False (default): NaN inside fit's compiled steps, exact in the epoch's
            logs; True: exact wherever ``result()`` runs (see `PrecisionAtRecall`).
        name: the log name; default ``average_precision``.
        dtype: of the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.AveragePrecision(capacity=1024)
    >>> m.update_state([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    >>> float(m.result())  # (1/2) * 1 + (1/2) * 2/3
    0.8333...

    In a model: ``model.compile(..., metrics=[tfrank.AveragePrecision()])`` logs
    ``average_precision`` and ``val_average_precision``.
    """

    base = "average_precision"

    def __init__(self, *, average: str = "micro", num_labels: int = 1, capacity: int = DEFAULT_CAPACITY,
                 per_step: bool = False, name: _Name = None, dtype: _Name = None) -> None:
        super().__init__(average=average, num_labels=num_labels, capacity=capacity,
                         per_step=per_step, name=name, dtype=dtype)
