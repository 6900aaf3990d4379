"""The exact threshold metrics' cost: update vs Keras' binned metrics, result() vs scikit-learn, fit.

Three tables, each a ratio of medians measured in one run on the same inputs:

* update: one ``update_state`` of `tfrank.ROCAUC` / `tfrank.PrecisionAtRecall` against
  Keras' ``AUC`` / ``PrecisionAtRecall`` (200 thresholds, their default) on a batch of
  scores ``[B]`` (1% positives), graph mode and XLA. tfrank's buffer is emptied (its
  count set to 0, eagerly, outside the timed function) before it would overflow;
* result: tfrank's ``result()`` over n examples already stored (one sort) against
  ``sklearn.metrics.roc_auc_score`` / ``average_precision_score`` on the same NumPy
  arrays, plus whether the values agree to 1e-5;
* fit: a ``model.fit`` epoch (training and validation) of a small fraud-sized model
  (30 features, two Dense(40) layers, 1% positives) with no metric, with tfrank's
  ROCAUC + PrecisionAtRecall(0.8) + AveragePrecision (``per_step=True``, and
  ``per_step=False``, the default), and with Keras' AUC + PrecisionAtRecall(0.8) + AUC(curve="PR").
  Keras reads every metric's ``result()`` after each step, so with ``per_step=True``
  tfrank's sort runs once per step on the rows seen so far.
"""

import statistics
import time

import numpy as np

FULL = {"batches": (1_024, 16_384), "examples": (100_000, 1_000_000),
        "fit": {"train": 65_536, "val": 16_384, "batch": 256, "repeats": 3}}
QUICK = {"batches": (64,), "examples": (1_000,), "fit": {"train": 512, "val": 256, "batch": 128, "repeats": 1}}
POSITIVES = 0.01
FEATURES = 30


class _Call:
    def __init__(self, fn, *args, before=None):
        self.fn, self.args, self.before = fn, args, before

    def call(self):
        if self.before:
            self.before()
        return self.fn(*self.args)


def _data(rng, n):
    y = (rng.random(n) < POSITIVES).astype(np.float32)
    return y, (2.0 * y + rng.normal(size=n)).astype(np.float32)  # logits of a decent model


def _update_rows(sizes, limits, say, rng):
    import keras
    import tensorflow as tf

    import tfrank
    from tfrank.bench import timing

    pairs = {"roc_auc": (tfrank.ROCAUC, lambda: keras.metrics.AUC(num_thresholds=200)),
             "precision_at_recall_80": (lambda: tfrank.PrecisionAtRecall(0.8),
                                        lambda: keras.metrics.PrecisionAtRecall(0.8, num_thresholds=200))}
    rows = []
    for batch in sizes["batches"]:
        y, logits = _data(rng, batch)
        y, s = tf.constant(y), tf.constant(1.0 / (1.0 + np.exp(-logits)))  # probabilities, Keras' grid's range
        for name, (ours, theirs) in pairs.items():
            ratios = {}
            for mode in ("graph", "xla"):
                runners = {}
                for who, make in (("tfrank", ours), ("keras", theirs)):
                    metric = make()

                    def update(y, s, metric=metric):
                        metric.update_state(y, s)  # a stateful op: runs although nothing is returned

                    def empty(metric=metric):  # tfrank's buffer: reset before it would overflow
                        if hasattr(metric, "capacity") and int(metric.count.numpy()) + batch > metric.capacity:
                            metric.count.assign(0)

                    runners[who] = _Call(tf.function(update, jit_compile=mode == "xla"), y, s, before=empty)
                for runner in runners.values():
                    runner.call()  # trace and compile
                measured = timing.measure(runners, limits)
                ratios[mode] = measured["tfrank"]["median"] / measured["keras"]["median"]
            say(f"  update, B={batch:,}, {name}: tfrank / Keras (200 thresholds) = "
                f"{ratios['graph']:.2f}x (graph), {ratios['xla']:.2f}x (XLA)")
            rows.append({"batch": batch, "metric": name, "tfrank_over_keras": ratios})
    return rows


def _result_rows(sizes, limits, say, rng):
    import tensorflow as tf
    from sklearn import metrics as skm

    import tfrank
    from tfrank.bench import timing

    pairs = {"roc_auc": (tfrank.ROCAUC, skm.roc_auc_score),
             "average_precision": (tfrank.AveragePrecision, skm.average_precision_score)}
    rows = []
    for n in sizes["examples"]:
        y, s = _data(rng, n)
        for name, (cls, sklearn_fn) in pairs.items():
            metric = cls(capacity=max(n, 1_024), per_step=True)  # result() compiled: graph and XLA
            for a in range(0, n, 65_536):
                metric.update_state(y[a:a + 65_536], s[a:a + 65_536])
            ratios, values = {}, {}
            for mode in ("graph", "xla"):
                result = tf.function(metric.result, jit_compile=mode == "xla")
                runners = {"tfrank": _Call(lambda result=result: result().numpy()), "sklearn": _Call(sklearn_fn, y, s)}
                values = {who: float(runner.call()) for who, runner in runners.items()}
                measured = timing.measure(runners, limits)
                ratios[mode] = measured["tfrank"]["median"] / measured["sklearn"]["median"]
            agree = abs(values["tfrank"] - values["sklearn"]) <= 1e-5
            say(f"  result, n={n:,}, {name}: tfrank / scikit-learn = {ratios['graph']:.2f}x (graph), "
                f"{ratios['xla']:.2f}x (XLA); values {'agree' if agree else 'DISAGREE'}")
            rows.append({"examples": n, "metric": name, "tfrank_over_sklearn": ratios, "agree": agree})
    return rows


