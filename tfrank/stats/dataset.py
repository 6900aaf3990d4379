"""The registry of dataset-level metrics: how `tfrank.stats` computes one on NumPy arrays.

A dataset-level metric (`tfrank.PrecisionAtBudget`, `tfrank.RecallAtBudget`, Keras'
thresholded ``keras.metrics.Precision`` / ``Recall`` (`tfrank.stats.thresholded`), ...) has
one value for a whole set of examples and no per-list decomposition, so its
uncertainty comes from resampling the examples (`tfrank.stats.compare_examples`).
Each metric class registers a `DatasetMetric` (`register_dataset_metric`):

* ``statistic(metric, y_true, scores, sample_weight) -> float``: the metric on 1-D
  float64 arrays (``sample_weight`` may be None), e.g. `tfrank.reference`'s function;
* ``on_counts(metric, y_true, scores, sample_weight, counts) -> [m]`` (optional): the
  same on m bootstrap resamples at once, ``counts[r, i]`` the copies of example i in
  resample r; without it each resample calls ``statistic`` (slower, same values);
* ``comparer(metric, y_true, scores_a, scores_b, sample_weight, *, n_resamples,
  confidence, seed) -> tfrank.stats.Comparison`` (optional): the metric's own paired
  test instead of the paired bootstrap (the hook for DeLong's test of ROC AUC);
* ``from_name(name) -> metric or None`` (optional): a metric object from its log name;
* ``test``: the name of the comparer's test (default ``"bootstrap"``).

>>> import tfrank
>>> from tfrank.stats import dataset
>>> dataset.resolve("val_recall_at_budget_10")[0].budget
10
"""

import dataclasses
import re
import typing

import keras

from tfrank.engine import validation
from tfrank.metrics import threshold_metrics
from tfrank.metrics.budget import PrecisionAtBudget, RecallAtBudget
from tfrank.stats import budget, curves as curve_metrics, thresholded


@dataclasses.dataclass(frozen=True)
class DatasetMetric:
    """How `tfrank.stats` computes one dataset-level metric class (see the module docstring)."""

    statistic: typing.Callable[..., float]
    on_counts: typing.Optional[typing.Callable[..., typing.Any]] = None
    comparer: typing.Optional[typing.Callable[..., typing.Any]] = None
    from_name: typing.Optional[typing.Callable[[str], typing.Any]] = None
    test: str = "bootstrap"  # the name of the comparer's test (e.g. "delong")


def _budget_from_name(cls, base):
    pattern = re.compile(rf"{base}_at_budget_([1-9][0-9]*)")

    def from_name(name):
        match = pattern.fullmatch(name)
        return None if match is None else cls(budget=int(match.group(1)))

    return from_name


REGISTRY: typing.Dict[type, DatasetMetric] = {
    PrecisionAtBudget: DatasetMetric(budget.precision, budget.precision_on_counts,
                                     from_name=_budget_from_name(PrecisionAtBudget, "precision")),
    RecallAtBudget: DatasetMetric(budget.recall, budget.recall_on_counts,
                                  from_name=_budget_from_name(RecallAtBudget, "recall")),
    # Keras' own thresholded metrics, the objective of keras-tuner searches such as the fraud tutorial's
    # (val_recall): no from_name, "recall" alone does not say which threshold.
    keras.metrics.Precision: DatasetMetric(thresholded.precision, thresholded.precision_on_counts),
    keras.metrics.Recall: DatasetMetric(thresholded.recall, thresholded.recall_on_counts),
}
# The whole-set threshold metrics: a bootstrap over the examples, DeLong's test for ROC AUC.
_THRESHOLD = {cls.base: cls for cls in (threshold_metrics.PrecisionAtRecall, threshold_metrics.RecallAtPrecision,
                                        threshold_metrics.ROCAUC, threshold_metrics.SensitivityAtSpecificity,
                                        threshold_metrics.SpecificityAtSensitivity, threshold_metrics.AveragePrecision)}
for _cls in _THRESHOLD.values():
    _roc = _cls is threshold_metrics.ROCAUC
    REGISTRY[_cls] = DatasetMetric(curve_metrics.statistic, curve_metrics.on_counts,
                                   comparer=curve_metrics.delong_comparer if _roc else None,
                                   from_name=curve_metrics.from_name({_cls.base: _cls}), test="delong" if _roc else "bootstrap")
del _cls, _roc


def register_dataset_metric(cls: type, *, statistic: typing.Callable[..., float],
                            on_counts: typing.Optional[typing.Callable] = None,
                            comparer: typing.Optional[typing.Callable] = None,
                            from_name: typing.Optional[typing.Callable[[str], typing.Any]] = None,
                            test: typing.Optional[str] = None) -> None:
    """Registers (or replaces) how `tfrank.stats` computes the dataset-level metric ``cls``.

    Args:
        cls: the metric class (subclasses find it too).
        statistic: see `DatasetMetric`.
        on_counts: see `DatasetMetric`.
        comparer: see `DatasetMetric`.
        from_name: see `DatasetMetric`.
        test: the name of the comparer's test (``"delong"``); default ``"bootstrap"``.
    """
    if not isinstance(cls, type):
        raise validation.invalid("cls", cls, "a metric class", TypeError)
    if not callable(statistic):
        raise validation.invalid("statistic", statistic, "a function (metric, y_true, scores, sample_weight) -> float",
                                 TypeError)
    REGISTRY[cls] = DatasetMetric(statistic, on_counts, comparer, from_name, test or "bootstrap")


def entry_of(metric):
    """The `DatasetMetric` of a metric object (or class), or None when it is not dataset-level."""
    cls = metric if isinstance(metric, type) else type(metric)
    return next((REGISTRY[c] for c in cls.__mro__ if c in REGISTRY), None)


def resolve(metric):
    """``(metric object, its entry)`` from an object or a log name (``val_`` is dropped)."""
    if isinstance(metric, str):
        name = metric[len("val_"):] if metric.startswith("val_") else metric
        for entry in list(REGISTRY.values()):
            found = entry.from_name(name) if entry.from_name else None
            if found is not None:
                return found, entry
        raise validation.invalid("metric", metric, "a dataset-level tfrank metric object or its log name "
                                 "(e.g. 'precision_at_budget_100', 'roc_auc', 'precision_at_recall_80')")
    entry = entry_of(metric)
    if entry is None:
        hint = (" (per-list metrics: tfrank.stats.per_list and tfrank.stats.compare)"
                if hasattr(metric, "result_names") else "")
        raise validation.invalid("metric", metric, "a dataset-level tfrank metric (PrecisionAtBudget, "
                                 "RecallAtBudget, ROCAUC, PrecisionAtRecall, ..., or a class registered with tfrank.stats.register_dataset_metric)" + hint,
                                 TypeError)
    return metric, entry
