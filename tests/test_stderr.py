"""Standard errors streamed by every per-list metric (``stderr=True``).

The reference formula (`tfrank.reference.stderr`) is checked against scipy
(``scipy.stats.sem``, unit weights) and statsmodels (the HC1 robust standard error of an
intercept-only weighted least-squares fit, which is the same linearised estimator); the
metrics are checked against the reference on the per-list values and list weights the
reference derives, streamed over uneven batches, in eager, graph and XLA mode, in
``fit`` logs and a keras-tuner search. MirroredStrategy: tests/mirrored_script.py.
"""

import keras
import numpy as np
import pytest
import scipy.stats
import statsmodels.api as sm
import tensorflow as tf
from catalog import ranking_metrics, results
from conftest import make_batch

import tfrank
from tfrank import reference

SPECS = ranking_metrics()
K = [2, 5]
SIZES = (17, 1, 22)  # uneven batches, one of a single list
GAIN = {"ndcg": "exponential", "dcg": "exponential"}  # the gain the list weights of NDCG/DCG weigh by


def _stream(metric, batch, weights=None):
    start = 0
    for size in SIZES:
        part = slice(start, start + size)
        sw = None if weights is None else weights[part]
        metric.update_state(batch["y_true"][part], batch["y_pred"][part], sample_weight=sw)
        start += size
    return results(metric)


def _item_weights(shape, seed):
    rng = np.random.default_rng(seed)
    weights = rng.uniform(0.1, 3.0, shape).astype(np.float32)
    weights[rng.random(shape) < 0.2] = 0.0  # weight 0 excludes the item
    weights[3] = 0.0  # a list of weight 0 does not count
    return weights


# === The reference formula ===


def test_reference_with_unit_weights_is_scipy_sem():
    values = np.random.default_rng(0).random(30)
    values[[2, 7]] = np.nan  # skipped lists are dropped
    assert reference.stderr(values) == pytest.approx(scipy.stats.sem(values[~np.isnan(values)]), rel=1e-12)


def test_reference_weighted_is_statsmodels_robust_stderr_of_a_weighted_mean():
    rng = np.random.default_rng(1)
    values, weights = rng.random(40), rng.uniform(0.1, 3.0, 40)
    fit = sm.WLS(values, np.ones((40, 1)), weights=weights).fit(cov_type="HC1")
    assert fit.params[0] == pytest.approx(reference.weighted_mean(values, weights), rel=1e-12)
    assert reference.stderr(values, weights) == pytest.approx(fit.bse[0], rel=1e-12)


def test_reference_invariances():
    rng = np.random.default_rng(2)
    values, weights = rng.random(25), rng.uniform(0.1, 3.0, 25)
    se = reference.stderr(values, weights)
    assert reference.stderr(values, 7.5 * weights) == pytest.approx(se, rel=1e-12)  # scale-free
    assert reference.stderr(values, np.full(25, 0.3)) == pytest.approx(scipy.stats.sem(values), rel=1e-12)
    dropped = np.append(values, 0.123), np.append(weights, 0.0)  # a list of weight 0 counts nowhere
    assert reference.stderr(*dropped) == pytest.approx(se, rel=1e-12)
    assert se != pytest.approx(scipy.stats.sem(values), rel=1e-3)  # the weights matter here


# === Every class, streamed, against the reference ===


@pytest.mark.parametrize("weighting", ["unit", "list", "item"])
@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_streamed_stderr_equals_the_reference(spec, weighting):
    batch = make_batch(31, "graded", batch=sum(SIZES), items=9)
    y, scores = batch["ref_true"], batch["y_pred"]
    options, weights = {}, None
    if weighting == "list":
        weights = np.random.default_rng(3).uniform(0.2, 2.0, sum(SIZES)).astype(np.float32)
        weights[5] = 0.0
    if weighting == "item":
        options = {"empty": "zero", "empty_weight": "batch_mean"}
        weights = _item_weights(scores.shape, 4)
    got = _stream(spec.make(K, stderr=True, **options), batch, weights)
    ref_options = {"empty": "zero", "sample_weight": weights} if weighting == "item" else {}
    expected = spec.expected(y, scores, K, **ref_options)
    if weighting == "item":  # the list weights the reference derives, batch by batch (batch_mean)
        bounds = np.cumsum((0,) + SIZES)
        parts = [reference.list_weights(y[a:b], scores[a:b], weights[a:b], gain=GAIN.get(spec.cls.base),
                                        empty_weight="batch_mean") for a, b in zip(bounds[:-1], bounds[1:])]
        list_weights = np.concatenate(parts)
    else:
        list_weights = weights
    assert list(got) == [key for name in expected for key in (name, f"{name}_stderr")]
    for name, values in expected.items():
        assert got[name] == pytest.approx(reference.weighted_mean(values, list_weights), rel=1e-5, abs=1e-6)
        want = reference.stderr(values, list_weights)
        if weighting == "unit":
            assert want == pytest.approx(scipy.stats.sem(values[~np.isnan(values)]), rel=1e-12)
        assert np.isfinite(want) and want > 0
        assert got[f"{name}_stderr"] == pytest.approx(want, rel=1e-5), name


