"""tfrank.tuners.compare_trials over tiny real searches (2-3 trials, 1 epoch, a tmp directory).

The oracle: the same trials' best models (``tuner.get_best_models``), their per-list
values computed directly with `tfrank.reference` on ``model.predict``, compared with
`tfrank.stats.compare_many` (per-list metrics) or `compare_examples_many` on the
reference's budget metric (dataset-level), with the same seed. One search with
tfrank.tuners' RandomSearch, one with keras-tuner's own tuner and a plain
``keras_tuner.Objective``, one on a budget metric.
"""

import json

import keras
import keras_tuner as kt
import numpy as np
import pytest

import tfrank
import tfrank.stats
import tfrank.tuners
from tfrank import reference

ITEMS = 6


def _lists(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, ITEMS)).astype("float32")
    y = (x + 0.7 * rng.normal(size=x.shape) > 0.6).astype("float32")
    return x, y


NOISE = np.random.default_rng(9).normal(size=(ITEMS, ITEMS))


def _ranker(stderr):
    """Scores start at x (I) plus a fixed noise matrix times ``noise``: trials that rank alike
    (noise 0 and 0.1) and one that ranks worse (noise 2)."""

    def build(hp):
        model = keras.Sequential([keras.Input((ITEMS,)), keras.layers.Dense(ITEMS)])
        model.layers[0].kernel.assign(np.eye(ITEMS) + hp.Choice("noise", [0.0, 0.1, 2.0]) * NOISE)
        model.compile(keras.optimizers.SGD(0.01),
                      keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tfrank.PrecisionAtK(k=3, stderr=stderr), tfrank.NDCGAtK(k=3)])
        return model

    return build


def _search(tuner, data):
    (x, y), (x_val, y_val) = data
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=1, batch_size=16, verbose=0)
    return tuner


@pytest.fixture(scope="module")
def data():
    return _lists(48, 0), _lists(40, 1), _lists(150, 2)  # train, validation (selects), held out


@pytest.fixture(scope="module")
def tfrank_search(data, tmp_path_factory):
    keras.backend.clear_session()
    tuner = tfrank.tuners.RandomSearch(_ranker(stderr=False), objective="val_precision_at_3", max_trials=3, seed=1,
                                       directory=str(tmp_path_factory.mktemp("trials")), project_name="t")
    return _search(tuner, data[:2])


@pytest.fixture(scope="module")
def keras_tuner_search(data, tmp_path_factory):
    keras.backend.clear_session()
    tuner = kt.RandomSearch(_ranker(stderr=True), objective=kt.Objective("val_precision_at_3", "max"), max_trials=2,
                            seed=2, directory=str(tmp_path_factory.mktemp("trials")), project_name="k")
    return _search(tuner, data[:2])


def _direct(tuner, x, y, top, metric=reference.precision_at_k):
    trials = tuner.oracle.get_best_trials(top)
    models = tuner.get_best_models(top)
    return {str(t.trial_id): metric(y, m.predict(x, verbose=0), 3) for t, m in zip(trials, models)}, trials


@pytest.mark.parametrize("which, test", [("tfrank", "randomization"), ("tfrank", "t"), ("keras_tuner", "bootstrap")])
def test_rows_are_compare_many_on_the_per_list_values_of_the_best_models(request, data, which, test):
    tuner = request.getfixturevalue(f"{which}_search")
    x, y = data[2]
    result = tfrank.tuners.compare_trials(tuner, x, y, top=3, test=test, seed=0, n_resamples=2_000)
    values, trials = _direct(tuner, x, y, top=3)
    want = tfrank.stats.compare_many(values, baseline=str(trials[0].trial_id), test=test, seed=0, n_resamples=2_000)
    counted = int((y.sum(axis=1) > 0).sum())  # lists without a relevant item are skipped
    assert (result.metric, result.test, result.correction, result.n, result.unit) == (
        "precision_at_3", test, "holm", counted, "lists")
    assert [r.trial_id for r in result.rows] == [str(t.trial_id) for t in trials]  # best first
    for row, expected, trial in zip(result.rows, want, trials):
        assert row.value == pytest.approx(expected.mean, abs=1e-6)  # float32 metric values
        assert row.ci == pytest.approx(expected.mean_ci, abs=1e-6)
        assert row.difference == pytest.approx(expected.difference, abs=1e-6)
        assert row.difference_ci == pytest.approx(expected.ci, abs=1e-6)
        assert row.p_value == (None if expected.p_value is None else pytest.approx(expected.p_value))
        assert row.tied_with_best == (expected.p_value is None or expected.p_value >= 0.05)
        assert row.hyperparameters == trial.hyperparameters.values
        assert row.score == trial.score
    assert len({r.value for r in result.rows}) == len(result.rows)  # the trials differ
    if which == "tfrank":  # noise 0.1 ranks almost as noise 0 does, noise 2 far worse: both kinds of row
        assert {r.tied_with_best for r in result.rows[1:]} == {True, False}


