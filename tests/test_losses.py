"""tfrank.losses against the NumPy reference, independent implementations, numeric gradients,
XLA, and the memory bound of ids labels; one table of bad inputs."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import FORMATS, make_batch

import tfrank
from tfrank import reference

LOSSES = {
    "softmax": (tfrank.losses.SoftmaxLoss, tfrank.losses.softmax_loss, reference.softmax_loss),
    "sigmoid": (tfrank.losses.SigmoidLoss, tfrank.losses.sigmoid_loss, reference.sigmoid_loss),
    "pairwise_logistic": (
        tfrank.losses.PairwiseLogisticLoss,
        tfrank.losses.pairwise_logistic_loss,
        reference.pairwise_logistic_loss,
    ),
    "approx_ndcg": (tfrank.losses.ApproxNDCGLoss, tfrank.losses.approx_ndcg_loss, reference.approx_ndcg_loss),
}


def _close(actual, expected, rtol=1e-4, atol=1e-4):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64), rtol=rtol, atol=atol)


# === Every label form, with and without a mask, against the reference ===


@pytest.mark.parametrize("fmt", FORMATS + ("dict",))
@pytest.mark.parametrize("masked", [False, True], ids=["plain", "mask"])
def test_losses_match_reference(fmt, masked):
    batch = make_batch(7, "graded" if fmt == "dict" else fmt, mask=masked)
    y_true, ref_true, mask = batch["y_true"], batch["ref_true"], batch["mask"]
    if fmt == "dict":
        y_true, ref_true, mask = {"labels": y_true, "mask": mask}, {"labels": ref_true, "mask": mask}, None
    for name, (_, fn, ref) in LOSSES.items():
        _close(fn(y_true, batch["y_pred"], mask=mask), ref(ref_true, batch["y_pred"], mask=mask), rtol=2e-4)


def test_dict_mask_equals_minus_one_labels():
    """The rewrite a fit pipeline uses (Keras' fit gives a dict y_true to no loss)."""
    batch = make_batch(9, "graded", mask=True)
    rewritten = np.where(batch["mask"], batch["y_true"], -1.0)
    for name, (_, fn, _) in LOSSES.items():
        as_dict = fn({"labels": batch["y_true"], "mask": batch["mask"]}, batch["y_pred"])
        np.testing.assert_array_equal(as_dict, fn(rewritten, batch["y_pred"]), err_msg=name)


def test_keras_class_weights_lists_and_round_trips():
    batch = make_batch(3, "ids", weights=True)
    for name, (cls, _, ref) in LOSSES.items():
        loss = cls(temperature=0.5) if name == "approx_ndcg" else cls()
        per_list = ref(batch["ref_true"], batch["y_pred"], **({"temperature": 0.5} if name == "approx_ndcg" else {}))
        weights = batch["sample_weight"]
        _close(loss(batch["y_true"], batch["y_pred"], sample_weight=weights), np.sum(per_list * weights) / len(weights))
        _close(loss(batch["y_true"], batch["y_pred"], sample_weight=weights[:, None]), np.sum(per_list * weights) / 12)
        _close(cls(reduction=None, **loss._options())(batch["y_true"], batch["y_pred"], sample_weight=weights),
               per_list * weights)
        _close(cls(reduction="mean_with_sample_weight", **loss._options())(
            batch["y_true"], batch["y_pred"], sample_weight=weights), np.sum(per_list * weights) / np.sum(weights))
        again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(loss))
        assert type(again) is cls and again.get_config() == loss.get_config()
        assert keras.saving.serialize_keras_object(loss)["registered_name"] == f"tfrank>{cls.__name__}"


def test_half_precision_logits_computed_in_float32():
    batch = make_batch(5, "graded")
    for name, (_, fn, _) in LOSSES.items():
        half = fn(batch["y_true"], tf.constant(batch["y_pred"], tf.float16))
        assert half.dtype == tf.float32
        _close(half, fn(batch["y_true"], batch["y_pred"].astype(np.float16).astype(np.float32)), rtol=1e-5)


