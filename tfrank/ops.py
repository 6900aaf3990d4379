"""Functional metrics: pure TF, no state, per-list values.

Each function takes ``y_true, y_pred, k`` (Keras names) and keyword-only options and
returns the per-list values ``[B]`` (float32) for an int k, or a dict of them keyed by
log name (``{"precision_at_5": ..., "precision_at_10": ...}``) for a list of k.
Lists with no relevant item follow ``empty``: ``"skip"`` marks them NaN (left out of a
mean, as trec_eval does), ``"zero"``/``"one"`` give that value, ``"error"`` raises.
A list in which a valid item scores NaN gives NaN. ``ties="expected"`` gives the exact
mean over every ordering of tied items (McSherry & Najork, ECIR 2008; `tfrank.engine.ties`).
"""

from typing import Dict, Literal, Optional, Sequence

import tensorflow as tf

from tfrank import engine
from tfrank.engine import validation
from tfrank._types import K, Discount, Empty, Gain, LabelFormat, PerList, TensorLike, Ties
from tfrank.ops_extended import alpha_dcg_at_k, arp, opa, precision_ia_at_k  # noqa: F401  (ARP, OPA, diversity)


def _public(metric, y_true, y_pred, k, mask, label_format, empty, ties, sample_weight=None, **options):
    ks = (None,) if k is None else validation.check_k(k)
    requests = engine.plan([metric], ks, options, empty=empty, ties=ties)
    return engine.per_list(requests, y_true, y_pred, as_dict=isinstance(k, (list, tuple)), mask=mask,
                           label_format=label_format, empty=empty, ties=ties, sample_weight=sample_weight)


# === Public functions ===


def precision_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, denominator: Literal["k", "min_k_n"] = "k", empty: Empty = "skip",
    ties: Ties = "first",
) -> PerList:
    """Per-list Precision@K: relevant items among the top K, divided by K.

    ``P@K = hits@K / K`` (trec_eval ``P_k``: the denominator stays K when a list has
    fewer than K items). ``denominator="min_k_n"`` divides by min(K, valid items)
    instead, as tf-ranking and keras-rs do. Relevant means label > 0.

    Args:
        y_true: dense labels ``[B, N]`` (negative = padding), relevant ids ``[B, R]``
            padded with -1 (or a RaggedTensor), class ids ``[B]``/``[B, 1]``, or a dict
            ``{"labels": ..., "mask": ...}``.
        y_pred: scores ``[B, N]``, higher ranks first.
        k: a positive int, or a list of them (then a dict of values is returned).
        mask: optional bool ``[B, N]``; False items are excluded like padding.
        sample_weight: optional per-item weights ``[B, N]`` (`tfrank.engine.weights`, keras-rs'
            definition): an item of weight 0 is excluded; AP, DCG and NDCG weigh each item.
            Per-list weights weigh a mean over lists: pass them to the Keras metric.
        label_format: None (resolve from dtype and shape), ``"dense"`` or ``"ids"``.
        denominator: ``"k"`` (default) or ``"min_k_n"``.
        empty: lists with no relevant item: ``"skip"`` (NaN), ``"zero"``, ``"one"``, ``"error"``.
        ties: ``"first"``: equal scores keep index order (``tf.math.top_k``'s order);
            ``"expected"``: the mean over every ordering of tied items.

    Returns:
        ``[B]`` float32 per-list values, or a dict of them keyed by log name.

    Example:

    >>> import tfrank
    >>> y_true = [[1, 0, 0, 1], [0, 0, 1, 0]]
    >>> y_pred = [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]]
    >>> tfrank.ops.precision_at_k(y_true, y_pred, k=2, label_format="dense").numpy()
    array([0.5, 0.5], dtype=float32)
    """
    options = {"sample_weight": sample_weight, "denominator": denominator}
    return _public("precision", y_true, y_pred, k, mask, label_format, empty, ties, **options)


