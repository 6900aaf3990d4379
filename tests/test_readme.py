"""The README's complete example (its first ```python block), run as written, in a fresh folder.

What it prints is checked against the NumPy reference: early stopping kept the epoch with
the highest val_precision_at_5 (so Keras read tfrank's metric as "higher is better"), and
the restored model and the tuner's best model score what was logged for them.

NOTE: the example's EarlyStopping has no ``mode``, as a user writes it. Keras 3's "auto" mode
reads the metric's ``_direction`` (``"up"``), which `tfrank.RankingMetric` sets; without it
``model.fit`` raises "Keras isn't able to automatically determine whether that metric
should be maximized or minimized" and these tests fail, as they should.
"""

import os
import re
import warnings

import keras
import numpy as np
import pytest

from tfrank import reference

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


def example():
    with open(README, encoding="utf-8") as f:
        blocks = re.findall(r"^```python\n(.*?)^```$", f.read(), re.S | re.M)
    return blocks[0]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    keras.backend.clear_session()
    namespace = {"__name__": "readme_example"}
    here = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("readme"))  # the tuner writes (and reloads from) ./tfrank-example
    try:
        exec(compile(example(), README, "exec"), namespace)
        yield namespace
    finally:
        os.chdir(here)


def _precision_at_5(model, ran):
    scores = model.predict(ran["x_val"], verbose=0)
    return reference.weighted_mean(reference.precision_at_k(ran["y_val"], scores, 5, label_format="dense"))


def test_the_example_is_the_complete_one():
    code = example()
    for part in ("tfrank.losses.", "tfrank.PrecisionAtK", "EarlyStopping(monitor=\"val_precision_at_5\"",
                 ".fit(", "tfrank.tuners.", "max_trials=2", ".search("):
        assert part in code, part


def test_early_stopping_keeps_the_highest_tfrank_metric(ran, capsys):
    logged = ran["history"].history["val_precision_at_5"]
    assert ran["stop"].best == max(logged) and min(logged) < max(logged)
    # restore_best_weights: the model now scores that best epoch's value.
    assert _precision_at_5(ran["model"], ran) == pytest.approx(ran["stop"].best, abs=1e-5)


def test_the_search_ran_two_trials_and_its_best_model_scores_its_record(ran):
    tuner, best = ran["tuner"], ran["best"]
    trials = tuner.oracle.trials.values()
    assert len(trials) == 2 and all(trial.status == "COMPLETED" for trial in trials)
    assert best.score == max(trial.score for trial in trials)
    with warnings.catch_warnings():  # the checkpoint holds the optimizer's state too; weights suffice
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]
    assert _precision_at_5(model, ran) == pytest.approx(best.score, abs=1e-5)
