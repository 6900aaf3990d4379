"""Functional ARP, OPA, alpha-DCG@K and Precision-IA@K: pure TF, per-list values (re-exported by `tfrank.ops`).

The same conventions as every `tfrank.ops` function (``empty``, ``ties``, NaN scores,
per-item ``sample_weight``); the definitions are in `tfrank.engine.positions` and
`tfrank.engine.diversity`.
"""

from typing import Optional

from tfrank import engine
from tfrank.engine import validation
from tfrank._types import K, Discount, Empty, LabelFormat, PerList, TensorLike, Ties


def _values(metric, y_true, y_pred, k, *, mask, sample_weight, label_format, empty, ties, **options):
    ks = (None,) if k is None else validation.check_k(k)
    requests = engine.plan([metric], ks, options, empty=empty, ties=ties)
    return engine.per_list(requests, y_true, y_pred, as_dict=isinstance(k, (list, tuple)), mask=mask,
                           label_format=label_format, empty=empty, ties=ties, sample_weight=sample_weight)


def arp(
    y_true: TensorLike, y_pred: TensorLike, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None, label_format: LabelFormat = None, empty: Empty = "skip",
    ties: Ties = "first",
) -> PerList:
    """Per-list average relevance position: the rank of the list's relevance, on average (lower is better).

    ``ARP = sum_i rank_i y_i / sum_i y_i`` over the valid items (TF-Ranking ``ARPMetric``):
    graded labels weigh their item's rank, ids and class ids weigh 1 (the mean rank of the
    relevant items). Per-item weights: ``sum_i rank_i y_i w_i / sum_i y_i w_i``.

    NOTE: the whole list is ranked (a full sort, as for R-precision). ``ties="expected"``
    gives each item of a tie group its expected rank (exact: ARP is linear in the ranks).
    Lists with no relevant item follow ``empty``.

    The arguments are those of `tfrank.ops.precision_at_k`, without ``k`` (the whole list is ranked).

    Example (list 0: relevant items ranked 2nd and 3rd; list 1: label 2 ranked 1st, label 1 2nd):

    >>> import tfrank
    >>> tfrank.ops.arp([[0.0, 1.0, 1.0], [0.0, 1.0, 2.0]], [[3.0, 1.0, 2.0], [1.0, 2.0, 3.0]]).numpy()
    array([2.5      , 1.3333334], dtype=float32)
    """
    return _values("arp", y_true, y_pred, None, mask=mask, sample_weight=sample_weight, label_format=label_format,
                   empty=empty, ties=ties)


def opa(
    y_true: TensorLike, y_pred: TensorLike, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None, label_format: LabelFormat = None, empty: Empty = "skip",
    ties: Ties = "first",
) -> PerList:
    """Per-list ordered pair accuracy: the share of pairs y_i > y_j that the ranking puts in that order.

    ``OPA = sum_{i,j: y_i > y_j} [i ranked above j] / #{i, j: y_i > y_j}`` over valid items
    (TF-Ranking ``OPAMetric``); per-item weights weigh each pair by w_i, the more relevant
    item's weight. For binary labels and ``ties="expected"`` it is the list's ROC AUC.

    NOTE: ``ties="first"`` orders tied items by index (the ranking's order), ``"expected"``
    counts a tied pair 1/2; TF-Ranking counts it as wrong. Dense labels compare all pairs,
    ``B N^2`` values (off XLA a ``[B, N, N]`` float32 tensor: 400 MB at B = 100,
    N = 1,000); ids cost O(N) per list after the sort. A list without two valid items of
    different labels has no pair: it follows ``empty``.

    The arguments are those of `tfrank.ops.precision_at_k`, without ``k`` (the whole list is ranked).

    Example (only the pair (label 2, label 1) is in order; all tied: each pair 1/2):

    >>> import tfrank
    >>> float(tfrank.ops.opa([[0.0, 1.0, 2.0]], [[3.0, 1.0, 2.0]])[0])
    0.3333333432674408
    >>> float(tfrank.ops.opa([[0.0, 1.0, 2.0]], [[0.5, 0.5, 0.5]], ties="expected")[0])
    0.5
    """
    return _values("opa", y_true, y_pred, None, mask=mask, sample_weight=sample_weight, label_format=label_format,
                   empty=empty, ties=ties)


