"""Keras 3 losses over `tfrank.losses.functional`: the cross-entropies and the pointwise losses.

The pairwise losses are in `tfrank.losses.pairwise_classes`, the list-wise ones in
`tfrank.losses.listwise_classes`; the base class in `tfrank.losses.base`.
"""

import keras

from tfrank.engine import validation
from tfrank.losses import _common, functional, lambdas
from tfrank.losses.base import RankingLoss


@keras.saving.register_keras_serializable(package="tfrank")
class SoftmaxLoss(RankingLoss):
    """List-wise softmax cross-entropy: the relevant items' share of a softmax over the list.

    Per list: ``Σ_i t_i (logsumexp_j(s_j) − s_i) / Σ_i t0_i`` over valid items, with targets
    ``t_i = w_i t0_i`` and ``t0_i = y_i`` (TF-Ranking's ``SoftmaxLoss``, ListNet's top-1
    form), or ``G(y_i) D(r_i)`` with a `DCGLambdaWeight`; for ids, ``t0 = 1`` on the relevant
    ids, read with one gather. ``targets="unnormalized"`` drops the division: a list then
    counts its label sum, as in TF-Ranking.

    NOTE: graded labels weight the targets by label. A list with no relevant item gives 0.
    Padding and masked items leave the softmax; an item of weight 0 stays in it. Ids are
    never densified: memory ``[B, N]``.

    Args:
        lambda_weight: None, or a `DCGLambdaWeight` / `NDCGLambdaWeight` (targets ``G(y) D(r)``).
        temperature: positive float, default 1.0: the logits are divided by it.
        targets: ``"normalized"`` (default) or ``"unnormalized"`` (TF-Ranking's numbers).

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.SoftmaxLoss()
    >>> # list 0 (item 0 relevant): ln(e^2 + 2) - 2 = 0.2395; list 1 (item 2): ln 3 - 0 = 1.0986
    >>> round(float(loss([[0], [2]], [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])), 4)  # mean over lists
    0.6691

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SoftmaxLoss(),
    metrics=[tfrank.PrecisionAtK(k=10)])``.
    """

    fn = functional.softmax_loss
    lambda_weights = (lambdas.DCGLambdaWeight,)

    def __init__(self, lambda_weight=None, temperature=1.0, targets="normalized", **kwargs):
        self._set_lambda_weight(lambda_weight)
        self.temperature = validation.check_temperature(temperature)
        self.targets = validation.check_choice("targets", targets, functional.TARGETS)
        super().__init__(**kwargs)

    def _options(self):
        return {"lambda_weight": self.lambda_weight, "temperature": self.temperature, "targets": self.targets}


class _Pointwise(RankingLoss):
    def __init__(self, normalizer="valid", **kwargs):
        self.normalizer = _common.check_normalizer(normalizer)
        super().__init__(**kwargs)

    def _options(self):
        return {"normalizer": self.normalizer}


@keras.saving.register_keras_serializable(package="tfrank")
class SigmoidLoss(_Pointwise):
    """Sigmoid (binary) cross-entropy of every valid item against its relevance, per list.

    Per list: ``Σ_i w_i (softplus(s_i) − t_i s_i) / n`` with ``t_i = min(y_i, 1)`` and n
    its valid items: Keras' ``BinaryCrossentropy(from_logits=True)`` over the list's valid
    items. For ids the second sum is the sum of the gathered relevant logits.

    NOTE: graded labels of 1 or more are targets of 1; labels in (0, 1) are soft targets.
    A list with no relevant item still counts (all its items are negatives); a list with
    no valid item gives 0. Ids are never densified.

    Args:
        normalizer: ``"valid"`` (default), ``"list_size"`` (the padded N: TF-Ranking's
            ``SigmoidCrossEntropyLoss``) or ``"none"`` (with ``reduction="sum"``: TF-Ranking's SUM).

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.SigmoidLoss()
    >>> # (softplus(0) - 0 + softplus(0)) / 2 = ln 2, ids [1] against dense [0, 1]
    >>> round(float(loss([[1]], [[0.0, 0.0]])), 4), round(float(loss([[0.0, 1.0]], [[0.0, 0.0]])), 4)
    (0.6931, 0.6931)

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SigmoidLoss(),
    metrics=[tfrank.PrecisionAtK(k=10)])``.
    """

    fn = functional.sigmoid_loss


@keras.saving.register_keras_serializable(package="tfrank")
class MeanSquaredLoss(_Pointwise):
    """Squared error of each valid item's score against its label, per list (TF-Ranking's
    ``MeanSquaredLoss``): a pointwise regression on the labels.

    Per list: ``Σ_i w_i (y_i − s_i)² / n``, n its valid items (``normalizer``); the raw
    scores, no temperature. For ids the labels are 1 on the relevant ids, 0 elsewhere:
    ``Σ_i w_i s_i² + Σ_{relevant} w_i (1 − 2 s_i)``, read with one gather.

    NOTE: graded labels are regressed as they are (label 3 asks for score 3). A list with
    no relevant item still counts; a list with no valid item gives 0. Ids are never densified.

    Args:
        normalizer: ``"valid"`` (default), ``"list_size"`` (TF-Ranking's Keras loss) or ``"none"``.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.MeanSquaredLoss()
    >>> # ((1 - 0.6)^2 + (0 - 0.8)^2) / 2 = (0.16 + 0.64) / 2
    >>> round(float(loss([[1.0, 0.0]], [[0.6, 0.8]])), 4)
    0.4

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.MeanSquaredLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = functional.mean_squared_loss


@keras.saving.register_keras_serializable(package="tfrank")
class UniqueSoftmaxLoss(RankingLoss):
    """Unique-rating softmax (Zhu & Klabjan 2020): each relevant item against the items of
    lower label only, weighted by its gain (TF-Ranking's ``UniqueSoftmaxLoss``).

    Per list: ``Σ_i (2^{y_i} − 1) (log(e^{s_i} + Σ_{j: y_j < y_i} e^{s_j}) − s_i)`` over valid
    items; with per-item weights, times ``Σ_i w_i y_i / Σ_i y_i``.

    NOTE: items of equal label do not compete. A list with no relevant item gives 0. Dense
    labels build ``[B, N, N]``; ids (gain 1) one ``[B, N]`` mask of the relevant items.

    Args:
        temperature: positive float, default 1.0: the logits are divided by it.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.UniqueSoftmaxLoss()
    >>> # item 0 (label 2): ln(e^0 + e^0 + e^0) - 0 = 1.0986 times 3; item 1 (label 1): ln(e^0 + e^0) = 0.6931
    >>> round(float(loss([[2.0, 1.0, 0.0]], [[0.0, 0.0, 0.0]])), 4)
    3.989

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.UniqueSoftmaxLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = functional.unique_softmax_loss

    def __init__(self, temperature=1.0, **kwargs):
        self.temperature = validation.check_temperature(temperature)
        super().__init__(**kwargs)

    def _options(self):
        return {"temperature": self.temperature}
