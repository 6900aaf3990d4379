"""Streaming Keras 3 metrics: thin wrappers over `tfrank.engine`.

State is a weighted sum of per-list values and a weight total, one entry per log name,
both created with ``aggregation="sum"`` so that replicas add up under
``tf.distribute``. ``result()`` is their ratio, 0.0 before any countable list. With
``stderr=True`` six more sums per log name give the standard error of that mean
(`tfrank.metrics.moments`).
The classes themselves live in `tfrank.metrics.set_based` (P, R, F1, HitRate, R-precision)
and `tfrank.metrics.rank_based` (MRR, MAP, NDCG, DCG); `RankingMetrics` computes several at once.
"""

from typing import Optional, Sequence

import keras
import tensorflow as tf

from tfrank import engine
from tfrank.engine import validation
from tfrank.metrics import moments
from tfrank._types import K, Empty, EmptyWeight, LabelFormat, TensorLike, Ties


class RankingMetric(keras.metrics.Metric):
    """Base class: subclasses set ``base`` (the per-list definition's name) and nothing else.

    Args:
        k: a positive int, or a list of them (the result is then a dict keyed by log name).
        name: log name; default ``f"{base}_at_{k}"`` (``"precision_at_10"``), or
            ``f"{base}_at_k"`` for a list of k, whose result keys replace the trailing
            ``k`` with each value.
        label_format, empty, ties, and the metric's own options: as in `tfrank.ops`.
        empty_weight: ``"own"`` (default): a list with no relevant item weighs its own
            weight; ``"batch_mean"``: the mean weight of the batch's lists that have a
            relevant item (keras-rs, TF-Ranking; needs ``empty="zero"`` or ``"one"``).
        stderr: False (default) or True: ``result()`` is then a dict holding every log
            name and, after each, ``{log name}_stderr``, the standard error of that mean
            over lists (below); `stderr_names` lists those names.
        dtype: dtype of the state and result (default float32).

    ``update_state(y_true, y_pred, sample_weight=None, mask=None)``: ``sample_weight`` is
    one weight per list (a scalar, ``[B]`` or ``[B, 1]``) or one per item (``[B, N]``,
    keras-rs' and TF-Ranking's definition, `tfrank.engine.weights`: an item of weight 0 is
    excluded, a list weighs the mean weight of its relevant items, and AP, DCG and NDCG
    weigh each item).

    Standard error (``stderr=True``), over the n lists that count (weight w_i > 0; a
    list skipped by ``empty="skip"`` does not count), x_i their values and m the mean::

        SE = sqrt(n / (n - 1) * sum w^2 (x - m)^2) / sum w

    the linearised standard error of a weighted mean; with unit weights s / sqrt(n),
    ``scipy.stats.sem``. w is the list's weight in the mean: its ``sample_weight``, or
    for per-item weights the list weight derived from them. It is streamed in the same
    pass from six float64 sums per log name, additive like the rest of the state (so
    ``MirroredStrategy``, multi-worker training and XLA work unchanged; TensorFlow has
    no float64 on TPUs).

    NOTE: before two countable lists the standard error is NaN (``scipy.stats.sem`` of
    one value), while the mean follows its own rule (0.0 before any countable list). A
    NaN score poisons its list and makes both NaN.

    Example (P@1 of three lists: 1, 0, 1; s = sqrt(1/3), SE = s / sqrt(3)):

    >>> import tfrank
    >>> m = tfrank.PrecisionAtK(k=1, stderr=True)
    >>> m.update_state([[1., 0.], [0., 1.], [1., 0.]], [[0.9, 0.1], [0.8, 0.2], [0.7, 0.3]])
    >>> {name: round(float(v), 4) for name, v in m.result().items()}
    {'precision_at_1': 0.6667, 'precision_at_1_stderr': 0.3333}

    In a model, ``model.compile(..., metrics=[tfrank.PrecisionAtK(k=10, stderr=True)])``
    logs ``precision_at_10``, ``precision_at_10_stderr``, ``val_precision_at_10`` and
    ``val_precision_at_10_stderr``; ``tfrank.objective("val_precision_at_10")`` still
    selects on the mean.
    """

    base = None
    direction = "max"  # informational: keras-tuner 1.4 never reads it; use tfrank.objective(name)

    def __init__(self, k: K = 10, *, name: Optional[str] = None, dtype: Optional[str] = None,
                 label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
                 empty_weight: EmptyWeight = "own", stderr: bool = False, **options: object) -> None:
        ks = validation.check_k(k)
        multi = isinstance(k, (list, tuple))
        default = f"{self.base}_at_k" if multi else f"{self.base}_at_{ks[0]}"
        policies = (empty, ties, empty_weight)
        self._setup([self.base], k, ks, options, name, default, dtype, label_format, policies, multi, stderr=stderr)

    def _setup(self, metrics, k, ks, options, name, default, dtype, label_format, policies, multi, *, stderr=False):
        """Checks everything, then creates the state: one (total, count) entry per log name,
        and with ``stderr`` the ``[6, C]`` float64 sums of `tfrank.metrics.moments`.

        ``policies``: ``(empty, ties, empty_weight)``.
        """
        empty, ties, empty_weight = policies
        self.stderr = validation.check_bool("stderr", stderr)
        self._requests = engine.plan(metrics, ks, options, empty=empty, ties=ties, empty_weight=empty_weight)
        validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
        if name is not None and not isinstance(name, str):
            raise validation.invalid("name", name, "a str or None", TypeError)
        super().__init__(name=name or default, dtype=dtype or "float32")
        # The config names a function option by its registered name (checked by plan).
        self._options = {name: validation.function_name(v) if callable(v) else v for name, v in options.items()}
        self._k, self._multi = k, multi
        self.label_format, self.empty, self.ties, self.empty_weight = label_format, empty, ties, empty_weight
        size = (len(engine.log_names(self._requests)),)
        self.total = self.add_variable(shape=size, initializer="zeros", aggregation="sum", name="total")
        self.count = self.add_variable(shape=size, initializer="zeros", aggregation="sum", name="count")
        if self.stderr:
            sums = (len(moments.SUMS),) + size
            self.sums = self.add_variable(shape=sums, initializer="zeros", dtype="float64", aggregation="sum", name="stderr_sums")

    @property
    def k(self):
        return list(self._k) if isinstance(self._k, (list, tuple)) else self._k

    def result_names(self):
        """The log names this metric reports (one per k)."""
        if not self._multi:
            return [self.name]
        stem = self.name[: -len("_at_k")] if self.name.endswith("_at_k") else self.name
        return [f"{stem}_at_{k}" for k in self.k]

    def stderr_names(self):
        """The log names of the standard errors, ``{log name}_stderr`` for each of
        `result_names`; empty unless the metric was built with ``stderr=True``."""
        return [f"{name}_stderr" for name in self.result_names()] if self.stderr else []

    def update_state(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Optional[TensorLike] = None,
                     mask: Optional[TensorLike] = None) -> None:
        self._accumulate(*self.per_list(y_true, y_pred, sample_weight, mask=mask))

    def per_list(self, y_true: TensorLike, y_pred: TensorLike, sample_weight: Optional[TensorLike] = None,
                 mask: Optional[TensorLike] = None):
        """``(values, weights)``, both ``[B, C]`` float32, one column per name of `result_names`:
        each list's value and its weight in the mean (0 where the list does not count, e.g.
        a list with no relevant item under ``empty="skip"``). What `update_state` adds to
        the state, without touching it (`tfrank.stats.per_list` reads it)."""
        return engine.weighted(
            self._requests,
            y_true,
            y_pred,
            sample_weight,
            mask=mask,
            label_format=self.label_format,
            empty=self.empty,
            ties=self.ties,
            empty_weight=self.empty_weight,
        )

    def _accumulate(self, values, weights):
        """Adds per-list ``values`` with their ``weights`` (both ``[B, C]``, weight 0 where a
        list does not count) to the state."""
        self.total.assign_add(tf.cast(tf.reduce_sum(values * weights, axis=0), self.dtype))
        self.count.assign_add(tf.cast(tf.reduce_sum(weights, axis=0), self.dtype))
        if self.stderr:
            self.sums.assign_add(moments.batch_sums(values, weights))

    def result(self):
        total = tf.convert_to_tensor(self.total)
        count = tf.convert_to_tensor(self.count)
        # 0/0 -> 0.0 when nothing countable was seen; a NaN total or count still propagates.
        values = tf.math.divide_no_nan(total, count)
        if self.stderr:
            errors = tf.cast(moments.standard_error(self.sums), self.dtype)
            out = {}
            for i, (name, error_name) in enumerate(zip(self.result_names(), self.stderr_names())):
                out[name], out[error_name] = values[i], errors[i]
            return out
        if not self._multi:
            return values[0]
        return {name: values[i] for i, name in enumerate(self.result_names())}

    def reset_state(self):
        for variable in self.variables:
            variable.assign(tf.zeros(variable.shape, variable.dtype))

    def get_config(self):
        config = super().get_config()
        config.update(k=self.k, label_format=self.label_format, empty=self.empty, ties=self.ties, **self._options)
        config["empty_weight"] = self.empty_weight
        config["stderr"] = self.stderr
        return config


