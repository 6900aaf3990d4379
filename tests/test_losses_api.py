"""tfrank.losses' Keras classes: reductions and weights, config round-trips (lambda weights
included, in a saved .keras model), the short names, and one table of bad inputs."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import make_batch
from loss_table import ALL_CLASSES, LOSSES, close, for_reference, item_weights

import tfrank

L = tfrank.losses


@pytest.mark.parametrize("name", list(LOSSES))
def test_reductions_and_weights(name):
    cls, _, ref, variants = LOSSES[name]
    options = variants[-1]
    batch = make_batch(3, "ids", weights=True)
    y_true, y_pred, weights = batch["y_true"], batch["y_pred"], batch["sample_weight"]
    per_list = ref(batch["ref_true"], y_pred, **for_reference(options))
    n_lists = len(weights)
    close(cls(**options)(y_true, y_pred), np.mean(per_list))
    close(cls(**options)(y_true, y_pred, sample_weight=weights), np.sum(per_list * weights) / n_lists)
    close(cls(**options)(y_true, y_pred, sample_weight=weights[:, None]), np.sum(per_list * weights) / n_lists)
    close(cls(reduction=None, **options)(y_true, y_pred, sample_weight=weights), per_list * weights)
    close(cls(reduction="sum", **options)(y_true, y_pred, sample_weight=weights), np.sum(per_list * weights))
    close(cls(reduction="mean_with_sample_weight", **options)(y_true, y_pred, sample_weight=weights),
          np.sum(per_list * weights) / np.sum(weights))
    # Per-item weights act inside each list's value; the reduction then sees unit weights.
    items = item_weights(y_pred.shape)
    per_item = ref(batch["ref_true"], y_pred, sample_weight=items, **for_reference(options))
    close(cls(reduction=None, **options)(y_true, y_pred, sample_weight=items), per_item)
    close(cls(reduction="mean_with_sample_weight", **options)(y_true, y_pred, sample_weight=items), np.mean(per_item))


REDUCTIONS = [None, "none", "sum", "sum_over_batch_size", "mean", "mean_with_sample_weight"]  # Keras 3's


@pytest.mark.parametrize("weights", ["none", "per_list", "per_list_2d", "scalar"])
@pytest.mark.parametrize("reduction", REDUCTIONS, ids=str)
def test_reductions_are_keras_own(reduction, weights):
    """Unpadded, SigmoidLoss per list is Keras' BinaryCrossentropy(from_logits=True) per sample:
    every reduction and weight form must then give Keras' number through keras.losses.Loss."""
    batch = make_batch(14, "dense", batch=5, items=6, pad=False, weights=True)
    labels, scores, per_list = batch["y_true"], batch["y_pred"], batch["sample_weight"]
    weight = {"none": None, "per_list": per_list, "per_list_2d": per_list[:, None], "scalar": np.float32(2.5)}[weights]
    got = L.SigmoidLoss(reduction=reduction)(labels, scores, sample_weight=weight)
    # A scalar weighs every list alike (Keras' own "mean_with_sample_weight" would divide by it once).
    keras_weight = np.full(5, weight, np.float32) if weights == "scalar" else weight
    want = keras.losses.BinaryCrossentropy(from_logits=True, reduction=reduction)(labels, scores, sample_weight=keras_weight)
    assert got.shape == ((5,) if reduction in (None, "none") else ())
    close(got, np.ravel(want), rtol=1e-5, atol=1e-6)  # Keras gives [B, 1] for [B, 1] weights and no reduction


def _configured(cls):
    """An instance with non-default options where the class has them."""
    for spec in LOSSES.values():
        if spec[0] is cls:
            return cls(label_format="ids", name="custom", **spec[3][-1])
    return cls(sample_size=3, seed=7, gumbel_temperature=0.5, label_format="ids")


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_config_round_trips_and_names_the_class(cls):
    loss = _configured(cls)
    serialized = keras.saving.serialize_keras_object(loss)
    assert serialized["registered_name"] == f"tfrank>{cls.__name__}"
    again = keras.saving.deserialize_keras_object(serialized)
    assert type(again) is cls and again.get_config() == loss.get_config()
    batch = make_batch(4, "ids")
    if cls is not L.GumbelApproxNDCGLoss:
        close(again(batch["y_true"], batch["y_pred"]), loss(batch["y_true"], batch["y_pred"]), rtol=1e-6)
    else:  # the same seed draws the same sequence of noise
        close(again(batch["y_true"], batch["y_pred"]), _configured(cls)(batch["y_true"], batch["y_pred"]), rtol=1e-6)


@keras.saving.register_keras_serializable(package="tfrank_tests")
def square_gain(labels):
    return labels * labels


def test_a_saved_model_loads_with_its_loss_and_lambda_weight(tmp_path):
    weight = L.NDCGLambdaWeight(k=5, gain="tfrank_tests>square_gain", smooth_fraction=0.25)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd", loss=L.PairwiseHingeLoss(lambda_weight=weight, normalizer="list_size"))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras").loss
    assert type(loaded) is L.PairwiseHingeLoss and loaded.normalizer == "list_size"
    assert type(loaded.lambda_weight) is L.NDCGLambdaWeight and loaded.lambda_weight.gain is square_gain
    assert loaded.lambda_weight.get_config() == weight.get_config()
    labels, scores = [[3.0, 1.0, 0.0, 2.0]], [[0.1, 0.5, 0.2, -0.3]]
    close(loaded(labels, scores), model.loss(labels, scores), rtol=1e-6)


def test_short_names_build_every_loss():
    assert {cls.__name__ for cls in L.LOSSES.values()} == {cls.__name__ for cls in ALL_CLASSES}
    assert all(isinstance(cls(), L.RankingLoss) for cls in L.LOSSES.values())
    assert set(L.LOSSES) >= {name for name in LOSSES}


