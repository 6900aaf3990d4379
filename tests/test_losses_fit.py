"""Every label form trains in ``model.fit`` with a tfrank loss and tfrank metrics, on CPU and
under XLA; the logged validation losses and metrics equal the NumPy reference on the model's
predictions. One tiny model with one output per label form (one fit covers every form),
one epoch, shared data."""

import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
from tfrank import reference
from loss_table import LOSSES

N_ITEMS, N_FEATURES, N_LISTS, BATCH, K, WIDTH = 8, 5, 48, 16, 2, 4

_rng = np.random.default_rng(0)
X = _rng.normal(size=(N_LISTS, N_FEATURES)).astype(np.float32)
# Lists of 0 to 3 relevant items (list 0 has none), padded to WIDTH with -1.
ROWS = [[] if b == 0 else sorted(_rng.choice(N_ITEMS, size=int(_rng.integers(1, 4)), replace=False).tolist())
        for b in range(N_LISTS)]
IDS = np.array([r + [-1] * (WIDTH - len(r)) for r in ROWS], np.int32)
GRADED = np.zeros((N_LISTS, N_ITEMS), np.float32)
for _b, _row in enumerate(ROWS):
    GRADED[_b, _row] = _rng.integers(1, 4, size=len(_row))
GRADED[:, -1] = np.where(_rng.random(N_LISTS) < 0.3, -1.0, GRADED[:, -1])  # some padded items
MASK = _rng.random((N_LISTS, N_ITEMS)) > 0.2
RAGGED = tf.ragged.constant(ROWS, dtype=tf.int64, row_splits_dtype=tf.int64)

# form: (labels for the model, labels for the reference, loss class)
FORMS = {
    "dense": (np.minimum(GRADED, 1.0), np.minimum(GRADED, 1.0), tfrank.losses.SigmoidLoss),
    "graded": (GRADED, GRADED, tfrank.losses.ApproxNDCGLoss),
    "ids": (IDS, IDS, tfrank.losses.PairwiseLogisticLoss),
    "ragged": (RAGGED, ROWS, tfrank.losses.SoftmaxLoss),
    "class": (IDS[:, 0], IDS[:, 0], tfrank.losses.SoftmaxLoss),
    "class_2d": (IDS[:, :1], IDS[:, :1], tfrank.losses.SigmoidLoss),
    "dict": ({"labels": GRADED, "mask": MASK}, {"labels": GRADED, "mask": MASK}, tfrank.losses.PairwiseLogisticLoss),
}
REF_LOSS = {
    tfrank.losses.SoftmaxLoss: reference.softmax_loss,
    tfrank.losses.SigmoidLoss: reference.sigmoid_loss,
    tfrank.losses.PairwiseLogisticLoss: reference.pairwise_logistic_loss,
    tfrank.losses.ApproxNDCGLoss: reference.approx_ndcg_loss,
}


def _model(forms, jit_compile):
    keras.utils.set_random_seed(1)
    inputs = keras.Input((N_FEATURES,))
    model = keras.Model(inputs, {form: keras.layers.Dense(N_ITEMS, name=form)(inputs) for form in forms})
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss={form: FORMS[form][2]() for form in forms},
        metrics={form: [tfrank.PrecisionAtK(k=K), tfrank.RecallAtK(k=K)] for form in forms},
        jit_compile=jit_compile,
    )
    return model


def _dataset(forms):
    return tf.data.Dataset.from_tensor_slices((X, {form: FORMS[form][0] for form in forms})).batch(BATCH)


def _in_fit(x, y):
    # Keras 3's fit hands a {"labels", "mask"} y_true of an output to no loss ("different
    # structures"): inside fit the mask becomes -1 labels, the same lists (test_losses.py
    # checks that the dict and this form agree).
    y = dict(y, dict=tf.where(y["dict"]["mask"], y["dict"]["labels"], -1.0))
    return x, y


def _padded(x, y):
    # The fix tfrank's error names for ragged ids under XLA.
    return x, dict(y, ragged=y["ragged"].to_tensor(-1, shape=[None, WIDTH]))


