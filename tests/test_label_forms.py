"""int ``[B, N]`` labels as wide as the scores are dense labels (docs/labels.md), as keras-rs,
TF-Ranking and Keras read them: scikit-learn's MultiLabelBinarizer output and graded int
labels give what the float labels give, in ``update_state``, in ``fit`` and in the losses;
what static shapes cannot settle is still an error asking for ``label_format``."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import METRICS, assert_lists_close, make_batch, per_list
from sklearn.preprocessing import MultiLabelBinarizer

import tfrank
from tfrank import reference

N_ITEMS, K = 7, [1, 3, 10]
ALL = sorted(METRICS)
LOSSES = [tfrank.losses.SoftmaxLoss, tfrank.losses.SigmoidLoss, tfrank.losses.PairwiseLogisticLoss,
          tfrank.losses.ApproxNDCGLoss]


def _multi_hot(seed, batch=20):
    """Each list's relevant items as scikit-learn binarises them: int64 multi-hot ``[B, N]``."""
    rng = np.random.default_rng(seed)
    relevant = [rng.choice(N_ITEMS, size=rng.integers(0, 4), replace=False).tolist() for _ in range(batch)]
    labels = MultiLabelBinarizer(classes=list(range(N_ITEMS))).fit_transform(relevant)
    assert labels.dtype == np.int64 and labels.shape == (batch, N_ITEMS)
    return labels, rng.normal(size=(batch, N_ITEMS)).astype("float32")


def _results(y_true, y_pred, **kwargs):
    metric = tfrank.RankingMetrics(k=K, metrics=ALL, **kwargs)
    metric.update_state(y_true, y_pred)
    return {name: float(v) for name, v in metric.result().items()}


def test_multi_label_binarizer_output_is_dense_in_update_state():
    labels, scores = _multi_hot(0)
    as_int = _results(labels, scores)
    assert as_int == _results(labels.astype("float32"), scores)
    for name in ALL:  # and the reference's mean over the countable lists
        expected = np.nanmean(per_list(name, "ref", labels.astype("float64"), scores, K), axis=0)
        got = [as_int["r_precision"]] * len(K) if name == "r_precision" else [as_int[f"{name}_at_{k}"] for k in K]
        np.testing.assert_allclose(got, expected, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_graded_int_labels_with_padding_are_dense(dtype):
    batch = make_batch(5, "graded", items=N_ITEMS)  # grades 0..3, -1 marks padding
    graded = batch["y_true"].astype(dtype)
    assert _results(graded, batch["y_pred"], gain="linear") == _results(batch["y_true"], batch["y_pred"], gain="linear")
    values = tfrank.ops.ndcg_at_k(graded, batch["y_pred"], K)
    assert_lists_close(values, reference.ndcg_at_k(batch["y_true"], batch["y_pred"], K))


def test_ids_exactly_n_wide_need_label_format_ids():
    ids = np.array([[3, 0, -1, -1, -1, -1, -1], [6, 5, 4, 3, 2, 1, 0]], np.int32)  # N = 7 wide
    scores = np.arange(14, dtype="float32").reshape(2, 7)
    want = reference.recall_at_k(ids, scores, [2], label_format="ids")
    assert_lists_close(tfrank.ops.recall_at_k(ids, scores, [2], label_format="ids"), want)
    # Read as dense, the same tensor is graded labels with padding: another number.
    assert_lists_close(tfrank.ops.recall_at_k(ids, scores, [2]), reference.recall_at_k(ids, scores, [2], label_format="dense"))


@pytest.mark.parametrize("loss", LOSSES, ids=lambda cls: cls.__name__)
def test_losses_take_multi_label_binarizer_output(loss):
    labels, scores = _multi_hot(1)
    np.testing.assert_array_equal(loss(reduction=None)(labels, scores), loss(reduction=None)(labels.astype("float32"), scores))


def test_multi_label_binarizer_labels_in_fit():
    labels, _ = _multi_hot(2, batch=40)
    x = np.random.default_rng(3).normal(size=(40, N_ITEMS, 3)).astype("float32")

    def history(y):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((N_ITEMS, 3)), keras.layers.Dense(1), keras.layers.Reshape((N_ITEMS,))])
        model.compile("sgd", tfrank.losses.SoftmaxLoss(), metrics=[tfrank.PrecisionAtK(k=3), tfrank.NDCGAtK(k=3)])
        return model.fit(x, y, validation_split=0.25, epochs=2, batch_size=10, shuffle=False, verbose=0).history

    as_int = history(labels)
    assert set(as_int) == {"loss", "precision_at_3", "ndcg_at_3", "val_loss", "val_precision_at_3", "val_ndcg_at_3"}
    assert as_int == history(labels.astype("float32"))


# (id, y_true spec, y_pred spec): int labels whose format static shapes cannot settle
STILL_AMBIGUOUS = [
    ("width_unknown", [None, None], [None, 4]),
    ("items_unknown", [None, 4], [None, None]),
    ("class_or_dense_of_one", [None, 1], [None, None]),
]


@pytest.mark.parametrize("labels, scores", [c[1:] for c in STILL_AMBIGUOUS], ids=[c[0] for c in STILL_AMBIGUOUS])
def test_unknown_widths_still_ask_for_label_format(labels, scores):
    def trace(label_format):
        fn = tf.function(lambda t, p: tfrank.ops.recall_at_k(t, p, 2, label_format=label_format))
        return fn.get_concrete_function(tf.TensorSpec(labels, tf.int32), tf.TensorSpec(scores, tf.float32))

    with pytest.raises(ValueError, match=r"y_true is an int tensor of shape \[\?, .\] and y_pred has shape \[\?, .\]: "
                                         r"with a width that is not known statically.*Pass label_format='dense' or "
                                         r"label_format='ids'"):
        trace(None)
    trace("ids")  # either format traces once it is given
    trace("dense")
