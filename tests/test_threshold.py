"""The exact threshold metrics against scikit-learn, streamed in uneven batches.

``roc_auc_score`` and ``average_precision_score`` for the areas, the points of
``precision_recall_curve`` / ``roc_curve`` (``drop_intermediate=False``) for the X-at-Y
metrics; on tied, weighted, logit and multi-label (micro, macro) data, in eager, graph
and XLA mode and in ``fit``; the NumPy reference (tfrank.reference.threshold) must agree
with scikit-learn too. MirroredStrategy runs in tests/test_threshold_fit.py.
"""

import numpy as np
import pytest
import tensorflow as tf
from sklearn import metrics as skm

import tfrank
from tfrank.reference import threshold as reference

# log base: (class, bound, functional form)
METRICS = {
    "precision_at_recall": (tfrank.PrecisionAtRecall, 0.8, tfrank.precision_at_recall),
    "recall_at_precision": (tfrank.RecallAtPrecision, 0.6, tfrank.recall_at_precision),
    "sensitivity_at_specificity": (tfrank.SensitivityAtSpecificity, 0.9, tfrank.sensitivity_at_specificity),
    "specificity_at_sensitivity": (tfrank.SpecificityAtSensitivity, 0.7, tfrank.specificity_at_sensitivity),
    "roc_auc": (tfrank.ROCAUC, None, tfrank.roc_auc),
    "average_precision": (tfrank.AveragePrecision, None, tfrank.average_precision),
}
KINDS = ("tied", "weighted", "logits", "micro", "macro")
CAPACITY = 512


def make_metric(base, **options):
    cls, bound, _ = METRICS[base]
    options.setdefault("capacity", CAPACITY)
    return cls(**options) if bound is None else cls(bound, **options)


def make_data(kind, seed=0, n=200):
    """(y [n, C], scores [n, C], weights [n] or None, batch bounds): C = 3 for micro/macro."""
    rng = np.random.default_rng(seed)
    labels_n = 3 if kind in ("micro", "macro") else 1
    y = (rng.random((n, labels_n)) < 0.3).astype(np.float32)
    scores = (y + rng.normal(size=y.shape)).astype(np.float32)
    if kind in ("tied", "weighted", "micro", "macro"):
        scores = np.round(scores * 2.0) / 2.0  # a dozen distinct values: ties everywhere
    if kind == "logits":
        scores = scores * 6.0  # far outside [0, 1]
    w = None
    if kind in ("weighted", "micro", "macro"):
        w = rng.uniform(0.1, 3.0, size=n).astype(np.float32)
        w[rng.random(n) < 0.1] = 0.0
    cuts = sorted({0, n, 1, 2, 2, *rng.integers(0, n, size=6).tolist()})  # a batch of one, an empty batch
    return y, scores, w, list(zip(cuts[:-1], cuts[1:]))


def _best(x, y, bound):
    return float(np.max(x[y >= bound], initial=0.0))


def sklearn_value(base, y, scores, w, average="micro", bound=None):
    """scikit-learn's value; ``[n, C]`` inputs: micro pools the pairs, macro averages the labels."""
    base = base.rsplit("_", 1)[0] if bound is not None else base
    bound = METRICS[base][1] if bound is None else bound
    if base == "roc_auc":
        return skm.roc_auc_score(y, scores, sample_weight=w, average=average)
    if base == "average_precision":
        return skm.average_precision_score(y, scores, sample_weight=w, average=average)
    labels_n = y.shape[1]
    if average == "micro":
        sets = [(y.ravel(), scores.ravel(), None if w is None else np.repeat(w, labels_n))]
    else:
        sets = [(y[:, c], scores[:, c], w) for c in range(labels_n)]
    values = []
    for yc, sc, wc in sets:
        precision, recall, _ = skm.precision_recall_curve(yc, sc, sample_weight=wc)
        fpr, tpr, _ = skm.roc_curve(yc, sc, sample_weight=wc, drop_intermediate=False)
        x_and_y = {"precision_at_recall": (precision, recall), "recall_at_precision": (recall, precision),
                   "sensitivity_at_specificity": (tpr, 1.0 - fpr), "specificity_at_sensitivity": (1.0 - fpr, tpr)}
        values.append(_best(*x_and_y[base], bound))
    return float(np.mean(values))


