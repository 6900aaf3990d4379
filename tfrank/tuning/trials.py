"""`compare_trials`: is the best trial of a finished keras-tuner search really better than the next ones?

Public as ``tfrank.tuners.compare_trials``. It needs no keras_tuner import of its own:
it reads the tuner's public API (``oracle.get_best_trials``, ``oracle.objective``,
``load_model``) and the models' public one (``model.metrics``, ``get_compile_config``).
"""

import contextlib
import gc
import logging
import typing

import keras

from tfrank._types import Seed

from tfrank.engine import validation
from tfrank.stats import checks, dataset
from tfrank.stats.evaluate import per_example, per_list
from tfrank.stats.examples import DEFAULT_RESAMPLES, compare_examples_many
from tfrank.stats.many import compare_many
from tfrank.tuning.trial_report import TrialComparison, TrialRow

PER_LIST_RESAMPLES = 10_000


# === Which metric ===


def _log_names(metric):
    return list(metric.result_names()) if hasattr(metric, "result_names") else [metric.name]


def _compiled(model):
    """The model's compiled metric objects: built ones first, else rebuilt from its compile config."""
    found = []
    for metric in getattr(model, "metrics", []):
        inner = getattr(metric, "metrics", None)  # Keras' CompileMetrics container, once built
        found += list(inner) if isinstance(inner, (list, tuple)) else [metric]
    found = [m for m in found if hasattr(m, "result_names") or dataset.entry_of(m) is not None]
    if found or not hasattr(model, "get_compile_config"):
        return found
    config = model.get_compile_config() or {}
    queue, rebuilt = [config.get("metrics"), config.get("weighted_metrics")], []
    while queue:  # in the compiled order
        item = queue.pop(0)
        if isinstance(item, (list, tuple)):
            queue[:0] = list(item)
        elif isinstance(item, dict) and "class_name" not in item:
            queue[:0] = list(item.values())
        elif isinstance(item, dict):
            rebuilt.append(keras.saving.deserialize_keras_object(item))
    return [m for m in rebuilt if hasattr(m, "result_names") or dataset.entry_of(m) is not None]


def _objective_name(tuner, required):
    """The tuner's objective without ``val_``; None (or the error, when ``required``) if it has none."""
    objective = getattr(getattr(tuner, "oracle", None), "objective", None)
    name = getattr(objective, "name", None)
    if not isinstance(name, str) or hasattr(objective, "objectives") or name == "default_objective":
        if not required:
            return None
        raise validation.invalid("metric", None, "a log name or metric object when the tuner has no single named "
                                 f"objective (its objective: {objective!r})")
    return name[len("val_"):] if name.startswith("val_") else name


def _find(model, name, trial_id):
    """``(metric object, log name)`` of ``name`` among the model's compiled metrics."""
    candidates = _compiled(model)
    for metric in candidates:
        if name in _log_names(metric):
            return metric, name
    try:
        return dataset.resolve(name)[0], name  # a dataset-level metric needs no compiled object
    except (TypeError, ValueError):
        pass
    found = [n for m in candidates for n in _log_names(m)]
    raise validation.invalid("metric", name, f"a log name of a tfrank metric compiled in trial {trial_id}'s model "
                             f"(found: {', '.join(found) or 'no tfrank metric'})")


def _chosen(metric, model, trial_id, objective):
    """``(metric object, log name)`` for one trial's model."""
    if metric is None or isinstance(metric, str):
        name = objective if metric is None else (metric[4:] if metric.startswith("val_") else metric)
        return _find(model, name, trial_id)
    if callable(metric) and not isinstance(metric, keras.metrics.Metric):
        metric = metric(model)  # a factory: one metric object per trial model
    if not (hasattr(metric, "result_names") or dataset.entry_of(metric) is not None):
        raise validation.invalid("metric", metric, "None, a log name, a tfrank metric object or a function "
                                 "model -> tfrank metric object", TypeError)
    names = _log_names(metric)
    if len(names) == 1:
        return metric, names[0]
    if objective in names:
        return metric, objective
    raise validation.invalid("metric", metric, f"a metric with one log name, or a log name (this one logs {names})")


# === The comparison ===


def _not_retracing(record):
    return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _loading():
    """Around loading the trials' models: hides TensorFlow's "triggered tf.function retracing"
    warning (only that one: each trial's model is a new function to trace, by design, not the
    mistake the warning is about), and freezes the objects alive before it (``gc.freeze``):
    keras-tuner's ``load_model`` runs two full ``gc.collect()`` per trial, each then looking
    only at the objects that loading creates, not at the whole process (60% of the time of
    a 5-trial comparison after ``tfrank demo``'s search, measured, before)."""
    logger = logging.getLogger("tensorflow")
    logger.addFilter(_not_retracing)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        logger.removeFilter(_not_retracing)