@pytest.mark.parametrize("jit_compile", [False, True], ids=["cpu", "xla"])
def test_every_label_form_trains_and_logs_the_reference_values(jit_compile):
    model = _model(FORMS, jit_compile)
    data = _dataset(FORMS).map(_in_fit)
    if jit_compile:
        data = data.map(_padded)
    logs = {name: values[-1] for name, values in model.fit(data, validation_data=data, verbose=0).history.items()}
    predictions = model(X)  # eagerly: no third function to trace
    for form, (_, ref_labels, loss_cls) in FORMS.items():
        scores = predictions[form].numpy()
        expected = {
            f"val_{form}_loss": float(np.mean(REF_LOSS[loss_cls](ref_labels, scores))),
            f"val_{form}_precision_at_{K}": reference.weighted_mean(reference.precision_at_k(ref_labels, scores, K)),
            f"val_{form}_recall_at_{K}": reference.weighted_mean(reference.recall_at_k(ref_labels, scores, K)),
        }
        for name, value in expected.items():
            np.testing.assert_allclose(logs[name], value, rtol=1e-4, atol=1e-5, err_msg=name)
        assert np.isfinite(logs[f"{form}_loss"])


def test_ragged_ids_under_xla_fail_at_trace_time_naming_the_fix():
    model = _model(["ragged"], jit_compile=True)
    with pytest.raises(ValueError, match=r"XLA.*y\.to_tensor\(-1, shape=\[None, R\]\).*jit_compile=False"):
        model.fit(_dataset(["ragged"]), verbose=0)


# === Every loss in one XLA-compiled fit: one output per loss, ids and graded labels in turn ===

# The losses the label-form test above does not train (its four train in every form there).
FIT_LOSSES = {name: (spec[0], spec[3][-1]) for name, spec in LOSSES.items()
              if name not in ("softmax", "sigmoid", "pairwise_logistic", "approx_ndcg")}


def test_every_loss_trains_under_xla():
    """XLA's values themselves: tests/test_losses.py::test_xla_compiled_losses_match_reference."""
    names = list(FIT_LOSSES) + ["gumbel_approx_ndcg"]
    labels = {name: IDS if i % 2 else GRADED for i, name in enumerate(names)}
    keras.utils.set_random_seed(3)
    inputs = keras.Input((N_FEATURES,))
    model = keras.Model(inputs, {name: keras.layers.Dense(N_ITEMS, name=name)(inputs) for name in names})
    losses = {name: cls(**options) for name, (cls, options) in FIT_LOSSES.items()}
    losses["gumbel_approx_ndcg"] = tfrank.losses.GumbelApproxNDCGLoss(seed=0, sample_size=2)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss=losses, jit_compile=True)
    before = model(X)
    history = model.fit(tf.data.Dataset.from_tensor_slices((X, labels)).batch(BATCH), verbose=0).history
    after = model(X)
    for name in names:
        assert np.isfinite(history[f"{name}_loss"][0]), name
        assert not np.allclose(before[name], after[name]), name  # the loss's gradient moved its layer


def _first_python_block(page, after):
    text = (pathlib.Path(__file__).resolve().parents[1] / page).read_text(encoding="utf-8")
    return text.split(after, 1)[1].split("```python", 1)[1].split("```", 1)[0]


def test_the_readme_use_example_runs_as_written():
    """README.md's "## Use" block (the first compile of docs/getting-started.md too), executed as
    written (ids labels, the form Keras' losses reject)."""
    block = _first_python_block("README.md", "## Use")
    assert _first_python_block("docs/getting-started.md", "## A first `compile`") == block
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])
    namespace = {"model": model, "x": X, "y": IDS, "x_val": X, "y_val": IDS}
    exec(compile(block, "README.md", "exec"), namespace)
    logs = model.history.history
    scores = model(X).numpy()
    np.testing.assert_allclose(logs["val_loss"][0], np.mean(reference.softmax_loss(IDS, scores)), rtol=1e-4)
    np.testing.assert_allclose(logs["val_precision_at_10"][0],
                               reference.weighted_mean(reference.precision_at_k(IDS, scores, 10)), rtol=1e-4)


def test_the_migration_guide_example_runs_as_written():
    """docs/tf-ranking.md's tfrank block, executed as written, on dense labels padded with -1."""
    block = _first_python_block("docs/tf-ranking.md", "With tfrank (Keras 3):")
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])
    namespace = {"model": model, "x": X, "labels": GRADED}
    exec(compile(block, "docs/tf-ranking.md", "exec"), namespace)
    assert isinstance(model.loss.lambda_weight, tfrank.losses.NDCGLambdaWeight) and model.loss.lambda_weight.k == 10
    scores = model(X).numpy()
    logs = model.evaluate(X, GRADED, return_dict=True, verbose=0)
    expected = reference.pairwise_logistic_loss(GRADED, scores, normalizer="list_size",
                                                lambda_weight=("NDCGLambdaWeight", {"k": 10}))
    np.testing.assert_allclose(logs["loss"], np.mean(expected), rtol=1e-4)
    np.testing.assert_allclose(logs["ndcg_at_10"], reference.weighted_mean(reference.ndcg_at_k(
        GRADED, scores, 10, empty="zero")), rtol=1e-4)
