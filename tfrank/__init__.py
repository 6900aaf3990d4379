"""tfrank: streaming, graph-mode ranking metrics for Keras 3 on TensorFlow.

>>> import tfrank
>>> tfrank.PrecisionAtK(k=10).name
'precision_at_10'
"""

from tfrank import _backend
from tfrank._version import __version__

_backend.check()

from tfrank import losses, ops, reference  # noqa: E402  (reference: NumPy only, cheap)
from tfrank.metrics import (  # noqa: E402
    ARP,
    OPA,
    ROCAUC,
    AlphaDCGAtK,
    AveragePrecision,
    DCGAtK,
    F1AtK,
    HitRateAtK,
    MAPAtK,
    MRRAtK,
    NDCGAtK,
    PrecisionAtBudget,
    PrecisionAtK,
    PrecisionAtRecall,
    PrecisionIAAtK,
    RankingMetric,
    RankingMetrics,
    RecallAtBudget,
    RecallAtK,
    RecallAtPrecision,
    RPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    average_precision,
    precision_at_budget,
    precision_at_recall,
    recall_at_budget,
    recall_at_precision,
    roc_auc,
    sensitivity_at_specificity,
    specificity_at_sensitivity,
)
from tfrank.retrieval import RetrievalMetrics  # noqa: E402
from tfrank.tuning.objective import objective, objectives  # noqa: E402  (imports keras_tuner only when called)


def __getattr__(name):
    # tfrank.tuners imports keras_tuner, tfrank.stats scipy: load them on first use, so that
    # `import tfrank` does not.
    import importlib

    # Literal names, so that the layout test's import graph sees both.
    if name == "tuners":
        return importlib.import_module("tfrank.tuners")
    if name == "stats":
        return importlib.import_module("tfrank.stats")
    raise AttributeError(f"module 'tfrank' has no attribute {name!r}")


__all__ = [
    "PrecisionAtK",
    "RecallAtK",
    "F1AtK",
    "HitRateAtK",
    "MRRAtK",
    "MAPAtK",
    "NDCGAtK",
    "DCGAtK",
    "RPrecision",
    "ARP",
    "OPA",
    "AlphaDCGAtK",
    "PrecisionIAAtK",
    "RankingMetrics",
    "RankingMetric",
    "RetrievalMetrics",
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
    "objective",
    "objectives",
    "ops",
    "losses",
    "reference",
    "__version__",
]
