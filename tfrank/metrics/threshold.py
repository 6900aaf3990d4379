"""Exact threshold metrics of a whole set: the functions of one set and the streaming base class.

`ThresholdMetric` keeps every (score, label, weight) seen since ``reset_state()`` in a
fixed buffer of ``capacity`` rows, written in place at the running count; ``result()``
sorts the filled part once and reads the curve (`tfrank.metrics.curves`). Under
``tf.distribute`` each update all-gathers the global batch, so every replica's buffer
holds the same whole set (aggregation ``"only_first_replica"``, as the budget metrics).
"""

import typing

import keras
import tensorflow as tf

from tfrank.engine import assertions, validation
from tfrank.metrics import curves
from tfrank._types import TensorLike

DEFAULT_CAPACITY = 2**20
_SMALLEST_SORT = 1024  # result() sorts the first 1024, 2048, ... rows: the smallest that hold the data


# === Functions of one whole set ===


def _of_set(base, y_true, y_pred, bound, sample_weight, average):
    if bound is not None:
        bound = curves.check_bound(curves.BOUNDS[base], bound)
    validation.check_choice("average", average, curves.AVERAGES)
    y_pred = tf.convert_to_tensor(y_pred)
    if average == "macro" and (y_pred.shape.rank is None or y_pred.shape[-1] is None):
        raise validation.invalid("y_pred", y_pred, 'scores of a known shape [batch, labels] for average="macro"')
    batch = curves.examples(y_true, y_pred, sample_weight)
    value = curves.evaluate(base, bound, average, batch.scores, batch.signed)
    with tf.control_dependencies(batch.checks):
        return tf.where(batch.poisoned, float("nan"), value)


def roc_auc(y_true: TensorLike, y_pred: TensorLike, *, sample_weight: typing.Optional[TensorLike] = None,
            average: str = "micro") -> tf.Tensor:
    """Area under the ROC curve of one whole set (scalar float32): `ROCAUC` for one set.

    >>> import tfrank
    >>> float(tfrank.roc_auc([1, 0, 1, 0], [0.9, 0.8, 0.8, 0.1]))  # 3 of 4 pairs right, the tied one half
    0.875
    """
    return _of_set("roc_auc", y_true, y_pred, None, sample_weight, average)


def average_precision(y_true: TensorLike, y_pred: TensorLike, *, sample_weight: typing.Optional[TensorLike] = None,
                      average: str = "micro") -> tf.Tensor:
    """Average precision (step-wise) of one whole set (scalar float32): `AveragePrecision` for one set.

    >>> import tfrank
    >>> float(tfrank.average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]))  # (1 + 2/3) / 2
    0.8333...
    """
    return _of_set("average_precision", y_true, y_pred, None, sample_weight, average)


def precision_at_recall(y_true: TensorLike, y_pred: TensorLike, recall: float, *,
                        sample_weight: typing.Optional[TensorLike] = None, average: str = "micro") -> tf.Tensor:
    """Best precision at a threshold whose recall is at least ``recall`` (scalar float32).

    >>> import tfrank
    >>> float(tfrank.precision_at_recall([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], recall=1.0))  # top 3
    0.6666...
    """
    return _of_set("precision_at_recall", y_true, y_pred, recall, sample_weight, average)


def recall_at_precision(y_true: TensorLike, y_pred: TensorLike, precision: float, *,
                        sample_weight: typing.Optional[TensorLike] = None, average: str = "micro") -> tf.Tensor:
    """Best recall at a threshold whose precision is at least ``precision`` (scalar float32).

    >>> import tfrank
    >>> float(tfrank.recall_at_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], precision=0.6))
    1.0
    """
    return _of_set("recall_at_precision", y_true, y_pred, precision, sample_weight, average)


def sensitivity_at_specificity(y_true: TensorLike, y_pred: TensorLike, specificity: float, *,
                               sample_weight: typing.Optional[TensorLike] = None,
                               average: str = "micro") -> tf.Tensor:
    """Best sensitivity (recall) at a threshold whose specificity is at least ``specificity``.

    >>> import tfrank
    >>> float(tfrank.sensitivity_at_specificity([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], specificity=0.5))
    1.0
    """
    return _of_set("sensitivity_at_specificity", y_true, y_pred, specificity, sample_weight, average)


def specificity_at_sensitivity(y_true: TensorLike, y_pred: TensorLike, sensitivity: float, *,
                               sample_weight: typing.Optional[TensorLike] = None,
                               average: str = "micro") -> tf.Tensor:
    """Best specificity at a threshold whose sensitivity (recall) is at least ``sensitivity``.

    >>> import tfrank
    >>> float(tfrank.specificity_at_sensitivity([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], sensitivity=0.5))
    1.0
    """
    return _of_set("specificity_at_sensitivity", y_true, y_pred, sensitivity, sample_weight, average)


# === The streaming base class ===


def _sort_sizes(capacity):
    sizes = [min(capacity, _SMALLEST_SORT)]
    while sizes[-1] < capacity:
        sizes.append(min(capacity, sizes[-1] * 2))
    return tuple(sizes)


