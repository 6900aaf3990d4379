"""tfrank.tuners: keras-tuner's tuners taking tfrank log names as plain strings.

One short real search (tiny model, 2 trials, 1 epoch) checks that the plain string became a
"max" objective and that the best trial is the highest score; the other tuners are only
constructed (building the search space), which is where keras-tuner reads the objective.
"""

import keras
import keras_tuner as kt
import numpy as np
import pytest

import tfrank
from tfrank import reference
from tfrank.tuning.objective import as_objective

N_ITEMS = 6


def _lists(n_lists=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_lists, N_ITEMS)).astype("float32")
    y = (x + 0.5 * rng.normal(size=x.shape) > 0.7).astype("float32")  # learnable: relevance follows x
    return x, y


class Ranker(kt.HyperModel):
    """A one-layer scorer starting at scores = -x or +x: the two trials score far apart."""

    def __init__(self):
        super().__init__()
        self.histories, self.models = [], []

    def build(self, hp):
        start = keras.initializers.Identity(gain=hp.Choice("gain", [-1.0, 1.0]))
        model = keras.Sequential([keras.Input((N_ITEMS,)), keras.layers.Dense(N_ITEMS, kernel_initializer=start)])
        model.compile(keras.optimizers.SGD(0.01),
                      keras.losses.BinaryCrossentropy(from_logits=True), metrics=[tfrank.PrecisionAtK(k=2)])
        return model

    def fit(self, hp, model, *args, **kwargs):
        history = model.fit(*args, **kwargs)
        self.histories.append(history.history)
        self.models.append(model)
        return history


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    keras.backend.clear_session()
    x, y = _lists()
    hypermodel = Ranker()
    tuner = tfrank.tuners.GridSearch(hypermodel, objective="val_precision_at_2", max_trials=2,
                                     directory=str(tmp_path_factory.mktemp("tuners")), project_name="p")
    tuner.search(x[:30], y[:30], validation_data=(x[30:], y[30:]), epochs=1, batch_size=10, verbose=0)
    return tuner, hypermodel, (x[30:], y[30:])


def test_plain_string_becomes_a_max_objective(searched):
    tuner, _, _ = searched
    assert tuner.oracle.objective == kt.Objective("val_precision_at_2", "max")


def test_best_trial_is_the_highest_score(searched):
    tuner, hypermodel, (x_val, y_val) = searched
    trials = list(tuner.oracle.trials.values())
    assert [t.status for t in trials] == ["COMPLETED"] * 2
    scores = [t.score for t in trials]
    assert scores[0] != scores[1]  # else the test could not tell "max" from "min"
    # Each score is what the metric logged, and that is the NumPy reference on the model's scores.
    for trial, history, model in zip(trials, hypermodel.histories, hypermodel.models):
        assert trial.score == pytest.approx(history["val_precision_at_2"][0], rel=1e-6)
        expected = reference.weighted_mean(reference.precision_at_k(y_val, model.predict(x_val, verbose=0), 2))
        assert trial.score == pytest.approx(expected, rel=1e-5)
    assert tuner.oracle.get_best_trials(1)[0].score == max(scores)


@pytest.mark.parametrize("tuner_class, options", [
    (tfrank.tuners.BayesianOptimization, {"max_trials": 2, "num_initial_points": 1}),
    (tfrank.tuners.RandomSearch, {"max_trials": 2}),
    (tfrank.tuners.Hyperband, {"max_epochs": 2}),
    (tfrank.tuners.GridSearch, {"max_trials": 2}),
])
def test_every_tuner_converts_names_and_passes_others_through(tuner_class, options, tmp_path):
    assert issubclass(tuner_class, getattr(kt, tuner_class.__name__))
    tuner = tuner_class(Ranker(), "val_ndcg_at_3", directory=str(tmp_path), project_name="a", **options)
    assert tuner.oracle.objective == kt.Objective("val_ndcg_at_3", "max")  # positional objective too
    tuner = tuner_class(Ranker(), objective=["val_recall_at_2", "val_loss"], directory=str(tmp_path),
                        project_name="b", **options)
    assert tuner.oracle.objective.objectives == [kt.Objective("val_recall_at_2", "max"), kt.Objective("val_loss", "min")]
    custom = kt.Objective("val_precision_at_2", "min")  # a user's own Objective stays as given
    tuner = tuner_class(Ranker(), objective=custom, directory=str(tmp_path), project_name="c", **options)
    assert tuner.oracle.objective is custom


@pytest.mark.parametrize("value", ["val_accuracy", "val_loss", "val_precison_at_2", None, kt.Objective("x", "max")])
def test_other_objectives_are_passed_through_unchanged(value):
    assert as_objective(value) is value


def test_keras_tuner_still_infers_its_own_names(tmp_path):
    tuner = tfrank.tuners.RandomSearch(Ranker(), objective="val_accuracy", max_trials=1, directory=str(tmp_path))
    assert tuner.oracle.objective == kt.Objective("val_accuracy", "max")
    with pytest.raises(ValueError, match="Could not infer optimization direction"):  # unknown: keras-tuner decides
        tfrank.tuners.RandomSearch(Ranker(), objective="val_my_score", max_trials=1, directory=str(tmp_path))


def test_a_nan_objective_is_a_failed_trial(tmp_path):
    """What docs/scaling-out.md says keras-tuner does with a trial whose tfrank metric is NaN."""
    x, y = _lists()

    class NaNScores(Ranker):
        def build(self, hp):
            model = keras.Sequential([keras.Input((N_ITEMS,)), keras.layers.Lambda(lambda t: t * float("nan"))])
            finite_loss = lambda y_true, y_pred: keras.ops.sum(y_true, axis=-1) * 0.0  # noqa: E731  only the metric is NaN
            model.compile("sgd", finite_loss, metrics=[tfrank.PrecisionAtK(k=2)])
            hp.Fixed("units", 1)
            return model

    tuner = tfrank.tuners.RandomSearch(NaNScores(), objective="val_precision_at_2", max_trials=1,
                                       max_consecutive_failed_trials=1, directory=str(tmp_path))
    with pytest.raises(RuntimeError, match="consecutive failures"):
        tuner.search(x[:30], y[:30], validation_data=(x[30:], y[30:]), epochs=1, verbose=0)
    assert [t.status for t in tuner.oracle.trials.values()] == ["FAILED"]
