"""Metrics that weigh positions inside the top K: MRR@K, MAP@K, NDCG@K, DCG@K.

Each class only names its per-list definition (`tfrank.engine.definitions`); state, streaming
and the Keras contract come from `tfrank.metrics.RankingMetric`.
"""

import keras

from tfrank.metrics.base import RankingMetric


@keras.saving.register_keras_serializable(package="tfrank")
class MRRAtK(RankingMetric):
    """MRR@K: mean over lists of 1 / rank of the first relevant item, 0 if none is in the top K.

    Per list ``1 / rank_1`` when the first relevant item's rank is <= K, else 0; the
    uncut value (K >= N) is trec_eval's ``recip_rank``.

    NOTE: relevant means label > 0 (tf-ranking and keras-rs use label >= 1). Lists with
    no relevant item are left out of the mean by default (``empty="skip"``; keras-rs,
    tf-ranking, ranx and torchmetrics count them as 0: ``empty="zero"``).
    ``ties="expected"`` averages over the orderings of tied items exactly.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``mrr_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``mrr_at_{k}``.

    Example (list 0's first relevant item ranks 2nd, list 1's 1st: (1/2 + 1) / 2; with
    K = 1 list 0 gives 0):

    >>> import tfrank
    >>> m = tfrank.MRRAtK(k=[1, 3])
    >>> m.update_state([[1, 3], [0, -1]], [[0.9, 0.1, 0.8, 0.85], [0.9, 0.1, 0.8, 0.85]])
    >>> {name: float(v) for name, v in m.result().items()}
    {'mrr_at_1': 0.5, 'mrr_at_3': 0.75}

    In a model: ``model.compile(..., metrics=[tfrank.MRRAtK(k=10)])`` logs ``mrr_at_10``.
    """

    base = "mrr"


@keras.saving.register_keras_serializable(package="tfrank")
class MAPAtK(RankingMetric):
    """MAP@K: mean over lists of average precision at K.

    ``AP@K = sum_{i <= K, rel_i} P@i / Z`` per list, with ``normalizer`` choosing Z:
    ``"n_rel"`` (default; trec_eval ``map_cut_k``, ranx ``map@k``, tf-ranking,
    keras-rs), ``"min_k_n_rel"`` (min(K, n_rel): a perfect top K scores 1 even when
    n_rel > K), or ``"hits"`` (hits@K, 0 when no hit; torchmetrics ``RetrievalMAP``).

    NOTE: relevant means label > 0. Lists with no relevant item are left out of the mean
    by default (``empty="skip"``). ``ties="expected"`` is exact for every normalizer
    (with ``"hits"`` it conditions on how many relevant items the tie group at the
    cut-off puts above it).

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        normalizer: ``"n_rel"`` (default), ``"min_k_n_rel"`` or ``"hits"``.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``map_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``map_at_{k}``.

    Example (relevant items at ranks 1 and 3, three relevant in all: (1 + 2/3) / 3;
    ``normalizer="min_k_n_rel"`` divides by min(2, 3) at K = 2: 1 / 2):

    >>> import tfrank
    >>> y_pred = [[0.9, 0.8, 0.7, 0.6, 0.5]]
    >>> m = tfrank.MAPAtK(k=3)
    >>> m.update_state([[0, 2, 4]], y_pred)
    >>> round(float(m.result()), 4)
    0.5556
    >>> m = tfrank.MAPAtK(k=2, normalizer="min_k_n_rel")
    >>> m.update_state([[0, 2, 4]], y_pred)
    >>> float(m.result())
    0.5

    In a model: ``model.compile(..., metrics=[tfrank.MAPAtK(k=10)])`` logs ``map_at_10``.
    """

    base = "map"


