"""Every tfrank loss once, with its function, its NumPy reference and option sets: the table
the loss tests are parametrized over (tests/test_losses*.py)."""

import numpy as np

import tfrank
from tfrank import reference

L = tfrank.losses

_PAIR_VARIANTS = [{}, {"normalizer": "list_size", "temperature": 0.5},
                  {"lambda_weight": L.NDCGLambdaWeight(k=3)}, {"lambda_weight": L.DCGLambdaWeight(smooth_fraction=0.5)},
                  {"lambda_weight": L.PrecisionLambdaWeight(k=2)}, {"lambda_weight": L.LabelDiffLambdaWeight()}]

# name: (Keras class, function, reference, option sets; the first is the default)
LOSSES = {
    "softmax": (L.SoftmaxLoss, L.softmax_loss, reference.softmax_loss,
                [{}, {"targets": "unnormalized", "temperature": 0.5},
                 {"lambda_weight": L.DCGLambdaWeight(k=3, smooth_fraction=0.3)}, {"lambda_weight": L.NDCGLambdaWeight()}]),
    "sigmoid": (L.SigmoidLoss, L.sigmoid_loss, reference.sigmoid_loss, [{}, {"normalizer": "list_size"}]),
    "mean_squared": (L.MeanSquaredLoss, L.mean_squared_loss, reference.mean_squared_loss, [{}, {"normalizer": "none"}]),
    "unique_softmax": (L.UniqueSoftmaxLoss, L.unique_softmax_loss, reference.unique_softmax_loss,
                       [{}, {"temperature": 2.0}]),
    "pairwise_logistic": (L.PairwiseLogisticLoss, L.pairwise_logistic_loss, reference.pairwise_logistic_loss,
                          _PAIR_VARIANTS),
    "pairwise_hinge": (L.PairwiseHingeLoss, L.pairwise_hinge_loss, reference.pairwise_hinge_loss, _PAIR_VARIANTS),
    "pairwise_soft_zero_one": (L.PairwiseSoftZeroOneLoss, L.pairwise_soft_zero_one_loss,
                               reference.pairwise_soft_zero_one_loss, _PAIR_VARIANTS),
    "pairwise_mse": (L.PairwiseMSELoss, L.pairwise_mse_loss, reference.pairwise_mse_loss, _PAIR_VARIANTS),
    "approx_ndcg": (L.ApproxNDCGLoss, L.approx_ndcg_loss, reference.approx_ndcg_loss, [{}, {"temperature": 1.0}]),
    "approx_mrr": (L.ApproxMRRLoss, L.approx_mrr_loss, reference.approx_mrr_loss, [{}, {"temperature": 1.0}]),
    "list_mle": (L.ListMLELoss, L.list_mle_loss, reference.list_mle_loss,
                 [{}, {"lambda_weight": L.ListMLELambdaWeight("reciprocal"), "temperature": 0.5}]),
    "neural_sort_cross_entropy": (L.NeuralSortCrossEntropyLoss, L.neural_sort_cross_entropy_loss,
                                  reference.neural_sort_cross_entropy_loss, [{}, {"temperature": 0.5}]),
}
# The Gumbel loss draws noise: its reference takes the draws (tests/test_losses.py).
ALL_CLASSES = [spec[0] for spec in LOSSES.values()] + [L.GumbelApproxNDCGLoss]


def for_reference(options):
    """tfrank options as the reference takes them: a lambda weight as (class name, config)."""
    weight = options.get("lambda_weight")
    if weight is None:
        return dict(options)
    return {**options, "lambda_weight": (type(weight).__name__, weight.get_config())}


def item_weights(shape, seed=1):
    """Per-item weights in [0, 2), some exactly 0 (such items stay in the losses)."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.0, 2.0, size=shape)
    return np.where(rng.random(shape) < 0.1, 0.0, weights).astype(np.float32)


def close(actual, expected, rtol=2e-4, atol=2e-4, err_msg=""):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64), rtol=rtol,
                               atol=atol, err_msg=err_msg)
