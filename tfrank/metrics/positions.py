"""Metrics over the whole ranking of a list: ARP (average relevance position) and OPA (ordered pair accuracy).

Each class only names its per-list definition (`tfrank.engine.positions`); state, streaming
and the Keras contract come from `tfrank.metrics.RankingMetric`. Neither takes a k.
"""

from typing import Literal, Optional

import keras

from tfrank._types import Empty, EmptyWeight, LabelFormat, Ties
from tfrank.metrics.base import RankingMetric

Average = Literal["macro", "micro"]


def _init_whole_list(self, average, name, dtype, label_format, empty, ties, empty_weight, stderr):
    """The state of a metric without k, with the ``average`` option (ARP and OPA share it)."""
    policies = (empty, ties, empty_weight)
    self._setup([self.base], None, (None,), {"average": average}, name, self.base, dtype, label_format, policies, False,
                stderr=stderr)


def _get_config(self):
    config = RankingMetric.get_config(self)
    del config["k"]
    return config


@keras.saving.register_keras_serializable(package="tfrank")
class ARP(RankingMetric):
    """ARP: average relevance position, the mean rank of a list's relevance (lower is better).

    Per list ``ARP = sum_i rank_i y_i / sum_i y_i`` over its valid items, rank 1 the best
    (TF-Ranking ``tfr.keras.metrics.ARPMetric``): graded labels weigh their item's rank,
    ids and class ids weigh 1 (the mean rank of the relevant items). Per-item weights:
    ``sum_i rank_i y_i w_i / sum_i y_i w_i``. Its log name is ``arp``; ``direction = "min"``
    (``tfrank.objective("val_arp")`` minimises it; Keras callbacks with ``mode="auto"`` too).

    NOTE: ``average="macro"`` (default) is the weighted mean over lists of each list's
    ARP; ``"micro"`` weighs each list by its relevance ``sum_i y_i w_i`` (times its
    per-list weight), TF-Ranking's mean: the mean rank of a unit of relevance over the
    whole data. The whole list is ranked (a full sort, as for `RPrecision`).
    ``ties="expected"`` gives tied items their expected rank (exact); TF-Ranking breaks
    ties at random. Lists with no relevant item are left out by default (``empty="skip"``;
    ``"zero"`` would count them as a perfect 0).

    Args:
        average: ``"macro"`` (default) or ``"micro"``.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (`tfrank.engine.weights`;
            ``average="micro"`` ignores it: a list without relevance weighs 0).
        stderr: True also logs ``arp_stderr``, the standard error of the mean (`RankingMetric`;
            under ``average="micro"`` each list weighs its mass; NaN before two countable lists).
        name: the log name; default ``arp``.
        dtype: of the state and the result; default float32.

    Example (list 0: relevant items ranked 2nd and 3rd, ARP 2.5; list 1: label 2 ranked
    1st and label 1 2nd, (2 * 1 + 1 * 2) / 3; the micro mean weighs them 2 and 3):

    >>> import tfrank
    >>> y_true, y_pred = [[0.0, 1.0, 1.0], [0.0, 1.0, 2.0]], [[3.0, 1.0, 2.0], [1.0, 2.0, 3.0]]
    >>> m = tfrank.ARP()
    >>> m.update_state(y_true, y_pred)
    >>> round(float(m.result()), 4)  # (2.5 + 4 / 3) / 2
    1.9167
    >>> m = tfrank.ARP(average="micro")
    >>> m.update_state(y_true, y_pred)
    >>> float(m.result())  # (2.5 * 2 + 4) / (2 + 3)
    1.8

    In a model: ``model.compile(..., metrics=[tfrank.ARP()])`` logs ``arp``, for
    ``tfrank.objective("val_arp")`` (direction "min").
    """

    base = "arp"
    direction = "min"
    _direction = "down"  # what Keras' EarlyStopping / ModelCheckpoint read with mode="auto"

    def __init__(self, *, average: Average = "macro", name: Optional[str] = None, dtype: Optional[str] = None,
                 label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
                 empty_weight: EmptyWeight = "own", stderr: bool = False) -> None:
        _init_whole_list(self, average, name, dtype, label_format, empty, ties, empty_weight, stderr)

    get_config = _get_config


@keras.saving.register_keras_serializable(package="tfrank")
class OPA(RankingMetric):
    """OPA: ordered pair accuracy, the share of pairs y_i > y_j that the ranking puts in that order.

    Per list ``OPA = #{i, j: y_i > y_j, i ranked above j} / #{i, j: y_i > y_j}`` over its
    valid items (TF-Ranking ``tfr.keras.metrics.OPAMetric``); per-item weights weigh each
    pair by w_i, the more relevant item's weight. For binary labels and
    ``ties="expected"`` it is each list's ROC AUC. Log name ``opa``.

    NOTE: ``average="macro"`` (default) is the weighted mean over lists; ``"micro"``
    weighs each list by its number of pairs (sum of w_i over them), TF-Ranking's mean
    over all pairs. Tied scores: ``ties="first"`` orders them by index, ``"expected"``
    counts a tied pair 1/2; TF-Ranking counts it as wrong. Dense labels compare all
    pairs, ``B N^2`` values (off XLA a ``[B, N, N]`` float32 tensor: 400 MB at B = 100,
    N = 1,000); ids cost O(N) per list after the sort. A list without two valid items of
    different labels has no pair and is left out by default (``empty="skip"``).

    Args:
        average: ``"macro"`` (default) or ``"micro"``.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (``average="micro"`` ignores it).
        stderr: True also logs ``opa_stderr``, the standard error of the mean (`RankingMetric`;
            under ``average="micro"`` each list weighs its pairs; NaN before two countable lists).
        name: the log name; default ``opa``.
        dtype: of the state and the result; default float32.

    Example (list 0: of the pairs 1 > 0, 2 > 0, 2 > 1 only the last is in order;
    list 1: both pairs are):

    >>> import tfrank
    >>> y_true, y_pred = [[0.0, 1.0, 2.0], [1.0, 0.0, 0.0]], [[3.0, 1.0, 2.0], [0.9, 0.1, 0.2]]
    >>> m = tfrank.OPA()
    >>> m.update_state(y_true, y_pred)
    >>> round(float(m.result()), 4)  # (1/3 + 1) / 2
    0.6667
    >>> m = tfrank.OPA(average="micro")
    >>> m.update_state(y_true, y_pred)
    >>> float(m.result())  # (1 + 2) / (3 + 2)
    0.6

    In a model: ``model.compile(..., metrics=[tfrank.OPA()])`` logs ``opa``.
    """

    base = "opa"

    def __init__(self, *, average: Average = "macro", name: Optional[str] = None, dtype: Optional[str] = None,
                 label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
                 empty_weight: EmptyWeight = "own", stderr: bool = False) -> None:
        _init_whole_list(self, average, name, dtype, label_format, empty, ties, empty_weight, stderr)

    get_config = _get_config