@keras.saving.register_keras_serializable(package="tfrank")
class NDCGAtK(RankingMetric):
    """NDCG@K: DCG@K over the ideal DCG@K per list, averaged over lists.

    ``DCG@K = sum_{i <= K} g(rel_i) / log2(i + 1)``; the ideal DCG sorts every valid
    label of the list (not only the top K) descending. ``gain="exponential"`` (default,
    ``g = 2**rel - 1``: tf-ranking, keras-rs, ranx ``ndcg_burges``) or ``"linear"``
    (``g = rel``: trec_eval ``ndcg_cut``, ranx ``ndcg``, sklearn ``ndcg_score``,
    torchmetrics ``RetrievalNormalizedDCG``).

    NOTE: graded dense labels count with their grade; ids and class ids have rel = 1,
    where both gains agree. Lists with no relevant item (ideal DCG 0) are left out of
    the mean by default (``empty="skip"``; sklearn and the others count them as 0:
    ``empty="zero"``). sklearn and torchmetrics average tied scores: ``ties="expected"``.

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        gain: ``"exponential"`` (default), ``"linear"``, or a function of the labels
            registered with ``@keras.saving.register_keras_serializable()`` (relevant
            items only; the config holds its registered name).
        discount: ``"log2"`` (default, 1 / log2(r + 1)), ``"reciprocal"`` (1 / r), or a
            registered function of the 1-based ranks r.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``ndcg_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``ndcg_at_{k}``.

    Example (graded labels [3, 2, 0, 1]; the top 3 hold labels 2, 0, 1; the ideal
    top 3 is 3, 2, 1):

    >>> import tfrank
    >>> y_true, y_pred = [[3.0, 2.0, 0.0, 1.0]], [[0.1, 0.9, 0.5, 0.3]]
    >>> m = tfrank.NDCGAtK(k=3)
    >>> m.update_state(y_true, y_pred)
    >>> round(float(m.result()), 4)  # (3 + 1/2) / (7 + 3/log2(3) + 1/2)
    0.3726
    >>> m = tfrank.NDCGAtK(k=3, gain="linear")
    >>> m.update_state(y_true, y_pred)
    >>> round(float(m.result()), 4)  # (2 + 1/2) / (3 + 2/log2(3) + 1/2)
    0.525

    In a model: ``model.compile(..., metrics=[tfrank.NDCGAtK(k=10)])`` logs ``ndcg_at_10``.
    """

    base = "ndcg"


@keras.saving.register_keras_serializable(package="tfrank")
class DCGAtK(RankingMetric):
    """DCG@K: discounted cumulative gain of the top K per list, averaged over lists (not normalised).

    ``DCG@K = sum_{i <= K} g(rel_i) / log2(i + 1)`` with ``gain="exponential"``
    (default, ``2**rel - 1``) or ``"linear"`` (``rel``), as in `NDCGAtK`.

    NOTE: the value grows with the labels' scale and the list's number of relevant items;
    compare models on the same data only. Lists with no relevant item (DCG 0) are left
    out of the mean by default (``empty="skip"``; ``empty="zero"`` counts them).

    Args:
        k: cut-off, a positive int or a list of them (result: dict of log names).
        gain: ``"exponential"`` (default), ``"linear"``, or a function of the labels
            registered with ``@keras.saving.register_keras_serializable()`` (relevant
            items only; the config holds its registered name).
        discount: ``"log2"`` (default, 1 / log2(r + 1)), ``"reciprocal"`` (1 / r), or a
            registered function of the 1-based ranks r.
        label_format: None (from dtype/shape), ``"dense"`` or ``"ids"``.
        empty: ``"skip"`` (default), ``"zero"``, ``"one"`` or ``"error"``.
        ties: ``"first"`` (default) or ``"expected"``.
        empty_weight: ``"own"`` (default) or ``"batch_mean"`` (keras-rs, TF-Ranking): the
            weight of a list with no relevant item under ``empty="zero"``/``"one"`` (`tfrank.engine.weights`).
        stderr: True also logs ``dcg_at_{k}_stderr``, the standard error of the mean
            over lists (`RankingMetric`; NaN before two countable lists).
        name, dtype: as for any Keras metric; default name ``dcg_at_{k}``.

    Example (gains 3, 0, 1 at discounts 1, 1/log2(3), 1/2; linear: 2, 0, 1):

    >>> import tfrank
    >>> m = tfrank.DCGAtK(k=[1, 3], gain="linear")
    >>> m.update_state([[3.0, 2.0, 0.0, 1.0]], [[0.1, 0.9, 0.5, 0.3]])
    >>> {name: float(v) for name, v in m.result().items()}
    {'dcg_at_1': 2.0, 'dcg_at_3': 2.5}

    In a model: ``model.compile(..., metrics=[tfrank.DCGAtK(k=10)])`` logs ``dcg_at_10``.
    """

    base = "dcg"