def alpha_dcg_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None, label_format: LabelFormat = None, alpha: float = 0.5,
    discount: Discount = "log2", empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list alpha-DCG@K: DCG whose gain for a subtopic shrinks by (1 - alpha) each time it was covered above.

    ``alpha-DCG@K = sum_{i <= K} d(i) sum_t y_it (1 - alpha)^(sum_{j < i} y_jt)`` (Clarke et al.,
    SIGIR 2008; TF-Ranking ``AlphaDCGMetric``), d(i) = 1 / log2(i + 1) by default; not
    normalised. Per-item weights: ``sum w_i ... / w_list`` as for `tfrank.ops.dcg_at_k`.

    NOTE: ``y_true`` is subtopic labels ``[B, N, S]`` (a negative entry: a subtopic the
    list does not have; all S negative: a padding item); ``[B, N]`` labels, ids and class
    ids are one subtopic. ``ties="expected"`` is not supported. Lists with no item
    relevant to any subtopic follow ``empty``.

    The other arguments are those of `tfrank.ops.precision_at_k`.

    Args:
        alpha: a float in [0, 1] (default 0.5): 0 is DCG over the subtopic counts, 1
            counts each subtopic once.
        discount: as in `tfrank.ops.dcg_at_k`.
        ties: ``"first"`` only.

    Example (ranked: item 0 covers subtopic 1, item 2 both (subtopic 1 a second time:
    1/2), item 1 subtopic 0 a second time: 1 + 1.5 / log2(3) + 0.5 / 2):

    >>> import tfrank
    >>> round(float(tfrank.ops.alpha_dcg_at_k([[[0, 1], [1, 0], [1, 1]]], [[3.0, 1.0, 2.0]], k=3)[0]), 4)
    2.1964
    """
    return _values("alpha_dcg", y_true, y_pred, k, mask=mask, sample_weight=sample_weight, label_format=label_format,
                   empty=empty, ties=ties, alpha=alpha, discount=discount)


def precision_ia_at_k(
    y_true: TensorLike, y_pred: TensorLike, k: K, *, mask: Optional[TensorLike] = None,
    sample_weight: Optional[TensorLike] = None, label_format: LabelFormat = None, denominator: str = "k",
    empty: Empty = "skip", ties: Ties = "first",
) -> PerList:
    """Per-list intent-aware Precision@K: Precision@K of each subtopic, averaged over the list's subtopics.

    ``P-IA@K = sum_t sum_{i <= K} [y_it > 0] / (K * S_rel)``, S_rel the subtopics with a
    relevant valid item (Agrawal et al., WSDM 2009, uniform subtopic probabilities;
    ndeval ``P-IA``); ``denominator="min_k_n"`` divides by min(K, valid items) * S_rel
    (TF-Ranking ``PrecisionIAMetric``).

    NOTE: ``y_true`` as in `alpha_dcg_at_k` (``[B, N]`` labels are one subtopic: P@K). A
    subtopic label counts when > 0 (TF-Ranking: >= 1). Lists with no relevant item follow ``empty``.

    The other arguments are those of `tfrank.ops.precision_at_k`.

    Args:
        denominator: ``"k"`` (default) or ``"min_k_n"``.

    Example (the top 1 covers one of the two subtopics; the top 3 cover 4 (item, subtopic) pairs of 6):

    >>> import tfrank
    >>> values = tfrank.ops.precision_ia_at_k([[[0, 1], [1, 0], [1, 1]]], [[3.0, 1.0, 2.0]], k=[1, 3])
    >>> {name: round(float(v[0]), 4) for name, v in values.items()}
    {'precision_ia_at_1': 0.5, 'precision_ia_at_3': 0.6667}
    """
    return _values("precision_ia", y_true, y_pred, k, mask=mask, sample_weight=sample_weight,
                   label_format=label_format, empty=empty, ties=ties, denominator=denominator)
