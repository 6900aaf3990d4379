"""PrecisionAtBudget / RecallAtBudget against the NumPy whole-set reference (tfrank.reference.budget).

Streaming over uneven batches must equal one stable sort of the whole set; so must
graph mode, XLA, model.fit/evaluate, and MirroredStrategy on two logical CPUs (in a
child process run by `processes.run_scripts`, since logical devices must be set before
TensorFlow starts).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import processes
import tfrank
from tfrank.reference import budget as reference_budget

CLASSES = {"precision": tfrank.PrecisionAtBudget, "recall": tfrank.RecallAtBudget}
FUNCTIONS = {"precision": tfrank.precision_at_budget, "recall": tfrank.recall_at_budget}
REF = reference_budget.REFERENCES


def make_stream(seed, *, n=150, ties=False, weights=False, positive_rate=0.15):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=n).astype(np.float32)
    if ties:
        scores = np.round(scores * 2.0) / 2.0  # about 10 distinct values: many ties
    labels = (rng.random(n) < positive_rate).astype(np.float32)
    w = None
    if weights:
        w = rng.uniform(0.1, 3.0, size=n).astype(np.float32)
        w[rng.random(n) < 0.1] = 0.0  # weight 0: left out
    # Uneven batches, including a batch of one and an empty batch.
    cuts = sorted({0, n, 1, 2, 2, *rng.integers(0, n, size=6).tolist()})
    return scores, labels, w, list(zip(cuts[:-1], cuts[1:]))


def stream(metric, scores, labels, w, bounds, update=None):
    update = update or metric.update_state
    for i, (a, b) in enumerate(bounds):
        s, y = scores[a:b], labels[a:b]
        if i % 2:  # alternate [B] and [B, 1] shapes
            s, y = s[:, None], y[:, None]
        update(y, s) if w is None else update(y, s, w[a:b])
    return float(metric.result())


@pytest.mark.parametrize("budget", [1, 7, 40, 1000])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("base", sorted(CLASSES))
def test_streaming_equals_whole_set_sort(base, weights, ties, budget):
    scores, labels, w, bounds = make_stream(budget + 10 * ties + 100 * weights, ties=ties, weights=weights)
    actual = stream(CLASSES[base](budget=budget), scores, labels, w, bounds)
    expected = REF[base](labels, scores, budget, sample_weight=w)
    assert actual == pytest.approx(expected, rel=1e-5, abs=1e-6)
    functional = FUNCTIONS[base](labels, scores, budget, sample_weight=w)
    assert float(functional) == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
@pytest.mark.parametrize("base", sorted(CLASSES))
def test_graph_and_xla_equal_reference(base, mode):
    scores, labels, w, bounds = make_stream(3, ties=True, weights=True)
    metric = CLASSES[base](budget=25)
    update = metric.update_state
    if mode != "eager":
        update = tf.function(metric.update_state, jit_compile=mode == "xla", reduce_retracing=True)
    actual = stream(metric, scores, labels, w, bounds, update)
    assert actual == pytest.approx(REF[base](labels, scores, 25, sample_weight=w), rel=1e-5)


def test_hand_worked_values():
    # budget 10 > 4 examples, 2 positives: the 6 empty slots count as misses, P = 2/10.
    y, s = [1, 0, 1, 0], [0.1, 0.9, 0.8, 0.3]
    assert float(tfrank.precision_at_budget(y, s, 10)) == pytest.approx(0.2)
    assert float(tfrank.recall_at_budget(y, s, 10)) == pytest.approx(1.0)
    # budget 2: top scores 0.9 (neg), 0.8 (pos): P = 1/2, R = 1/2.
    assert float(tfrank.precision_at_budget(y, s, 2)) == pytest.approx(0.5)
    # weights 3 on the top negative: P = 1 * 1 / (3 + 1) = 0.25; weight 0 drops it: P = (0.8, 0.3) -> 1/2.
    assert float(tfrank.precision_at_budget(y, s, 2, sample_weight=[1, 3, 1, 1])) == pytest.approx(0.25)
    assert float(tfrank.precision_at_budget(y, s, 2, sample_weight=[1, 0, 1, 1])) == pytest.approx(0.5)
    # budget 3 > 2 examples of weight > 0 (weights 2 and 1, both positive): P = (2/3) * 3/3.
    assert float(tfrank.precision_at_budget([1, 1, 0], [0.5, 0.4, 0.9], 3, sample_weight=[2, 1, 0])) == pytest.approx(
        2 / 3
    )


@pytest.mark.parametrize("mode", ["eager", "xla"])
def test_ties_go_to_the_earlier_example(mode):
    # Equal scores, budget 1: the first-seen example takes the slot, across batches too.
    def first_label(batches):
        metric = tfrank.PrecisionAtBudget(budget=1)
        update = metric.update_state if mode == "eager" else tf.function(metric.update_state, jit_compile=True)
        for y, s in batches:
            update(np.array(y, np.float32), np.array(s, np.float32))
        return float(metric.result())

    assert first_label([([0, 1, 1], [0.5, 0.5, 0.5])]) == 0.0
    assert first_label([([1, 0, 0], [0.5, 0.5, 0.5])]) == 1.0
    assert first_label([([0], [0.5]), ([1, 1], [0.5, 0.5])]) == 0.0
    assert first_label([([1], [0.5]), ([0, 0], [0.5, 0.5])]) == 1.0


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_zero_before_data_nan_until_reset(base):
    metric = CLASSES[base](budget=5)
    assert float(metric.result()) == 0.0
    metric.update_state([0, 0], [0.3, 0.2])
    assert float(metric.result()) == 0.0  # no positive: precision 0, recall 0 (not NaN)
    metric.update_state([1, 0], [np.nan, 0.2])
    metric.update_state([1, 1], [0.9, 0.8])
    assert np.isnan(float(metric.result()))
    metric.reset_state()
    metric.update_state([1, 0], [0.9, 0.1], sample_weight=[1.0, 0.0])
    metric.update_state([1, 0], [np.nan, 0.1], sample_weight=[0.0, 1.0])  # NaN of weight 0: left out
    expected = REF[base]([1, 0, 1, 0], [0.9, 0.1, np.nan, 0.1], 5, sample_weight=[1, 0, 0, 1])
    assert float(metric.result()) == pytest.approx(expected)


@pytest.mark.parametrize(
    "make, error, text",
    [
        (lambda: tfrank.PrecisionAtBudget(budget=0), ValueError, r"budget must be a positive int .*got budget=0 \(int\)"),
        (lambda: tfrank.RecallAtBudget(budget=-3), ValueError, "got budget=-3"),
        (lambda: tfrank.PrecisionAtBudget(budget=True), ValueError, r"got budget=True \(bool\)"),
        (lambda: tfrank.PrecisionAtBudget(budget=0.01), ValueError, r"math.ceil\(f \* n\).*budget=0.01"),
        (lambda: tfrank.PrecisionAtBudget(budget="100"), TypeError, "budget='100' \\(str\\)"),
        (lambda: tfrank.PrecisionAtBudget(budget=None), TypeError, "budget=None"),
        (lambda: tfrank.PrecisionAtBudget(name=3), TypeError, "name must be a str"),
        (lambda: tfrank.precision_at_budget([1, 0], [1, 0], 1), TypeError, "y_pred must be float scores"),
        (lambda: tfrank.precision_at_budget([[1, 0]], [[0.1, 0.2]], 1), ValueError, r"y_pred must be .*\[batch, 1\]"),
        (lambda: tfrank.precision_at_budget([[1, 0]], [0.1, 0.2], 1), ValueError, "y_true must be binary labels"),
        (lambda: tfrank.precision_at_budget([1, 0, 1], [0.1, 0.2], 1), ValueError, "y_true must be a tensor with"),
        (lambda: tfrank.precision_at_budget([2, 0], [0.1, 0.2], 1), ValueError, "y_true must be binary.*2"),
        (lambda: tfrank.recall_at_budget([1, 0], [0.1, 0.2], 1, sample_weight=[[1, 1]]), ValueError, "sample_weight"),
        (lambda: tfrank.recall_at_budget([1, 0], [0.1, 0.2], 1, sample_weight=[1, -1]), ValueError, "non-negative"),
        (lambda: tfrank.recall_at_budget([1, 0], [0.1, 0.2], 1, sample_weight=[1, 1, 1]), ValueError, "one weight per"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_input(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_run_time_checks_in_graph_and_xla():
    metric = tfrank.PrecisionAtBudget(budget=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="y_true must be binary"):
        tf.function(metric.update_state)(tf.constant([2.0, 0.0]), tf.constant([0.1, 0.2]))
    metric = tfrank.PrecisionAtBudget(budget=2)
    tf.function(metric.update_state, jit_compile=True)(tf.constant([2.0, 0.0]), tf.constant([0.1, 0.2]))
    assert np.isnan(float(metric.result()))  # XLA drops assertions: poisoned instead of silent


@pytest.mark.parametrize("base", sorted(CLASSES))
def test_names_direction_and_config(base):
    metric = CLASSES[base](budget=100)
    assert metric.name == f"{base}_at_budget_100" and metric.direction == "max"
    restored = CLASSES[base].from_config(metric.get_config())
    assert restored.budget == 100 and restored.name == metric.name
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(CLASSES[base](budget=3)))
    assert type(restored) is CLASSES[base] and restored.budget == 3


def _model(jit_compile=False):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inputs))
    metrics = [tfrank.PrecisionAtBudget(budget=12), tfrank.RecallAtBudget(budget=12)]
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metrics, jit_compile=jit_compile)
    return model


@pytest.mark.parametrize("jit_compile", [False, True])
def test_fit_validation_and_evaluate(jit_compile, tmp_path):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(97, 4)).astype("float32"), (rng.random(97) < 0.2).astype("float32")
    model = _model(jit_compile)
    history = model.fit(x, y, epochs=1, batch_size=16, validation_data=(x, y), validation_batch_size=10, verbose=0)
    scores = model.predict(x, verbose=0)
    for base in CLASSES:
        expected = REF[base](y, scores, 12)
        assert history.history[f"val_{base}_at_budget_12"][-1] == pytest.approx(expected, rel=1e-5)
    logs = model.evaluate(x, y, batch_size=13, return_dict=True, verbose=0)
    assert logs["precision_at_budget_12"] == pytest.approx(REF["precision"](y, scores, 12), rel=1e-5)
    path = str(tmp_path / "model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    again = reloaded.evaluate(x, y, batch_size=13, return_dict=True, verbose=0)
    assert again["recall_at_budget_12"] == pytest.approx(logs["recall_at_budget_12"])


def test_mirrored_strategy_two_logical_cpus():
    children = {"mirrored": ("budget_mirrored_script.py", processes.child_env())}
    out = processes.run_scripts(children, timeout=300)["mirrored"]
    assert out["replicas"] == 2 and out["ties"] > 100
    checked = {name: pair for name, pair in out.items() if "/" in name}
    assert len(checked) == 24
    for name, (logged, expected) in checked.items():
        assert logged == pytest.approx(expected, rel=1e-5, abs=1e-6), name


def test_keras_tuner_objective(tmp_path):
    import keras_tuner
    from tfrank.apps.fraud import load_fraud

    data = load_fraud()

    def build(hp):
        model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(hp.Choice("units", [2, 8]), "relu")])
        model.add(keras.layers.Dense(1, activation="sigmoid"))
        model.compile("adam", "binary_crossentropy", metrics=[tfrank.PrecisionAtBudget(budget=10)])
        return model

    tuner = keras_tuner.RandomSearch(
        build,
        objective=keras_tuner.Objective("val_precision_at_budget_10", "max"),
        max_trials=2,
        directory=str(tmp_path),
        seed=1,
    )
    tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=2, verbose=0)
    best = tuner.oracle.get_best_trials(1)[0]
    scores = tuner.get_best_models(1)[0].predict(data.x_val, verbose=0)
    assert best.score == pytest.approx(REF["precision"](data.y_val, scores, 10), rel=1e-5)


def test_fraud_data_is_rare_stratified_and_seeded():
    from tfrank.apps.fraud import load_fraud

    data = load_fraud(positive_rate=0.1, seed=3)
    y = np.concatenate([data.y_train, data.y_val])
    assert set(np.unique(y)) == {0.0, 1.0}
    assert y.mean() == pytest.approx(0.1, abs=0.01)  # 40 of 397: round(0.1 / 0.9 * 357) = 40
    assert data.y_val.mean() == pytest.approx(data.y_train.mean(), abs=0.02)
    assert abs(data.x_train.mean()) < 1e-5 and data.x_train.std() == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_array_equal(load_fraud(positive_rate=0.1, seed=3).x_val, data.x_val)
    with pytest.raises(ValueError, match="positive_rate must be"):
        load_fraud(positive_rate=0.5)


def test_property_streaming_equals_reference():
    import hypothesis
    st = hypothesis.strategies

    @hypothesis.settings(max_examples=30, deadline=None, derandomize=True)
    @hypothesis.given(
        rows=st.lists(st.tuples(st.integers(0, 4), st.booleans(), st.integers(0, 2)), min_size=0, max_size=40),
        cuts=st.lists(st.integers(0, 40), max_size=5),
        budget=st.integers(1, 12),
        base=st.sampled_from(sorted(CLASSES)),
    )
    def check(rows, cuts, budget, base):
        # Scores from 5 values (ties everywhere), weights 0, 1 or 2.
        scores = np.array([r[0] / 4.0 for r in rows], np.float32)
        labels = np.array([float(r[1]) for r in rows], np.float32)
        w = np.array([float(r[2]) for r in rows], np.float32)
        points = sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
        actual = stream(CLASSES[base](budget=budget), scores, labels, w, list(zip(points[:-1], points[1:])))
        assert actual == pytest.approx(REF[base](labels, scores, budget, sample_weight=w), abs=1e-6)

    check()