def test_another_metric_by_log_name_and_the_outputs(tfrank_search, data, tmp_path):
    x, y = data[2]
    result = tfrank.tuners.compare_trials(tfrank_search, x, y, top=2, metric="val_ndcg_at_3", test="t",
                                          correction=None)
    built = []
    again = tfrank.tuners.compare_trials(tfrank_search, x, y, top=2, test="t", correction=None,
                                         metric=lambda model: built.append(model) or tfrank.NDCGAtK(k=3))
    assert len(built) == 2 and again.rows == result.rows  # a factory: one metric object per trial's model
    values, trials = _direct(tfrank_search, x, y, top=2, metric=reference.ndcg_at_k)
    want = tfrank.stats.compare_many(values, baseline=str(trials[0].trial_id), test="t", correction=None)
    assert result.metric == "ndcg_at_3" and len(result.rows) == 2
    assert result.rows[1].p_value == pytest.approx(want[1].p_raw)
    table = result.to_markdown()
    assert "| trial | ndcg_at_3 | 95% CI |" in table and f"| {trials[1].trial_id} |" in table
    dumped = json.loads(json.dumps(result.to_json()))
    assert dumped["metric"] == "ndcg_at_3" and dumped["rows"][1]["p_value"] == pytest.approx(want[1].p_raw)
    assert dumped["rows"][0]["hyperparameters"] == trials[0].hyperparameters.values
    assert tfrank.tuners.TrialComparison.from_json(dumped) == result  # back from results.json, e.g. to draw again
    path = result.plot(str(tmp_path / "trials.png"))
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_budget_objective_is_compared_over_examples(data, tmp_path):
    keras.backend.clear_session()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3)).astype("float32")
    y = (x[:, 0] + rng.normal(size=200) > 1.0).astype("float32")

    def build(hp):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
            1, kernel_initializer=keras.initializers.Constant(hp.Choice("w", [1.0, -1.0])))])
        model.compile("sgd", keras.losses.BinaryCrossentropy(from_logits=True),
                      metrics=[tfrank.PrecisionAtBudget(budget=10)])
        return model

    tuner = kt.GridSearch(build, objective=kt.Objective("val_precision_at_budget_10", "max"), max_trials=2,
                          directory=str(tmp_path), project_name="b")
    tuner.search(x[:100], y[:100], validation_data=(x[100:], y[100:]), epochs=1, batch_size=50, verbose=0)
    result = tfrank.tuners.compare_trials(tuner, x[100:], y[100:], seed=0, n_resamples=300)
    trials, models = tuner.oracle.get_best_trials(2), tuner.get_best_models(2)
    scores = {str(t.trial_id): m.predict(x[100:], verbose=0)[:, 0] for t, m in zip(trials, models)}
    want = tfrank.stats.compare_examples_many("precision_at_budget_10", y[100:], scores,
                                              baseline=str(trials[0].trial_id), seed=0, n_resamples=300)
    assert (result.unit, result.test, result.n, result.metric) == ("examples", "bootstrap", 100, "precision_at_budget_10")
    assert result.rows[0].value == pytest.approx(reference.precision_at_budget(y[100:], scores[result.rows[0].trial_id],
                                                                               10))
    assert result.rows[1].p_value == pytest.approx(want[1].p_value)
    assert result.rows[1].difference_ci == pytest.approx(want[1].ci)


@pytest.mark.parametrize("options, error, match", [
    ({"top": 0}, ValueError, "top must be a positive int"),
    ({"metric": "val_recall_at_3"}, ValueError, "found: precision_at_3, ndcg_at_3"),
    ({"test": "z"}, ValueError, "test must be one of"),
    ({"correction": "fdr_bh"}, ValueError, "correction must be one of"),
    ({"alpha": 1.5}, ValueError, r"alpha must be a float in \(0, 1\)"),
    ({"metric": keras.metrics.AUC()}, TypeError, "metric must be None, a log name, a tfrank metric object or a"),
])
def test_compare_trials_rejects_bad_input(tfrank_search, data, options, error, match):
    x, y = data[2]
    with pytest.raises(error, match=match):
        tfrank.tuners.compare_trials(tfrank_search, x, y, **options)