def stream(metric, y, scores, w, bounds, update=None):
    update = update or metric.update_state
    for i, (a, b) in enumerate(bounds):
        ys, ss = y[a:b], scores[a:b]
        if ys.shape[1] == 1 and i % 2:
            ys, ss = ys[:, 0], ss[:, 0]  # alternate [B] and [B, 1]
        update(ys, ss) if w is None else update(ys, ss, w[a:b])
    return float(metric.result())


def options_of(kind):
    return {"average": kind, "num_labels": 3} if kind in ("micro", "macro") else {}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("base", sorted(METRICS))
def test_streaming_equals_sklearn(base, kind):
    y, scores, w, bounds = make_data(kind, seed=len(kind))
    average = kind if kind in ("micro", "macro") else "micro"
    expected = sklearn_value(base, y, scores, w, average)
    assert stream(make_metric(base, **options_of(kind)), y, scores, w, bounds) == pytest.approx(expected, abs=1e-5)
    bound = () if METRICS[base][1] is None else (METRICS[base][1],)
    functional = METRICS[base][2](y, scores, *bound, sample_weight=w, average=average)
    assert float(functional) == pytest.approx(expected, abs=1e-5)
    ref = reference.REFERENCES[base](y, scores, *bound, sample_weight=w, average=average)
    assert ref == pytest.approx(expected, abs=1e-9)


def test_the_data_has_teeth():
    # The comparisons above would pass for a constant metric if every value were 0 or 1.
    values = [sklearn_value(base, *make_data(kind, seed=len(kind))[:3], kind if kind in ("micro", "macro") else "micro")
              for base in METRICS for kind in KINDS]
    assert sum(0.05 < v < 0.95 for v in values) >= 0.8 * len(values)


@pytest.mark.parametrize("kind, mode", [("weighted", "graph"), ("macro", "xla")])
def test_graph_and_xla_equal_sklearn(kind, mode):
    # One function updates all six metrics, traced (compiled) once: uneven batches run eagerly above
    # and in fit below. The macro layout is the one that transposes; fit covers binary under XLA.
    y, scores, w, _ = make_data(kind, seed=11)
    average = kind if kind == "macro" else "micro"
    jit = mode == "xla"
    # per_step=True: result() exact inside a tf.function of one's own (the default returns NaN there).
    metrics = [make_metric(base, per_step=True, **options_of(kind)) for base in METRICS]

    @tf.function(jit_compile=jit)
    def update(y, scores, w):
        for metric in metrics:
            metric.update_state(y, scores, w)

    for a in range(0, 200, 50):
        update(y[a:a + 50], scores[a:a + 50], w[a:a + 50])
    actual = tf.function(lambda: [m.result() for m in metrics], jit_compile=jit)()
    for base, value in zip(METRICS, actual):
        assert float(value) == pytest.approx(sklearn_value(base, y, scores, w, average), abs=1e-5), base


def test_result_sorts_the_prefix_that_holds_the_data():
    # capacity 1030: result() sorts 1024 or all 1030 rows, whichever holds the data (under XLA too).
    rng = np.random.default_rng(3)
    y = (rng.random(1030) < 0.2).astype(np.float32)
    scores = (y + rng.normal(size=1030)).astype(np.float32)
    metric = tfrank.ROCAUC(capacity=1030, per_step=True)
    result = tf.function(metric.result, jit_compile=True)
    metric.update_state(y[:1000], scores[:1000])
    assert float(result()) == pytest.approx(skm.roc_auc_score(y[:1000], scores[:1000]), abs=1e-6)
    metric.update_state(y[1000:], scores[1000:])
    assert float(result()) == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-6)
    lazy = tfrank.ROCAUC(capacity=1030)  # the default: NaN inside a compiled function, exact eagerly
    lazy.update_state(y, scores)
    assert np.isnan(float(tf.function(lazy.result)())) and float(lazy.result()) == pytest.approx(float(result()))


