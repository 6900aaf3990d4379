"""keras-tuner's tuners, taking tfrank log names as plain strings (see `tfrank.tuning.tuners`).

``tfrank.tuners.BayesianOptimization(build, objective="val_precision_at_10", ...)``: each
tfrank log name given as a ``str`` becomes ``tfrank.objective(name)``. Imports keras_tuner
(``pip install "tfrank[tuner]"``); ``import tfrank`` does not.
"""

from tfrank.tuning.tuners import BayesianOptimization, GridSearch, Hyperband, RandomSearch

__all__ = ["BayesianOptimization", "RandomSearch", "Hyperband", "GridSearch"]
