"""One table of bad inputs: each gives one clear error naming the argument and what is valid,
and a rejected update leaves the metric's state exactly as it was."""

import numpy as np
import pytest
import tensorflow as tf
from conftest import METRICS, make_metric

import tfrank

CUTOFF = [name for name in METRICS if name != "r_precision"]

SCORES = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.4, 0.6]], np.float32)
DENSE = np.array([[1, 0, 0, 1], [0, 1, 0, 0]], np.float32)
IDS = np.array([[0, 3], [1, -1]], np.int32)

# (id, constructor kwargs, update args, update kwargs, error, message fragment)
BAD_OPTIONS = [
    ("k_zero", {"k": 0}, r"k must be a positive int or a list of them, got k=0 \(int\)"),
    ("k_negative", {"k": -3}, r"k must be a positive int.*got k=-3"),
    ("k_bool", {"k": True}, r"k must be a positive int.*got k=True \(bool\)"),
    ("k_float", {"k": 2.0}, r"k must be a positive int.*got k=2.0 \(float\)"),
    ("k_str", {"k": "5"}, r"k must be a positive int.*got k='5' \(str\)"),
    ("k_empty_list", {"k": []}, r"k must be a positive int.*got k=\[\] \(list\)"),
    ("k_list_with_zero", {"k": [1, 0]}, r"k must be a positive int.*got k=\[1, 0\]"),
    ("k_repeated", {"k": [5, 5]}, r"k must be a positive int or a list of distinct ones"),
    ("empty_unknown", {"empty": "ignore"}, r"empty must be one of 'skip', 'zero', 'one', 'error', got empty='ignore'"),
    ("ties_unknown", {"ties": "random"}, r"ties must be one of 'first', 'expected', got ties='random'"),
    ("label_format_unknown", {"label_format": "sparse"}, r"label_format must be one of None, 'dense', 'ids'"),
    ("name_not_str", {"name": 3}, r"name must be a str or None, got name=3 \(int\)"),
]


@pytest.mark.parametrize("kwargs, message", [case[1:] for case in BAD_OPTIONS], ids=[c[0] for c in BAD_OPTIONS])
def test_bad_options_are_rejected(kwargs, message):
    """Every class and its function (RankingMetrics and ranking_metrics for "combined")."""
    for base in CUTOFF + ["combined"]:
        cls, fn = (tfrank.RankingMetrics, tfrank.ops.ranking_metrics) if base == "combined" else METRICS[base][:2]
        with pytest.raises((ValueError, TypeError), match=message):
            cls(**kwargs)
        fn_kwargs = {"k": 3, **kwargs, **({"metrics": ["precision"]} if base == "combined" else {})}
        if "name" not in kwargs:
            with pytest.raises((ValueError, TypeError), match=message):
                fn(DENSE, SCORES, **fn_kwargs)


# (id, metric, options, message): option values and options a metric does not take. The
# functions name their options in their signature, so for a foreign option Python's own
# "got an unexpected keyword argument" TypeError is theirs.
BAD_METRIC_OPTIONS = [
    ("denominator_unknown", "precision", {"denominator": "n"}, r"denominator must be one of 'k', 'min_k_n', got denominator='n'"),
    ("normalizer_unknown", "map", {"normalizer": "k"}, r"normalizer must be one of 'n_rel', 'min_k_n_rel', 'hits', got normalizer='k'"),
    ("gain_unknown", "ndcg", {"gain": "exp"}, r"gain must be one of 'exponential', 'linear' or a function registered with @keras.saving.register_keras_serializable\(\) \(given by its registered name, e.g. 'my_package>my_gain'\), got gain='exp'"),
    ("gain_none", "dcg", {"gain": None}, r"gain must be one of .*, got gain=None \(NoneType\)"),
    ("gain_unregistered", "ndcg", {"gain": lambda labels: labels}, r"gain must be one of 'exponential', 'linear' or a function registered with @keras.saving.register_keras_serializable\(\) \(this one is not registered, so get_config could not name it\), got gain=<function"),
    ("discount_unknown", "dcg", {"discount": "log10"}, r"discount must be one of 'log2', 'reciprocal' or a function registered .*, got discount='log10'"),
    ("option_of_precision", "recall", {"denominator": "k"}, r"recall metrics take no option 'denominator'; their options are \[\] \('denominator' is an option of precision, precision_ia\)"),
    ("option_of_ndcg", "map", {"gain": "linear"}, r"map metrics take no option 'gain'; their options are \['normalizer'\] \('gain' is an option of ndcg, dcg\)"),
    ("option_of_nobody", "mrr", {"seed": 1}, r"mrr metrics take no option 'seed'; their options are \[\]$"),
    ("r_precision_k", "r_precision", {"k": 5}, r"got an unexpected keyword argument 'k'"),
]


