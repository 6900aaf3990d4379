"""Keras 3 losses over `tfrank.losses.pairwise`: each pair of items whose labels differ.

Every class takes the same options: ``lambda_weight`` (None, or a `DCGLambdaWeight`,
`NDCGLambdaWeight`, `PrecisionLambdaWeight`, `LabelDiffLambdaWeight`: LambdaRank /
LambdaLoss), ``temperature`` (the logits are divided by it, default 1.0) and
``normalizer``: what a list's pair sum is divided by, its valid items (``"valid"``,
default; the value does not change with padding), the padded list size N
(``"list_size"``: TF-Ranking's and keras-rs' numbers) or nothing (``"none"``; with
``reduction="sum"``: TF-Ranking's ``reduction=SUM``).
"""

import keras

from tfrank.engine import validation
from tfrank.losses import _common, lambdas, pairwise
from tfrank.losses.base import RankingLoss


class _PairwiseLoss(RankingLoss):
    lambda_weights = lambdas.PAIR_WEIGHTS

    def __init__(self, lambda_weight=None, temperature=1.0, normalizer="valid", **kwargs):
        self._set_lambda_weight(lambda_weight)
        self.temperature = validation.check_temperature(temperature)
        self.normalizer = _common.check_normalizer(normalizer)
        super().__init__(**kwargs)

    def _options(self):
        return {"lambda_weight": self.lambda_weight, "temperature": self.temperature, "normalizer": self.normalizer}


