"""What tfrank metrics add to a ``model.fit`` epoch: the same model and data, metrics on vs off.

A retrieval-style model (features -> Dense(64) -> Dense(N) scores over N items) is
trained on random data with Keras' defaults (``jit_compile="auto"``, which is off on
CPU). Identical copies are fitted one epoch at a time, alternating, and each epoch is
timed by a callback from its first to its last batch; the figure is the ratio of
median epoch times. Two label setups: class ids with sparse categorical cross-entropy
(PrecisionAtK and RecallAtK on the class ids) and multi-hot labels (R relevant items
per list) with binary cross-entropy (the same two metrics on dense labels, and Keras'
``Precision(top_k=K)`` for comparison).
"""

import statistics
import time

import numpy as np

FULL = {"batch": 256, "items": 10_000, "steps": 8, "features": 32, "k": 10, "relevant": 5, "repeats": 3}
QUICK = {"batch": 16, "items": 64, "steps": 2, "features": 8, "k": 5, "relevant": 3, "repeats": 1}


class _EpochTimer:
    def __init__(self):
        import keras

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds = time.perf_counter() - self.start

        self.callback = Timer()


def _model(size, loss, metrics, seed):
    import keras

    keras.utils.set_random_seed(seed)  # the same initial weights for every copy
    model = keras.Sequential([
        keras.Input((size["features"],)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(size["items"]),
    ])
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model


def _data(size, seed):
    rng = np.random.default_rng(seed)
    count = size["batch"] * size["steps"]
    x = rng.normal(size=(count, size["features"])).astype(np.float32)
    classes = rng.integers(0, size["items"], size=count).astype(np.int32)
    ids = np.stack([rng.choice(size["items"], size["relevant"], replace=False) for _ in range(count)])
    dense = np.zeros((count, size["items"]), np.float32)
    np.put_along_axis(dense, ids, 1.0, axis=1)
    return x, classes, dense


def _setups(size, classes, dense):
    import keras

    import tfrank

    k = size["k"]

    def ours():
        return [tfrank.PrecisionAtK(k=k), tfrank.RecallAtK(k=k)]

    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    binary = keras.losses.BinaryCrossentropy(from_logits=True)
    return [
        ("class ids", "sparse categorical cross-entropy", classes, sparse, {"off": [], "tfrank": ours()}),
        (f"multi-hot (R={size['relevant']})", "binary cross-entropy", dense, binary,
         {"off": [], "tfrank": ours(), "keras_precision": [keras.metrics.Precision(top_k=k)]}),
    ]


def run(device, quick=False, say=print, seed=0):
    """Returns one dict per label setup: median epoch seconds and ratios to metrics off."""
    import tensorflow as tf

    size = QUICK if quick else FULL
    x, classes, dense = _data(size, seed)
    rows = []
    for labels, loss_name, y, loss, variants in _setups(size, classes, dense):
        say(f"  fit: {labels}, {loss_name}, B={size['batch']} N={size['items']}, {size['steps']} steps per epoch")
        with tf.device(device):
            models = {name: _model(size, loss, metrics, seed) for name, metrics in variants.items()}
            timers = {name: _EpochTimer().callback for name in variants}
            epochs = {name: [] for name in variants}
            for r in range(size["repeats"] + 1):  # round 0 traces the train step and is dropped
                for name, model in models.items():
                    model.fit(x, y, batch_size=size["batch"], epochs=1, verbose=0, shuffle=False,
                              callbacks=[timers[name]])
                    if r:
                        epochs[name].append(timers[name].seconds)
        median = {name: statistics.median(s) for name, s in epochs.items()}
        ratio = {name: median[name] / median["off"] for name in median if name != "off"}
        say("    " + ", ".join(f"{n}: {median[n]:.3f} s/epoch" for n in median)
            + " | " + ", ".join(f"{n} {v:.2f}x" for n, v in ratio.items()))
        rows.append({
            "labels": labels, "loss": loss_name, **{key: size[key] for key in ("batch", "items", "steps", "k")},
            "jit_compile": str(models["off"].jit_compile), "epoch_seconds": median, "over_metrics_off": ratio,
            "rounds": size["repeats"],
        })
    return rows