@pytest.mark.parametrize("base, options, message", [c[1:] for c in BAD_METRIC_OPTIONS], ids=[c[0] for c in BAD_METRIC_OPTIONS])
def test_bad_metric_options_are_rejected(base, options, message):
    cls, fn = METRICS[base][:2]
    with pytest.raises((ValueError, TypeError), match=message):
        cls(**options) if base == "r_precision" else cls(k=3, **options)
    if not message.startswith(r"got an unexpected") and "take no option" in message:
        message = rf"got an unexpected keyword argument '{next(iter(options))}'"
    with pytest.raises((ValueError, TypeError), match=message):
        fn(DENSE, SCORES, **options) if base == "r_precision" else fn(DENSE, SCORES, 3, **options)


# (id, RankingMetrics kwargs, message)
BAD_COMBINED = [
    ("unknown_metric", {"metrics": ["precision", "ndgc"]}, r"metrics must be a non-empty list of distinct metric names from 'precision', .*'r_precision', 'arp', 'opa', 'alpha_dcg', 'precision_ia', got metrics=\['precision', 'ndgc'\] \(list\) \('ndgc' unknown\)"),
    ("repeated_metric", {"metrics": ["mrr", "mrr"]}, r"metrics must be .*distinct.* \(a name repeats\)"),
    ("empty_metrics", {"metrics": []}, r"metrics must be a non-empty list .*, got metrics=\[\] \(list\)"),
    ("str_metrics", {"metrics": "ndcg"}, r"metrics must be a non-empty list .*, got metrics='ndcg' \(str\)"),
    ("metrics_not_list", {"metrics": 3}, r"got metrics=3 \(int\)"),
    ("option_of_no_requested", {"metrics": ["precision", "recall"], "gain": "linear"}, r"metrics=\['precision', 'recall'\] take no option 'gain'; their options are \['denominator'\] \('gain' is an option of ndcg, dcg\)"),
    ("bad_value_shared", {"metrics": ["ndcg", "dcg"], "gain": "log"}, r"gain must be one of 'exponential', 'linear' or a function .*, got gain='log'"),
]


