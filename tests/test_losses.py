"""tfrank.losses' functions against the NumPy reference over label forms x masks x weights x
options, under XLA, with gradients (finite, and against finite differences), and the memory
bound of ids labels. The Keras classes: tests/test_losses_api.py."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import FORMATS, make_batch
from loss_table import LOSSES, close, for_reference, item_weights

import tfrank
from tfrank import reference
from tfrank.losses import listwise

WEIGHTS = ("none", "list", "item")


def _weights(kind, batch):
    if kind == "list":
        return batch["sample_weight"]
    return item_weights(batch["y_pred"].shape) if kind == "item" else None


# === Every loss, option set and weight kind, in every label form, against the reference ===


@pytest.mark.parametrize("fmt", FORMATS + ("dict",))
@pytest.mark.parametrize("masked", [False, True], ids=["plain", "mask"])
def test_losses_match_reference(fmt, masked):
    batch = make_batch(7, "graded" if fmt == "dict" else fmt, mask=masked, weights=True)
    y_true, ref_true, mask = batch["y_true"], batch["ref_true"], batch["mask"]
    if fmt == "dict":
        y_true, ref_true, mask = {"labels": y_true, "mask": mask}, {"labels": ref_true, "mask": mask}, None
    for name, (_, fn, ref, variants) in LOSSES.items():
        # The default options under every weight kind; each other option set under one of them.
        runs = [({}, kind) for kind in WEIGHTS] + [(o, WEIGHTS[i % 3]) for i, o in enumerate(variants[1:])]
        for options, kind in runs:
            weights = _weights(kind, batch)
            got = fn(y_true, batch["y_pred"], mask=mask, sample_weight=weights, **options)
            expected = ref(ref_true, batch["y_pred"], mask=mask, sample_weight=weights, **for_reference(options))
            close(got, expected, err_msg=f"{name} {options} weights={kind}")


@pytest.mark.parametrize("fmt", ["graded", "ids"])
def test_gumbel_approx_ndcg_matches_the_reference_on_its_own_draws(fmt):
    batch = make_batch(8, fmt, mask=True)
    n_lists, n_items = batch["y_pred"].shape
    noise = listwise.gumbel_noise([n_lists, 4, n_items], 5).numpy()
    options = {"gumbel_temperature": 0.7, "temperature": 0.5}
    got = tfrank.losses.gumbel_approx_ndcg_loss(batch["y_true"], batch["y_pred"], mask=batch["mask"], seed=5,
                                                sample_size=4, **options)
    close(got, reference.gumbel_approx_ndcg_loss(batch["ref_true"], batch["y_pred"], noise=noise,
                                                 mask=batch["mask"], **options))
    other = tfrank.losses.gumbel_approx_ndcg_loss(batch["y_true"], batch["y_pred"], mask=batch["mask"], seed=6,
                                                  sample_size=4, **options)
    assert not np.allclose(got, other)  # another seed, other draws


def test_dict_mask_equals_minus_one_labels():
    """The rewrite a fit pipeline uses (Keras' fit gives a dict y_true to no loss)."""
    batch = make_batch(9, "graded", mask=True)
    rewritten = np.where(batch["mask"], batch["y_true"], -1.0)
    for name, (_, fn, _, _) in LOSSES.items():
        as_dict = fn({"labels": batch["y_true"], "mask": batch["mask"]}, batch["y_pred"])
        np.testing.assert_allclose(as_dict, fn(rewritten, batch["y_pred"]), rtol=1e-6, err_msg=name)


def test_half_precision_logits_computed_in_float32():
    batch = make_batch(5, "graded")
    for name, (_, fn, _, _) in LOSSES.items():
        half = fn(batch["y_true"], tf.constant(batch["y_pred"], tf.float16))
        assert half.dtype == tf.float32
        close(half, fn(batch["y_true"], batch["y_pred"].astype(np.float16).astype(np.float32)), rtol=1e-5)


# === Independent implementations ===


def test_cross_entropies_equal_keras_on_each_lists_valid_items():
    batch = make_batch(13, "graded")  # graded, padded with -1
    labels, scores = batch["y_true"], batch["y_pred"]
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    cce = keras.losses.CategoricalCrossentropy(from_logits=True)
    sigmoid, softmax = tfrank.losses.sigmoid_loss(labels, scores), tfrank.losses.softmax_loss(labels, scores)
    for b in range(len(labels)):
        valid = labels[b] >= 0
        y, s = labels[b][valid][None], scores[b][valid][None]
        close(sigmoid[b], bce(np.minimum(y, 1.0), s))
        close(softmax[b], cce(y / y.sum(), s) if y.sum() > 0 else 0.0)


@pytest.mark.parametrize("name, peer", [("pairwise_logistic", "PairwiseLogisticLoss"),
                                        ("pairwise_hinge", "PairwiseHingeLoss"),
                                        ("pairwise_soft_zero_one", "PairwiseSoftZeroOneLoss"),
                                        ("pairwise_mse", "PairwiseMeanSquaredError"), ("list_mle", "ListMLELoss")])
def test_losses_equal_keras_rs(name, peer):
    """keras-rs' own implementations, on graded labels padded with -1 and masked."""
    import keras_rs

    batch = make_batch(11, "graded", mask=True)
    labels = batch["y_true"]
    if name == "list_mle":  # keras-rs orders tied labels by index, tfrank by score: no ties here
        labels = np.where(labels >= 0, np.random.default_rng(0).random(labels.shape), -1.0).astype(np.float32)
    y_true = {"labels": labels, "mask": batch["mask"]}
    theirs = np.asarray(getattr(keras_rs.losses, peer)(reduction=None)(y_true, batch["y_pred"]), np.float64)
    ours = LOSSES[name][1](y_true, batch["y_pred"], **({} if name == "list_mle" else {"normalizer": "none"}))
    close(ours, theirs.sum(axis=1) if theirs.ndim == 2 and theirs.shape[1] > 1 else theirs.reshape(-1))


# === Gradients, XLA, memory ===


def _awkward_lists():
    """A list with no relevant item, one fully padded, one with all labels equal, one masked."""
    labels = np.array([[0.0, 0.0, 0.0, 0.0], [-1.0, -1.0, -1.0, -1.0], [1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 1.0, -1.0]],
                      np.float32)
    mask = np.array([[True] * 4, [True] * 4, [True] * 4, [True, True, False, True]])
    return {"labels": labels, "mask": mask}, tf.constant([[1.0, 2.0, 3.0, 3.0], [1.0, 2.0, 3.0, 4.0],
                                                          [0.5, 0.5, 2.0, -1.0], [1.0, 2.0, 3.0, 4.0]])


@pytest.mark.parametrize("fmt", ["dense", "ids"])
def test_gradients_finite_on_padded_masked_and_equal_labels(fmt):
    y_true, y_pred = _awkward_lists()
    if fmt == "ids":
        y_true = np.array([[-1, -1], [-1, -1], [0, 1], [0, 2]], np.int32)
    every = {name: (fn, variants[-1]) for name, (_, fn, _, variants) in LOSSES.items()}
    every["gumbel"] = (tfrank.losses.gumbel_approx_ndcg_loss, {"seed": 3})
    for name, (fn, options) in every.items():
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            values = fn(y_true, y_pred, **options)
            total = tf.reduce_sum(values)
        grad = tape.gradient(total, y_pred).numpy()
        assert np.isfinite(values.numpy()).all() and np.isfinite(grad).all(), name
        if fmt == "dense":
            assert not grad[1].any(), name  # the fully padded list takes no gradient


@pytest.mark.parametrize("fmt", ["graded", "ids"])
def test_gradients_match_finite_differences(fmt):
    batch = make_batch(19, fmt, batch=3, items=5)
    scores = tf.constant(batch["y_pred"], tf.float64)
    for name, (_, fn, _, variants) in LOSSES.items():
        options = variants[2] if name.startswith("pairwise") else {}
        theoretical, numerical = tf.test.compute_gradient(lambda s: fn(batch["y_true"], s, **options), [scores],
                                                          delta=1e-3)
        np.testing.assert_allclose(theoretical[0], numerical[0], atol=3e-3, err_msg=name)
        assert np.abs(theoretical[0]).max() > 0.0, name


@pytest.mark.parametrize("fmt", ["ids", "dict"])  # dict: graded labels and a mask; class ids: test_losses_fit.py
def test_xla_compiled_losses_match_reference(fmt):
    batch = make_batch(23, "graded" if fmt == "dict" else fmt, mask=fmt == "dict")
    y_true, ref_true = batch["y_true"], batch["ref_true"]
    if fmt == "dict":
        y_true = ref_true = {"labels": y_true, "mask": batch["mask"]}
    weights = item_weights(batch["y_pred"].shape)
    runs = [(name, fn, ref, variants[-1]) for name, (_, fn, ref, variants) in LOSSES.items()]

    @tf.function(jit_compile=True)
    def every_loss(y_true, y_pred, weights):
        return [fn(y_true, y_pred, sample_weight=weights, **options) for _, fn, _, options in runs]

    for values, (name, _, ref, options) in zip(every_loss(y_true, batch["y_pred"], weights), runs):
        close(values, ref(ref_true, batch["y_pred"], sample_weight=weights, **for_reference(options)), err_msg=name)


# Largest tensor an ids batch may build, in units of B*N ("R" means B*R*N), and whether a
# [B, N] tensor may depend on the labels: the losses whose definition sorts every item, and
# the pairwise MSE, whose logits are centred by a per-list mean that counts the relevant ids.
BOUNDS = {"softmax": (1, False), "sigmoid": (1, False), "mean_squared": (1, False), "pairwise_mse": (1, True),
          "pairwise_logistic": ("R", False), "pairwise_hinge": ("R", False), "pairwise_soft_zero_one": ("R", False),
          "approx_ndcg": ("R", False), "approx_mrr": ("R", False), "unique_softmax": (1, True),
          "list_mle": (1, True)}


def test_ids_at_a_million_items_keep_their_memory_bound():
    batch, n_items, width = 2, 1_000_000, 3
    ids = tf.constant([[5, 999_999, -1], [0, -1, -1]], tf.int32)
    scores = tf.random.stateless_normal([batch, n_items], seed=[1, 2])
    for name, (bound, densifies) in BOUNDS.items():
        fn = LOSSES[name][1]
        graph = tf.function(fn).get_concrete_function(ids, scores).graph
        downstream, frontier = set(), [graph.inputs[0].op]
        while frontier:  # every op fed, directly or not, by the labels
            op = frontier.pop()
            for out in op.outputs:
                for consumer in out.consumers():
                    if consumer not in downstream:
                        downstream.add(consumer)
                        frontier.append(consumer)
        shapes = [tuple(out.shape.as_list()) for op in downstream for out in op.outputs if out.shape.rank is not None]
        assert densifies or (batch, n_items) not in shapes, name
        limit = batch * n_items * (width if bound == "R" else 1)
        assert max(int(np.prod([d or 0 for d in s])) for s in shapes) <= limit, name
        assert np.isfinite(fn(ids, scores).numpy()).all(), name
    s = scores.numpy().astype(np.float64)  # the pairwise MSE at N = 1e6 against its formula, in float64
    expected = []
    for b, row in enumerate(ids.numpy()):
        a = s[b] - np.isin(np.arange(n_items), row[row >= 0])
        expected.append(2.0 * n_items * np.sum((a - a.mean()) ** 2) / n_items)
    close(tfrank.losses.pairwise_mse_loss(ids, scores), expected, rtol=1e-4)
