"""Dataset-level budget metrics: how good are the `budget` highest-scored examples of a data set?

Fraud and alerting teams review a fixed number of cases a day (the budget), the
highest-scored ones. `PrecisionAtBudget` is the share of those cases that are
positive, `RecallAtBudget` the share of all positives they catch, both over every
example seen since the last ``reset_state()`` (a whole validation set), not per batch.

Exact with O(budget) state: a running top-`budget` buffer of (score, label, weight),
best first, merged with each batch by one ``tf.math.top_k`` over
``concat(buffer, batch)``, plus the weighted number of positives seen and a NaN flag.
Under ``tf.distribute`` each replica's best `budget` are all-gathered and merged into
identical copies of the buffer (buffers must be merged, not summed).
"""

import typing

import keras
import tensorflow as tf

from tfrank.engine import assertions, validation
from tfrank._types import TensorLike

_SIZE_TEXT = "y_true and y_pred must hold the same number of examples; got y_true, y_pred = "
_WEIGHT_TEXT = "sample_weight must hold one weight per example; got weights, examples = "


class Top(typing.NamedTuple):
    """The best examples so far, best first; an empty slot has score -inf, label 0, weight 0."""

    scores: tf.Tensor
    labels: tf.Tensor
    weights: tf.Tensor


# === Pure functions ===


def _empty(budget):
    return Top(tf.fill([budget], float("-inf")), tf.zeros([budget]), tf.zeros([budget]))


def _weights(sample_weight, scores, checks):
    batch = tf.shape(scores)[0]
    if sample_weight is None:
        return tf.ones_like(scores)
    sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), tf.float32)
    if sample_weight.shape.rank == 0:
        weights = tf.fill([batch], sample_weight)
    else:
        validation.check_per_example("sample_weight", sample_weight, "a scalar or weights")
        weights = tf.reshape(sample_weight, [-1])
        weights = assertions.same_size(weights, tf.shape(weights)[0], batch, _WEIGHT_TEXT, checks)
    checks.append(assertions.assert_non_negative(weights, "sample_weight"))
    return weights


def examples(y_true, y_pred, sample_weight=None):
    """Checks one batch; returns (its examples as a `Top`, unsorted, weighted positives, poisoned, checks).

    An example of weight 0 is left out (score -inf: it takes no slot). ``poisoned`` is
    True when an example that counts has a NaN score or weight, or when a run-time check
    fails (XLA drops assertions, so the result turns NaN instead of silently wrong).
    """
    y_pred, y_true = tf.convert_to_tensor(y_pred), tf.convert_to_tensor(y_true)
    validation.check_per_example("y_pred", y_pred, "float scores", floating=True)
    validation.check_per_example("y_true", y_true, "binary labels (0 or 1)")
    validation.check_same_batch("y_true", y_true, y_pred)
    scores = tf.reshape(tf.cast(y_pred, tf.float32), [-1])
    labels = tf.reshape(tf.cast(y_true, tf.float32), [-1])
    checks = []
    labels = assertions.same_size(labels, tf.shape(labels)[0], tf.shape(scores)[0], _SIZE_TEXT, checks)
    checks.append(assertions.assert_binary(labels, "y_true"))
    weights = _weights(sample_weight, scores, checks)
    counts = weights > 0.0  # False for weight 0 and for NaN weights
    broken = ~((labels == 0.0) | (labels == 1.0)) | (weights < 0.0) | tf.math.is_nan(weights)
    poisoned = tf.reduce_any(broken | (counts & tf.math.is_nan(scores)))
    finite_or_lowest = tf.maximum(scores, tf.float32.min)  # a real -inf score still takes a slot
    ranked = tf.where(counts & ~tf.math.is_nan(scores), finite_or_lowest, float("-inf"))
    labels = tf.where(counts, labels, 0.0)
    weights = tf.where(counts, weights, 0.0)
    return Top(ranked, labels, weights), tf.reduce_sum(weights * labels), poisoned, checks


def best(parts, budget):
    """The `budget` best of ``concat(parts)`` (at least `budget` entries in all).

    ``tf.math.top_k`` keeps the lower index first among equal scores, so putting the
    older buffer before newer examples makes earlier-seen examples win ties.
    """
    scores = tf.concat([p.scores for p in parts], axis=0)
    top = tf.math.top_k(scores, k=budget, sorted=True)

    def take(field):
        return tf.gather(tf.concat([getattr(p, field) for p in parts], axis=0), top.indices)

    return Top(top.values, take("labels"), take("weights"))


