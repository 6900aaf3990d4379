"""A small fraud-style data set: rare positives, shipped with scikit-learn (no download).

scikit-learn's bundled Wisconsin breast-cancer data (569 tumours, 30 numeric features,
212 malignant) with the malignant class as the rare "fraud" class: all 357 benign
examples are kept and malignant ones are subsampled until they make up
``positive_rate`` of the examples (19 of 376 at the default 5%). The split into train
and validation is stratified, so validation holds its share of the few positives, and
features are standardised with the training mean and standard deviation.

It stands in for the imbalanced fraud data of the BayesianOptimization tutorial that
tfrank's users follow (seed 002): tune on ``val_precision_at_budget_B`` (of the B
highest-scored validation cases, how many are positive) or on an exact threshold metric
such as ``val_precision_at_recall_80`` (seed 000's question) instead of ``val_recall``.
`search` is ``tfrank demo --task fraud``: the tutorial's hypermodel tuned twice, on
``val_recall`` and on one of `OBJECTIVES`, with `comparison_table` of what each selects
and, per search, its top trials compared with its best (`tfrank.apps.report.compare`).
Needs scikit-learn and keras-tuner (``pip install "tfrank[demo]"``); both are imported
only when called.
"""

import typing
import warnings

import numpy as np

# The dataset-level objectives the second search can maximise (``tfrank demo --task fraud
# --objective``); "precision_at_budget" takes B from ``budget``. tfrank_cli.demo lists the
# same names (a test keeps them equal).
OBJECTIVES = ("precision_at_budget", "precision_at_recall_80", "roc_auc", "average_precision")
# The threshold metrics keep every example of an epoch: the whole data set has 569.
CAPACITY = 1024