@pytest.mark.parametrize("kwargs, message", [c[1:] for c in BAD_COMBINED], ids=[c[0] for c in BAD_COMBINED])
def test_bad_combined_requests_are_rejected(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        tfrank.RankingMetrics(k=3, **kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        tfrank.ops.ranking_metrics(DENSE, SCORES, 3, **kwargs)


ITEM_WEIGHTS = np.ones((2, 4), np.float32)

# (id, a call that must fail, message): weighting options and what per-item weights cannot express
BAD_WEIGHTING = [
    ("empty_weight_unknown", lambda: tfrank.RecallAtK(k=2, empty="zero", empty_weight="mean"), r"empty_weight must be one of 'own', 'batch_mean', got empty_weight='mean' \(str\)"),
    ("empty_weight_needs_counted_empty", lambda: tfrank.NDCGAtK(k=2, empty_weight="batch_mean"), r"empty_weight must be 'own' unless empty='zero' or 'one'.*got empty_weight='batch_mean'"),
    ("map_min_k_n_rel_item_weights", lambda: tfrank.MAPAtK(k=2, normalizer="min_k_n_rel").update_state(DENSE, SCORES, sample_weight=ITEM_WEIGHTS), r"sample_weight per item \(\[batch, items\]\) is not defined for map with normalizer='min_k_n_rel'"),
    ("ndcg_expected_ties_item_weights", lambda: tfrank.ops.ndcg_at_k(DENSE, SCORES, 2, ties="expected", sample_weight=ITEM_WEIGHTS), r"not defined for dcg and ndcg with ties='expected'"),
    ("ops_per_list_weights", lambda: tfrank.ops.recall_at_k(DENSE, SCORES, 2, sample_weight=[1.0, 2.0]), r"sample_weight must be per-item weights of the shape of y_pred \[batch, items\] \(per-list weights weigh a mean: use the Keras metric\), got sample_weight=\[1.0, 2.0\] \(list\)"),
]


@pytest.mark.parametrize("call, message", [c[1:] for c in BAD_WEIGHTING], ids=[c[0] for c in BAD_WEIGHTING])
def test_bad_weighting_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# (id, y_true, y_pred, update kwargs, error types, message fragment)
BAD_UPDATES = [
    ("y_pred_rank_1", DENSE[0], SCORES[0], {}, ValueError, r"y_pred must be float scores of shape \[batch, items\] \(rank 2\), got y_pred=a float32 tensor of shape \[4\]"),
    ("y_pred_int", DENSE, SCORES.astype(np.int32), {}, TypeError, r"y_pred must be float scores.*int32"),
    ("dense_shape_mismatch", DENSE[:, :3], SCORES, {"label_format": "dense"}, ValueError, r"y_true must be dense labels with the shape of y_pred \[2, 4\]"),
    ("id_too_large", np.array([[0, 4], [1, -1]]), SCORES, {}, ValueError, r"y_true must hold item ids in \[0, N\) or -1 for padding.*4, -1, 4"),
    ("id_below_padding", np.array([[0, -2], [1, -1]]), SCORES, {}, ValueError, r"item ids in \[0, N\) or -1 for padding"),
    ("class_id_too_large", np.array([1, 9]), SCORES, {}, ValueError, r"item ids in \[0, N\).*9"),
    ("duplicate_ids", np.array([[3, 3], [1, -1]]), SCORES, {}, ValueError, r"y_true ids must not repeat within a list"),
    ("fractional_class_ids", np.array([[1.5], [2.0]], np.float32), SCORES, {}, ValueError, r"y_true holds class ids and must be whole numbers"),
    ("batch_mismatch", IDS[:1], SCORES, {}, ValueError, r"y_true must be a tensor with the batch size of y_pred"),
    ("sample_weight_2d", DENSE, SCORES, {"sample_weight": np.ones((2, 3))}, ValueError, r"sample_weight must be one weight per list \(a scalar, \[batch\] or \[batch, 1\]\) or one per item \(the shape of y_pred \[2, 4\]\).*got sample_weight=a float32 tensor of shape \[2, 3\]"),
    ("sample_weight_3d", DENSE, SCORES, {"sample_weight": np.ones((2, 4, 1))}, ValueError, r"sample_weight must be one weight per list .* or one per item"),
    ("sample_weight_item_negative", DENSE, SCORES, {"sample_weight": [[1.0, 1.0, 1.0, 1.0], [1.0, -0.5, 1.0, 1.0]]}, ValueError, r"sample_weight must hold non-negative weights; got min = -0.5"),
    ("sample_weight_batch", DENSE, SCORES, {"sample_weight": np.ones(3)}, ValueError, r"sample_weight must be one weight per list"),
    ("sample_weight_negative", DENSE, SCORES, {"sample_weight": [1.0, -0.5]}, ValueError, r"sample_weight must hold non-negative weights; got min = -0.5"),
    ("mask_shape", DENSE, SCORES, {"mask": np.ones((2, 3), bool)}, ValueError, r"mask must be a bool tensor with the shape of y_pred \[2, 4\]"),
    ("dict_unknown_key", {"labels": DENSE, "weights": DENSE}, SCORES, {}, ValueError, r"y_true must be a tensor or a dict with keys 'labels' and optionally 'mask'"),
    ("mask_twice", {"labels": DENSE, "mask": DENSE > 0}, SCORES, {"mask": DENSE > 0}, ValueError, r"mask must be None when y_true already carries a 'mask' entry"),
    ("ragged_scores", DENSE, tf.ragged.constant([[0.1, 0.2], [0.3]]), {}, ValueError, r"y_pred must be a dense float tensor"),
]


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, error, message", [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_bad_update_is_rejected_and_state_kept(y_true, y_pred, kwargs, error, message):
    kwargs = dict(kwargs)
    label_format = kwargs.pop("label_format", None)
    for base in METRICS:
        metric = make_metric(base, [2], label_format=label_format, ties="expected")
        metric.update_state(DENSE, SCORES, sample_weight=[1.0, 3.0])
        before = [v.numpy().copy() for v in metric.variables]
        with pytest.raises(error, match=message):
            metric.update_state(y_true, y_pred, **kwargs)
        for old, variable in zip(before, metric.variables):
            np.testing.assert_array_equal(old, variable.numpy(), err_msg=base)


@pytest.mark.parametrize("base", ["precision", "map", "r_precision"])
@pytest.mark.parametrize("bad_ids", [np.array([[0, 4], [1, -1]]), np.array([[2, 2], [1, -1]])], ids=["range", "dup"])
def test_run_time_checks_hold_inside_tf_function(bad_ids, base):
    """In a graph the check is an Assert: InvalidArgumentError, state untouched."""
    metric = make_metric(base, [2], ties="expected")
    step = tf.function(lambda t, p: metric.update_state(t, p))
    step(tf.constant(IDS), tf.constant(SCORES))
    before = [v.numpy().copy() for v in metric.variables]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"y_true (must hold item ids|ids must not repeat)"):
        step(tf.constant(bad_ids, tf.int32), tf.constant(SCORES))
    for old, variable in zip(before, metric.variables):
        np.testing.assert_array_equal(old, variable.numpy())


@pytest.mark.parametrize("fmt", ["dense", "ids"])
def test_batch_sizes_only_known_at_run_time_are_checked(fmt):
    """A static batch is compared at trace time; an unknown one by an Assert at run time."""
    labels = DENSE if fmt == "dense" else IDS
    metric = tfrank.PrecisionAtK(k=2, label_format=fmt)
    spec = [tf.TensorSpec([None, labels.shape[1]], labels.dtype), tf.TensorSpec([None, 4], tf.float32)]
    step = tf.function(lambda t, p: metric.update_state(t, p), input_signature=spec)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"y_true and y_pred must hold the same number of lists"):
        step(labels[:1], SCORES)


