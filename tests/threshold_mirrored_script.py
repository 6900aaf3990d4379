"""Run by tests/test_threshold_fit.py in a subprocess: threshold metrics under MirroredStrategy on 2 CPUs.

Logical devices must be configured before TensorFlow initialises its devices, hence a
fresh process. Prints one JSON line: what model.evaluate / model.fit's validation logged
(plain, with per_step=False: computed eagerly from the replicas' state; and weighted, computed
in the compiled steps) and what scikit-learn gives on the model's own predictions.
"""

from processes import report, use_logical_cpus


def main():
    devices = use_logical_cpus(2)
    import keras
    import numpy as np
    import tensorflow as tf

    from test_threshold import METRICS, make_metric, sklearn_value

    strategy = tf.distribute.MirroredStrategy(devices)
    rng = np.random.default_rng(7)
    n = 203  # batch_size 20: an uneven last batch of 3, split unevenly over the 2 replicas
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + rng.normal(size=n) > 0.8).astype("float32")
    w = rng.uniform(0.0, 2.0, size=n).astype("float32")
    w[::17] = 0.0

    def metrics(per_step):
        return [make_metric(base, capacity=256, per_step=per_step) for base in METRICS]

    with strategy.scope():
        keras.utils.set_random_seed(0)
        inputs = keras.Input((4,))
        logits = keras.layers.Dense(1)(inputs)
        # Quantised logits (straight-through, so fit still trains): ties across replicas and batches.
        tied = keras.layers.Lambda(lambda t: t + tf.stop_gradient(tf.round(t * 4.0) / 4.0 - t))(logits)
        model = keras.Model(inputs, tied)
        model.compile(optimizer="sgd", loss="mse", metrics=metrics(False), weighted_metrics=metrics(True))
    runs = {}
    before = model.predict(x, batch_size=64, verbose=0)
    runs["evaluate"] = model.evaluate(x, y, sample_weight=w, batch_size=20, return_dict=True, verbose=0), before
    history = model.fit(x, y, batch_size=32, epochs=1, validation_data=(x, y, w), validation_batch_size=20, verbose=0)
    after = model.predict(x, batch_size=64, verbose=0)
    runs["fit"] = {k[len("val_"):]: v[-1] for k, v in history.history.items() if k.startswith("val_")}, after
    out = {"replicas": strategy.num_replicas_in_sync, "ties": int(len(after) - len(np.unique(after)))}
    for run, (logs, scores) in runs.items():
        for base in METRICS:
            name = make_metric(base).name
            out[f"{run}/{name}"] = (logs[name], sklearn_value(base, y[:, None], scores, None))
            out[f"{run}/weighted_{name}"] = (logs[f"weighted_{name}"], sklearn_value(base, y[:, None], scores, w))
    report(out)


if __name__ == "__main__":
    main()
