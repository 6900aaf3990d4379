"""Keras' monitoring callbacks in ``mode="auto"`` on tfrank's log names.

Keras 3's ``MonitorCallback`` (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau) strips
``val_`` from the monitored name, looks for a compiled metric whose ``name`` is what is
left, and maximises it when that metric's ``_direction`` is ``"up"``, minimises it when
``"down"``. Every tfrank metric sets it: ``"up"``, but ``"down"`` for ARP (lower is better). A metric with a list of k (one object, several log names) or a multi-output
model's prefixed name matches no metric, and Keras asks for ``mode="max"``, as
docs/tuning.md says.
"""

import keras
import numpy as np
import pytest
from catalog import ranking_metrics

import tfrank

N_LISTS, N_ITEMS, BUDGET = 40, 6, 5
CALLBACKS = ("early_stopping", "checkpoint", "reduce_lr")


def _callback(kind, monitor, folder, mode="auto"):
    if kind == "early_stopping":
        return keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=5)
    if kind == "reduce_lr":
        return keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=mode, patience=5)
    path = str(folder / f"{monitor}-{mode}.weights.h5")
    return keras.callbacks.ModelCheckpoint(path, monitor=monitor, mode=mode, save_best_only=True, save_weights_only=True)


def _fit(model, x, y, callbacks, epochs=3):
    return model.fit(x, y, validation_split=0.25, epochs=epochs, batch_size=10, verbose=0, callbacks=callbacks).history


def _ranking_data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(N_LISTS, N_ITEMS, 4)).astype("float32")
    y = (rng.random((N_LISTS, N_ITEMS)) < 0.4).astype("float32")
    return x, y


@pytest.fixture(scope="module")
def ranking_fit(tmp_path_factory):
    """One model with every ranking metric class at k = 2 and a list-k metric, fit once with
    a callback of each kind on every log name (mode="auto"; mode="max" for the list of k)."""
    folder = tmp_path_factory.mktemp("checkpoints")
    x, y = _ranking_data()
    metrics = [spec.make(2) for spec in ranking_metrics()] + [tfrank.RecallAtK(k=[2, 4], name="listed_at_k")]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((N_ITEMS, 4)), keras.layers.Dense(1), keras.layers.Reshape((N_ITEMS,))])
    model.compile(keras.optimizers.SGD(0.5), tfrank.losses.SoftmaxLoss(), metrics=metrics)
    names = [m.name for m in metrics[:-1]]
    monitors = [prefix + name for name in names for prefix in ("", "val_")]
    auto = {(kind, monitor): _callback(kind, monitor, folder) for kind in CALLBACKS for monitor in monitors}
    listed = {kind: _callback(kind, "val_listed_at_4", folder, mode="max") for kind in CALLBACKS}
    history = _fit(model, x, y, [*auto.values(), *listed.values()])
    return model, history, auto, listed, folder


def test_every_single_k_log_name_follows_its_direction_in_auto_mode(ranking_fit):
    _, history, auto, listed, _ = ranking_fit
    assert len(auto) == len(CALLBACKS) * 2 * len(ranking_metrics())
    minimised = {spec.make(2).name for spec in ranking_metrics() if spec.cls._direction == "down"}
    assert minimised == {"arp"}
    for (kind, monitor), callback in {**auto, **{(k, "val_listed_at_4"): c for k, c in listed.items()}}.items():
        down = monitor.removeprefix("val_") in minimised
        assert callback.monitor_op is (keras.ops.less if down else keras.ops.greater), (kind, monitor)
        # The best value kept is the highest one logged (the lowest for a minimised metric).
        assert callback.best == pytest.approx((min if down else max)(history[monitor])), (kind, monitor)
    values = [history["val_ndcg_at_2"], history["val_recall_at_2"]]
    assert any(len(set(v)) > 1 for v in values)  # the metrics moved, so max and min differ


@pytest.mark.parametrize("kind", CALLBACKS)
@pytest.mark.parametrize("monitor", ["val_listed_at_4", "listed_at_2"])
def test_a_list_of_k_needs_mode_max(ranking_fit, kind, monitor):
    """One metric object logs several names and Keras matches none: its own error says mode='max'."""
    model, _, _, _, folder = ranking_fit
    x, y = _ranking_data()
    with pytest.raises(ValueError, match=rf"monitor={monitor}, but Keras isn't able .* Pass `mode='max'`"):
        _fit(model, x, y, [_callback(kind, monitor, folder)], epochs=1)


def test_a_multi_output_prefix_needs_mode_max(tmp_path):
    """``val_items_precision_at_2`` is logged by a metric named ``precision_at_2``: as for Keras'
    own metrics, mode="auto" finds no metric of that name, and mode="max" works."""
    x, y = _ranking_data()
    inputs = keras.Input((N_ITEMS, 4))
    heads = {name: keras.layers.Reshape((N_ITEMS,), name=name)(keras.layers.Dense(1)(inputs)) for name in ("items", "other")}
    model = keras.Model(inputs, heads)
    model.compile("sgd", {"items": tfrank.losses.SoftmaxLoss(), "other": "mse"},
                  metrics={"items": [tfrank.PrecisionAtK(k=2)]})
    y = {"items": y, "other": y}
    with pytest.raises(ValueError, match="Pass `mode='max'`"):
        _fit(model, x, y, [_callback("early_stopping", "val_items_precision_at_2", tmp_path)], epochs=1)
    stop = _callback("early_stopping", "val_items_precision_at_2", tmp_path, mode="max")
    history = _fit(model, x, y, [stop], epochs=2)
    assert stop.best == pytest.approx(max(history["val_items_precision_at_2"]))


@pytest.mark.parametrize("kind", CALLBACKS)
def test_budget_metrics_in_auto_mode(kind, tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 3)).astype("float32")
    y = (x[:, 0] + rng.normal(size=80) > 1.0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tfrank.PrecisionAtBudget(budget=BUDGET), tfrank.RecallAtBudget(budget=BUDGET)])
    monitors = [f"{prefix}{base}_at_budget_{BUDGET}" for base in ("precision", "recall") for prefix in ("", "val_")]
    callbacks = [_callback(kind, monitor, tmp_path) for monitor in monitors]
    history = _fit(model, x, y, callbacks, epochs=2)
    for monitor, callback in zip(monitors, callbacks):
        assert callback.monitor_op is keras.ops.greater, monitor
        assert callback.best == pytest.approx(max(history[monitor])), monitor


def test_every_exported_metric_class_says_its_direction():
    """A metric class added to tfrank.__all__ must tell Keras' callbacks its direction too,
    the same as the one it gives keras-tuner (``direction``)."""
    classes = [getattr(tfrank, name) for name in tfrank.__all__]
    metrics = [cls for cls in classes if isinstance(cls, type) and issubclass(cls, keras.metrics.Metric)]
    assert {"PrecisionAtK", "PrecisionAtBudget", "RankingMetrics", "RetrievalMetrics"} <= {c.__name__ for c in metrics}
    for cls in metrics:
        want = ("down", "min") if cls is tfrank.ARP else ("up", "max")
        assert (cls._direction, cls.direction) == want, cls.__name__
