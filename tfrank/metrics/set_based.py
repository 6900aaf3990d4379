"""Metrics of the top-K *set* (the order inside the top K does not matter):
Precision@K, Recall@K, F1@K, HitRate@K, and R-precision (the top-R set, R = n_rel).

Each class only names its per-list definition (`tfrank.engine.definitions`); state, streaming
and the Keras contract come from `tfrank.metrics.RankingMetric`.
"""

from typing import Optional

import keras

from tfrank._types import Empty, EmptyWeight, LabelFormat, Ties
from tfrank.metrics.base import RankingMetric


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionAtK(RankingMetric):
    """Precision@K: share of the top K ranked items that are relevant, averaged over lists.

    ``P@K = hits@K / K`` per list (trec_eval ``P_k``; the denominator stays K when a
    list is shorter), then a ``sample_weight``-weighted mean over lists, streamed over
    batches. Relevant means label > 0.

    NOTE: ``denominator="min_k_n"`` divides by min(K, valid items) like tf-ranking and
    keras-rs. Ties keep index order by default (``ties="first"``). Lists with no relevant item are
    left out of the mean by default (``empty="skip"``, as trec_eval); the result is 0.0
    until a countable list was seen. Unlike ``keras.metrics.Precision(top_k=K)``, which
    counts predicted positives over the whole batch, this is a per-list mean.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        denominator: ``"k"`` (default) or ``"min_k_n"``.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"`` (mean over orderings of tied items).
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``precision_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
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
    Ties keep index order by default (``ties="first"``). Ids labels are never densified.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"`` (mean over orderings of tied items).
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``recall_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
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


@keras.saving.register_keras_serializable(package="tfrank")
class F1AtK(RankingMetric):
    """F1@K: harmonic mean of Precision@K and Recall@K per list, averaged over lists.

    ``F1@K = 2 P R / (P + R) = 2 hits@K / (K + n_rel)`` per list, 0 when hits@K = 0,
    with P = hits@K / K as in `PrecisionAtK` (K even for shorter lists; ranx ``f1@k``).

    NOTE: this is the mean of per-list F1 values, not the F1 of the mean precision and
    mean recall. Lists with no relevant item are left out of the mean by default
    (``empty="skip"``); ``ties="expected"`` uses the expected hits@K.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``f1_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``f1_at_{k}``.

    Example (list 0: 2 hits in the top 2 of 2 relevant: 4/4; list 1: 1 hit of 1: 2/3):

    >>> import tfrank
    >>> m = tfrank.F1AtK(k=2)
    >>> m.update_state([[0, 3], [2, -1]], [[0.9, 0.1, 0.2, 0.7], [0.1, 0.2, 0.3, 0.4]])
    >>> round(float(m.result()), 4)
    0.8333

    In a model: ``model.compile(..., metrics=[tfrank.F1AtK(k=10)])`` logs ``f1_at_10``.
    """

    base = "f1"


@keras.saving.register_keras_serializable(package="tfrank")
class HitRateAtK(RankingMetric):
    """HitRate@K: share of lists with at least one relevant item in their top K.

    Per list 1 if hits@K > 0 else 0 (trec_eval ``success_k``), then a weighted mean.
    For class ids it is top-K accuracy, like ``keras.metrics.SparseTopKCategoricalAccuracy``,
    except for ties: Keras counts a class tied across the cut-off as a hit; here
    ``ties="first"`` keeps index order and ``ties="expected"`` gives the probability
    that a relevant item makes the top K when tied items are ordered at random.

    NOTE: lists with no relevant item are left out of the mean by default (``empty="skip"``).

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``hit_rate_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``hit_rate_at_{k}``.

    Example (class ids: list 0's item 0 ranks first, list 1's item 2 second):

    >>> import tfrank
    >>> m = tfrank.HitRateAtK(k=[1, 2])
    >>> m.update_state([0, 2], [[0.9, 0.8, 0.1], [0.1, 0.2, 0.15]])
    >>> {name: float(v) for name, v in m.result().items()}
    {'hit_rate_at_1': 0.5, 'hit_rate_at_2': 1.0}

    In a model: ``model.compile(loss="sparse_categorical_crossentropy",
    metrics=[tfrank.HitRateAtK(k=5)])`` logs ``hit_rate_at_5``.
    """

    base = "hit_rate"


@keras.saving.register_keras_serializable(package="tfrank")
class RPrecision(RankingMetric):
    """R-precision: precision at R = n_rel, each list's own number of relevant items.

    ``hits@R / R`` per list (trec_eval ``Rprec``), then a weighted mean over lists. It
    takes no k; its log name is ``r_precision``.

    NOTE: because R varies per list while XLA needs static shapes, the whole list is
    ranked (a full sort, O(N log N) per list, in place of a top-K, and ``[B, N]``
    ranked labels) and hits are read at each list's R. Lists with no relevant item are
    left out of the mean by default (``empty="skip"``); ``ties="expected"`` uses the
    expected hits@R.

    Args:
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``r_precision_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``r_precision``.

    Example (list 0: R = 2, one of them in the top 2; list 1: R = 1, ranked first):

    >>> import tfrank
    >>> m = tfrank.RPrecision()
    >>> m.update_state([[0, 3], [3, -1]], [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]])
    >>> float(m.result())
    0.75

    In a model: ``model.compile(..., metrics=[tfrank.RPrecision()])`` logs ``r_precision``.
    """

    base = "r_precision"

    def __init__(self, *, name: Optional[str] = None, dtype: Optional[str] = None, label_format: LabelFormat = None,
                 empty: Empty = "skip", ties: Ties = "first", empty_weight: EmptyWeight = "own",
                 stderr: bool = False) -> None:
        policies = (empty, ties, empty_weight)
        self._setup([self.base], None, (None,), {}, name, self.base, dtype, label_format, policies, False, stderr=stderr)

    def get_config(self):
        config = super().get_config()
        del config["k"]
        return config
