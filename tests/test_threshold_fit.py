"""The threshold metrics inside Keras: fit's validation logs (XLA too), a callback in mode="auto",
a saved model, and MirroredStrategy on two logical CPUs (one child process), against scikit-learn.
"""

import keras
import numpy as np
import pytest

import processes
import tfrank
from test_threshold import METRICS, make_metric, sklearn_value


def _model(jit_compile):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))  # logits: scores far outside [0, 1]
    # The default per_step=False: no sort inside the compiled steps, exact in the epoch's logs;
    # per_step=True: exact in every step's logs too.
    metrics = [make_metric(base, capacity=256) for base in METRICS]
    metrics += [make_metric(base, capacity=256, per_step=True, name=f"eager_{base}") for base in METRICS]
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=metrics,
                  jit_compile=jit_compile)
    return model


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_validation_logs_equal_sklearn(jit_compile, tmp_path):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(150, 4)).astype("float32")
    y = (x[:, 0] + rng.normal(size=150) > 1.0).astype("float32")
    x_val, y_val = x[:97], y[:97]
    model = _model(jit_compile)
    stop = keras.callbacks.EarlyStopping(monitor="val_roc_auc", patience=1)  # mode="auto" reads _direction
    batches = []
    log_batches = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(logs))
    history = model.fit(x, y, epochs=2, batch_size=32, validation_data=(x_val, y_val), validation_batch_size=13,
                        callbacks=[stop, log_batches], verbose=0)
    assert stop.monitor_op is keras.ops.greater  # maximised
    scores = model.predict(x_val, verbose=0)
    for base in METRICS:
        name = make_metric(base).name
        expected = sklearn_value(base, y_val[:, None], scores, None)
        assert history.history[f"val_{name}"][-1] == pytest.approx(expected, abs=1e-5), name
        assert history.history[f"val_eager_{base}"][-1] == pytest.approx(expected, abs=1e-5), name
        assert history.history[f"eager_{base}"] == pytest.approx(history.history[name], abs=1e-6), name
        assert np.isnan(float(batches[0][name])) and not np.isnan(float(batches[0][f"eager_{base}"]))
    if jit_compile:
        return
    path = str(tmp_path / "model.keras")
    model.save(path)
    logs = keras.models.load_model(path).evaluate(x_val, y_val, batch_size=40, return_dict=True, verbose=0)
    assert logs["average_precision"] == pytest.approx(sklearn_value("average_precision", y_val[:, None], scores, None),
                                                      abs=1e-5)


def test_mirrored_strategy_two_logical_cpus():
    children = {"mirrored": ("threshold_mirrored_script.py", processes.child_env())}
    out = processes.run_scripts(children, timeout=300)["mirrored"]
    assert out["replicas"] == 2 and out["ties"] > 50
    checked = {name: pair for name, pair in out.items() if "/" in name}
    assert len(checked) == 2 * 2 * len(METRICS)
    for name, (logged, expected) in checked.items():
        assert logged == pytest.approx(expected, abs=1e-5), name
    assert sum(0.05 < expected < 0.95 for _, expected in checked.values()) >= len(checked) // 2


def test_tuner_objective_in_a_search(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(120, 4)).astype("float32")
    y = (x[:, 0] > 0.8).astype("float32")

    def build(hp):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Choice("units", [2, 4]), "relu"),
                                  keras.layers.Dense(1)])
        model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tfrank.PrecisionAtRecall(0.8, capacity=256, per_step=False)])
        return model

    tuner = tfrank.tuners.RandomSearch(build, objective="val_precision_at_recall_80", max_trials=1,
                                       directory=str(tmp_path), seed=1)
    assert tuner.oracle.objective.direction == "max"
    tuner.search(x, y, validation_data=(x, y), epochs=2, verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    scores = tuner.get_best_models(1)[0].predict(x, verbose=0)
    assert best.score == pytest.approx(sklearn_value("precision_at_recall", y[:, None], scores, None), abs=1e-5)