def compare_trials(tuner: typing.Any, x: typing.Any, y: typing.Any = None, *, top: int = 5, metric: typing.Any = None,
                   test: str = "randomization", correction: typing.Optional[str] = "holm", seed: Seed = None,
                   batch_size: typing.Optional[int] = None, sample_weight: typing.Any = None,
                   n_resamples: typing.Optional[int] = None, confidence: float = 0.95,
                   alpha: float = 0.05) -> TrialComparison:
    """The ``top`` best trials of a finished search, re-evaluated on ``x``, each compared with the best.

    Takes ``tuner.oracle.get_best_trials(top)`` (best first), loads each trial's best
    model (``tuner.load_model(trial)``, what ``tuner.get_best_models`` returns, one at a
    time), evaluates the metric on the data given and compares every trial with the best
    one, paired over the same data: per-list metrics with `tfrank.stats.per_list` and
    `tfrank.stats.compare_many` (``test``), dataset-level ones (`tfrank.PrecisionAtBudget`,
    Keras' thresholded ``keras.metrics.Recall`` of a ``val_recall`` search, ...) with
    `tfrank.stats.per_example` and a paired bootstrap over the examples
    (`tfrank.stats.compare_examples_many`). p-values are corrected for the ``top - 1``
    comparisons; ``tied_with_best`` marks the trials the data cannot tell from the best.

    NOTE (the winner's curse): on the split the search selected on, the best trial's
    value is biased upward (it won partly by luck on those lists, and more so the more
    trials were run), so its lead over the others is overstated there. Pass held-out
    data the search never saw where there is some; on the search's own validation split
    read a "tie" as a tie, but a "difference" only as a hint. The baseline is the
    search's best trial even where another trial scores higher on the data given.

    Args:
        tuner: a finished keras-tuner tuner (tfrank.tuners' or keras-tuner's own).
        x: the data, as in `tfrank.stats.per_list`
        y: the data, as in `tfrank.stats.per_list`
        batch_size: the data, as in `tfrank.stats.per_list`
        sample_weight: the data, as in `tfrank.stats.per_list`
            (arrays, or a ``tf.data.Dataset`` of ``(x, y)`` / ``(x, y, sample_weight)``
            batches in a fixed order).
        top: how many of the best trials (default 5; fewer when fewer completed).
        metric: None (default: the tuner's objective without ``val_``, found among each
            trial model's compiled tfrank metrics), a log name, a metric object (then
            used for every model), or a function ``model -> metric object`` called for
            each trial's model (e.g. a `tfrank.RetrievalMetrics` on that model's own
            candidate tower: a compiled config holds no candidates).
        test: ``"randomization"`` (default), ``"t"`` or ``"bootstrap"`` for per-list
            metrics; dataset-level metrics always use the paired bootstrap (or their own test).
        correction: ``"holm"`` (default), ``"bonferroni"`` or None.
        seed: None, an int or a ``numpy.random.Generator``.
        n_resamples: default 10,000 (per-list), 2,000 (dataset-level).
        confidence: the level of the intervals (default 0.95).
        alpha: ``tied_with_best`` is ``p_value >= alpha`` (default 0.05).

    Returns:
        A `TrialComparison` (``rows``, ``metric``, ``test``, ``correction``, ``n``,
        ``to_markdown()``, ``to_json()``, ``plot(path)``).

    Example: ``tfrank.tuners.compare_trials(tuner, x_test, y_test, top=5, seed=0)``
    then ``print(result.to_markdown())`` and ``result.plot("trials.png")``.
    """
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise validation.invalid("top", top, "a positive int (how many of the best trials)")
    checks.choice("test", test, checks.TESTS)
    checks.choice("correction", correction, checks.CORRECTIONS)
    confidence, alpha = checks.confidence(confidence), checks.alpha(alpha)
    trials = tuner.oracle.get_best_trials(top)
    if not trials:
        raise validation.invalid("tuner", tuner, "a tuner with at least one completed trial (run search() first)")
    objective = _objective_name(tuner, required=metric is None)
    ids = [str(trial.trial_id) for trial in trials]
    values, name, level = {}, None, None
    with _loading():
        for trial_id, trial in zip(ids, trials):
            model = tuner.load_model(trial)
            chosen, name = _chosen(metric, model, trial_id, objective)
            if dataset.entry_of(chosen) is not None:
                level, metric_object = "examples", chosen
                y_true, values[trial_id], weights = per_example(model, x, y, batch_size=batch_size,
                                                                sample_weight=sample_weight)
            else:
                level = "lists"
                values[trial_id] = per_list(model, x, y, metrics=[chosen], batch_size=batch_size,
                                            sample_weight=sample_weight)[name]
            del model
    if level == "examples":
        rows = compare_examples_many(metric_object, y_true, values, baseline=ids[0], sample_weight=weights,
                                     correction=correction, n_resamples=n_resamples or DEFAULT_RESAMPLES,
                                     confidence=confidence, seed=seed)
        used_test = dataset.entry_of(metric_object).test
        n = len(y_true)
    else:
        rows = compare_many(values, baseline=ids[0], test=test, correction=correction,
                            n_resamples=n_resamples or PER_LIST_RESAMPLES, confidence=confidence, seed=seed)
        used_test = test
        n = rows[0].n
    out = []
    for trial, row in zip(trials, rows):
        tied = row.p_value is None or row.p_value >= alpha
        out.append(TrialRow(row.name, dict(trial.hyperparameters.values), trial.score, row.mean, row.mean_ci,
                            row.difference, row.ci, row.p_value, row.p_raw, tied))
    return TrialComparison(out, name, used_test, correction, n, level, confidence, alpha)
