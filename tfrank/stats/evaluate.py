"""A model's per-list metric values (`per_list`) and per-example scores (`per_example`), streamed.

Both run ``model(x, training=False)`` batch by batch inside one ``tf.function`` (graph
mode; ``jit_compile=True`` for XLA), over NumPy arrays (batched by ``batch_size``) or a
``tf.data.Dataset`` of ``(x, y)`` / ``(x, y, sample_weight)`` batches, and keep only
what they return: ``per_list`` never holds all predictions, only ``[lists, C]`` values.
"""

import typing

import numpy as np
import tensorflow as tf

from tfrank._types import TensorLike

from tfrank.engine import validation
from tfrank.metrics.base import RankingMetric
from tfrank.metrics.budget import BudgetMetric
from tfrank.stats import dataset

DEFAULT_BATCH_SIZE = 32  # Keras' default for arrays
Columns = typing.Dict[str, np.ndarray]  # {log name: one value per list}


# === Data ===


def _batches(x, y, sample_weight, batch_size):
    """A ``tf.data.Dataset`` of ``(x, y, sample_weight)`` batches (sample_weight may be absent)."""
    if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1):
        raise validation.invalid("batch_size", batch_size, "a positive int or None (32)")
    if isinstance(x, tf.data.Dataset):
        for arg, value in (("y", y), ("sample_weight", sample_weight), ("batch_size", batch_size)):
            if value is not None:
                raise validation.invalid(arg, value, "None when x is a tf.data.Dataset (its batches carry it)")
        spec = x.element_spec
        if not isinstance(spec, tuple) or len(spec) not in (2, 3):
            raise validation.invalid("x", x, "a tf.data.Dataset of (x, y) or (x, y, sample_weight) batches",
                                     ValueError)
        return x
    if y is None:
        raise validation.invalid("y", y, "the labels of x (arrays), or pass a tf.data.Dataset of (x, y) batches")
    x = tuple(x) if isinstance(x, list) else x
    parts = (x, y) if sample_weight is None else (x, y, sample_weight)
    return tf.data.Dataset.from_tensor_slices(parts).batch(batch_size or DEFAULT_BATCH_SIZE)


def _one_output(y_pred):
    if isinstance(y_pred, dict) and len(y_pred) == 1:
        return next(iter(y_pred.values()))
    if isinstance(y_pred, (list, tuple)) and len(y_pred) == 1:
        return y_pred[0]
    if isinstance(y_pred, (dict, list, tuple)):
        raise validation.invalid("model", y_pred, "a model with one output (this one returns several)")
    return y_pred


def _step(model, compute, jit_compile, spec):
    """One traced step for every batch: the dataset's element spec (batch size None) is
    its input signature, so the last, smaller batch does not trace it again."""

    def step(batch):
        x, y, sample_weight = batch if len(batch) == 3 else (*batch, None)
        return compute(y, _one_output(model(x, training=False)), sample_weight)

    return tf.function(step, jit_compile=jit_compile, input_signature=[spec], autograph=False)


# === Per-list metrics ===


def _check_metrics(metrics):
    metrics = list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
    if not metrics:
        raise validation.invalid("metrics", metrics, "a tfrank metric object or a non-empty list of them")
    for metric in metrics:
        if dataset.entry_of(metric) is not None or isinstance(metric, BudgetMetric):
            raise validation.invalid(
                "metrics", metric,
                "per-list tfrank metrics (RankingMetric, RankingMetrics, RetrievalMetrics); "
                f"{type(metric).__name__} is dataset-level (one value for the whole set, none per list): "
                "use tfrank.stats.per_example(model, x, y) and tfrank.stats.compare_examples(metric, ...)",
            )
        if not isinstance(metric, RankingMetric):
            raise validation.invalid("metrics", metric, "tfrank per-list metric objects "
                                     "(tfrank.PrecisionAtK(k=10), tfrank.RankingMetrics(...), tfrank.RetrievalMetrics(...))",
                                     TypeError)
    names = [name for metric in metrics for name in metric.result_names()]
    if len(set(names)) != len(names):
        raise validation.invalid("metrics", metrics, f"metrics whose log names differ (got {names})")
    return metrics


