"""keras-tuner's tuners, taking tfrank log names as plain strings.

keras-tuner 1.4.x raises ``Could not infer optimization direction`` for
``objective="val_precision_at_10"`` (it only knows Keras' own metric names) and has
no public hook to learn new ones. The tuners below are thin subclasses of
keras-tuner's: each turns every tfrank log name given as a ``str`` (alone or in a
list) into ``tfrank.objective(name)``, that is ``keras_tuner.Objective(name, "max")``
(``"min"`` for ARP, ``"val_arp"``), before keras-tuner sees it, and passes every other objective (``"val_loss"``,
``"val_accuracy"``, a ``keras_tuner.Objective``) through unchanged. Everything else
is keras-tuner's own behaviour and arguments; nothing in keras-tuner is patched.

This module imports keras_tuner (``pip install "tfrank[tuner]"``); ``import tfrank``
does not, and ``tfrank.tuners`` is imported on first use.

>>> import tempfile, keras, tfrank
>>> def build_model(hp):
...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Choice("units", [4, 8]))])
...     model.compile("adam", "mse", metrics=[tfrank.PrecisionAtK(k=2)])
...     return model
>>> tuner = tfrank.tuners.RandomSearch(build_model, objective="val_precision_at_2", max_trials=2,
...                                    directory=tempfile.mkdtemp(), project_name="p")
>>> tuner.oracle.objective.name, tuner.oracle.objective.direction
('val_precision_at_2', 'max')
"""

from typing import Any

try:
    import keras_tuner
except ImportError as err:
    raise ImportError(f'tfrank.tuners needs keras-tuner ({err}). Install it with: pip install "tfrank[tuner]"') from err

from tfrank.tuning.objective import as_objective

__all__ = ["BayesianOptimization", "RandomSearch", "Hyperband", "GridSearch"]


class _TfrankObjectives:
    """Mixed in before a keras-tuner tuner: converts ``objective``, then runs the tuner's own __init__."""

    def __init__(self, hypermodel: Any = None, objective: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(hypermodel, as_objective(objective), *args, **kwargs)


class BayesianOptimization(_TfrankObjectives, keras_tuner.BayesianOptimization):
    """``keras_tuner.BayesianOptimization`` that reads tfrank log names as objectives ("max"; "min" for ARP).

    A Gaussian-process search. ``objective="val_ndcg_at_10"`` (or a list of names)
    becomes ``tfrank.objective("val_ndcg_at_10")``; any other objective is passed on
    unchanged.

    NOTE: keras-tuner's default ``num_initial_points`` is 3 x the number of
    hyperparameters, often the whole budget: give a smaller one.

    Args:
        hypermodel: ``build(hp)`` function or ``keras_tuner.HyperModel``; build the
            tfrank metrics inside it (fresh objects for every trial).
        objective: a tfrank log name, keras-tuner objective, or a list of them.
        *args: as ``keras_tuner.BayesianOptimization``.
        **kwargs: as ``keras_tuner.BayesianOptimization`` (``max_trials``,
            ``num_initial_points``, ``seed``, ``directory``, ``project_name``, ...).

    Example: ``tfrank.tuners.BayesianOptimization(build_model, objective="val_ndcg_at_10",
    max_trials=20, num_initial_points=5)`` with ``model.compile(...,
    metrics=[tfrank.NDCGAtK(k=10)])`` in ``build_model(hp)``.
    """


class RandomSearch(_TfrankObjectives, keras_tuner.RandomSearch):
    """``keras_tuner.RandomSearch`` that reads tfrank log names as objectives ("max"; "min" for ARP).

    Samples hyperparameters at random. ``objective="val_precision_at_10"`` (or a list
    of names) becomes ``tfrank.objective("val_precision_at_10")``; any other objective
    is passed on unchanged.

    Args:
        hypermodel: ``build(hp)`` function or ``keras_tuner.HyperModel``.
        objective: a tfrank log name, keras-tuner objective, or a list of them.
        *args: as ``keras_tuner.RandomSearch``.
        **kwargs: as ``keras_tuner.RandomSearch`` (``max_trials``, ``seed``, ...).

    Example: ``tfrank.tuners.RandomSearch(build_model, objective="val_precision_at_10",
    max_trials=10)`` with ``model.compile(..., metrics=[tfrank.PrecisionAtK(k=10)])``.
    """


class Hyperband(_TfrankObjectives, keras_tuner.Hyperband):
    """``keras_tuner.Hyperband`` that reads tfrank log names as objectives ("max"; "min" for ARP).

    Successive halving over epochs: many short trials, the best continued longer.
    ``objective="val_map_at_10"`` (or a list of names) becomes
    ``tfrank.objective("val_map_at_10")``; any other objective is passed on unchanged.

    Args:
        hypermodel: ``build(hp)`` function or ``keras_tuner.HyperModel``.
        objective: a tfrank log name, keras-tuner objective, or a list of them.
        *args: as ``keras_tuner.Hyperband``.
        **kwargs: as ``keras_tuner.Hyperband`` (``max_epochs``, ``factor``, ...).

    Example: ``tfrank.tuners.Hyperband(build_model, objective="val_map_at_10",
    max_epochs=27)`` with ``model.compile(..., metrics=[tfrank.MAPAtK(k=10)])``.
    """


class GridSearch(_TfrankObjectives, keras_tuner.GridSearch):
    """``keras_tuner.GridSearch`` that reads tfrank log names as objectives ("max"; "min" for ARP).

    Tries every combination of the (discrete) hyperparameters in order.
    ``objective="val_recall_at_5"`` (or a list of names) becomes
    ``tfrank.objective("val_recall_at_5")``; any other objective is passed on unchanged.

    Args:
        hypermodel: ``build(hp)`` function or ``keras_tuner.HyperModel``.
        objective: a tfrank log name, keras-tuner objective, or a list of them.
        *args: as ``keras_tuner.GridSearch``.
        **kwargs: as ``keras_tuner.GridSearch`` (``max_trials``, ...).

    Example: ``tfrank.tuners.GridSearch(build_model, objective="val_recall_at_5")``
    with ``model.compile(..., metrics=[tfrank.RecallAtK(k=5)])``.
    """