@pytest.mark.parametrize("spec", SPECS, ids=[spec.id for spec in SPECS])
def test_below_two_countable_lists_the_stderr_is_nan_and_nan_scores_poison(spec):
    metric = spec.make(3, stderr=True)
    name = metric.result_names()[0]
    before = results(metric)
    assert before[name] == 0.0 and np.isnan(before[f"{name}_stderr"])
    y = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 1.0, 0.0]], np.float32)
    s = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.1, 0.7], [0.9, 0.8, 0.1, 0.7]], np.float32)
    metric.update_state(y[:2], s[:2])  # an empty list (skipped) and one countable list
    one = results(metric)
    values = spec.expected(y, s, 3)[name]
    assert one[name] == pytest.approx(values[1], rel=1e-6) and np.isnan(one[f"{name}_stderr"])
    metric.update_state(y[2:], s[2:])
    two = results(metric)
    assert values[1] != values[2]  # list 1 has a hit at rank 1, list 2 none in its top 3
    assert two[f"{name}_stderr"] == pytest.approx(scipy.stats.sem(values[1:]), rel=1e-5)
    metric.update_state(y[1:2], np.array([[np.nan, 0.8, 0.1, 0.7]], np.float32))
    poisoned = results(metric)
    assert np.isnan(poisoned[name]) and np.isnan(poisoned[f"{name}_stderr"])
    metric.reset_state()
    assert np.isnan(results(metric)[f"{name}_stderr"]) and results(metric)[name] == 0.0


def test_accuracy_over_a_million_lists_near_a_mean_of_0_9():
    """float64 sums: the float32 sums' cancellation (Σx² ≈ 8,000 Σ(x - m)²) would miss this."""
    rng = np.random.default_rng(5)
    values = np.clip(0.9 + 0.01 * rng.normal(size=10**6), 0.0, 1.0).astype(np.float32)
    weights = rng.uniform(0.1, 3.0, 10**6).astype(np.float32)
    for w, want in ((None, scipy.stats.sem(values.astype(np.float64))), (weights, reference.stderr(values, weights))):
        metric = tfrank.PrecisionAtK(k=1, stderr=True)
        for part in np.array_split(np.arange(10**6), [100_000, 150_000, 700_000]):
            x = tf.constant(values[part][:, None])
            metric._accumulate(x, tf.ones_like(x) if w is None else tf.constant(w[part][:, None]))
        assert results(metric)["precision_at_1_stderr"] == pytest.approx(want, rel=1e-6)


# === Names, configs, bad input ===


def test_names_of_a_combined_metric():
    metric = tfrank.RankingMetrics(k=[1, 5], metrics=["precision", "r_precision"], name="items", stderr=True)
    values = ["items_precision_at_1", "items_precision_at_5", "items_r_precision"]
    assert metric.result_names() == values
    assert metric.stderr_names() == [f"{name}_stderr" for name in values]
    assert list(metric.result()) == [key for name in values for key in (name, f"{name}_stderr")]
    assert tfrank.RankingMetrics(k=[1, 5]).stderr_names() == []


def _retrieval(**kwargs):
    candidates = np.random.default_rng(6).normal(size=(30, 4)).astype(np.float32)
    return candidates, tfrank.RetrievalMetrics(candidates, k=[1, 5], metrics=["recall", "ndcg"], **kwargs)


@pytest.mark.parametrize("make", [
    *[lambda spec=spec: spec.make(K, stderr=True, empty="zero") for spec in SPECS],
    lambda: tfrank.RankingMetrics(k=[2, 4], metrics=["map", "ndcg"], stderr=True, gain="linear"),
    lambda: _retrieval(stderr=True)[1],
], ids=[spec.id for spec in SPECS] + ["RankingMetrics", "RetrievalMetrics"])
def test_config_round_trip_keeps_stderr(make):
    metric = make()
    config = metric.get_config()
    assert config["stderr"] is True
    clone = type(metric).from_config(config)
    assert clone.get_config() == config and clone.stderr_names() == metric.stderr_names() != []


@pytest.mark.parametrize("value", [1, "yes", None, np.float32(1.0)])
def test_stderr_must_be_a_bool(value):
    for make in (lambda: tfrank.PrecisionAtK(k=3, stderr=value), lambda: tfrank.RPrecision(stderr=value),
                 lambda: tfrank.RankingMetrics(stderr=value)):
        with pytest.raises(TypeError, match=r"stderr must be True or False, got stderr="):
            make()