def test_lambda_weight_pair_weights_follow_their_definitions():
    """LambdaRank's swap in NDCG@k, read off two items: |ΔG| / IDCG * |ΔD| * n (n = 3)."""
    labels, ranks = [[2.0, 0.0, 1.0]], [[3, 1, 2]]
    weights = L.NDCGLambdaWeight(k=2, smooth_fraction=1.0).pair_weights(labels, ranks).numpy()[0]
    idcg = 3.0 + 1.0 / np.log2(3.0)  # gains 3, 1 at ranks 1, 2 (k = 2)
    close(weights[0, 1], (3.0 - 0.0) / idcg * abs(0.0 - 1.0) * 3)  # item 0 at rank 3 (beyond k), item 1 at 1
    close(weights[0, 2], (3.0 - 1.0) / idcg * abs(0.0 - 1.0 / np.log2(3.0)) * 3)
    assert L.LabelDiffLambdaWeight().pair_weights([[2.0, -1.0]], [[1, 2]]).numpy()[0, 0, 1] == 0.0  # padding


# === Bad input: one table ===

_Y = np.array([[0.1, 0.2, 0.3]], np.float32)


def _unregistered(labels):
    return labels


BAD = [
    ("temperature=0", lambda: L.ApproxNDCGLoss(temperature=0), ValueError, "temperature must be"),
    ("temperature=True", lambda: L.PairwiseHingeLoss(temperature=True), TypeError, "temperature must be"),
    ("fn temperature", lambda: L.list_mle_loss([[0]], _Y, temperature=-1.0), ValueError, "temperature"),
    ("gumbel_temperature", lambda: L.GumbelApproxNDCGLoss(gumbel_temperature=0.0), ValueError, "gumbel_temperature"),
    ("sample_size", lambda: L.GumbelApproxNDCGLoss(sample_size=0), ValueError, "sample_size must be a positive int"),
    ("seed", lambda: L.GumbelApproxNDCGLoss(seed="a"), TypeError, "seed must be None or a non-negative int"),
    ("normalizer", lambda: L.PairwiseMSELoss(normalizer="mean"), ValueError, "normalizer must be one of 'valid'"),
    ("sigmoid normalizer", lambda: L.sigmoid_loss([[0]], _Y, normalizer=None), ValueError, "normalizer must be"),
    ("targets", lambda: L.SoftmaxLoss(targets="sum"), ValueError, "targets must be one of 'normalized'"),
    ("label_format", lambda: L.SoftmaxLoss(label_format="sparse"), ValueError, "label_format must be"),
    ("lambda for softmax", lambda: L.SoftmaxLoss(lambda_weight=L.PrecisionLambdaWeight(k=2)), TypeError,
     "lambda_weight must be None or one of DCGLambdaWeight for SoftmaxLoss"),
    ("lambda for ListMLE", lambda: L.ListMLELoss(lambda_weight=L.NDCGLambdaWeight()), TypeError,
     "lambda_weight must be None or one of ListMLELambdaWeight"),
    ("ListMLE weight for pairs", lambda: L.pairwise_logistic_loss([[0]], _Y, lambda_weight=L.ListMLELambdaWeight()),
     TypeError, "lambda_weight must be None or one of LabelDiffLambdaWeight, DCGLambdaWeight"),
    ("lambda as a string", lambda: L.PairwiseHingeLoss(lambda_weight="ndcg"), TypeError, "lambda_weight must be"),
    ("no lambda option", lambda: L.ApproxNDCGLoss(lambda_weight=L.NDCGLambdaWeight()), TypeError, "lambda_weight"),
    ("k=0", lambda: L.NDCGLambdaWeight(k=0), ValueError, "k must be a positive int or None"),
    ("precision k", lambda: L.PrecisionLambdaWeight(k=None), ValueError, "k must be a positive int, got k=None"),
    ("smooth_fraction", lambda: L.DCGLambdaWeight(smooth_fraction=1.5), ValueError, "smooth_fraction must be"),
    ("normalized", lambda: L.DCGLambdaWeight(normalized="yes"), TypeError, "normalized must be True or False"),
    ("gain", lambda: L.DCGLambdaWeight(gain="cubic"), ValueError, "gain must be one of 'exponential', 'linear'"),
    ("unregistered", lambda: L.DCGLambdaWeight(discount=_unregistered), ValueError, "this one is not registered"),
    ("int y_pred", lambda: L.softmax_loss([[0]], [[1, 2, 3]]), TypeError, "y_pred must be"),
    ("width unknown", lambda: tf.function(L.pairwise_hinge_loss).get_concrete_function(
        tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, 3])), ValueError, "label_format='dense'"),
    ("id out of range", lambda: L.list_mle_loss([[3]], _Y), ValueError, "item ids in [0, N)"),
    ("weights [B, 2]", lambda: L.SoftmaxLoss()([[0]], _Y, sample_weight=[[1.0, 1.0]]), ValueError,
     "sample_weight must be one weight per list"),
    ("negative weight", lambda: L.SigmoidLoss()([[0]], _Y, sample_weight=[-1.0]), ValueError, "non-negative"),
    ("negative item weight", lambda: L.PairwiseHingeLoss()([[0]], _Y, sample_weight=[[1.0, -1.0, 1.0]]),
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
    for call in (lambda y, s: L.pairwise_hinge_loss(y, s), lambda y, s: metric.update_state(y, s)):
        with pytest.raises(ValueError, match=r"ragged .* XLA.*y\.to_tensor\(-1, shape=\[None, R\]\).*jit_compile=False"):
            tf.function(call, jit_compile=True)(ragged, scores)
        tf.function(call)(ragged, scores)  # without XLA the same call works