@pytest.mark.parametrize("ties", ["first", "expected"])
def test_bad_ids_under_xla_poison_the_result(ties):
    """XLA drops Assert ops; a bad id must then give NaN, never a silent number, in every metric."""
    metric = tfrank.RankingMetrics(k=2, metrics=list(METRICS), ties=ties)
    step = tf.function(lambda t, p: metric.update_state(t, p), jit_compile=True)
    step(tf.constant([[0, 9], [1, -1]], tf.int32), tf.constant(SCORES))
    for name, value in metric.result().items():
        assert np.isnan(float(value)), name


def test_negative_weight_under_xla_poisons_the_result():
    metric = tfrank.RankingMetrics(k=2, metrics=list(METRICS))
    step = tf.function(lambda t, p, w: metric.update_state(t, p, sample_weight=w), jit_compile=True)
    step(tf.constant(DENSE), tf.constant(SCORES), tf.constant([1.0, -1.0]))
    for name, value in metric.result().items():
        assert np.isnan(float(value)), name


def test_empty_error_policy():
    with pytest.raises(ValueError, match=r"empty='error' and a list has no relevant item; first such list: 1"):
        tfrank.ops.recall_at_k([[1, 0, 0, 0], [0, 0, 0, 0]], SCORES, 2, empty="error", label_format="dense")