def _precision(top, positives, budget):
    # (filled / budget) * weighted hit rate of the filled slots; = hits / budget for unit weights.
    filled = tf.reduce_sum(tf.cast(top.scores > float("-inf"), tf.float32))
    hit_rate = tf.math.divide_no_nan(tf.reduce_sum(top.weights * top.labels), tf.reduce_sum(top.weights))
    return filled / float(budget) * hit_rate


def _recall(top, positives, budget):
    return tf.math.divide_no_nan(tf.reduce_sum(top.weights * top.labels), positives)


DEFINITIONS = {"precision": _precision, "recall": _recall}


def _functional(base, y_true, y_pred, budget, sample_weight):
    budget = validation.check_budget(budget)
    batch, positives, poisoned, checks = examples(y_true, y_pred, sample_weight)
    value = DEFINITIONS[base](best([_empty(budget), batch], budget), positives, budget)
    with tf.control_dependencies(checks):
        return tf.where(poisoned, float("nan"), value)


def precision_at_budget(y_true: TensorLike, y_pred: TensorLike, budget: int, *,
                        sample_weight: typing.Optional[TensorLike] = None) -> tf.Tensor:
    """Precision of the `budget` highest-scored examples of one whole set (scalar float32).

    ``(m / budget) * sum_T(w * y) / sum_T(w)``, T = the m = min(budget, n) best of the n
    examples of weight > 0; unit weights give positives in T / budget. See
    `PrecisionAtBudget` for ties, weights and NaN.

    >>> import tfrank
    >>> float(tfrank.precision_at_budget([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.7], budget=2))
    0.5
    """
    return _functional("precision", y_true, y_pred, budget, sample_weight)


def recall_at_budget(y_true: TensorLike, y_pred: TensorLike, budget: int, *,
                     sample_weight: typing.Optional[TensorLike] = None) -> tf.Tensor:
    """Recall of the `budget` highest-scored examples of one whole set (scalar float32).

    ``sum_T(w * y) / sum_all(w * y)`` (0 when there is no positive). See `RecallAtBudget`.

    >>> import tfrank
    >>> float(tfrank.recall_at_budget([1, 0, 1, 0], [0.9, 0.8, 0.1, 0.7], budget=2))
    0.5
    """
    return _functional("recall", y_true, y_pred, budget, sample_weight)


# === Keras metrics ===