def test_retrieval_metrics_stream_their_stderr():
    candidates, metric = _retrieval(stderr=True)
    rng = np.random.default_rng(7)
    queries = rng.normal(size=(24, 4)).astype(np.float32)
    ids = rng.integers(0, 30, size=(24, 2)).astype(np.int32)
    ids[ids[:, 0] == ids[:, 1], 1] = -1
    weights = rng.uniform(0.2, 2.0, 24).astype(np.float32)
    for part in (slice(0, 9), slice(9, 24)):
        metric.update_state(ids[part], queries[part], sample_weight=weights[part])
    got = results(metric)
    per_query = reference.retrieval_metrics(ids, queries, candidates, [1, 5], metrics=["recall", "ndcg"])
    assert set(got) == {key for name in per_query for key in (name, f"{name}_stderr")}
    for name, values in per_query.items():
        assert got[f"{name}_stderr"] == pytest.approx(reference.stderr(values, weights), rel=1e-5), name


# === Keras: fit logs, EarlyStopping, XLA, a keras-tuner search ===


def _data(seed, n):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)).astype(np.float32)
    labels = (x @ rng.normal(size=(6, 8)) + rng.normal(size=(n, 8)) > 1.0).astype(np.float32)
    return x, labels


def _model(jit_compile=False):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8)])
    metrics = [tfrank.PrecisionAtK(k=3, stderr=True), tfrank.RankingMetrics(k=[1, 3], metrics=["ndcg"], stderr=True)]
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=metrics, jit_compile=jit_compile)
    return model


def _expected(model, x, y):
    scores = model.predict(x, verbose=0)
    per_list = {"precision_at_3": reference.precision_at_k(y, scores, 3), **reference.ndcg_at_k(y, scores, [1, 3])}
    out = {}
    for name, values in per_list.items():
        out[name] = reference.weighted_mean(values)
        out[f"{name}_stderr"] = scipy.stats.sem(values[~np.isnan(values)])
    return out


def test_fit_logs_the_stderr_and_early_stopping_monitors_the_mean():
    x, y = _data(0, 64)
    x_val, y_val = _data(1, 40)
    model = _model()
    stop = keras.callbacks.EarlyStopping(monitor="val_precision_at_3", mode="max", patience=5)
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=2, batch_size=16, verbose=0, callbacks=[stop])
    names = [f"{n}{s}" for n in ("precision_at_3", "ndcg_at_1", "ndcg_at_3") for s in ("", "_stderr")]
    assert set(history.history) == {"loss", "val_loss", *names, *[f"val_{name}" for name in names]}
    assert stop.best == max(history.history["val_precision_at_3"])
    expected = _expected(model, x_val, y_val)
    for name, want in expected.items():
        assert history.history[f"val_{name}"][-1] == pytest.approx(want, rel=1e-5), name


def test_xla_evaluate_equals_the_reference():
    x, y = _data(2, 50)
    model = _model(jit_compile=True)
    logs = model.evaluate(x, y, batch_size=16, return_dict=True, verbose=0)
    for name, want in _expected(model, x, y).items():
        assert logs[name] == pytest.approx(want, rel=1e-5), name


def test_a_keras_tuner_search_selects_on_the_mean(tmp_path):
    x, y = _data(0, 48)
    x_val, y_val = _data(1, 32)

    def build(hp):
        hp.Choice("unused", [1])
        return _model()

    tuner = tfrank.tuners.RandomSearch(build, objective="val_precision_at_3", max_trials=1,
                                       directory=str(tmp_path), project_name="stderr")
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=1, batch_size=16, verbose=0)
    trial = tuner.oracle.get_best_trials(1)[0]
    expected = _expected(tuner.get_best_models(1)[0], x_val, y_val)
    assert trial.score == pytest.approx(expected["precision_at_3"], rel=1e-5)
    stderr = trial.metrics.get_last_value("val_precision_at_3_stderr")
    assert stderr == pytest.approx(expected["precision_at_3_stderr"], rel=1e-5)


@pytest.mark.parametrize("name, metric", [
    ("val_precision_at_10_stderr", "val_precision_at_10"),
    ("val_items_ndcg_at_5_stderr", "val_items_ndcg_at_5"),
    ("r_precision_stderr", "r_precision"),
    ("val_arp_stderr", "val_arp"),  # a minimised metric's stderr is no objective either
])
def test_a_stderr_name_is_no_objective(name, metric):
    hint = rf"standard error of '{metric}'.*tfrank\.objective\('{metric}'\)"
    with pytest.raises(ValueError, match=hint):
        tfrank.objective(name)
    with pytest.raises(ValueError, match=hint):
        tfrank.tuners.RandomSearch(lambda hp: None, objective=[name], max_trials=1)
