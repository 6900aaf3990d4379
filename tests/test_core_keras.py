"""The Keras contract, tested once over every metric class: names, direction,
config round-trip, save/load, result before updates, reset, and model.fit logs."""

import keras
import numpy as np
import pytest

import tfrank
from tfrank import reference

CLASSES = {"precision": tfrank.PrecisionAtK, "recall": tfrank.RecallAtK}
REFERENCE = {"precision": reference.precision_at_k, "recall": reference.recall_at_k}


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_names_and_direction(base):
    cls = CLASSES[base]
    assert cls(k=10).name == f"{base}_at_10"
    assert cls(k=10).direction == "max"
    multi = cls(k=[1, 5])
    assert multi.name == f"{base}_at_k"
    assert multi.result_names() == [f"{base}_at_1", f"{base}_at_5"]
    assert list(multi.result()) == [f"{base}_at_1", f"{base}_at_5"]
    named = cls(k=[1, 5], name="items_metric")
    assert named.result_names() == ["items_metric_at_1", "items_metric_at_5"]


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_result_is_zero_before_any_countable_list(base):
    metric = CLASSES[base](k=3)
    assert float(metric.result()) == 0.0
    metric.update_state([[0.0, 0.0, 0.0]], [[0.1, 0.2, 0.3]])  # one empty list: skipped
    assert float(metric.result()) == 0.0 and not np.isnan(float(metric.result()))


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_reset_state_forgets_everything(base):
    metric = CLASSES[base](k=2)
    metric.update_state([[1.0, 0.0, 0.0]], [[0.1, 0.2, 0.3]])
    metric.reset_state()
    metric.update_state([[0.0, 0.0, 1.0]], [[0.1, 0.2, 0.3]])
    want = REFERENCE[base]([[0.0, 0.0, 1.0]], [[0.1, 0.2, 0.3]], 2)
    assert float(metric.result()) == pytest.approx(float(want[0]))


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_config_round_trip_gives_the_same_metric(base):
    options = {"denominator": "min_k_n"} if base == "precision" else {}
    metric = CLASSES[base](k=[2, 4], name="custom_at_k", empty="zero", label_format="dense", **options)
    clone = CLASSES[base].from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    y_true = np.array([[1, 0, 0, 1, -1], [0, 0, 0, 0, 0]], np.float32)
    y_pred = np.array([[0.1, 0.9, 0.3, 0.8, 0.99], [0.3, 0.2, 0.1, 0.0, 0.5]], np.float32)
    for m in (metric, clone):
        m.update_state(y_true, y_pred)
    assert {k: float(v) for k, v in clone.result().items()} == {k: float(v) for k, v in metric.result().items()}
    serialized = keras.saving.serialize_keras_object(metric)
    assert serialized["registered_name"] == f"tfrank>{type(metric).__name__}"


def _data(seed=0, n=96, features=6, items=12):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype(np.float32)
    w = rng.normal(size=(features, items))
    labels = (x @ w + rng.normal(size=(n, items)) > 1.0).astype(np.float32)
    labels[rng.random((n, items)) < 0.1] = -1.0  # padding, excluded from ranking
    return x, labels


def _model(items=12, features=6):
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(items)])
    return model


def _masked_bce(y_true, y_pred):
    valid = keras.ops.cast(y_true >= 0, "float32")
    bce = keras.ops.binary_crossentropy(keras.ops.maximum(y_true, 0.0), y_pred, from_logits=True)
    return keras.ops.sum(bce * valid) / keras.ops.maximum(keras.ops.sum(valid), 1.0)


@pytest.mark.parametrize("jit_compile", [False, True], ids=["graph", "xla"])
def test_fit_logs_val_metrics_equal_reference_on_predict(jit_compile):
    keras.utils.set_random_seed(1)
    x, y = _data()
    x_val, y_val = _data(seed=2, n=50)
    model = _model()
    model.compile(
        optimizer="adam",
        loss=_masked_bce,
        metrics=[tfrank.PrecisionAtK(k=5), tfrank.RecallAtK(k=[1, 5])],
        jit_compile=jit_compile,
    )
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=2, batch_size=16, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    for name in ("precision_at_5", "recall_at_1", "recall_at_5"):
        assert f"val_{name}" in logs and name in logs
    scores = model.predict(x_val, verbose=0)
    assert logs["val_precision_at_5"] == pytest.approx(reference.weighted_mean(reference.precision_at_k(y_val, scores, 5)), abs=1e-5)
    for k in (1, 5):
        want = reference.weighted_mean(reference.recall_at_k(y_val, scores, k))
        assert logs[f"val_recall_at_{k}"] == pytest.approx(want, abs=1e-5)


def test_weighted_metrics_receive_sample_weight_in_evaluate():
    """compile(weighted_metrics=...) is where Keras passes sample_weight (metrics= gets none)."""
    keras.utils.set_random_seed(3)
    x, y = _data(n=40)
    class_ids = np.argmax(y, axis=1)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=40).astype(np.float32)
    model = _model()
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), weighted_metrics=[tfrank.RecallAtK(k=3)])
    logs = model.evaluate(x, class_ids, sample_weight=weights, batch_size=7, return_dict=True, verbose=0)
    scores = model.predict(x, verbose=0)
    want = reference.weighted_mean(reference.recall_at_k(class_ids, scores, 3), weights)
    assert logs["recall_at_3"] == pytest.approx(want, abs=1e-5)


def test_saved_model_reloads_with_its_metrics(tmp_path):
    keras.utils.set_random_seed(4)
    x, y = _data(n=32)
    model = _model()
    model.compile(optimizer="adam", loss=_masked_bce, metrics=[tfrank.PrecisionAtK(k=3, denominator="min_k_n"), tfrank.RecallAtK(k=[2, 4])])
    model.fit(x, y, epochs=1, verbose=0)
    before = model.evaluate(x, y, return_dict=True, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    keras.backend.clear_session()
    loaded = keras.saving.load_model(path, custom_objects={"_masked_bce": _masked_bce})
    after = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert set(after) == set(before)
    for name in ("precision_at_3", "recall_at_2", "recall_at_4"):
        assert after[name] == pytest.approx(before[name], abs=1e-6)