@keras.saving.register_keras_serializable(package="tfrank")
class PairwiseLogisticLoss(_PairwiseLoss):
    """Pairwise logistic loss (RankNet): each more relevant item should outscore each less relevant one.

    Per list: ``Σ_{i,j valid, y_i > y_j} w_i λ_ij log(1 + exp(s_j − s_i)) / n_valid``, the
    definition of TF-Ranking's and keras-rs' ``PairwiseLogisticLoss``, which divide by the
    padded list size N instead (``normalizer="list_size"``; the same value when nothing is
    padded or masked).

    NOTE: dense labels build every pair, ``[B, N, N]`` floats; ids build ``[B, R, N]`` (each
    relevant item against every item, less the ``[B, R, R]`` relevant pairs), so ids
    are the form for long lists. A list with no relevant item gives 0.

    Args:
        lambda_weight: None (default), or a `DCGLambdaWeight`, `NDCGLambdaWeight`,
            `PrecisionLambdaWeight` or `LabelDiffLambdaWeight` (LambdaRank / LambdaLoss).
        temperature: positive float, default 1.0: the logits are divided by it.
        normalizer: ``"valid"`` (default), ``"list_size"`` (TF-Ranking's and keras-rs'
            numbers) or ``"none"``: see `tfrank.losses.pairwise_classes`.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.PairwiseLogisticLoss()
    >>> # item 0 relevant: (ln(1 + e^-1) against item 1 + ln(1 + e^-2) against item 2) / 3
    >>> round(float(loss([[0]], [[1.0, 0.0, -1.0]])), 4)
    0.1467

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.PairwiseLogisticLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = pairwise.pairwise_logistic_loss


@keras.saving.register_keras_serializable(package="tfrank")
class PairwiseHingeLoss(_PairwiseLoss):
    """Pairwise hinge loss: each more relevant item should outscore each less relevant one by a margin of 1.

    Per list: ``Σ_{i,j valid, y_i > y_j} w_i λ_ij max(0, 1 − (s_i − s_j)) / n_valid``
    (TF-Ranking's ``PairwiseHingeLoss`` with ``normalizer="list_size"``).

    NOTE: pairs already apart by the margin add nothing and no gradient. Dense labels build
    ``[B, N, N]``, ids ``[B, R, N]``. A list with no relevant item gives 0.

    Args:
        lambda_weight: None (default), or a `DCGLambdaWeight`, `NDCGLambdaWeight`,
            `PrecisionLambdaWeight` or `LabelDiffLambdaWeight` (LambdaRank / LambdaLoss).
        temperature: positive float, default 1.0: the logits are divided by it.
        normalizer: ``"valid"`` (default), ``"list_size"`` (TF-Ranking's and keras-rs'
            numbers) or ``"none"``: see `tfrank.losses.pairwise_classes`.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.PairwiseHingeLoss()
    >>> # item 0 relevant: max(0, 1 - (0.6 - 0.8)) = 1.2, over 2 items
    >>> round(float(loss([[1.0, 0.0]], [[0.6, 0.8]])), 4)
    0.6

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.PairwiseHingeLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = pairwise.pairwise_hinge_loss


@keras.saving.register_keras_serializable(package="tfrank")
class PairwiseSoftZeroOneLoss(_PairwiseLoss):
    """Pairwise soft zero-one loss: a smooth count of the misordered pairs.

    Per list: ``Σ_{i,j valid, y_i > y_j} w_i λ_ij σ(s_j − s_i) / n_valid`` (TF-Ranking's
    ``PairwiseSoftZeroOneLoss`` with ``normalizer="list_size"``).

    NOTE: bounded in [0, 1] per pair, so a few badly misordered pairs do not dominate (and
    give little gradient). Dense labels build ``[B, N, N]``, ids ``[B, R, N]``. A list
    with no relevant item gives 0.

    Args:
        lambda_weight: None (default), or a `DCGLambdaWeight`, `NDCGLambdaWeight`,
            `PrecisionLambdaWeight` or `LabelDiffLambdaWeight` (LambdaRank / LambdaLoss).
        temperature: positive float, default 1.0: the logits are divided by it.
        normalizer: ``"valid"`` (default), ``"list_size"`` (TF-Ranking's and keras-rs'
            numbers) or ``"none"``: see `tfrank.losses.pairwise_classes`.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.PairwiseSoftZeroOneLoss()
    >>> # item 0 relevant: σ(0.8 - 0.6) = 0.5498, over 2 items
    >>> round(float(loss([[1.0, 0.0]], [[0.6, 0.8]])), 4)
    0.2749

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.PairwiseSoftZeroOneLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = pairwise.pairwise_soft_zero_one_loss


@keras.saving.register_keras_serializable(package="tfrank")
class PairwiseMSELoss(_PairwiseLoss):
    """Pairwise mean squared error: score gaps should equal label gaps.

    Per list: ``Σ_{i≠j valid} w_i λ_ij ((s_i − s_j) − (y_i − y_j))² / n_valid`` over every
    ordered pair, equal labels included (TF-Ranking's ``PairwiseMSELoss`` with
    ``normalizer="list_size"``).

    NOTE: without a lambda weight no pair tensor is built: the sum equals
    ``Σ_i w_i (n d_i² + Σ_j d_j²)`` with ``d = (s − y) − mean(s − y)``, ``O(B · N)`` for
    every label form. With a lambda weight, ``[B, N, N]`` (dense) or ``[B, R, N]`` (ids).
    Lists with no relevant item still count (their score gaps should be 0).

    Args:
        lambda_weight: None (default), or a `DCGLambdaWeight`, `NDCGLambdaWeight`,
            `PrecisionLambdaWeight` or `LabelDiffLambdaWeight` (LambdaRank / LambdaLoss).
        temperature: positive float, default 1.0: the logits are divided by it.
        normalizer: ``"valid"`` (default), ``"list_size"`` (TF-Ranking's and keras-rs'
            numbers) or ``"none"``: see `tfrank.losses.pairwise_classes`.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.PairwiseMSELoss()
    >>> # pairs (0, 1) and (1, 0): ((0.6 - 0.8) - (1 - 0))^2 = 1.44 each, over 2 items
    >>> round(float(loss([[1.0, 0.0]], [[0.6, 0.8]])), 4)
    1.44

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.PairwiseMSELoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = pairwise.pairwise_mse_loss
