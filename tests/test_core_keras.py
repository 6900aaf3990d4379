"""The Keras contract, tested once over every metric class: names, direction,
config round-trip, save/load, result before updates, reset, and model.fit logs."""

import keras
import numpy as np
import pytest
from conftest import METRICS, make_metric, per_list

import tfrank
from tfrank import reference

ALL = list(METRICS)
CUTOFF = [name for name in ALL if name != "r_precision"]


def _value(result, key):
    return float(result) if not isinstance(result, dict) else float(result[key])


@pytest.mark.parametrize("base", CUTOFF)
def test_names_and_direction(base):
    cls = METRICS[base][0]
    assert cls(k=10).name == f"{base}_at_10"
    assert cls(k=10).direction == "max"
    multi = cls(k=[1, 5])
    assert multi.name == f"{base}_at_k"
    assert multi.result_names() == [f"{base}_at_1", f"{base}_at_5"]
    assert list(multi.result()) == [f"{base}_at_1", f"{base}_at_5"]
    named = cls(k=[1, 5], name="items_metric")
    assert named.result_names() == ["items_metric_at_1", "items_metric_at_5"]


def test_r_precision_and_combined_names():
    assert tfrank.RPrecision().name == "r_precision" and tfrank.RPrecision().result_names() == ["r_precision"]
    assert tfrank.RPrecision().direction == "max" and tfrank.RankingMetrics().direction == "max"
    combined = tfrank.RankingMetrics(k=[5, 10], metrics=["precision", "r_precision", "ndcg"])
    names = ["precision_at_5", "precision_at_10", "r_precision", "ndcg_at_5", "ndcg_at_10"]
    assert combined.result_names() == names and list(combined.result()) == names
    assert tfrank.RankingMetrics(k=3, metrics=["mrr"], name="items").result_names() == ["items_mrr_at_3"]
    for name in names:  # every log name is one that tfrank.objective accepts
        assert tfrank.objective(f"val_{name}").direction == "max"


def test_every_class_builds_with_defaults():
    """Cls() works for every RankingMetric subclass of tfrank, with the default names of docs/metrics.md."""
    classes = {cls.__name__: cls for cls in tfrank.RankingMetric.__subclasses__()}
    for subclass in list(classes.values()):
        classes.update({cls.__name__: cls for cls in subclass.__subclasses__()})
    classes = {name: cls for name, cls in classes.items() if cls.__module__.startswith("tfrank.")}  # not the tests'
    assert set(classes) >= {METRICS[name][0].__name__ for name in ALL} | {"RankingMetrics"}
    classes.pop("RetrievalMetrics")  # needs its candidates: tests/test_retrieval.py checks its defaults
    for cls in classes.values():
        metric = cls()
        assert metric.name == {"RPrecision": "r_precision", "RankingMetrics": "ranking_metrics", "ARP": "arp", "OPA": "opa"}.get(
            cls.__name__, f"{cls.base}_at_10"
        )


@keras.saving.register_keras_serializable(package="tfrank_tests")
class _OwnRecall(tfrank.RankingMetric):
    base = "recall"


@keras.saving.register_keras_serializable(package="tfrank_tests")
class _OwnRecallAtBudget(tfrank.metrics.budget.BudgetMetric):
    base = "recall"


@keras.saving.register_keras_serializable(package="tfrank_tests")
class _OwnSoftmax(tfrank.losses.RankingLoss):
    fn = tfrank.losses.softmax_loss


class _NoBase(tfrank.RankingMetric):
    pass


# (abstract class, a subclass that sets its attribute, attribute, valid values named)
ABSTRACT = [
    (tfrank.RankingMetric, _OwnRecall, "base", "'precision', 'recall'"),
    (_NoBase, _OwnRecall, "base", "'precision', 'recall'"),
    (tfrank.metrics.budget.BudgetMetric, _OwnRecallAtBudget, "base", "'precision', 'recall'"),
    (tfrank.losses.RankingLoss, _OwnSoftmax, "fn", "a per-list function of tfrank.losses.functional"),
]


@pytest.mark.parametrize("abstract, subclass, attribute, valid", ABSTRACT, ids=lambda v: getattr(v, "__name__", None))
def test_base_classes_refuse_construction_and_subclasses_round_trip(abstract, subclass, attribute, valid):
    with pytest.raises(TypeError, match=rf"^{abstract.__name__} is a base class: subclass it and set the class "
                                        rf"attribute {attribute} \(.*{valid}.*\), or use one of tfrank's subclasses; "
                                        rf"got {abstract.__name__}.{attribute}=None$"):
        abstract()
    own = subclass()
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(own))
    assert type(again) is subclass and again.get_config() == own.get_config()
    stock = {_OwnRecall: tfrank.RecallAtK(), _OwnRecallAtBudget: tfrank.RecallAtBudget(),
             _OwnSoftmax: tfrank.losses.SoftmaxLoss()}[subclass]
    # The same object but for its class (and the stock loss' own options, at their defaults).
    assert own.get_config() == {**{key: stock.get_config()[key] for key in own.get_config()}, "name": own.name}
    y_true, y_pred = np.array([[1.0, 0.0, 1.0, 1.0]]), np.array([[0.9, 0.8, 0.7, 0.1]])
    if isinstance(own, keras.losses.Loss):
        assert float(own(y_true, y_pred)) == float(stock(y_true, y_pred))
        return
    if attribute == "base" and isinstance(own, tfrank.metrics.budget.BudgetMetric):
        own, stock, y_true, y_pred = subclass(budget=2), tfrank.RecallAtBudget(budget=2), y_true[0], y_pred[0]
    else:
        own, stock = subclass(k=2), tfrank.RecallAtK(k=2)
    for metric in (own, stock):
        metric.update_state(y_true, y_pred)
    assert float(own.result()) == float(stock.result()) == pytest.approx(1 / 3)  # 1 of 3 relevant in the top 2