def test_no_nan_for_lists_without_relevant_or_valid_items():
    y_true = np.array([[0.0, 0.0, 0.0], [-1.0, -1.0, -1.0]], np.float32)  # no relevant / no valid item
    y_pred = tf.constant([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    for name, (_, fn, ref) in LOSSES.items():
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            values = fn(y_true, y_pred)
            total = tf.reduce_sum(values)
        grad = tape.gradient(total, y_pred).numpy()
        _close(values, ref(y_true, y_pred.numpy()))
        assert np.isfinite(grad).all() and not grad[1].any(), name
        assert values[1] == 0.0 and (name == "sigmoid" or values[0] == 0.0)


# === Independent implementations, on dense labels ===


def test_pairwise_logistic_equals_keras_rs():
    import keras_rs

    batch = make_batch(11, "graded", mask=True)  # graded, padded with -1, masked
    y_true = {"labels": batch["y_true"], "mask": batch["mask"]}
    # keras-rs' per-item sums [B, N] (reduction=None), added up per list: the pair sums.
    pair_sums = np.sum(keras_rs.losses.PairwiseLogisticLoss(reduction=None)(y_true, batch["y_pred"]), axis=1)
    n_valid = ((batch["y_true"] >= 0) & batch["mask"]).sum(axis=1)
    _close(tfrank.losses.pairwise_logistic_loss(y_true, batch["y_pred"]) * n_valid, pair_sums)
    # Nothing padded: keras-rs' default reduction (a mean over [B, N]) is tfrank's mean over lists.
    unpadded = make_batch(12, "graded", pad=False)
    _close(tfrank.losses.PairwiseLogisticLoss()(unpadded["y_true"], unpadded["y_pred"]),
           keras_rs.losses.PairwiseLogisticLoss()(unpadded["y_true"], unpadded["y_pred"]))


def test_cross_entropies_equal_keras_on_each_lists_valid_items():
    batch = make_batch(13, "graded")  # graded, padded with -1
    labels, scores = batch["y_true"], batch["y_pred"]
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    cce = keras.losses.CategoricalCrossentropy(from_logits=True)
    sigmoid, softmax = tfrank.losses.sigmoid_loss(labels, scores), tfrank.losses.softmax_loss(labels, scores)
    for b in range(len(labels)):
        valid = labels[b] >= 0
        y, s = labels[b][valid][None], scores[b][valid][None]
        _close(sigmoid[b], bce(np.minimum(y, 1.0), s))
        expected = cce(y / y.sum(), s) if y.sum() > 0 else 0.0
        _close(softmax[b], expected)


REDUCTIONS = [None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight"]  # Keras 3's


@pytest.mark.parametrize("weights", ["none", "per_list", "per_list_2d", "scalar"])
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_reductions_are_keras_own(reduction, weights):
    """Unpadded, SigmoidLoss per list is Keras' BinaryCrossentropy(from_logits=True) per sample:
    every reduction and weight form must then give Keras' number through keras.losses.Loss."""
    batch = make_batch(14, "dense", batch=5, items=6, pad=False, weights=True)
    labels, scores, per_list = batch["y_true"], batch["y_pred"], batch["sample_weight"]
    weight = {"none": None, "per_list": per_list, "per_list_2d": per_list[:, None], "scalar": np.float32(2.5)}[weights]
    got = tfrank.losses.SigmoidLoss(reduction=reduction)(labels, scores, sample_weight=weight)
    # A scalar weighs every list alike (Keras' own "mean_with_sample_weight" would divide by it once).
    keras_weight = np.full(5, weight, np.float32) if weights == "scalar" else weight
    want = keras.losses.BinaryCrossentropy(from_logits=True, reduction=reduction)(labels, scores, sample_weight=keras_weight)
    assert got.shape == ((5,) if reduction in (None, "none") else ())
    _close(got, np.ravel(want), rtol=1e-5, atol=1e-6)  # Keras gives [B, 1] for [B, 1] weights and no reduction


def _tf_ranking_softmax(labels, logits):
    """TF-Ranking 0.5 ``SoftmaxLoss._compute_unreduced_loss``, written out (it no longer imports)."""
    is_valid = labels >= 0.0
    labels = tf.where(is_valid, labels, 0.0)
    logits = tf.where(is_valid, logits, tf.math.log(1e-20) * tf.ones_like(logits))
    label_sum = tf.reduce_sum(labels, axis=1, keepdims=True)
    nonzero = tf.reshape(label_sum, [-1]) > 0.0
    labels = tf.math.divide_no_nan(labels, label_sum)
    losses = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    return tf.where(nonzero, losses, 0.0)


def _tf_ranking_approx_ndcg(labels, logits, alpha=10.0):
    """TF-Ranking 0.5 ``ApproxNDCGLoss`` with ``utils.approx_ranks``, ``utils.ndcg``, written out."""
    is_valid = labels >= 0.0
    labels = tf.where(is_valid, labels, 0.0)
    logits = tf.where(is_valid, logits, -1e3 + tf.reduce_min(logits, axis=-1, keepdims=True))
    nonzero = tf.reduce_sum(labels, axis=1) > 0.0
    n = tf.shape(logits)[1]
    x, y = tf.tile(logits[:, :, None], [1, 1, n]), tf.tile(logits[:, None, :], [1, n, 1])
    ranks = tf.reduce_sum(tf.sigmoid(alpha * (y - x)), axis=-1) + 0.5
    gains = tf.pow(2.0, labels) - 1.0
    dcg = tf.reduce_sum(gains / tf.math.log1p(ranks), axis=-1)
    ideal = tf.sort(gains, direction="DESCENDING")
    max_dcg = tf.reduce_sum(ideal / tf.math.log1p(tf.range(1.0, tf.cast(n, tf.float32) + 1.0)), axis=-1)
    return tf.where(nonzero, -tf.math.divide_no_nan(dcg, max_dcg), 0.0)


def test_softmax_and_approx_ndcg_equal_tf_rankings_formulas():
    batch = make_batch(17, "graded")
    labels, scores = tf.constant(batch["y_true"]), tf.constant(batch["y_pred"])
    _close(tfrank.losses.softmax_loss(labels, scores), _tf_ranking_softmax(labels, scores))
    _close(tfrank.losses.approx_ndcg_loss(labels, scores), _tf_ranking_approx_ndcg(labels, scores))


# === Gradients, XLA, memory ===


@pytest.mark.parametrize("fmt", ["graded", "ids"])
def test_gradients_match_finite_differences(fmt):
    batch = make_batch(19, fmt, batch=3, items=5)
    scores = tf.constant(batch["y_pred"], tf.float64)
    for name, (_, fn, _) in LOSSES.items():
        theoretical, numerical = tf.test.compute_gradient(lambda s: fn(batch["y_true"], s), [scores], delta=1e-3)
        np.testing.assert_allclose(theoretical[0], numerical[0], atol=2e-3, err_msg=name)
        assert np.abs(theoretical[0]).max() > 0.0


@pytest.mark.parametrize("fmt", ["graded", "ids", "dict"])  # class ids: tests/test_losses_fit.py
def test_xla_compiled_losses_match_reference(fmt):
    batch = make_batch(23, "graded" if fmt == "dict" else fmt, mask=fmt == "dict")
    y_true, ref_true = batch["y_true"], batch["ref_true"]
    if fmt == "dict":
        y_true = ref_true = {"labels": y_true, "mask": batch["mask"]}

    @tf.function(jit_compile=True)
    def every_loss(y_true, y_pred):
        return [fn(y_true, y_pred) for _, fn, _ in LOSSES.values()]

    for values, (_, _, ref) in zip(every_loss(y_true, batch["y_pred"]), LOSSES.values()):
        _close(values, ref(ref_true, batch["y_pred"]), rtol=2e-4)


def test_ids_at_a_million_items_build_no_b_by_n_tensor_from_the_labels():
    batch, n_items, width = 2, 1_000_000, 3
    ids = tf.constant([[5, 999_999, -1], [0, -1, -1]], tf.int32)
    scores = tf.random.stateless_normal([batch, n_items], seed=[1, 2])
    for name, (_, fn, _) in LOSSES.items():
        graph = tf.function(fn).get_concrete_function(ids, scores).graph
        label_input = graph.inputs[0]
        downstream, frontier = set(), [label_input.op]
        while frontier:  # every op fed, directly or not, by the labels
            op = frontier.pop()
            for out in op.outputs:
                for consumer in out.consumers():
                    if consumer not in downstream:
                        downstream.add(consumer)
                        frontier.append(consumer)
        shapes = [tuple(out.shape.as_list()) for op in downstream for out in op.outputs if out.shape.rank is not None]
        assert (batch, n_items) not in shapes, name
        bound = batch * width * n_items  # [B, R, N]: the pairwise and ApproxNDCG losses
        assert max(int(np.prod([d or 0 for d in s])) for s in shapes) <= bound, name
        values = fn(ids, scores).numpy()
        assert np.isfinite(values).all()
    # The sigmoid loss at N = 1e6 against its formula, in float64.
    s = scores.numpy().astype(np.float64)
    expected = [(np.logaddexp(0, s[b]).sum() - s[b, [i for i in row if i >= 0]].sum()) / n_items
                for b, row in enumerate(ids.numpy())]
    _close(tfrank.losses.sigmoid_loss(ids, scores), expected, rtol=1e-5)


# === Bad input: one table ===

_Y = np.array([[0.1, 0.2, 0.3]], np.float32)

BAD = [
    ("temperature=0", lambda: tfrank.losses.ApproxNDCGLoss(temperature=0), ValueError, "temperature must be"),
    ("temperature=True", lambda: tfrank.losses.ApproxNDCGLoss(temperature=True), TypeError, "temperature must be"),
    ("fn temperature", lambda: tfrank.losses.approx_ndcg_loss([[0]], _Y, temperature=-1.0), ValueError, "temperature"),
    ("label_format", lambda: tfrank.losses.SoftmaxLoss(label_format="sparse"), ValueError, "label_format must be"),
    ("int y_pred", lambda: tfrank.losses.softmax_loss([[0]], [[1, 2, 3]]), TypeError, "y_pred must be"),
    ("width unknown", lambda: tf.function(tfrank.losses.sigmoid_loss).get_concrete_function(
        tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, 3])), ValueError, "label_format='dense'"),
    ("id out of range", lambda: tfrank.losses.softmax_loss([[3]], _Y), ValueError, "item ids in [0, N)"),
    ("weights [B, N]", lambda: tfrank.losses.SoftmaxLoss()([[0]], _Y, sample_weight=[[1.0, 1.0, 1.0]]),
     ValueError, "sample_weight must be one weight per list"),
    ("negative weight", lambda: tfrank.losses.SigmoidLoss()([[0]], _Y, sample_weight=[-1.0]),
     ValueError, "non-negative"),
]


@pytest.mark.parametrize("case", BAD, ids=[case[0] for case in BAD])
def test_bad_input(case):
    _, call, error, text = case
    with pytest.raises(error, match=re.escape(text)):
        call()


def test_ragged_ids_under_xla_name_the_fix_for_losses_and_metrics():
    ragged = tf.ragged.constant([[0, 2], [1]], dtype=tf.int64)
    scores = tf.constant([[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]])
    metric = tfrank.PrecisionAtK(k=1)
    for call in (lambda y, s: tfrank.losses.softmax_loss(y, s), lambda y, s: metric.update_state(y, s)):
        with pytest.raises(ValueError, match=r"ragged .* XLA.*y\.to_tensor\(-1, shape=\[None, R\]\).*jit_compile=False"):
            tf.function(call, jit_compile=True)(ragged, scores)
        tf.function(call)(ragged, scores)  # without XLA the same call works


def test_a_saved_model_loads_with_its_tfrank_loss(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss=tfrank.losses.ApproxNDCGLoss(temperature=0.5, label_format="ids"))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded.loss) is tfrank.losses.ApproxNDCGLoss
    assert (loaded.loss.temperature, loaded.loss.label_format) == (0.5, "ids")
