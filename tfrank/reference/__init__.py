"""NumPy reference implementation of tfrank's ranking metrics (no TensorFlow).

Plain, loop-based code written independently of the TensorFlow metrics, citing the
definition each function follows; the test suite compares every tfrank metric against it.
Each ranking function returns per-list values ``[B]`` (or a dict of them for a list ``k``);
:func:`weighted_mean` reduces them over lists, :func:`stderr` gives its standard error.
The dataset-level ones (budget, threshold) return one float for a whole set;
``threshold.by_log_name`` gives a threshold metric's
``(y_true, y_pred, sample_weight=None) -> float`` by its log name.
"""

from tfrank.reference.listwise_losses import (
    approx_mrr_loss,
    approx_ndcg_loss,
    gumbel_approx_ndcg_loss,
    list_mle_loss,
    neural_sort_cross_entropy_loss,
)
from tfrank.reference.losses import mean_squared_loss, sigmoid_loss, softmax_loss, unique_softmax_loss
from tfrank.reference.pairwise_losses import (
    pairwise_hinge_loss,
    pairwise_logistic_loss,
    pairwise_mse_loss,
    pairwise_soft_zero_one_loss,
)
from tfrank.reference.budget import precision_at_budget, recall_at_budget
from tfrank.reference.diversity import alpha_dcg_at_k, precision_ia_at_k
from tfrank.reference.metrics import (
    dcg_at_k,
    f1_at_k,
    hit_rate_at_k,
    list_weights,
    map_at_k,
    mrr_at_k,
    ndcg_at_k,
    precision_at_k,
    r_precision,
    recall_at_k,
    stderr,
    weighted_mean,
)
from tfrank.reference.positions import arp, opa, pair_mass, relevance_mass
from tfrank.reference.retrieval import retrieval_metrics, retrieval_scores
from tfrank.reference.threshold import (
    average_precision,
    precision_at_recall,
    recall_at_precision,
    roc_auc,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
)

__all__ = [
    "alpha_dcg_at_k",
    "arp",
    "opa",
    "pair_mass",
    "precision_ia_at_k",
    "relevance_mass",
    "approx_mrr_loss",
    "approx_ndcg_loss",
    "gumbel_approx_ndcg_loss",
    "list_mle_loss",
    "mean_squared_loss",
    "neural_sort_cross_entropy_loss",
    "pairwise_hinge_loss",
    "pairwise_logistic_loss",
    "pairwise_mse_loss",
    "pairwise_soft_zero_one_loss",
    "sigmoid_loss",
    "softmax_loss",
    "unique_softmax_loss",
    "dcg_at_k",
    "f1_at_k",
    "hit_rate_at_k",
    "list_weights",
    "map_at_k",
    "mrr_at_k",
    "ndcg_at_k",
    "precision_at_budget",
    "precision_at_k",
    "r_precision",
    "recall_at_budget",
    "recall_at_k",
    "retrieval_metrics",
    "retrieval_scores",
    "stderr",
    "weighted_mean",
    "roc_auc",
    "average_precision",
    "precision_at_recall",
    "recall_at_precision",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
]
