"""NumPy reference implementation of tfrank's ranking metrics (no TensorFlow).

Plain, loop-based code written independently of the TensorFlow metrics, citing the
definition each function follows; the test suite compares every tfrank metric against it.
Each function returns per-list values ``[B]`` (or a dict of them for a list ``k``);
:func:`weighted_mean` reduces them over lists, :func:`stderr` gives its standard error.
"""

from tfrank.reference.losses import approx_ndcg_loss, pairwise_logistic_loss, sigmoid_loss, softmax_loss
from tfrank.reference.budget import precision_at_budget, recall_at_budget
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
from tfrank.reference.retrieval import retrieval_metrics, retrieval_scores

__all__ = [
    "approx_ndcg_loss",
    "pairwise_logistic_loss",
    "sigmoid_loss",
    "softmax_loss",
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
]
