"""Ranking losses for Keras 3 that take every label form tfrank's metrics take.

A pure function per loss (per-list values ``[B]``) and a thin Keras class over it:

>>> import tfrank
>>> y_pred = [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
>>> tfrank.losses.softmax_loss([[0, -1], [1, 2]], y_pred).numpy().round(4)  # ids, padded with -1
array([0.2395, 1.0514], dtype=float32)
>>> tfrank.losses.softmax_loss([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], y_pred).numpy().round(4)  # dense
array([0.2395, 1.0514], dtype=float32)

In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SoftmaxLoss(),
metrics=[tfrank.PrecisionAtK(k=10)])``. `LOSSES` maps a short name to each class
(``tfrank.losses.LOSSES["pairwise_hinge"]()``).
"""

from tfrank.losses.base import RankingLoss
from tfrank.losses.classes import MeanSquaredLoss, SigmoidLoss, SoftmaxLoss, UniqueSoftmaxLoss
from tfrank.losses.functional import mean_squared_loss, sigmoid_loss, softmax_loss, unique_softmax_loss
from tfrank.losses.lambdas import (
    DCGLambdaWeight,
    LabelDiffLambdaWeight,
    LambdaWeight,
    ListMLELambdaWeight,
    NDCGLambdaWeight,
    PrecisionLambdaWeight,
)
from tfrank.losses.listwise import (
    approx_mrr_loss,
    approx_ndcg_loss,
    gumbel_approx_ndcg_loss,
    list_mle_loss,
    neural_sort_cross_entropy_loss,
)
from tfrank.losses.listwise_classes import (
    ApproxMRRLoss,
    ApproxNDCGLoss,
    GumbelApproxNDCGLoss,
    ListMLELoss,
    NeuralSortCrossEntropyLoss,
)
from tfrank.losses.pairwise import (
    pairwise_hinge_loss,
    pairwise_logistic_loss,
    pairwise_mse_loss,
    pairwise_soft_zero_one_loss,
)
from tfrank.losses.pairwise_classes import PairwiseHingeLoss, PairwiseLogisticLoss, PairwiseMSELoss, PairwiseSoftZeroOneLoss

# Short name -> class, e.g. for a command line's --loss option.
LOSSES = {
    "softmax": SoftmaxLoss,
    "sigmoid": SigmoidLoss,
    "mean_squared": MeanSquaredLoss,
    "unique_softmax": UniqueSoftmaxLoss,
    "pairwise_logistic": PairwiseLogisticLoss,
    "pairwise_hinge": PairwiseHingeLoss,
    "pairwise_soft_zero_one": PairwiseSoftZeroOneLoss,
    "pairwise_mse": PairwiseMSELoss,
    "approx_ndcg": ApproxNDCGLoss,
    "approx_mrr": ApproxMRRLoss,
    "gumbel_approx_ndcg": GumbelApproxNDCGLoss,
    "list_mle": ListMLELoss,
    "neural_sort_cross_entropy": NeuralSortCrossEntropyLoss,
}

__all__ = [
    "LOSSES",
    "RankingLoss",
    "LambdaWeight",
    *(cls.__name__ for cls in LOSSES.values()),
    "DCGLambdaWeight",
    "NDCGLambdaWeight",
    "PrecisionLambdaWeight",
    "LabelDiffLambdaWeight",
    "ListMLELambdaWeight",
    "softmax_loss",
    "sigmoid_loss",
    "mean_squared_loss",
    "unique_softmax_loss",
    "pairwise_logistic_loss",
    "pairwise_hinge_loss",
    "pairwise_soft_zero_one_loss",
    "pairwise_mse_loss",
    "approx_ndcg_loss",
    "approx_mrr_loss",
    "gumbel_approx_ndcg_loss",
    "list_mle_loss",
    "neural_sort_cross_entropy_loss",
]
