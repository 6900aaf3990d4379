"""Retrieval metrics over a whole candidate corpus (two-tower models).

* `scoring`: pure TF functions, the exact chunked top-K (`scoring.retrieval_top_k`) and
  the tie count of the second pass;
* `inputs`: relevant and excluded candidate ids of a batch;
* `ranking`: the `tfrank.engine.ranking.Ranked` view every tfrank definition reads;
* `index`: where the candidate embeddings come from (array, dataset, candidate tower);
* `functional`: `retrieval_metrics`, per-query values of one batch (pure);
* `metrics`: `RetrievalMetrics`, the Keras metric.
"""

from tfrank.retrieval.functional import retrieval_metrics
from tfrank.retrieval.metrics import RetrievalMetrics
from tfrank.retrieval.scoring import count_ties, retrieval_top_k

__all__ = ["RetrievalMetrics", "retrieval_metrics", "retrieval_top_k", "count_ties"]
