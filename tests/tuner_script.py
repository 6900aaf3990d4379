"""Run by tests/test_distributed.py: one process of a distributed keras-tuner search on 127.0.0.1.

keras-tuner reads its role from the environment: ``KERASTUNER_TUNER_ID`` ("chief" runs
the oracle as a gRPC server, any other id is a worker), ``KERASTUNER_ORACLE_IP`` and
``KERASTUNER_ORACLE_PORT``. Every process runs this same file with the same
``tuner.search(...)`` call. A worker prints the trials it trained (hyperparameters,
logged objective, NumPy reference on its model's predictions); the chief prints every
trial the oracle recorded and the best one.
"""

import os

import numpy as np

from processes import report

K = 3
MAX_TRIALS = 4


def lists():
    """Ranking lists: 6 items per list, item i relevant when feature i of the list is high."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 6)).astype("float32")
    y = (x + 0.7 * rng.normal(size=x.shape) > 0.8).astype("float32")
    return (x[:80], y[:80]), (x[80:], y[80:])


def main():
    import keras
    import keras_tuner as kt

    import tfrank
    from tfrank import reference

    (x, y), (x_val, y_val) = lists()
    trained = []

    class Ranker(kt.HyperModel):
        def build(self, hp):
            model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(hp.Choice("units", [2, 4, 8, 16]), "relu")])
            model.add(keras.layers.Dense(6))
            model.compile(
                keras.optimizers.Adam(0.01),
                keras.losses.BinaryCrossentropy(from_logits=True),
                metrics=[tfrank.PrecisionAtK(k=K)],  # built here, fresh for every trial
            )
            return model

        def fit(self, hp, model, *args, **kwargs):
            history = model.fit(*args, **kwargs)
            expected = reference.weighted_mean(reference.precision_at_k(y_val, model.predict(x_val, verbose=0), K))
            logged = history.history[f"val_precision_at_{K}"][-1]
            trained.append({"units": hp.get("units"), "logged": logged, "reference": expected})
            return history

    tuner = kt.RandomSearch(
        Ranker(),
        objective=tfrank.objective(f"val_precision_at_{K}"),
        max_trials=MAX_TRIALS,
        directory=os.environ["TFRANK_TUNER_DIR"],
        project_name="distributed",
        seed=0,
    )
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=1, batch_size=16, verbose=0)
    tuner_id = os.environ["KERASTUNER_TUNER_ID"]
    if tuner_id != "chief":
        report({"tuner_id": tuner_id, "trained": trained})
        return
    trials = tuner.oracle.trials.values()
    best = tuner.oracle.get_best_trials(1)[0]
    report(
        {
            "tuner_id": tuner_id,
            "trials": [{"status": t.status, "score": t.score, "units": t.hyperparameters.get("units")} for t in trials],
            "best": {"score": best.score, "units": best.hyperparameters.get("units")},
        }
    )


if __name__ == "__main__":
    main()
