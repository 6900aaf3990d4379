"""The Keras metric classes: thin streaming wrappers over `tfrank.engine`.

`base` holds the one base class (`RankingMetric`: state = weighted sum + weight total)
and `RankingMetrics` (several metrics from one ranking); `set_based` the set metrics
(precision, recall, F1, hit rate, R-precision), `rank_based` the rank-aware ones (MRR,
MAP, NDCG, DCG), `positions` ARP and OPA, `diversity` alpha-DCG and Precision-IA over
subtopic labels, `budget` the dataset-level budget metrics, `threshold` and
`threshold_metrics` the dataset-level threshold metrics (exact curves: `curves`). Every class is also
`tfrank.<Class>`; a saved ``.keras`` model names them ``tfrank>PrecisionAtK``.
"""

from tfrank.metrics.base import RankingMetric, RankingMetrics
from tfrank.metrics.budget import PrecisionAtBudget, RecallAtBudget, precision_at_budget, recall_at_budget
from tfrank.metrics.diversity import AlphaDCGAtK, PrecisionIAAtK
from tfrank.metrics.positions import ARP, OPA
from tfrank.metrics.rank_based import DCGAtK, MAPAtK, MRRAtK, NDCGAtK
from tfrank.metrics.set_based import F1AtK, HitRateAtK, PrecisionAtK, RecallAtK, RPrecision
from tfrank.metrics.threshold import (
    average_precision,
    precision_at_recall,
    recall_at_precision,
    roc_auc,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
)
from tfrank.metrics.threshold_metrics import (
    ROCAUC,
    AveragePrecision,
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)

__all__ = [
    "RankingMetric",
    "RankingMetrics",
    "PrecisionAtK",
    "RecallAtK",
    "F1AtK",
    "HitRateAtK",
    "RPrecision",
    "MRRAtK",
    "MAPAtK",
    "NDCGAtK",
    "DCGAtK",
    "ARP",
    "OPA",
    "AlphaDCGAtK",
    "PrecisionIAAtK",
    "PrecisionAtBudget",
    "RecallAtBudget",
    "precision_at_budget",
    "recall_at_budget",
    "PrecisionAtRecall",
    "RecallAtPrecision",
    "SensitivityAtSpecificity",
    "SpecificityAtSensitivity",
    "ROCAUC",
    "AveragePrecision",
    "precision_at_recall",
    "recall_at_precision",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
    "roc_auc",
    "average_precision",
]
