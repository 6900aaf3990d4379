"""The search behind ``tfrank demo``: a keras-tuner search that maximises a tfrank metric.

A small per-item scorer (an MLP applied to every item of a list, giving scores
``[B, N]``) is trained with ``tfrank.losses.SoftmaxLoss`` (list-wise softmax over the
valid items); keras-tuner tunes its width, depth, dropout and learning rate on
``val_precision_at_{k}`` logged by ``tfrank.PrecisionAtK`` during ``model.fit``.
keras_tuner and matplotlib are imported inside the functions that need them.
"""

import json
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


def build_model(hp, n_features, k, metric="precision"):
    """The hypermodel: tfrank metrics are created here, inside build(hp), for every trial."""
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
        loss=tfrank.losses.SoftmaxLoss(),
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


def search(data, *, kind="bayesian", k=3, metric="precision", max_trials=10, epochs=5, seed=0, out="tfrank-demo",
           resume=False, batch_size=64, on_trial=None):
    """Runs one search on `RankingData` maximising ``val_{metric}_at_{k}``; returns ``(summary, tuner)``."""
    n_features = data.x_train.shape[-1]
    return tune(
        kind,
        lambda hp: build_model(hp, n_features, k, metric),
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


# === Reporting ===


def best_so_far(scores):
    """Running maximum, skipping failed trials (None): ``[0.2, None, 0.5, 0.4] -> [0.2, 0.2, 0.5, 0.5]``."""
    best, out = None, []
    for score in scores:
        if score is not None and (best is None or score > best):
            best = score
        out.append(best)
    return out


def table(result):
    """A fixed-width text table of a search's trials, the best one starred."""
    names = list(dict.fromkeys(name for row in result["trials"] for name in row["hyperparameters"]))
    header = ["trial", *names, result["objective"], "best so far"]
    lines = []
    for row, best in zip(result["trials"], best_so_far([r["score"] for r in result["trials"]])):
        values = [_fmt(row["hyperparameters"].get(name)) for name in names]
        score = "failed" if row["score"] is None else f"{row['score']:.4f}"
        star = " *" if row["trial"] == result["best_trial"] else ""
        lines.append([str(row["trial"]), *values, score + star, "" if best is None else f"{best:.4f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    render = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([render(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(render, lines)])


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


TUNER_LABELS = {"bayesian": "BayesianOptimization", "random": "RandomSearch"}
CEILING_LABEL = "perfect ranking (ceiling)"


def plot(results, path, baselines=None, ceiling=None):
    """Writes `figure`'s PNG to ``path``; returns ``path``."""
    from matplotlib import pyplot as plt

    fig = figure(results, baselines=baselines, ceiling=ceiling)
    fig.savefig(path)
    plt.close(fig)
    return path


def figure(results, baselines=None, ceiling=None):
    """Every trial's objective (dots) and the best so far (step line), one colour per search.

    Searches with the same objective share a panel; each other objective gets its own.
    ``baselines`` (`baselines`' dict) are drawn as dashed lines on the first panel, and
    ``ceiling`` (the best value any ranking reaches, e.g. `tfrank.apps.retrieval_demo.ceiling`)
    as a solid line.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.ticker
    from matplotlib import pyplot as plt

    objectives = list(dict.fromkeys(result["objective"] for result in results))
    fig, axes = plt.subplots(1, len(objectives), figsize=(7 * len(objectives), 4), dpi=120, squeeze=False)
    colours = iter(("tab:blue", "tab:orange", "tab:green", "tab:red"))
    for ax, objective in zip(axes[0], objectives):
        shown = [result for result in results if result["objective"] == objective]
        for result in shown:
            _plot_search(ax, result, next(colours))
        initial = shown[0].get("num_initial_points")
        if initial:
            ax.axvspan(-0.5, initial - 0.5, color="0.9", zorder=0, label=f"{TUNER_LABELS['bayesian']}: random start")
        if baselines and objective == objectives[0]:
            for (name, value), style in zip(baselines.items(), (":", "--")):
                ax.axhline(value, linestyle=style, color="0.35", label=f"{name}: {value:.3f}")
        if ceiling is not None and objective == objectives[0]:
            ax.axhline(ceiling, linestyle="-", color="black", linewidth=1.2,
                       label=f"{CEILING_LABEL}: {ceiling:.3f}")
        ax.set_xlabel("trial")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel(objective)
        ax.set_title(f"keras-tuner maximising {objective}")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def _plot_search(ax, result, colour):
    trials = [row["trial"] for row in result["trials"]]
    scores = [row["score"] for row in result["trials"]]
    label = TUNER_LABELS[result["tuner"]]
    ax.plot(trials, [np.nan if s is None else s for s in scores], "o", color=colour, alpha=0.6, label=f"{label}: trial")
    ax.step(trials, [np.nan if s is None else s for s in best_so_far(scores)], where="post", color=colour,
            label=f"{label}: best so far")


def write_results(summary, path):
    with open(path, "w") as f:
        json.dump(summary, f, indent=2, default=str)
    return path
