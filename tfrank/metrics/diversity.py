"""Diversity metrics over subtopic labels: alpha-DCG@K and Precision-IA@K.

Each class only names its per-list definition (`tfrank.engine.diversity`, which also says
how subtopic labels ``[B, N, S]`` and their padding are read); state, streaming and the
Keras contract come from `tfrank.metrics.RankingMetric`.
"""

import keras

from tfrank.metrics.base import RankingMetric


@keras.saving.register_keras_serializable(package="tfrank")
class AlphaDCGAtK(RankingMetric):
    """alpha-DCG@K: DCG that rewards covering new subtopics, averaged over lists.

    ``alpha-DCG@K = sum_{i <= K} d(i) sum_t y_it (1 - alpha)^(sum_{j < i} y_jt)`` per list
    (Clarke et al., SIGIR 2008; TF-Ranking ``tfr.keras.metrics.AlphaDCGMetric``):
    each time a subtopic was covered above rank i, its gain at i shrinks by (1 - alpha).
    d(i) = 1 / log2(i + 1) by default. Not normalised (ndeval's ``alpha-DCG@K`` divides by
    S_rel * sum_{i <= K} (1 - alpha)^(i - 1) d(i), its "ideal ideal" gain).

    NOTE: ``y_true`` holds subtopic labels ``[B, N, S]``: ``y[b, i, t]`` > 0 when item i
    is relevant to subtopic t (a graded value counts with its value, as in TF-Ranking);
    a negative entry is a subtopic the list does not have, and an item whose S entries
    are all negative is padding. ``[B, N]`` labels, ids and class ids are one subtopic.
    Per-item weights: ``sum_i w_i ... / w_list``, as for `DCGAtK`. ``ties="expected"`` is
    not supported (alpha-DCG is not linear in the ranked gains). Lists with no item
    relevant to any subtopic are left out by default (``empty="skip"``).

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None or ``"dense"`` (and ``"ids"`` for one subtopic given as ids).
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` only.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"``.
        stderr: True also logs ``alpha_dcg_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name: the log name; default ``alpha_dcg_at_{k}``.
        dtype: of the state and the result; default float32.

    Keyword Args:
        alpha: a float in [0, 1] (default 0.5, as TF-Ranking and ndeval).
        discount: ``"log2"`` (default), ``"reciprocal"``, or a registered function of the
            1-based ranks (as for `DCGAtK`).

    Example (ranked: item 0 covers subtopic 1, item 2 both (subtopic 1 again, gain
    1 + 1/2), item 1 subtopic 0 again (1/2): 1 + 1.5 / log2(3) + 0.5 / log2(4)):

    >>> import tfrank
    >>> m = tfrank.AlphaDCGAtK(k=[1, 3])
    >>> m.update_state([[[0, 1], [1, 0], [1, 1]]], [[3.0, 1.0, 2.0]])
    >>> {name: round(float(v), 4) for name, v in m.result().items()}
    {'alpha_dcg_at_1': 1.0, 'alpha_dcg_at_3': 2.1964}

    In a model: ``model.compile(..., metrics=[tfrank.AlphaDCGAtK(k=10)])`` logs ``alpha_dcg_at_10``.
    """

    base = "alpha_dcg"


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionIAAtK(RankingMetric):
    """Precision-IA@K: intent-aware precision, Precision@K per subtopic averaged over the list's subtopics.

    ``P-IA@K = sum_t sum_{i <= K} [y_it > 0] / (K * S_rel)`` per list, S_rel the subtopics
    with a relevant valid item (Agrawal et al., WSDM 2009, with uniform subtopic
    probabilities; the TREC 2009 Web track; ndeval ``P-IA@K``). ``denominator="min_k_n"``
    divides by min(K, valid items) * S_rel, as TF-Ranking's
    ``tfr.keras.metrics.PrecisionIAMetric`` does.

    NOTE: subtopic labels as in `AlphaDCGAtK`; a label counts when > 0 (TF-Ranking: >= 1).
    ``[B, N]`` labels, ids and class ids are one subtopic (P-IA is then Precision@K).
    ``ties="expected"`` averages over the orderings of tied items exactly. Lists with no
    relevant item are left out by default (``empty="skip"``).

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None or ``"dense"`` (and ``"ids"`` for one subtopic given as ids).
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"``.
        stderr: True also logs ``precision_ia_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name: the log name; default ``precision_ia_at_{k}``.
        dtype: of the state and the result; default float32.

    Keyword Args:
        denominator: ``"k"`` (default) or ``"min_k_n"`` (TF-Ranking's).

    Example (two subtopics; the top 1 covers one, the top 3 cover 4 of the 6
    (item, subtopic) pairs):

    >>> import tfrank
    >>> m = tfrank.PrecisionIAAtK(k=[1, 3])
    >>> m.update_state([[[0, 1], [1, 0], [1, 1]]], [[3.0, 1.0, 2.0]])
    >>> {name: round(float(v), 4) for name, v in m.result().items()}
    {'precision_ia_at_1': 0.5, 'precision_ia_at_3': 0.6667}

    In a model: ``model.compile(..., metrics=[tfrank.PrecisionIAAtK(k=10)])`` logs ``precision_ia_at_10``.
    """

    base = "precision_ia"