def per_list(model: typing.Callable, x: typing.Any, y: typing.Any = None, *, metrics: typing.Any,
             batch_size: typing.Optional[int] = None, sample_weight: typing.Optional[TensorLike] = None,
             return_weights: bool = False, jit_compile: bool = False) -> typing.Union[Columns, typing.Tuple[Columns, Columns]]:
    """Each list's value of each metric, in data order: ``{log name: [lists] float64}``.

    For every batch, ``y_pred = model(x, training=False)`` then each metric's
    ``per_list(y, y_pred, sample_weight)`` (`tfrank.RankingMetric.per_list`: the values
    `update_state` would add, the metric's state untouched). A list the metric does not
    count (weight 0, e.g. no relevant item under ``empty="skip"``) is NaN. The lists are
    the data's, in order, so two models evaluated on the same data give paired values
    for `tfrank.stats.compare`.

    NOTE: a ``tf.data.Dataset`` must yield its batches in the same order every time (no
    reshuffling) for the values of two models to be paired. ``y`` may be
    ``{"labels": ..., "mask": ...}`` as in ``fit``. A `tfrank.RetrievalMetrics` built on
    a candidate tower is refreshed (`refresh`) first. Dataset-level metrics
    (`tfrank.PrecisionAtBudget`, ...) have no per-list values: use `per_example` and
    `tfrank.stats.compare_examples`.

    Args:
        model: a Keras model (or any callable ``model(x, training=False)``) with one output.
        x: model inputs (arrays, a dict or list of arrays), or a ``tf.data.Dataset`` of
            ``(x, y)`` or ``(x, y, sample_weight)`` batches.
        y: the labels (arrays); None for a dataset.
        metrics: a tfrank per-list metric object or a list of them (their log names distinct).
        batch_size: lists per batch for arrays (default 32).
        sample_weight: per-list weights for arrays (they decide which lists count and
            are returned with ``return_weights``).
        return_weights: also return ``{log name: weights}``, each list's weight in the
            metric's mean (0 where it does not count).
        jit_compile: compile the step with XLA.

    Returns:
        ``{log name: values}``, or ``(values, weights)`` with ``return_weights=True``.

    Example:

    >>> import numpy as np, keras, tfrank, tfrank.stats
    >>> scores = keras.Sequential([keras.Input((3,)), keras.layers.Identity()])
    >>> x = np.array([[0.9, 0.1, 0.5], [0.2, 0.8, 0.4], [0.3, 0.2, 0.1]])
    >>> y = np.array([[1.0, 0, 0], [1, 0, 0], [0, 0, 0]])  # the last list has no relevant item
    >>> tfrank.stats.per_list(scores, x, y, metrics=[tfrank.PrecisionAtK(k=1)])
    {'precision_at_1': array([ 1.,  0., nan])}
    """
    metrics = _check_metrics(metrics)
    data = _batches(x, y, sample_weight, batch_size)
    for metric in metrics:
        if hasattr(metric, "refresh"):
            metric.refresh()

    def compute(y, y_pred, sample_weight):
        return [metric.per_list(y, y_pred, sample_weight) for metric in metrics]

    step = _step(model, compute, jit_compile, data.element_spec)
    names = [metric.result_names() for metric in metrics]
    values = [[] for _ in metrics]
    weights = [[] for _ in metrics]
    for batch in data:
        for i, (v, w) in enumerate(step(batch)):
            if v.shape[-1] != len(names[i]):
                raise ValueError(f"{metrics[i].name}.per_list returned {v.shape[-1]} columns for "
                                 f"{len(names[i])} log names {names[i]}")
            values[i].append(v.numpy().astype(np.float64))
            weights[i].append(w.numpy().astype(np.float64))
    out_values, out_weights = {}, {}
    for i, metric_names in enumerate(names):
        v = np.concatenate(values[i]) if values[i] else np.zeros((0, len(metric_names)))
        w = np.concatenate(weights[i]) if weights[i] else np.zeros((0, len(metric_names)))
        for column, name in enumerate(metric_names):
            out_values[name] = np.where(w[:, column] > 0, v[:, column], np.nan)
            out_weights[name] = w[:, column]
    return (out_values, out_weights) if return_weights else out_values


# === Per-example scores (dataset-level metrics) ===


def _per_example(arg, tensor):
    tensor = tf.convert_to_tensor(tensor)
    validation.check_per_example(arg, tensor, "one value per example")
    return tf.reshape(tf.cast(tensor, tf.float64), [-1])


def per_example(model: typing.Callable, x: typing.Any, y: typing.Any = None, *, batch_size: typing.Optional[int] = None,
                sample_weight: typing.Optional[TensorLike] = None, jit_compile: bool = False) -> typing.Tuple[
                    np.ndarray, np.ndarray, typing.Optional[np.ndarray]]:
    """A one-score-per-example model's scores with their labels: ``(y_true, scores, sample_weight)``.

    The inputs of the dataset-level metrics (`tfrank.PrecisionAtBudget`, ...) and of
    `tfrank.stats.compare_examples`: 1-D float64 arrays in data order;
    ``sample_weight`` is None when neither the arrays nor the dataset carry weights.

    Args:
        model: a Keras model whose output is one score per example (``[B]`` or ``[B, 1]``).
        x: as in `per_list`.
        y: as in `per_list`.
        batch_size: as in `per_list`.
        sample_weight: as in `per_list`.
        jit_compile: as in `per_list`.

    Returns:
        ``(y_true [n], scores [n], sample_weight [n] or None)``.

    Example:

    >>> import numpy as np, keras, tfrank.stats
    >>> model = keras.Sequential([keras.Input((1,)), keras.layers.Identity()])
    >>> y_true, scores, w = tfrank.stats.per_example(model, np.array([[0.75], [0.25]]), np.array([1, 0]))
    >>> y_true, scores, w
    (array([1., 0.]), array([0.75, 0.25]), None)
    """
    data = _batches(x, y, sample_weight, batch_size)

    def compute(y, y_pred, sample_weight):
        out = [_per_example("y", y), _per_example("y_pred (the model's output)", y_pred)]
        return out + ([] if sample_weight is None else [_per_example("sample_weight", sample_weight)])

    step = _step(model, compute, jit_compile, data.element_spec)
    parts = [[], [], []]
    for batch in data:
        for i, array in enumerate(step(batch)):
            parts[i].append(array.numpy())
    y_true, scores, weights = (np.concatenate(p) if p else None for p in parts)
    if y_true is None:
        return np.zeros(0), np.zeros(0), None
    return y_true, scores, weights
