"""keras-tuner's tuners, taking tfrank log names as plain strings (see `tfrank.tuning.tuners`).

``tfrank.tuners.BayesianOptimization(build, objective="val_precision_at_10", ...)``: each
tfrank log name given as a ``str`` becomes ``tfrank.objective(name)``. Imports keras_tuner
(``pip install "tfrank[tuner]"``); ``import tfrank`` does not. `compare_trials` tells
whether the best trials of a finished search differ by more than noise (`tfrank.stats`).
"""

from tfrank.tuning.trial_report import TrialComparison, TrialRow
from tfrank.tuning.trials import compare_trials
from tfrank.tuning.tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = ["BayesianOptimization", "RandomSearch", "Hyperband", "GridSearch", "compare_trials", "TrialComparison",
           "TrialRow"]
