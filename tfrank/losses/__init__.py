"""Ranking losses for Keras 3 that take every label form tfrank's metrics take.

A pure function per loss (per-list values ``[B]``) and a thin Keras class over it:

>>> import tfrank
>>> y_pred = [[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
>>> tfrank.losses.softmax_loss([[0, -1], [1, 2]], y_pred).numpy().round(4)  # ids, padded with -1
array([0.2395, 1.0514], dtype=float32)
>>> tfrank.losses.softmax_loss([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], y_pred).numpy().round(4)  # dense
array([0.2395, 1.0514], dtype=float32)

In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SoftmaxLoss(),
metrics=[tfrank.PrecisionAtK(k=10)])``.
"""

from tfrank.losses.classes import ApproxNDCGLoss, PairwiseLogisticLoss, RankingLoss, SigmoidLoss, SoftmaxLoss
from tfrank.losses.functional import approx_ndcg_loss, pairwise_logistic_loss, sigmoid_loss, softmax_loss

__all__ = [
    "SoftmaxLoss",
    "SigmoidLoss",
    "PairwiseLogisticLoss",
    "ApproxNDCGLoss",
    "RankingLoss",
    "softmax_loss",
    "sigmoid_loss",
    "pairwise_logistic_loss",
    "approx_ndcg_loss",
]