def _fit_rows(size, say, seed):
    import keras

    import tfrank

    rng = np.random.default_rng(seed)
    n = size["train"] + size["val"]
    x = rng.normal(size=(n, FEATURES)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=n) > 3.3).astype(np.float32)  # about 1% positives
    variants = {
        "off": list,
        "tfrank": lambda: [tfrank.ROCAUC(per_step=True), tfrank.PrecisionAtRecall(0.8, per_step=True),
                            tfrank.AveragePrecision(per_step=True)],
        "tfrank_per_epoch": lambda: [tfrank.ROCAUC(per_step=False), tfrank.PrecisionAtRecall(0.8, per_step=False),
                                     tfrank.AveragePrecision(per_step=False)],
        "keras": lambda: [keras.metrics.AUC(), keras.metrics.PrecisionAtRecall(0.8), keras.metrics.AUC(curve="PR")],
    }
    models = {}
    for name, metrics in variants.items():
        keras.utils.set_random_seed(seed)
        model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(40, activation="relu"),
                                  keras.layers.Dense(40, activation="relu"), keras.layers.Dense(1)])
        model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True), metrics=metrics())
        models[name] = model
    split = size["train"]
    epochs = {name: [] for name in variants}
    for r in range(size["repeats"] + 1):  # round 0 traces the train and test steps and is dropped
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(x[:split], y[:split], batch_size=size["batch"], epochs=1, verbose=0, shuffle=False,
                      validation_data=(x[split:], y[split:]), validation_batch_size=size["batch"])
            if r:
                epochs[name].append(time.perf_counter() - start)
    median = {name: statistics.median(s) for name, s in epochs.items()}
    ratio = {name: median[name] / median["off"] for name in median if name != "off"}
    steps = -(-split // size["batch"])
    say(f"  fit: {split:,} training + {size['val']:,} validation examples, B={size['batch']}, {steps} steps: "
        + ", ".join(f"{name} {median[name]:.2f} s" for name in median)
        + f" | tfrank per_step=True {ratio['tfrank']:.2f}x, per_step=False {ratio['tfrank_per_epoch']:.2f}x, "
        f"Keras {ratio['keras']:.2f}x of metrics off")
    return [{"train": split, "val": size["val"], "batch": size["batch"], "steps": steps,
             "jit_compile": str(models["off"].jit_compile), "epoch_seconds": median, "over_metrics_off": ratio,
             "rounds": size["repeats"]}]


def run(device, limits, quick=False, say=print, seed=0):
    """``{"update": rows, "result": rows, "fit": rows}`` (see the module docstring)."""
    import tensorflow as tf

    sizes = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    with tf.device(device):
        return {"update": _update_rows(sizes, limits, say, rng), "result": _result_rows(sizes, limits, say, rng),
                "fit": _fit_rows(sizes["fit"], say, seed)}


def table(results):
    """Markdown lines for results.md."""
    out = ["### Exact threshold metrics", "",
           "`update_state`, tfrank ÷ Keras' binned metric (200 thresholds):", "",
           "| B | metric | graph | XLA |", "|---:|---|---:|---:|"]
    for row in results["update"]:
        ratio = row["tfrank_over_keras"]
        out.append(f"| {row['batch']:,} | `{row['metric']}` | {ratio['graph']:.2f} | {ratio['xla']:.2f} |")
    out += ["", "`result()` over n stored examples, tfrank ÷ scikit-learn on the same arrays:", "",
            "| n | metric | graph | XLA | same value |", "|---:|---|---:|---:|---|"]
    for row in results["result"]:
        ratio = row["tfrank_over_sklearn"]
        out.append(f"| {row['examples']:,} | `{row['metric']}` | {ratio['graph']:.2f} | {ratio['xla']:.2f} | "
                   f"{'yes' if row['agree'] else '**no**'} |")
    out += ["", "`model.fit` epoch (training + validation), three metrics ÷ metrics off:", "",
            "| training | validation | B | steps | tfrank, `per_step=True` | tfrank, `per_step=False` | Keras (binned) |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    for row in results["fit"]:
        ratio = row["over_metrics_off"]
        out.append(f"| {row['train']:,} | {row['val']:,} | {row['batch']} | {row['steps']} | "
                   f"{ratio['tfrank']:.2f} | {ratio['tfrank_per_epoch']:.2f} | {ratio['keras']:.2f} |")
    return out + [""]