def test_hand_worked_values():
    y, s = [1, 0, 1, 0, 0], [0.9, 0.8, 0.8, 0.3, 0.3]
    # Pairs: 0.9 beats all 3 negatives; 0.8 ties one (1/2) and beats two: (3 + 2.5) / 6.
    assert float(tfrank.roc_auc(y, s)) == pytest.approx(5.5 / 6)
    # Thresholds 0.9 (P 1, R 1/2) and 0.8 (the tie moves together: P 2/3, R 1): AP = 1/2 + 1/2 * 2/3.
    assert float(tfrank.average_precision(y, s)) == pytest.approx(0.5 + 1 / 3)
    assert float(tfrank.precision_at_recall(y, s, recall=0.6)) == pytest.approx(2 / 3)
    assert float(tfrank.recall_at_precision(y, s, precision=0.7)) == pytest.approx(0.5)
    assert float(tfrank.recall_at_precision(y, s, precision=1.0, sample_weight=[1, 0, 1, 1, 1])) == 1.0
    assert float(tfrank.specificity_at_sensitivity(y, s, sensitivity=1.0)) == pytest.approx(2 / 3)
    # Logits: only the order matters.
    assert float(tfrank.roc_auc(y, [9.0, 4.0, 4.0, -30.0, -30.0])) == pytest.approx(5.5 / 6)


@pytest.mark.parametrize("base", sorted(METRICS))
def test_zero_without_both_classes_nan_until_reset(base):
    metric = make_metric(base)
    assert float(metric.result()) == 0.0
    metric.update_state([0, 0], [0.3, 0.2])
    assert float(metric.result()) == 0.0  # no positive: every metric reads 0 (scikit-learn raises for ROC AUC)
    metric.update_state([1, 0], [np.nan, 0.2])
    metric.update_state([1, 1], [0.9, 0.8])
    assert np.isnan(float(metric.result()))
    metric.reset_state()
    metric.update_state([1, 0], [0.9, 0.1], sample_weight=[1.0, 0.0])
    metric.update_state([1, 0, 1], [np.nan, 0.4, 0.2], sample_weight=[0.0, 1.0, 1.0])  # NaN of weight 0: left out
    expected = sklearn_value(base, np.array([[1], [0], [1]]), np.array([[0.9], [0.4], [0.2]]), None)
    assert float(metric.result()) == pytest.approx(expected)


@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_more_examples_than_capacity(mode):
    metric = tfrank.AveragePrecision(capacity=8)
    update = metric.update_state if mode == "eager" else tf.function(metric.update_state, jit_compile=mode == "xla")
    y, s = tf.constant([1.0, 0.0, 1.0, 0.0, 0.0]), tf.constant([0.9, 0.8, 0.7, 0.6, 0.5])
    update(y, s)
    before = float(metric.result())
    if mode == "xla":  # XLA drops assertions: the result turns NaN instead of truncating
        update(y, s)
        assert np.isnan(float(metric.result()))
        return
    error = ValueError if mode == "eager" else tf.errors.InvalidArgumentError
    with pytest.raises(error, match=r"average_precision holds at most capacity=8 .*examples seen = \]? ?\[?8\]?,? \[?10"):
        update(y, s)
    assert int(metric.count.numpy()) == 5 and float(metric.result()) == before  # nothing written


def _roc(**options):
    return tfrank.ROCAUC(capacity=16, **options)