def recall_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list Recall@K: share of a list's relevant items found in its top K.

    ``R@K = hits@K / n_rel`` (trec_eval ``recall_k``), where n_rel counts the list's
    relevant (label > 0), non-padding, unmasked items. Lists with n_rel = 0 follow
    ``empty`` (default ``"skip"``: NaN here, left out of the Keras metric's mean).

    The arguments are those of `precision_at_k`.

    Returns:
        ``[B]`` float32 per-list values, or a dict of them keyed by log name.

    Example:

    >>> import tfrank
    >>> relevant_ids = [[0, 3, -1], [2, -1, -1]]
    >>> y_pred = [[0.9, 0.8, 0.1, 0.7], [0.1, 0.2, 0.3, 0.4]]
    >>> tfrank.ops.recall_at_k(relevant_ids, y_pred, k=[1, 2])["recall_at_2"].numpy()
    array([0.5, 1. ], dtype=float32)
    """
    return _public("recall", y_true, y_pred, k, mask, label_format, empty, ties, sample_weight=sample_weight)


def f1_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list F1@K: harmonic mean of Precision@K and Recall@K.

    ``F1@K = 2 P R / (P + R) = 2 hits@K / (K + n_rel)``, 0 when hits@K = 0, with
    P = hits@K / K (K even when the list is shorter, as ranx ``f1@k``).

    The arguments are those of `precision_at_k`.

    Example (2 of the 3 relevant items in the top 2: 2 * 2 / (2 + 3)):

    >>> import tfrank
    >>> tfrank.ops.f1_at_k([[0, 1, 3]], [[0.9, 0.8, 0.1, 0.7]], k=2).numpy()
    array([0.8], dtype=float32)
    """
    return _public("f1", y_true, y_pred, k, mask, label_format, empty, ties, sample_weight=sample_weight)


def hit_rate_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list HitRate@K: 1 if a relevant item is in the top K, else 0.

    trec_eval ``success_k``. With ``ties="expected"`` it is the probability that a
    relevant item makes the top K when tied items are ordered at random.

    The arguments are those of `precision_at_k`.

    Example (class ids; list 1's item 2 is ranked second; with all scores tied, the
    one relevant item of four is in the top 1 with probability 1/4):

    >>> import tfrank
    >>> tfrank.ops.hit_rate_at_k([0, 2], [[0.9, 0.8, 0.1], [0.1, 0.2, 0.15]], k=1).numpy()
    array([1., 0.], dtype=float32)
    >>> tfrank.ops.hit_rate_at_k([3], [[0.5, 0.5, 0.5, 0.5]], k=1, ties="expected").numpy()
    array([0.25], dtype=float32)
    """
    return _public("hit_rate", y_true, y_pred, k, mask, label_format, empty, ties, sample_weight=sample_weight)


def mrr_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list reciprocal rank at K: 1 / rank of the first relevant item if it is in the top K, else 0.

    trec_eval ``recip_rank`` is the uncut value (K >= N); the mean over lists is MRR.

    The arguments are those of `precision_at_k`.

    Example (the first relevant item, 3, is ranked second):

    >>> import tfrank
    >>> values = tfrank.ops.mrr_at_k([[1, 3]], [[0.9, 0.1, 0.8, 0.85]], k=[1, 3])
    >>> {name: float(v[0]) for name, v in values.items()}
    {'mrr_at_1': 0.0, 'mrr_at_3': 0.5}
    """
    return _public("mrr", y_true, y_pred, k, mask, label_format, empty, ties, sample_weight=sample_weight)


def map_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, normalizer: Literal["n_rel", "min_k_n_rel", "hits"] = "n_rel",
    empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list average precision at K: the sum of P@i over relevant ranks i <= K, normalised.

    ``AP@K = sum_{i <= K, rel_i} P@i / Z``; the mean over lists is MAP@K.
    ``normalizer="n_rel"`` (default): Z = n_rel (trec_eval ``map_cut_k``, ranx ``map@k``,
    tf-ranking, keras-rs); ``"min_k_n_rel"``: Z = min(K, n_rel); ``"hits"``: Z = hits@K,
    0 when no hit (torchmetrics ``RetrievalMAP(top_k=K)``).

    The other arguments are those of `precision_at_k`.

    Args:
        normalizer: ``"n_rel"``, ``"min_k_n_rel"`` or ``"hits"``.

    Example (relevant items at ranks 1 and 3 of 3 relevant: (1/1 + 2/3) / 3; by hits@3 = 2: / 2):

    >>> import tfrank
    >>> y_pred = [[0.9, 0.8, 0.7, 0.6, 0.5]]
    >>> round(float(tfrank.ops.map_at_k([[0, 2, 4]], y_pred, k=3)[0]), 4)
    0.5556
    >>> round(float(tfrank.ops.map_at_k([[0, 2, 4]], y_pred, k=3, normalizer="hits")[0]), 4)
    0.8333
    """
    options = {"sample_weight": sample_weight, "normalizer": normalizer}
    return _public("map", y_true, y_pred, k, mask, label_format, empty, ties, **options)


def ndcg_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, gain: Gain = "exponential", discount: Discount = "log2",
    empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list NDCG@K: DCG@K divided by the DCG@K of the ideal ordering of the list's labels.

    ``DCG@K = sum_{i <= K} g(rel_i) / log2(i + 1)``, ``g = 2**rel - 1`` (``"exponential"``,
    Burges et al. 2005: tf-ranking, keras-rs, ranx ``ndcg_burges``) or ``g = rel``
    (``"linear"``: trec_eval ``ndcg_cut``, ranx ``ndcg``, sklearn, torchmetrics). The ideal
    ordering sorts every valid label of the list, not only those in the top K. Graded
    labels count here; ids and class ids have rel = 1.

    The other arguments are those of `precision_at_k`.

    Args:
        gain: ``"exponential"`` (default), ``"linear"``, or a function of the labels
            registered with ``@keras.saving.register_keras_serializable()`` (or its
            registered name); it is applied to relevant items only (label <= 0 gains 0).
        discount: ``"log2"`` (default, 1 / log2(r + 1)), ``"reciprocal"`` (1 / r), or a
            registered function of the 1-based ranks r (float32 ``[K]``).

    Example (graded labels [3, 2, 0, 1]; the top 3 hold labels 2, 0, 1):

    >>> import tfrank
    >>> y_true, y_pred = [[3.0, 2.0, 0.0, 1.0]], [[0.1, 0.9, 0.5, 0.3]]
    >>> round(float(tfrank.ops.ndcg_at_k(y_true, y_pred, k=3)[0]), 4)
    0.3726
    >>> round(float(tfrank.ops.ndcg_at_k(y_true, y_pred, k=3, gain="linear")[0]), 4)
    0.525
    """
    options = dict(sample_weight=sample_weight, gain=gain, discount=discount)
    return _public("ndcg", y_true, y_pred, k, mask, label_format, empty, ties, **options)


def dcg_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, gain: Gain = "exponential", discount: Discount = "log2",
    empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list DCG@K, not normalised: ``sum_{i <= K} g(rel_i) / log2(i + 1)`` as in `ndcg_at_k`.

    Lists with no relevant item follow ``empty`` like every metric here (their DCG is 0).

    The other arguments are those of `precision_at_k`.

    Args:
        gain: as in `ndcg_at_k`.
        discount: as in `ndcg_at_k`.

    Example (gains 3, 0, 1 at discounts 1, 1/log2(3), 1/2):

    >>> import tfrank
    >>> tfrank.ops.dcg_at_k([[3.0, 2.0, 0.0, 1.0]], [[0.1, 0.9, 0.5, 0.3]], k=3).numpy()
    array([3.5], dtype=float32)
    """
    options = dict(sample_weight=sample_weight, gain=gain, discount=discount)
    return _public("dcg", y_true, y_pred, k, mask, label_format, empty, ties, **options)


def r_precision(
    y_true: TensorLike, y_pred: TensorLike, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first",
) -> tf.Tensor:
    """Per-list R-precision: ``hits@R / R`` with R = n_rel, the list's own relevant count (trec_eval ``Rprec``).

    NOTE: R varies per list, so the whole list is ranked (a full sort, O(N log N)
    per list, instead of a top-K) and hits are read at each list's R.

    The arguments are those of `precision_at_k`.

    Example (R = 2; the top 2 hold one relevant item):

    >>> import tfrank
    >>> tfrank.ops.r_precision([[0, 3]], [[0.9, 0.8, 0.1, 0.7]]).numpy()
    array([0.5], dtype=float32)
    """
    return _public("r_precision", y_true, y_pred, None, mask, label_format, empty, ties, sample_weight=sample_weight)


def ranking_metrics(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, metrics: Sequence[str], mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None,
    label_format: LabelFormat = None, empty: Empty = "skip", ties: Ties = "first", **options: object,
) -> Dict[str, tf.Tensor]:
    """Several metrics from one ranking: a dict of per-list values keyed by log name.

    One ``top_k`` at max(k) serves every metric and cut-off (the whole list is ranked
    when ``"r_precision"`` is requested). ``options`` (``denominator``, ``normalizer``,
    ``gain``, ``discount``) go to every requested metric that takes them.

    The other arguments are those of `precision_at_k`.

    Args:
        metrics: names from ``"precision"``, ``"recall"``, ``"f1"``, ``"hit_rate"``,
            ``"mrr"``, ``"map"``, ``"ndcg"``, ``"dcg"``, ``"r_precision"``, ``"arp"``,
            ``"opa"``, ``"alpha_dcg"``, ``"precision_ia"``.

    Example:

    >>> import tfrank
    >>> values = tfrank.ops.ranking_metrics([[0, 3]], [[0.9, 0.8, 0.1, 0.7]], k=[1, 2], metrics=["precision", "mrr"])
    >>> {name: float(v[0]) for name, v in values.items()}
    {'precision_at_1': 1.0, 'precision_at_2': 0.5, 'mrr_at_1': 1.0, 'mrr_at_2': 1.0}
    """
    requests = engine.plan(metrics, validation.check_k(k), options, empty=empty, ties=ties)
    return engine.per_list(requests, y_true, y_pred, as_dict=True, mask=mask, label_format=label_format, empty=empty,
                           ties=ties, sample_weight=sample_weight)