class FraudData(typing.NamedTuple):
    """Arrays for ``model.fit(x_train, y_train, validation_data=(x_val, y_val))``.

    x: float32 ``[n, 30]``; y: float32 ``[n]`` with 1.0 = positive ("fraud").
    class_weight: ``{0: w0, 1: w1}``, scikit-learn's "balanced" weights on the
    training split (as the tutorial passes to ``fit``).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_weight: dict


def load_fraud(*, positive_rate=0.05, val_fraction=0.4, seed=0):
    """Breast-cancer data subsampled to a rare positive class, split into train/validation.

    Args:
        positive_rate: share of positives after subsampling, in (0, 0.372] (the
            full data set has 212 malignant of 569, 37.2%).
        val_fraction: share of each class put in the validation split, in (0, 1).
        seed: seed of the subsampling and of the split (same seed, same arrays).

    Returns:
        `FraudData`.

    Example:

    >>> from tfrank.apps.fraud import load_fraud
    >>> data = load_fraud()
    >>> data.x_train.shape, data.x_val.shape
    ((225, 30), (151, 30))
    >>> int(data.y_train.sum()), int(data.y_val.sum())
    (11, 8)
    """
    from sklearn.datasets import load_breast_cancer

    from tfrank.engine import validation

    if not isinstance(positive_rate, float) or not 0.0 < positive_rate <= 212 / 569:
        raise validation.invalid("positive_rate", positive_rate, "a float in (0, 0.372]")
    if not isinstance(val_fraction, float) or not 0.0 < val_fraction < 1.0:
        raise validation.invalid("val_fraction", val_fraction, "a float in (0, 1)")
    x, target = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    negatives = np.flatnonzero(target == 1)  # benign
    malignant = np.flatnonzero(target == 0)
    n_pos = max(2, round(positive_rate / (1.0 - positive_rate) * len(negatives)))
    positives = rng.choice(malignant, size=min(n_pos, len(malignant)), replace=False)

    train, val = [], []
    for members in (negatives, positives):
        members = rng.permutation(members)
        n_val = max(1, round(val_fraction * len(members)))
        val.append(members[:n_val])
        train.append(members[n_val:])
    train, val = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))

    y = (target == 0).astype(np.float32)
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)

    def scale(rows):
        return ((x[rows] - mean) / std).astype(np.float32)

    counts = np.bincount(y[train].astype(int), minlength=2)
    class_weight = {c: float(len(train) / (2 * counts[c])) for c in (0, 1)}
    return FraudData(scale(train), y[train], scale(val), y[val], class_weight)


# === The fraud search of ``tfrank demo --task fraud`` ===


def build_model(hp, n_features, budget, positive_rate):
    """The tutorial's hypermodel (seed 002): two tuned Dense + Dropout layers and a sigmoid.

    It compiles the tutorial's thresholded metrics, tfrank's budget metrics and tfrank's
    exact threshold metrics, so every trial logs them all and any can be the objective.
    The output bias starts at the log-odds of the positive rate, as in the tutorial.
    """
    import keras

    import tfrank

    model = keras.Sequential([keras.Input((n_features,))])
    for layer in (1, 2):
        model.add(keras.layers.Dense(hp.Int(f"neurons{layer}", 20, 60, step=10), activation="relu"))
        model.add(keras.layers.Dropout(hp.Float(f"dropout_rate{layer}", 0.0, 0.5, step=0.1)))
    bias = keras.initializers.Constant(float(np.log(positive_rate / (1.0 - positive_rate))))
    model.add(keras.layers.Dense(1, activation="sigmoid", bias_initializer=bias))
    model.compile(
        optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")),
        loss="binary_crossentropy",
        metrics=[
            keras.metrics.Precision(name="precision"),
            keras.metrics.Recall(name="recall"),
            tfrank.PrecisionAtBudget(budget=budget),
            tfrank.RecallAtBudget(budget=budget),
            tfrank.PrecisionAtRecall(0.8, capacity=CAPACITY),
            tfrank.ROCAUC(capacity=CAPACITY),
            tfrank.AveragePrecision(capacity=CAPACITY),
        ],
    )
    return model


def objective_names(budget, objective="precision_at_budget"):
    """The two objectives the fraud demo compares: the tutorial's and tfrank's (one of `OBJECTIVES`)."""
    if objective not in OBJECTIVES:
        from tfrank.engine import validation

        raise validation.invalid("objective", objective, "one of " + ", ".join(map(repr, OBJECTIVES)))
    return ("val_recall", f"val_precision_at_budget_{budget}" if objective == "precision_at_budget" else f"val_{objective}")


def compared_metrics(budget, objectives):
    """The metrics `compare_selected` compares the selected models on: the searches' objectives
    first (in search order), then the other dataset-level metrics the models log (budget and threshold)."""
    names = [name[len("val_"):] for name in objectives]
    others = [f"precision_at_budget_{budget}", "precision_at_recall_80", "roc_auc", "average_precision"]
    return names + [name for name in others if name not in names]


def selected_model_row(tuner, data, summary):
    """What the model a search selected does on the validation split: ``(row of the comparison
    table, its scores [n])``."""
    with warnings.catch_warnings():
        # The checkpoint holds the optimizer's state too; only the weights are needed here.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]
    logs = model.evaluate(data.x_val, data.y_val, batch_size=len(data.y_val), verbose=0, return_dict=True)
    scores = model.predict(data.x_val, verbose=0).reshape(-1)
    scored = [row["score"] for row in summary["trials"] if row["score"] is not None]
    row = {"objective": summary["objective"], "best_trial": summary["best_trial"],
           "trials_tied_at_best": sum(score == summary["best_score"] for score in scored),
           "alerts_at_0.5": int(np.sum(scores > 0.5))}
    row.update({f"val_{name}": float(value) for name, value in logs.items() if name != "loss"})
    return row, scores


def search(data, *, budget=10, objective="precision_at_budget", max_trials=10, epochs=30, seed=0,
           out="tfrank-demo", resume=False, batch_size=32, on_trial=None):
    """Two Bayesian searches with the same budget: on ``val_recall`` and on tfrank's ``objective``
    (one of `OBJECTIVES`: ``val_precision_at_budget_B`` by default).

    Returns ``(summaries, selected)``: one summary per objective (`tfrank.apps.demo.tune`'s,
    plus ``"selected"``: the selected model's validation metrics, `selected_model_row`, and
    ``"trial_comparison"``: the search's top trials compared with its best on its own
    objective, `tfrank.apps.report.compare`), tfrank's objective first, and `compare_selected`
    of the selected models on `compared_metrics`. Every metric is compared over the validation
    examples (a dataset-level metric registered in `tfrank.stats`: the paired bootstrap, DeLong's
    test for ROC AUC): an objective added to `OBJECTIVES` and compiled in `build_model` is
    compared the same way.
    """
    import keras_tuner

    import tfrank
    from tfrank.apps import demo, report

    positive_rate = float(np.mean(data.y_train))
    summaries, scores = [], {}
    for name in reversed(objective_names(budget, objective)):
        objective = keras_tuner.Objective(name, "max") if name == "val_recall" else tfrank.objective(name)
        summary, tuner = demo.tune(
            "bayesian",
            lambda hp: build_model(hp, data.x_train.shape[1], budget, positive_rate),
            objective,
            data,
            max_trials=max_trials,
            epochs=epochs,
            seed=seed,
            out=out,
            project=name,
            resume=resume,
            batch_size=batch_size,
            on_trial=None if on_trial is None else (lambda kind, trial, name=name: on_trial(name, trial)),
            class_weight=data.class_weight,
        )
        summary["selected"], scores[name] = selected_model_row(tuner, data, summary)
        summary["trial_comparison"] = report.compare(tuner, data.x_val, data.y_val, split=split_name(data), seed=seed)
        summaries.append(summary)
    return summaries, compare_selected(data, scores, metrics=compared_metrics(budget, list(scores)), seed=seed)


def split_name(data):
    return f"validation split ({len(data.y_val)} examples, {int(data.y_val.sum())} positives)"


def _metric(name):
    """A metric by its log name, as `tfrank.stats.compare_examples` takes it."""
    import keras

    return keras.metrics.Recall() if name == "recall" else name  # tfrank's: by log name


def compare_selected(data, scores, *, metrics=None, seed=0):
    """The models the searches selected, compared on several metrics over the same validation
    examples: the first search's choice against each other's, one paired test per metric
    (`tfrank.stats.compare_examples`: the bootstrap, DeLong's test for ``roc_auc``).

    Args:
        data: `FraudData`.
        scores: ``{objective: the selected model's validation scores [n]}``, in search order.
        metrics: log names (``recall``, ``precision_at_budget_10``, ``roc_auc`` ...); default:
            the objectives' own.
        seed: the seed of the resamples.

    Returns:
        A JSON dict: ``rows`` (``metric``, ``a`` and ``b`` the objectives that selected the two
        models, ``value_a``, ``value_b``, ``difference`` = a - b, ``ci``, ``p_value``, ``test``),
        ``n``, ``split``, ``test`` and ``verdict``.
    """
    import tfrank

    names = list(scores)
    rows = []
    for name in metrics or [objective[len("val_"):] for objective in names]:
        metric = _metric(name)
        for other in names[1:]:
            pair = tfrank.stats.compare_examples(metric, data.y_val, scores[names[0]], scores[other], seed=seed)
            values = [tfrank.stats.example_ci(metric, data.y_val, scores[o], seed=seed).mean for o in (names[0], other)]
            rows.append({"metric": name, "a": names[0], "b": other, "value_a": values[0], "value_b": values[1],
                         "difference": pair.difference, "ci": list(pair.ci), "p_value": pair.p_value,
                         "test": pair.test})
    split = split_name(data)
    separated = [row for row in rows if row["p_value"] < 0.05]
    if not separated:
        verdict = (f"no metric tells the selected models apart at p < 0.05: this {split} cannot say which "
                   "search chose the better model.")
    else:
        verdict = "; ".join(
            f"on {row['metric']}, the model {row['a'] if row['difference'] > 0 else row['b']} selected scores "
            f"higher (p = {row['p_value']:.2g})" for row in separated) + (
            ", on the split both searches selected on (each model is favoured there on its own objective).")
    tests = sorted({row["test"] for row in rows})
    return {"rows": rows, "n": len(data.y_val), "split": split, "test": " and ".join(tests), "verdict": verdict}


def selected_text(comparison):
    """The printed `compare_selected`: a heading, a markdown table, the verdict."""
    lines = [f"The selected models compared on the same {comparison['split']}, one paired test per metric "
             "(the bootstrap over the examples; DeLong's for roc_auc):",
             "| metric | selected by | value | against the model selected by | value | difference | 95% CI | p | test |",
             "|---|---|---:|---|---:|---:|---|---:|---|"]
    for r in comparison["rows"]:
        lines.append(f"| {r['metric']} | {r['a']} | {r['value_a']:.3f} | {r['b']} | {r['value_b']:.3f} | "
                     f"{r['difference']:.3f} | [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | {r['p_value']:.3f} | "
                     f"{r.get('test', 'bootstrap')} |")
    return "\n".join(lines + [f"Verdict: {comparison['verdict']}"]) + "\n"


def comparison_table(summaries, budget):
    """Markdown table: per objective, the selected model's validation metrics, and a note.

    The note says that the rows come from two separate searches: trial numbers count
    within each search, and each search trains its own models, so the same trial number
    and hyperparameters can show different values.
    """
    columns = ["objective", "best_trial", "trials_tied_at_best", "val_recall", "val_precision", "alerts_at_0.5",
               f"val_precision_at_budget_{budget}", f"val_recall_at_budget_{budget}", "val_precision_at_recall_80",
               "val_roc_auc", "val_average_precision"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for summary in summaries:
        row = summary["selected"]
        cells = [f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("(one search per row: best_trial counts within that search, and each search trains its own "
                 "models, so equal trial numbers and hyperparameters can give different values)")
    return "\n".join(lines)