@keras.saving.register_keras_serializable(package="tfrank")
class RankingMetrics(RankingMetric):
    """Several ranking metrics from one ``top_k``: the result is a dict keyed by log name.

    ``RankingMetrics(k=[5, 10], metrics=["precision", "recall", "ndcg"])`` logs
    ``precision_at_5``, ``precision_at_10``, ``recall_at_5``, ..., ``ndcg_at_10``, the same
    values as the separate classes, from one ranking of each batch instead of one per
    metric. Each value is a ``sample_weight``-weighted mean over lists, streamed.

    NOTE: the options ``denominator`` (precision), ``normalizer`` (map), ``gain`` and
    ``discount`` (ndcg and dcg) go to every requested metric that takes them; an option that no
    requested metric takes is an error, as is an unknown metric name. ``"r_precision"``
    has no k (log name ``r_precision``) and makes the ranking cover the whole list. The
    empty-list policy and ``ties`` apply to all; a metric that has seen no countable list
    reports 0.0.

    Args:
        k: cut-off, a positive int or a list of them.
        metrics: names from ``"precision"``, ``"recall"``, ``"f1"``, ``"hit_rate"``,
            ``"mrr"``, ``"map"``, ``"ndcg"``, ``"dcg"``, ``"r_precision"``.
        name: default ``"ranking_metrics"``; any other name prefixes every log name
            (``name="items"`` logs ``items_precision_at_5``, ...).
        stderr: True adds ``{log name}_stderr`` after each log name, the standard error
            of that mean over lists (`RankingMetric`): ``precision_at_5_stderr``, ...
        label_format, empty, ties, empty_weight, dtype, and the options above: as in
            `tfrank.ops` and `RankingMetric`.

    Example:

    >>> import tfrank
    >>> m = tfrank.RankingMetrics(k=[1, 2], metrics=["precision", "ndcg"], gain="linear")
    >>> m.update_state([[0, 3], [2, -1]], [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]])
    >>> {name: round(float(v), 4) for name, v in m.result().items()}
    {'precision_at_1': 0.5, 'precision_at_2': 0.5, 'ndcg_at_1': 0.5, 'ndcg_at_2': 0.622}

    (NDCG@2: list 0 has its hits at ranks 1 and 3, 1 / (1 + 1/log2(3)) = 0.613; list 1
    at rank 2, (1/log2(3)) / 1 = 0.631.)

    In a model: ``model.compile(..., metrics=[tfrank.RankingMetrics(k=[5, 10],
    metrics=["precision", "recall", "ndcg"])])`` logs ``val_ndcg_at_10`` among others,
    for ``tfrank.objective("val_ndcg_at_10")``.
    """

    def __init__(
        self,
        k: K = 10,
        metrics: Sequence[str] = ("precision", "recall", "ndcg"),
        *,
        name: Optional[str] = None,
        dtype: Optional[str] = None,
        label_format: LabelFormat = None,
        empty: Empty = "skip",
        ties: Ties = "first",
        empty_weight: EmptyWeight = "own",
        stderr: bool = False,
        **options: object,
    ) -> None:
        ks = validation.check_k(k)
        self._metric_names = validation.check_metrics(metrics, engine.METRICS)
        policies = (empty, ties, empty_weight)
        self._setup(metrics, k, ks, options, name, "ranking_metrics", dtype, label_format, policies, True, stderr=stderr)

    def result_names(self):
        names = engine.log_names(self._requests)
        return names if self.name == "ranking_metrics" else [f"{self.name}_{name}" for name in names]

    def get_config(self):
        return {**super().get_config(), "metrics": list(self._metric_names)}
