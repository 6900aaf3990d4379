"""Is the difference real? Per-list values, paired tests and intervals for tfrank metrics.

* `per_list`: a model's value of each list for per-list metrics (NaN where a list does
  not count), streamed; `per_example`: a one-score-per-example model's scores.
* `compare` (two models, paired over the same lists: ``"randomization"``, ``"t"``,
  ``"bootstrap"``), `compare_many` (several against a baseline, Holm or Bonferroni),
  `mean_ci` (one model's mean and interval).
* Dataset-level metrics (`tfrank.PrecisionAtBudget`, `tfrank.ROCAUC`, ...): `compare_examples`,
  `compare_examples_many` and `example_ci`, by a paired bootstrap over the examples;
  `register_dataset_metric` teaches them a new metric class.

* `delong`: DeLong's test of two models' ROC AUCs on the same examples (what
  `compare_examples` runs for ``roc_auc``).

Over a finished keras-tuner search: `tfrank.tuners.compare_trials`. The statistics
run on NumPy arrays with scipy (a dependency of tfrank).

>>> import tfrank.stats
>>> r = tfrank.stats.compare([0.5, 1.0, 0.0, 1.0], [0.5, 0.5, 0.0, 0.5], test="t")
>>> round(r.difference, 3), round(r.p_value, 3)
(0.25, 0.182)
"""

from tfrank.stats.dataset import DatasetMetric, register_dataset_metric
from tfrank.stats.delong import DeLongResult, delong
from tfrank.stats.evaluate import per_example, per_list
from tfrank.stats.examples import compare_examples, compare_examples_many, example_ci
from tfrank.stats.many import Row, adjust, compare_many
from tfrank.stats.paired import Comparison, Interval, compare, mean_ci

__all__ = [
    "per_list",
    "per_example",
    "compare",
    "compare_many",
    "mean_ci",
    "compare_examples",
    "compare_examples_many",
    "example_ci",
    "adjust",
    "register_dataset_metric",
    "Comparison",
    "Row",
    "Interval",
    "DatasetMetric",
    "delong",
    "DeLongResult",
]