class ThresholdMetric(keras.metrics.Metric):
    """Base class: subclasses set ``base`` (a key of `curves.DEFINITIONS`) and nothing else;
    building the base itself is a TypeError.

    State: ``capacity`` rows of C = ``num_labels`` (score, signed weight) float32 pairs,
    8 * capacity * C bytes (8 MiB at the default 2^20 rows and one label), the number of
    rows written and a NaN flag. A row is one example (its C labels); the signed weight
    is +w for a positive, -w for a negative. Empty rows and examples of weight 0 hold
    weight 0, which no metric counts (whatever the score).
    """

    base = None
    direction = "max"  # informational: keras-tuner 1.4 never reads it; use tfrank.objective(name)
    _direction = "up"  # read by Keras' EarlyStopping, ModelCheckpoint, ... in mode="auto"

    def __init__(self, bound: typing.Optional[float] = None, *, average: str = "micro",
                 num_labels: int = 1, capacity: int = DEFAULT_CAPACITY, per_step: bool = False,
                 name: typing.Optional[str] = None, dtype: typing.Optional[str] = None) -> None:
        if self.base not in curves.DEFINITIONS:
            raise validation.abstract_base(type(self), "base", f"one of {', '.join(map(repr, curves.DEFINITIONS))}")
        arg = curves.BOUNDS[self.base]
        self.bound = None if arg is None else curves.check_bound(arg, bound)
        self.average = validation.check_choice("average", average, curves.AVERAGES)
        self.num_labels = curves.check_count("num_labels", num_labels)
        self.capacity = curves.check_count("capacity", capacity)
        if not isinstance(per_step, bool):
            raise validation.invalid("per_step", per_step, "True or False", TypeError)
        self.per_step = per_step
        if name is not None and not isinstance(name, str):
            raise validation.invalid("name", name, "a str or None", TypeError)
        default = self.base if arg is None else f"{self.base}_{curves.bound_name(self.bound)}"
        super().__init__(name=name or default, dtype=dtype or "float32")
        # Row i: example i's (score, signed weight) per label, [capacity, 2, C]. Written in place by
        # scatter, which tf.distribute allows on mirrored (on-write) variables only; add_variable
        # makes on-read ones. Assigning the variable as an attribute tracks it.
        self.rows = keras.Variable(keras.initializers.Zeros(), shape=(self.capacity, 2, self.num_labels),
                                   dtype="float32", trainable=False, aggregation="only_first_replica",
                                   synchronization="on_write", name="rows")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype="int32",
                                       aggregation="only_first_replica", name="count")
        self.poisoned = self.add_variable(shape=(), initializer="zeros", dtype="float32",
                                          aggregation="only_first_replica", name="poisoned")
        self._sizes = _sort_sizes(self.capacity)

    def update_state(self, y_true: TensorLike, y_pred: TensorLike,
                     sample_weight: typing.Optional[TensorLike] = None) -> None:
        batch = curves.examples(y_true, y_pred, sample_weight, self.num_labels)
        pairs, poisoned = tf.stack([batch.scores, batch.signed], axis=1), tf.cast(batch.poisoned, tf.float32)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # Replica order = global batch order; uneven per-replica batches gather fine.
            pairs = context.all_gather(pairs, axis=0)
            poisoned = context.all_reduce(tf.distribute.ReduceOp.SUM, poisoned)
        size, count = tf.shape(pairs)[0], tf.convert_to_tensor(self.count)
        seen = count + size
        text = (f"{self.name} holds at most capacity={self.capacity:,} examples since the last reset_state() "
                f"(pass a larger capacity: 8 bytes per example and label); got capacity, examples seen = ")
        checks = batch.checks + [assertions.assert_at_most(seen, self.capacity, text)]
        overflow = tf.cast(seen > self.capacity, tf.float32)  # XLA drops the assertion: NaN instead
        rows = tf.minimum(count + tf.range(size), self.capacity - 1)
        with tf.control_dependencies(checks):
            self.rows.value.scatter_update(tf.IndexedSlices(pairs, rows))
            self.count.assign_add(size)
            self.poisoned.assign_add(poisoned + overflow)

    def _first(self, size):
        def value():
            rows = tf.convert_to_tensor(self.rows)[:size]
            return curves.evaluate(self.base, self.bound, self.average, rows[:, 0], rows[:, 1])

        return value

    def result(self):
        if not self.per_step and not tf.executing_eagerly():
            # Inside fit's compiled steps: no sort. Keras computes the epoch's logs (and evaluate's
            # return) by calling result() eagerly after the last step, which is exact.
            return tf.constant(float("nan"), self.dtype)
        # Sort only the smallest power-of-two prefix that holds every row written (XLA needs a
        # static size; the rows after the count are empty).
        filled = tf.minimum(tf.convert_to_tensor(self.count), self.capacity)
        branch = tf.reduce_sum(tf.cast(filled > tf.constant(self._sizes[:-1], tf.int32), tf.int32))
        value = tf.switch_case(branch, [self._first(size) for size in self._sizes])
        value = tf.where(tf.convert_to_tensor(self.poisoned) > 0.0, float("nan"), value)
        return tf.cast(value, self.dtype)

    def reset_state(self):
        self.rows.assign(tf.zeros(self.rows.shape))
        self.count.assign(0)
        self.poisoned.assign(0.0)

    def get_config(self):
        config = {**super().get_config(), "average": self.average, "num_labels": self.num_labels,
                  "capacity": self.capacity, "per_step": self.per_step}
        arg = curves.BOUNDS[self.base]
        return config if arg is None else {**config, arg: self.bound}
