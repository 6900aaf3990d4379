"""Streaming Keras 3 metrics: thin wrappers over `tfrank.ops`.

State is a weighted sum of per-list values and a weight total, one entry per k,
both created with ``aggregation="sum"`` so that replicas add up under
``tf.distribute``. ``result()`` is their ratio, 0.0 before any countable list.
"""

import keras
import tensorflow as tf

from tfrank import inputs, ops, validation


class RankingMetric(keras.metrics.Metric):
    """Base class: subclasses set ``base`` (the per-list definition's name) and nothing else.

    Args:
        k: a positive int, or a list of them (the result is then a dict keyed by log name).
        name: log name; default ``f"{base}_at_{k}"`` (``"precision_at_10"``), or
            ``f"{base}_at_k"`` for a list of k, whose result keys replace the trailing
            ``k`` with each value.
        label_format, empty, ties, and the metric's own options: as in `tfrank.ops`.
        dtype: dtype of the state and result (default float32).
    """

    base = None
    direction = "max"  # informational: keras-tuner 1.4 never reads it; use tfrank.objective(name)

    def __init__(self, k=10, *, name=None, dtype=None, label_format=None, empty="skip", ties="first", **options):
        self._ks = validation.check_k(k)
        self._multi = isinstance(k, (list, tuple))
        self._options = ops.check_options(self.base, options, empty, ties)
        validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
        if name is not None and not isinstance(name, str):
            raise validation.invalid("name", name, "a str or None", TypeError)
        default = f"{self.base}_at_k" if self._multi else f"{self.base}_at_{self._ks[0]}"
        super().__init__(name=name or default, dtype=dtype or "float32")
        self.label_format, self.empty, self.ties = label_format, empty, ties
        size = (len(self._ks),)
        self.total = self.add_variable(shape=size, initializer="zeros", aggregation="sum", name="total")
        self.count = self.add_variable(shape=size, initializer="zeros", aggregation="sum", name="count")

    @property
    def k(self):
        return list(self._ks) if self._multi else self._ks[0]

    def result_names(self):
        """The log names this metric reports (one per k)."""
        if not self._multi:
            return [self.name]
        stem = self.name[: -len("_at_k")] if self.name.endswith("_at_k") else self.name
        return [f"{stem}_at_{k}" for k in self._ks]

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None):
        values, countable = ops.compute(
            self.base,
            y_true,
            y_pred,
            self._ks,
            mask=mask,
            label_format=self.label_format,
            empty=self.empty,
            options=self._options,
        )
        weights, checks = inputs.list_weights(sample_weight, values)
        with tf.control_dependencies(checks):
            weights = tf.where(countable, weights, 0.0)
        # where(), not a product: a skipped list's NaN must not leak into the sum.
        weighted = tf.where(countable[:, None], values * weights[:, None], 0.0)
        self.total.assign_add(tf.cast(tf.reduce_sum(weighted, axis=0), self.dtype))
        self.count.assign_add(tf.cast(tf.fill([len(self._ks)], tf.reduce_sum(weights)), self.dtype))

    def result(self):
        total = tf.convert_to_tensor(self.total)
        count = tf.convert_to_tensor(self.count)
        # 0/0 -> 0.0 when nothing countable was seen; NaN totals still propagate.
        values = tf.where(count > 0, total / tf.where(count > 0, count, 1.0), tf.zeros_like(total))
        if not self._multi:
            return values[0]
        return {name: values[i] for i, name in enumerate(self.result_names())}

    def reset_state(self):
        for variable in self.variables:
            variable.assign(tf.zeros(variable.shape, variable.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(k=self.k, label_format=self.label_format, empty=self.empty, ties=self.ties, **self._options)
        return config


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionAtK(RankingMetric):
    """Precision@K: share of the top K ranked items that are relevant, averaged over lists.

    ``P@K = hits@K / K`` per list (trec_eval ``P_k``; the denominator stays K when a
    list is shorter), then a ``sample_weight``-weighted mean over lists, streamed over
    batches. Relevant means label > 0.

    NOTE: ``denominator="min_k_n"`` divides by min(K, valid items) like tf-ranking and
    keras-rs. Ties keep index order (``ties="first"``). Lists with no relevant item are
    left out of the mean by default (``empty="skip"``, as trec_eval); the result is 0.0
    until a countable list was seen. Unlike ``keras.metrics.Precision(top_k=K)``, which
    counts predicted positives over the whole batch, this is a per-list mean.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        denominator: ``"k"`` (default) or ``"min_k_n"``.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"``.
        name, dtype: as for any Keras metric; default name ``precision_at_{k}``.

    Example:

    >>> import tfrank
    >>> m = tfrank.PrecisionAtK(k=2)
    >>> m.update_state([[1., 0., 0., 1.], [0., 0., 1., 0.]], [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]])
    >>> float(m.result())
    0.5
    >>> m.name
    'precision_at_2'

    In a model: ``model.compile(optimizer="adam", loss="binary_crossentropy",
    metrics=[tfrank.PrecisionAtK(k=10)])`` logs ``precision_at_10`` and
    ``val_precision_at_10``.
    """

    base = "precision"


@keras.saving.register_keras_serializable(package="tfrank")
class RecallAtK(RankingMetric):
    """Recall@K: share of each list's relevant items found in its top K, averaged over lists.

    ``R@K = hits@K / n_rel`` per list (trec_eval ``recall_k``), n_rel counting relevant
    (label > 0) items that are neither padding nor masked, then a weighted mean over lists.

    NOTE: lists with no relevant item have no recall and are left out of the mean by
    default (``empty="skip"``); the result is 0.0 until a countable list was seen.
    Ties keep index order (``ties="first"``). Ids labels are never densified.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"``.
        name, dtype: as for any Keras metric; default name ``recall_at_{k}``.

    Example:

    >>> import tfrank
    >>> m = tfrank.RecallAtK(k=[1, 2])
    >>> m.update_state([[0, 3, -1], [2, -1, -1]], [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]])
    >>> {name: round(float(v), 3) for name, v in m.result().items()}
    {'recall_at_1': 0.25, 'recall_at_2': 0.75}

    In a model: ``model.compile(..., metrics=[tfrank.RecallAtK(k=10)])`` logs
    ``recall_at_10`` and ``val_recall_at_10``.
    """

    base = "recall"