@pytest.mark.parametrize("base", ALL)
def test_result_is_zero_before_any_countable_list(base):
    metric = make_metric(base, [3])
    key = "r_precision" if base == "r_precision" else f"{base}_at_3"
    assert _value(metric.result(), key) == 0.0
    metric.update_state([[0.0, 0.0, 0.0]], [[0.1, 0.2, 0.3]])  # one empty list: skipped
    assert _value(metric.result(), key) == 0.0 and not np.isnan(_value(metric.result(), key))


@pytest.mark.parametrize("base", ALL)
def test_reset_state_forgets_everything(base):
    metric = make_metric(base, [2], ties="expected")
    metric.update_state([[1.0, 0.0, 0.0]], [[0.1, 0.2, 0.3]])
    metric.reset_state()
    metric.update_state([[0.0, 2.0, 1.0]], [[0.1, 0.2, 0.2]])
    want = per_list(base, "ref", [[0.0, 2.0, 1.0]], [[0.1, 0.2, 0.2]], [2], ties="expected")[0, 0]
    key = "r_precision" if base == "r_precision" else f"{base}_at_2"
    assert _value(metric.result(), key) == pytest.approx(want)


@pytest.mark.parametrize("base", ALL + ["combined"])
def test_config_round_trip_gives_the_same_metric(base):
    if base == "combined":
        metric = tfrank.RankingMetrics(k=[2, 4], metrics=["map", "ndcg"], name="custom", normalizer="hits", gain="linear")
    else:
        metric = make_metric(base, [2, 4], name="custom_at_k", empty="zero", label_format="dense", ties="expected", **METRICS[base][3])
    cls = type(metric)
    clone = cls.from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    y_true = np.array([[1, 0, 0, 2, -1], [0, 0, 0, 0, 0]], np.float32)
    y_pred = np.array([[0.1, 0.9, 0.3, 0.9, 0.99], [0.3, 0.2, 0.1, 0.0, 0.5]], np.float32)
    for m in (metric, clone):
        m.update_state(y_true, y_pred)
    result, again = metric.result(), clone.result()
    if isinstance(result, dict):
        result, again = {k: float(v) for k, v in result.items()}, {k: float(v) for k, v in again.items()}
    else:
        result, again = float(result), float(again)
    assert again == result
    serialized = keras.saving.serialize_keras_object(metric)
    assert serialized["registered_name"] == f"tfrank>{cls.__name__}"
    assert type(keras.saving.deserialize_keras_object(serialized)) is cls


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
    others = [name for name in ALL if name not in ("precision", "recall")]
    model.compile(
        optimizer="adam",
        loss=_masked_bce,
        metrics=[
            tfrank.PrecisionAtK(k=5),
            tfrank.RecallAtK(k=[1, 5]),
            tfrank.RankingMetrics(k=3, metrics=others, ties="expected", normalizer="hits"),
        ],
        jit_compile=jit_compile,
    )
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=2, batch_size=16, verbose=0)
    logs = {name: values[-1] for name, values in history.history.items()}
    combined = [f"{name}_at_3" for name in others if name != "r_precision"] + ["r_precision"]
    for name in ["precision_at_5", "recall_at_1", "recall_at_5"] + combined:
        assert f"val_{name}" in logs and name in logs
    scores = model.predict(x_val, verbose=0)
    assert logs["val_precision_at_5"] == pytest.approx(reference.weighted_mean(reference.precision_at_k(y_val, scores, 5)), abs=1e-5)
    for k in (1, 5):
        want = reference.weighted_mean(reference.recall_at_k(y_val, scores, k))
        assert logs[f"val_recall_at_{k}"] == pytest.approx(want, abs=1e-5)
    for name, key in zip(others, combined):
        options = {"normalizer": "hits"} if name == "map" else {}
        values = per_list(name, "ref", y_val, scores, [3], ties="expected", **options)
        assert logs[f"val_{key}"] == pytest.approx(reference.weighted_mean(values[:, 0]), abs=1e-5), key


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
    metrics = [make_metric(name, [2, 4], ties="expected", **METRICS[name][3]) for name in ALL]
    metrics.append(tfrank.RankingMetrics(k=3, metrics=["precision", "ndcg"], name="both", gain="linear"))
    model.compile(optimizer="adam", loss=_masked_bce, metrics=metrics)
    model.optimizer.build(model.trainable_variables)  # saved like a trained model's, without a train step
    before = model.evaluate(x, y, return_dict=True, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    keras.backend.clear_session()
    loaded = keras.saving.load_model(path, custom_objects={"_masked_bce": _masked_bce})
    after = loaded.evaluate(x, y, return_dict=True, verbose=0)
    assert set(after) == set(before)
    assert {"map_at_4", "r_precision", "both_precision_at_3", "both_ndcg_at_3"} <= set(after)
    for name in before:
        assert after[name] == pytest.approx(before[name], abs=1e-6), name
