"""The search behind ``tfrank demo``: a keras-tuner search that maximises a tfrank metric.

A small per-item scorer (an MLP applied to every item of a list, giving scores
``[B, N]``) is trained with ``tfrank.losses.SoftmaxLoss`` (list-wise softmax over the
valid items; ``loss=`` picks another of ``tfrank.losses.LOSSES``); keras-tuner tunes its
width, depth, dropout and learning rate on ``val_precision_at_{k}`` logged by
``tfrank.PrecisionAtK`` during ``model.fit``.
keras_tuner is imported inside the functions that need it; the tables, the trial comparison and
the plot are `tfrank.apps.report`'s.
"""

import os
import time
import warnings

import keras
import numpy as np

import tfrank

TUNERS = ("bayesian", "random")
# The metrics with a cut-off K that `tfrank demo --metric` can optimise, by log-name base.
METRICS = {
    cls.base: cls
    for cls in (tfrank.PrecisionAtK, tfrank.RecallAtK, tfrank.F1AtK, tfrank.HitRateAtK, tfrank.MRRAtK,
                tfrank.MAPAtK, tfrank.NDCGAtK, tfrank.DCGAtK)
}


def build_model(hp, n_features, k, metric="precision", loss="softmax"):
    """The hypermodel: tfrank metrics (and the loss, ``tfrank.losses.LOSSES[loss]``) are created
    here, inside build(hp), for every trial."""
    inputs = keras.Input(shape=(None, n_features), name="items")
    hidden = inputs
    for layer in range(hp.Int("layers", 1, 2)):
        hidden = keras.layers.Dense(hp.Int("units", 16, 128, step=16), activation="relu", name=f"dense_{layer}")(hidden)
        hidden = keras.layers.Dropout(hp.Float("dropout", 0.0, 0.5, step=0.1))(hidden)
    scores = keras.layers.Dense(1, name="score")(hidden)
    scores = keras.layers.Reshape((-1,), name="scores")(scores)
    model = keras.Model(inputs, scores)
    metric_cls = METRICS[metric]
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")),
        loss=tfrank.losses.LOSSES[loss](),
        metrics=[metric_cls(k=k)],
    )
    return model


def initial_points(max_trials):
    """Random trials before the Gaussian process takes over: at most a third of the budget.

    keras-tuner's default is 3 x the number of hyperparameters (12 here): with a
    smaller budget the whole "Bayesian" search would be random.
    """
    return max(1, min(3, max_trials // 3))


def make_tuner(kind, hypermodel, objective, *, max_trials, seed, directory, project, overwrite, on_trial=None):
    """A BayesianOptimization or RandomSearch tuner that reports each finished trial."""
    import keras_tuner

    base = {"bayesian": keras_tuner.BayesianOptimization, "random": keras_tuner.RandomSearch}[kind]
    extra = {"num_initial_points": initial_points(max_trials)} if kind == "bayesian" else {}

    class ReportingTuner(base):
        def on_trial_end(self, trial):
            super().on_trial_end(trial)
            if on_trial is not None:
                on_trial(kind, self.oracle.get_trial(trial.trial_id))

    return ReportingTuner(
        hypermodel,
        objective=objective,
        max_trials=max_trials,
        seed=seed,
        directory=directory,
        project_name=project,
        overwrite=overwrite,
        **extra,
    )


def trial_rows(tuner):
    """Finished trials in order: id, status, score (None if it failed), hyperparameters."""
    rows = []
    for trial_id, trial in sorted(tuner.oracle.trials.items(), key=lambda item: int(item[0])):
        score = trial.score
        rows.append(
            {
                "trial": int(trial_id),
                "status": str(trial.status),
                "score": None if score is None or not np.isfinite(score) else float(score),
                "hyperparameters": dict(trial.hyperparameters.values),
            }
        )
    return rows


def tune(kind, hypermodel, objective, data, *, max_trials, epochs, seed, out, project=None, resume=False,
         batch_size=64, on_trial=None, **fit_kwargs):
    """Runs one keras-tuner search of ``hypermodel`` on ``data`` (``x_train``, ``y_train``,
    ``x_val``, ``y_val``); returns ``(summary dict, tuner)``.

    The summary holds the objective, the best trial and its score, and every trial
    (`trial_rows`); ``fit_kwargs`` (e.g. ``class_weight``) go to every ``model.fit``.
    """
    import keras_tuner

    keras.utils.set_random_seed(seed)
    tuner = make_tuner(
        kind,
        hypermodel,
        objective,
        max_trials=max_trials,
        seed=seed,
        directory=os.path.join(out, "tuner"),
        project=project or kind,
        overwrite=not resume,
        on_trial=on_trial,
    )
    started = time.perf_counter()
    with warnings.catch_warnings():
        # scikit-learn's Gaussian process warns when a length scale hits its bound; harmless here.
        warnings.filterwarnings("ignore", message=".*close to the specified (lower|upper) bound")
        tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=epochs,
                     batch_size=batch_size, verbose=0, **fit_kwargs)
    rows = trial_rows(tuner)
    best = tuner.oracle.get_best_trials(1)
    if not best or best[0].score is None:
        raise RuntimeError(f"every trial of the {kind} search failed; see the keras-tuner output above")
    return {
        "tuner": kind,
        "objective": objective.name,
        "direction": objective.direction,
        "best_score": float(best[0].score),
        "best_trial": int(best[0].trial_id),
        "best_hyperparameters": dict(best[0].hyperparameters.values),
        "num_initial_points": initial_points(max_trials) if kind == "bayesian" else None,
        "trials": rows,
        "seconds": round(time.perf_counter() - started, 1),
        "keras_tuner": keras_tuner.__version__,
    }, tuner


def search(data, *, kind="bayesian", k=3, metric="precision", loss="softmax", max_trials=10, epochs=5, seed=0,
           out="tfrank-demo", resume=False, batch_size=64, on_trial=None):
    """Runs one search on `RankingData` maximising ``val_{metric}_at_{k}``; returns ``(summary, tuner)``."""
    n_features = data.x_train.shape[-1]
    return tune(
        kind,
        lambda hp: build_model(hp, n_features, k, metric, loss),
        tfrank.objective(f"val_{metric}_at_{k}"),
        data,
        max_trials=max_trials,
        epochs=epochs,
        seed=seed,
        out=out,
        resume=resume,
        batch_size=batch_size,
        on_trial=on_trial,
    )


# === Baselines: the objective without training, for scale ===


def baselines(data, metric="precision", k=3):
    """``{name: value}`` of ``val_{metric}_at_{k}`` for untrained rankings of the validation lists.

    ``random scores``: the expected value when every ordering of a list is equally
    likely (constant scores with ``ties="expected"``; for Precision@K it is the mean of
    n_rel / N). For the digits data also ``L1 pixel distance``: candidates ranked by the
    L1 distance of their pixels to the query's (the sum of the ``|q - c|`` features).
    """

    def value(scores, **options):
        metric_object = METRICS[metric](k=k, **options)
        metric_object.update_state(data.y_val, scores)
        return float(metric_object.result())

    values = {"random scores (expected)": value(np.zeros_like(data.y_val), ties="expected")}
    if data.name == "digits":
        pixels = data.x_val.shape[-1] // 2  # features [q * c, |q - c|]
        values["L1 pixel distance (untrained)"] = value(-data.x_val[..., pixels:].sum(axis=-1))
    return values