class BudgetMetric(keras.metrics.Metric):
    """Base class: subclasses set ``base`` (a key of `DEFINITIONS`) and nothing else; building
    the base itself is a TypeError.

    Every state variable uses ``aggregation="only_first_replica"``: under a strategy
    each replica merges the all-gathered best examples of every replica, so all copies
    hold the same whole-set buffer and reading the first one is exact.
    """

    base = None
    direction = "max"  # informational: keras-tuner 1.4 never reads it; use tfrank.objective(name)
    _direction = "up"  # read by Keras' EarlyStopping, ModelCheckpoint, ... in mode="auto"

    def __init__(self, budget: int = 100, *, name: typing.Optional[str] = None,
                 dtype: typing.Optional[str] = None) -> None:
        if self.base not in DEFINITIONS:
            raise validation.abstract_base(type(self), "base", f"one of {', '.join(map(repr, DEFINITIONS))}")
        self.budget = validation.check_budget(budget)
        if name is not None and not isinstance(name, str):
            raise validation.invalid("name", name, "a str or None", TypeError)
        super().__init__(name=name or f"{self.base}_at_budget_{self.budget}", dtype=dtype or "float32")

        def state(name, shape=(), initializer="zeros"):
            return self.add_variable(
                shape=shape, initializer=initializer, dtype="float32", aggregation="only_first_replica", name=name
            )

        self.top_scores = state("top_scores", (self.budget,), keras.initializers.Constant(float("-inf")))
        self.top_labels = state("top_labels", (self.budget,))
        self.top_weights = state("top_weights", (self.budget,))
        self.positives = state("positives")
        self.poisoned = state("poisoned")

    def _top(self):
        return Top(*(tf.convert_to_tensor(v) for v in (self.top_scores, self.top_labels, self.top_weights)))

    def update_state(self, y_true: TensorLike, y_pred: TensorLike,
                     sample_weight: typing.Optional[TensorLike] = None) -> None:
        batch, positives, poisoned, checks = examples(y_true, y_pred, sample_weight)
        poisoned = tf.cast(poisoned, tf.float32)
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            # A fixed [budget] per replica (padded with empty slots), so that uneven or
            # empty per-replica batches gather fine; replica order = global batch order.
            local = best([batch, _empty(self.budget)], self.budget)
            batch = Top(*(context.all_gather(t, axis=0) for t in local))
            positives = context.all_reduce(tf.distribute.ReduceOp.SUM, positives)
            poisoned = context.all_reduce(tf.distribute.ReduceOp.SUM, poisoned)
        merged = best([self._top(), batch], self.budget)
        with tf.control_dependencies(checks):
            self.top_scores.assign(merged.scores)
            self.top_labels.assign(merged.labels)
            self.top_weights.assign(merged.weights)
            self.positives.assign_add(positives)
            self.poisoned.assign_add(poisoned)

    def result(self):
        value = DEFINITIONS[self.base](self._top(), tf.convert_to_tensor(self.positives), self.budget)
        value = tf.where(tf.convert_to_tensor(self.poisoned) > 0.0, float("nan"), value)
        return tf.cast(value, self.dtype)

    def reset_state(self):
        self.top_scores.assign(tf.fill([self.budget], float("-inf")))
        for variable in (self.top_labels, self.top_weights, self.positives, self.poisoned):
            variable.assign(tf.zeros(variable.shape, variable.dtype))

    def get_config(self):
        return {**super().get_config(), "budget": self.budget}


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionAtBudget(BudgetMetric):
    """Precision of the `budget` highest-scored examples seen since the last reset.

    ``P = (m / budget) * sum_T(w * y) / sum_T(w)``: T is the m = min(budget, n) examples
    with the highest ``y_pred`` among the n examples of weight w > 0 seen so far, y the
    binary label. With unit weights ``P = positives in T / budget``: of the cases an
    analyst team with room for `budget` reviews would look at, the share that is fraud.

    NOTE: exact over the whole stream (not a mean of per-batch values and not a
    threshold-bucketed estimate like ``keras.metrics.PrecisionAtRecall``). Weights weigh
    the hit rate of T as ``keras.metrics.Precision`` does; a slot is one example whatever
    its weight, and weight 0 drops an example. When fewer than `budget` examples were
    seen the empty slots count as misses (trec_eval's P@k divides by k too). Equal
    scores: the earlier-seen example wins (then the lower index in the batch). A NaN
    score or weight makes the result NaN until ``reset_state()``; 0.0 before any example.
    Scores are compared in float32 (probabilities or logits alike: only order matters).

    Args:
        budget: number of examples reviewed, a positive int (a fraction is not
            supported: see docs/budget.md).
        name: the log name; default ``precision_at_budget_{budget}``.
        dtype: of the state and the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.PrecisionAtBudget(budget=3)
    >>> m.update_state([1, 0, 0], [0.9, 0.2, 0.8])
    >>> m.update_state([[1], [0]], [[0.7], [0.1]])
    >>> float(m.result())  # top 3 scores 0.9, 0.8, 0.7 hold 2 positives
    0.6666...
    >>> m.name
    'precision_at_budget_3'

    In a model: ``model.compile(optimizer="adam", loss="binary_crossentropy",
    metrics=[tfrank.PrecisionAtBudget(budget=100)])`` logs ``precision_at_budget_100``
    and ``val_precision_at_budget_100``.
    """

    base = "precision"


@keras.saving.register_keras_serializable(package="tfrank")
class RecallAtBudget(BudgetMetric):
    """Share of all positives seen since the last reset found among the `budget` highest scores.

    ``R = sum_T(w * y) / sum_all(w * y)`` with T, w, y as in `PrecisionAtBudget`: with
    unit weights, the positives in the top `budget` over all positives seen.

    NOTE: exact over the whole stream; 0.0 while no positive was seen. Ties, weights,
    weight 0 and NaN as in `PrecisionAtBudget`.

    Args:
        budget: number of examples reviewed, a positive int.
        name: the log name; default ``recall_at_budget_{budget}``.
        dtype: of the state and the result; default float32.

    Example:

    >>> import tfrank
    >>> m = tfrank.RecallAtBudget(budget=2)
    >>> m.update_state([1, 0, 1, 1], [0.9, 0.8, 0.1, 0.7])
    >>> float(m.result())  # top 2 hold 1 of 3 positives
    0.3333...

    In a model: ``model.compile(..., metrics=[tfrank.RecallAtBudget(budget=100)])`` logs
    ``recall_at_budget_100`` and ``val_recall_at_budget_100``.
    """

    base = "recall"