@pytest.mark.parametrize(
    "make, error, text",
    [
        (lambda: tfrank.PrecisionAtRecall(0), ValueError, r"recall must be a number in \(0, 1\].*got recall=0 \(int\)"),
        (lambda: tfrank.PrecisionAtRecall(1.5), ValueError, "got recall=1.5"),
        (lambda: tfrank.RecallAtPrecision(-0.1), ValueError, "precision must be a number in"),
        (lambda: tfrank.SensitivityAtSpecificity(True), TypeError, r"specificity=True \(bool\)"),
        (lambda: tfrank.SpecificityAtSensitivity("0.9"), TypeError, "sensitivity='0.9'"),
        (lambda: _roc(average="weighted"), ValueError, "average must be one of 'micro', 'macro'"),
        (lambda: tfrank.ROCAUC(capacity=0), ValueError, "capacity must be a positive int"),
        (lambda: tfrank.ROCAUC(capacity=2.5), TypeError, r"capacity=2.5 \(float\)"),
        (lambda: tfrank.ROCAUC(capacity=2**31), ValueError, "at most 2,147,483,647"),
        (lambda: _roc(num_labels=True), TypeError, "num_labels must be a positive int"),
        (lambda: _roc(name=3), TypeError, "name must be a str"),
        (lambda: _roc(per_step=1), TypeError, r"per_step must be True or False, got per_step=1 \(int\)"),
        (lambda: _roc().update_state([1, 0], [1, 0]), TypeError, "y_pred must be float scores"),
        (lambda: _roc().update_state([[1, 0]], [[0.1, 0.2]]), ValueError, r"\[batch, 1\].*pass num_labels=2"),
        (lambda: _roc(num_labels=2).update_state([1], [[0.1, 0.2]]), ValueError, r"y_true must be .*\[batch, 2\]"),
        (lambda: _roc().update_state([1, 0, 1], [0.1, 0.2]), ValueError, "y_true must be a tensor with the batch"),
        (lambda: _roc().update_state([2, 0], [0.1, 0.2]), ValueError, r"y_true must be binary .*2"),
        (lambda: _roc().update_state([1, 0], [0.1, 0.2], [1, -1]), ValueError, "sample_weight must hold non-neg"),
        (lambda: _roc().update_state([1, 0], [0.1, 0.2], [[1, 1]]), ValueError, r"\[batch\] or \[batch, 1\], got"),
        (lambda: _roc().update_state([1, 0], [0.1, 0.2], [1, 1, 1]), ValueError, "one weight per example"),
        (lambda: _roc().update_state([1, 0], [0.1, 0.2], [[[1]]]), ValueError, r"sample_weight must be a scalar"),
        (lambda: tfrank.roc_auc([1, 0], [0.1, 0.2], average="none"), ValueError, "average must be one of"),
        (lambda: tfrank.precision_at_recall([1, 0], [0.1, 0.2], recall=0.0), ValueError, "recall must be"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_input(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_bad_input_leaves_the_state_unchanged():
    metric = _roc()
    metric.update_state([1, 0], [0.9, 0.1])
    for y, s, w in (([2, 0], [0.1, 0.2], None), ([1, 0], [0.1, 0.2], [1, -1])):
        with pytest.raises(ValueError):
            metric.update_state(y, s, w)
    assert int(metric.count.numpy()) == 2 and float(metric.result()) == 1.0
    metric = _roc()
    tf.function(metric.update_state, jit_compile=True)(tf.constant([2.0, 0.0]), tf.constant([0.1, 0.2]))
    assert np.isnan(float(metric.result()))  # XLA drops assertions: poisoned instead of silent


@pytest.mark.parametrize("base", sorted(METRICS))
def test_names_direction_and_config(base):
    import keras

    metric = make_metric(base, average="macro", num_labels=4, capacity=64, per_step=False)
    bound = METRICS[base][1]
    assert metric.name == (base if bound is None else f"{base}_{round(bound * 100)}")
    assert metric.direction == "max" and metric._direction == "up"
    restored = type(metric).from_config(metric.get_config())
    assert (restored.name, restored.bound, restored.average, restored.num_labels, restored.capacity,
            restored.per_step) == (metric.name, bound, "macro", 4, 64, False)
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    assert keras.saving.get_registered_name(type(metric)) == f"tfrank>{type(metric).__name__}"


class _OwnAUC(tfrank.metrics.threshold.ThresholdMetric):
    base = "roc_auc"


def test_the_base_class_refuses_construction_and_a_subclass_computes():
    with pytest.raises(TypeError, match=r"^ThresholdMetric is a base class: subclass it and set the class attribute "
                                        r"base \(one of 'roc_auc', .*\), or use one of tfrank's subclasses; "
                                        r"got ThresholdMetric.base=None$"):
        tfrank.metrics.threshold.ThresholdMetric()
    own = _OwnAUC(capacity=8)
    own.update_state([1, 0, 1], [0.9, 0.8, 0.1])
    assert own.name == "roc_auc" and float(own.result()) == 0.5


@pytest.mark.parametrize("bound, percent", [(0.8, "80"), (0.825, "82_5"), (1.0, "100"), (0.005, "0_5"),
                                            (0.9999, "99_99"), (0.07, "7")])
def test_log_names_are_tuner_objectives(bound, percent):
    for base, (cls, default, _) in METRICS.items():
        if default is None:
            name = cls(capacity=8).name
        else:
            name = cls(bound, capacity=8).name
            assert name == f"{base}_{percent}"
            assert reference.by_log_name(name).__name__ == name
        assert "." not in name
        objective = tfrank.objective(f"val_{name}")
        assert (objective.name, objective.direction) == (f"val_{name}", "max")
        from tfrank.tuning.objective import as_objective  # what tfrank.tuners does with a string objective

        assert as_objective(f"val_{name}").direction == "max"


@pytest.mark.parametrize("name", ["val_precision_at_recall_80_0", "val_precision_at_recall_0", "val_roc_auc_80",
                                  "val_precision_at_recall_101", "val_precision_at_recall_82.5"])
def test_names_that_are_not_log_names(name):
    with pytest.raises(ValueError, match="precision_at_recall_{p}"):
        tfrank.objective(name)


def test_reference_by_log_name():
    y, s = [1, 0, 1, 0, 0], [0.9, 0.8, 0.8, 0.3, 0.3]
    assert reference.by_log_name("precision_at_recall_60")(y, s) == pytest.approx(2 / 3)
    assert reference.by_log_name("roc_auc")(y, s, [1, 1, 1, 1, 0]) == pytest.approx(skm.roc_auc_score(
        y, s, sample_weight=[1, 1, 1, 1, 0]))
    with pytest.raises(ValueError, match="log name"):
        reference.by_log_name("precision_at_recall")
    # of_metric reads the object, whatever its name: macro over two labels.
    y2, s2 = np.array([[1, 0], [0, 1], [1, 1], [0, 0]]), np.array([[0.9, 0.2], [0.4, 0.8], [0.3, 0.1], [0.5, 0.6]])
    own = tfrank.PrecisionAtRecall(0.5, average="macro", num_labels=2, capacity=8, name="mine")
    assert reference.of_metric(own)(y2, s2) == pytest.approx(sklearn_value("precision_at_recall_50", y2, s2, None,
                                                                            "macro", bound=0.5))
    with pytest.raises(ValueError, match="metric must be one of tfrank's threshold metrics"):
        reference.of_metric(tfrank.PrecisionAtK(k=1))


def test_keras_binned_metrics_err_on_logits_and_piled_up_probabilities():
    import keras

    rng = np.random.default_rng(0)
    y = (rng.random(4000) < 0.05).astype(np.float32)
    logits = (4.0 * y + rng.normal(size=4000) - 6.0).astype(np.float32)  # mostly below 0
    piled = 1.0 / (1.0 + np.exp(-3.0 * logits))  # probabilities crowded near 0
    for scores in (logits, piled):
        exact = skm.roc_auc_score(y, scores)
        ours, binned = tfrank.ROCAUC(capacity=4096), keras.metrics.AUC(num_thresholds=200)
        for m in (ours, binned):
            m.update_state(y, scores)
        assert float(ours.result()) == pytest.approx(exact, abs=1e-5)
        assert abs(float(binned.result()) - exact) > 0.01  # the grid cannot tell these scores apart
    binned = keras.metrics.PrecisionAtRecall(0.8, num_thresholds=200)
    binned.update_state(y, logits)
    expected = sklearn_value("precision_at_recall", y[:, None], logits[:, None], None)
    assert float(tfrank.precision_at_recall(y, logits, 0.8)) == pytest.approx(expected, abs=1e-5)
    assert abs(float(binned.result()) - expected) > 0.05
