"""ARP, OPA, alpha-DCG@K and Precision-IA@K against the NumPy reference and independent libraries.

The reference (`tfrank.reference.positions`, `tfrank.reference.diversity`) is crossed with
every label form, mask, per-item weights, k and tie policy; subtopic labels ``[B, N, S]``
with padding items and padding subtopics; the Keras classes stream uneven batches under
both averages. Independent oracles: ndeval (pyndeval) for alpha-DCG and P-IA, scipy's
Somers' D and sklearn's ROC AUC for OPA, scipy's average ranks for ARP. TF-Ranking's own
test vectors run in tests/test_compat.py; the shared tests (fuzzing, distribution, NaN,
mixed precision, checkpoints) reach these classes through tests/catalog.py.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
from conftest import FORMATS, assert_lists_close, make_batch
from tfrank import reference

K = [1, 3, 20]
# name: (functional op, reference, takes k, tie policies)
OPS = {
    "arp": (tfrank.ops.arp, reference.arp, False, ("first", "expected")),
    "opa": (tfrank.ops.opa, reference.opa, False, ("first", "expected")),
    "alpha_dcg": (tfrank.ops.alpha_dcg_at_k, reference.alpha_dcg_at_k, True, ("first",)),
    "precision_ia": (tfrank.ops.precision_ia_at_k, reference.precision_ia_at_k, True, ("first", "expected")),
}
CASES = [(name, ties) for name, (*_, policies) in OPS.items() for ties in policies]


def _both(name, y_true, ref_true, y_pred, **kwargs):
    """(tfrank, reference) per-list values, as dicts keyed by log name for the k metrics."""
    op, ref, takes_k, _ = OPS[name]
    if not takes_k:
        return {name: op(y_true, y_pred, **kwargs).numpy()}, {name: ref(ref_true, y_pred, **kwargs)}
    got = op(y_true, y_pred, K, **kwargs)
    return {key: value.numpy() for key, value in got.items()}, ref(ref_true, y_pred, K, **kwargs)


def _subtopics(seed, batch=9, items=7, subtopics=3):
    """Subtopic labels with padding items (all -1), padding subtopics (-1 columns), graded values
    and an empty list, quantised scores (ties), a mask and per-item weights with zeros."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=(batch, items, subtopics)) * (rng.random((batch, items, subtopics)) < 0.4)
    labels = labels.astype(np.float32)
    labels[rng.random((batch, items)) < 0.15] = -1.0  # padding items
    labels[1, :, 2] = -1.0  # list 1 has two subtopics only
    labels[0] = np.minimum(labels[0], 0.0)  # nothing relevant
    scores = (np.round(rng.normal(size=(batch, items)) * 2) / 2).astype(np.float32)
    weights = rng.uniform(0.0, 2.0, size=(batch, items)).astype(np.float32)
    weights[weights < 0.3] = 0.0
    return labels, scores, rng.random((batch, items)) > 0.2, weights


# === Against the reference ===


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("name, ties", CASES)
def test_every_label_form_equals_the_reference(name, ties, form):
    batch = make_batch(7, form, mask=form in ("graded", "ids", "class"), ties=True)
    label_format = "dense" if form in ("dense", "graded") else None
    got, want = _both(name, batch["y_true"], batch["ref_true"], batch["y_pred"], mask=batch["mask"], ties=ties,
                      label_format=label_format)
    assert_lists_close(got, want)


@pytest.mark.parametrize("form", ["graded", "ids"])
@pytest.mark.parametrize("name, ties", CASES)
def test_per_item_weights_equal_the_reference(name, ties, form):
    batch = make_batch(8, form, ties=True)
    weights = np.random.default_rng(3).uniform(0.0, 2.0, batch["y_pred"].shape).astype(np.float32)
    weights[weights < 0.3] = 0.0  # weight 0 excludes the item
    label_format = "dense" if form == "graded" else None
    got, want = _both(name, batch["y_true"], batch["ref_true"], batch["y_pred"], sample_weight=weights, ties=ties,
                      label_format=label_format)
    assert_lists_close(got, want)


@pytest.mark.parametrize("options", [{}, {"alpha": 0.0}, {"alpha": 1.0}, {"alpha": 0.2, "discount": "reciprocal"}])
@pytest.mark.parametrize("given", ["plain", "mask", "weights", "dict"])
def test_alpha_dcg_of_subtopic_labels_equals_the_reference(given, options):
    labels, scores, mask, weights = _subtopics(1)
    kwargs = {"mask": mask} if given == "mask" else {"sample_weight": weights} if given == "weights" else {}
    y_true = {"labels": labels, "mask": mask} if given == "dict" else labels
    got = tfrank.ops.alpha_dcg_at_k(y_true, scores, K, **kwargs, **options)
    assert_lists_close({key: v.numpy() for key, v in got.items()},
                       reference.alpha_dcg_at_k(y_true, scores, K, **kwargs, **options))


@pytest.mark.parametrize("denominator", ["k", "min_k_n"])
@pytest.mark.parametrize("ties", ["first", "expected"])
@pytest.mark.parametrize("given", ["plain", "mask", "weights"])
def test_precision_ia_of_subtopic_labels_equals_the_reference(given, ties, denominator):
    labels, scores, mask, weights = _subtopics(2)
    kwargs = {"mask": mask} if given == "mask" else {"sample_weight": weights} if given == "weights" else {}
    got = tfrank.ops.precision_ia_at_k(labels, scores, K, ties=ties, denominator=denominator, **kwargs)
    want = reference.precision_ia_at_k(labels, scores, K, ties=ties, denominator=denominator, **kwargs)
    assert_lists_close({key: v.numpy() for key, v in got.items()}, want)


def test_padding_of_subtopic_labels_by_hand():
    """An all-negative item is padding (not ranked, not counted); a negative entry is a subtopic
    the list does not have. Ranked: item 3 (covers t0), item 0 (t1), item 2 (t0 again);
    item 1 (score 0.9) is padding. alpha-DCG@3 = 1 + 1/log2(3) + 0.5/2; P-IA@3 = 3 / (3 * 2)."""
    labels = [[[0, 1, -1], [-1, -1, -1], [1, 0, -1], [1, 0, -1]]]
    scores = [[0.7, 0.9, 0.1, 0.8]]
    assert float(tfrank.ops.alpha_dcg_at_k(labels, scores, 3)[0]) == pytest.approx(1 + 1 / np.log2(3) + 0.25)
    assert float(tfrank.ops.precision_ia_at_k(labels, scores, 3)[0]) == pytest.approx(0.5)
    # min_k_n: 3 valid items, so k = 4 divides by 3 * 2 too; k divides by 4 * 2
    assert float(tfrank.ops.precision_ia_at_k(labels, scores, 4, denominator="min_k_n")[0]) == pytest.approx(0.5)
    assert float(tfrank.ops.precision_ia_at_k(labels, scores, 4)[0]) == pytest.approx(3 / 8)


# === Independent implementations ===


def test_alpha_dcg_and_precision_ia_equal_ndeval():
    """ndeval (TREC's diversity evaluator, via pyndeval) on binary subtopic judgments: its
    P-IA@k is ours; its alpha-DCG@k is ours over the "ideal ideal" gain
    S_rel * sum_{i <= k} (1 - alpha)^(i - 1) / log2(i + 1) (ndeval.c, computeDCG)."""
    import pyndeval  # noqa: PLC0415 (a test dependency: missing, this test fails rather than skips)

    rng = np.random.default_rng(5)
    labels = (rng.random((6, 12, 4)) < 0.25).astype(np.float32)
    labels[:, :, 3] = 0.0  # a subtopic nobody covers: neither counts it
    scores = rng.permutation(72).reshape(6, 12).astype(np.float32)  # distinct: ndeval breaks ties by docno
    for alpha in (0.5, 0.2):
        qrels = [(str(b + 1), str(t + 1), f"d{i}", int(labels[b, i, t])) for b in range(6) for i in range(12) for t in range(4)]
        run = [(str(b + 1), f"d{i}", float(scores[b, i])) for b in range(6) for i in range(12)]
        measures = [f"{m}@{k}" for m in ("alpha-DCG", "P-IA") for k in (5, 10)]
        theirs = pyndeval.RelevanceEvaluator(qrels, measures=measures, alpha=alpha).evaluate(run)
        ours_dcg = tfrank.ops.alpha_dcg_at_k(labels, scores, [5, 10], alpha=alpha)
        ours_pia = tfrank.ops.precision_ia_at_k(labels, scores, [5, 10])
        for b in range(6):
            covered = labels[b].any(axis=0).sum()
            for k in (5, 10):
                ideal = covered * sum((1 - alpha) ** i / np.log2(i + 2) for i in range(k))
                assert float(ours_dcg[f"alpha_dcg_at_{k}"][b]) / ideal == pytest.approx(theirs[str(b + 1)][f"alpha-DCG@{k}"], rel=1e-5)
                assert float(ours_pia[f"precision_ia_at_{k}"][b]) == pytest.approx(theirs[str(b + 1)][f"P-IA@{k}"], rel=1e-5)


def test_opa_equals_somers_d_and_roc_auc():
    """Counting a tied pair 1/2, OPA = (1 + Somers' D(scores | labels)) / 2 for graded labels and
    the ROC AUC for binary ones (scipy, scikit-learn)."""
    from scipy.stats import somersd
    from sklearn.metrics import roc_auc_score

    batch = make_batch(9, "graded", pad=False, ties=True)
    graded = tfrank.ops.opa(batch["y_true"], batch["y_pred"], ties="expected", label_format="dense").numpy()
    binary = tfrank.ops.opa(batch["y_true"] > 0, batch["y_pred"], ties="expected", label_format="dense").numpy()
    for b, (labels, scores) in enumerate(zip(batch["y_true"], batch["y_pred"])):
        if len(set(labels)) < 2:
            assert np.isnan(graded[b])  # no pair: skipped
            continue
        assert graded[b] == pytest.approx((1 + somersd(labels, scores).statistic) / 2, rel=1e-5)
        assert binary[b] == pytest.approx(roc_auc_score(labels > 0, scores), rel=1e-5)


def test_arp_with_expected_ties_equals_average_ranks():
    """ARP under ties="expected": the label-weighted mean of scipy's average ranks."""
    from scipy.stats import rankdata

    batch = make_batch(10, "graded", pad=False, ties=True)
    got = tfrank.ops.arp(batch["y_true"], batch["y_pred"], ties="expected", label_format="dense").numpy()
    for b, (labels, scores) in enumerate(zip(batch["y_true"], batch["y_pred"])):
        if labels.sum() > 0:
            assert got[b] == pytest.approx(np.sum(rankdata(-scores) * labels) / labels.sum(), rel=1e-6)


# === Keras classes: streaming, averages, options ===


def _stream(metric, batches, weighted):
    for batch in batches:
        metric.update_state(batch["y_true"], batch["y_pred"], mask=batch["mask"],
                            sample_weight=batch["sample_weight"] if weighted else None)
    return metric.result()


@pytest.mark.parametrize("average", ["macro", "micro"])
@pytest.mark.parametrize("cls", [tfrank.ARP, tfrank.OPA], ids=lambda c: c.__name__)
def test_streaming_over_uneven_batches_both_averages(cls, average):
    batches = [make_batch(20 + i, "graded", batch=size, mask=True, weights=True) for i, size in enumerate((5, 1, 8))]
    metric = cls(average=average, label_format="dense")
    got = float(_stream(metric, batches, weighted=True))
    ref = getattr(reference, cls.base)
    mass = reference.relevance_mass if cls is tfrank.ARP else reference.pair_mass
    values = np.concatenate([ref(b["ref_true"], b["y_pred"], mask=b["mask"]) for b in batches])
    weights = np.concatenate([b["sample_weight"] for b in batches])
    if average == "micro":  # each list weighs its relevance (ARP) or its pairs (OPA), times its weight
        weights = weights * np.concatenate([mass(b["ref_true"], b["y_pred"], mask=b["mask"]) for b in batches])
    assert got == pytest.approx(reference.weighted_mean(values, weights), rel=1e-5)


@pytest.mark.parametrize("cls", [tfrank.ARP, tfrank.OPA], ids=lambda c: c.__name__)
def test_micro_average_streams_its_stderr_over_the_lists_masses(cls):
    """stderr=True under average="micro": the standard error of the mass-weighted mean."""
    batches = [make_batch(60 + i, "graded", batch=size, mask=True, weights=True) for i, size in enumerate((6, 3))]
    metric = cls(average="micro", label_format="dense", stderr=True)
    got = {name: float(v) for name, v in _stream(metric, batches, weighted=True).items()}
    mass = reference.relevance_mass if cls is tfrank.ARP else reference.pair_mass
    values = np.concatenate([getattr(reference, cls.base)(b["ref_true"], b["y_pred"], mask=b["mask"]) for b in batches])
    weights = np.concatenate([b["sample_weight"] * mass(b["ref_true"], b["y_pred"], mask=b["mask"]) for b in batches])
    want = {cls.base: reference.weighted_mean(values, weights), f"{cls.base}_stderr": reference.stderr(values, weights)}
    assert got == pytest.approx(want, rel=1e-5)


def test_micro_average_with_per_item_weights_is_tf_rankings_mean():
    """TF-Ranking: ARP weighs each list by sum y_i w_i, OPA by the w_i of its pairs (metrics_impl)."""
    batch = make_batch(30, "graded")
    weights = np.random.default_rng(4).uniform(0.0, 2.0, batch["y_pred"].shape).astype(np.float32)
    for cls, mass in ((tfrank.ARP, reference.relevance_mass), (tfrank.OPA, reference.pair_mass)):
        metric = cls(average="micro", label_format="dense")
        metric.update_state(batch["y_true"], batch["y_pred"], sample_weight=weights)
        values = getattr(reference, cls.base)(batch["y_true"], batch["y_pred"], sample_weight=weights)
        list_mass = mass(batch["y_true"], batch["y_pred"], sample_weight=weights)
        assert float(metric.result()) == pytest.approx(reference.weighted_mean(values, list_mass), rel=1e-5)


def test_subtopic_classes_stream_and_share_one_ranking():
    batches = [_subtopics(40 + i, batch=size) for i, size in enumerate((4, 2, 6))]
    separate = [tfrank.AlphaDCGAtK(k=[2, 5], alpha=0.3), tfrank.PrecisionIAAtK(k=[2, 5], denominator="min_k_n")]
    combined = tfrank.RankingMetrics(k=[2, 5], metrics=["alpha_dcg", "precision_ia"], alpha=0.3, denominator="min_k_n")
    weights = [np.linspace(0.5, 2.0, len(s)).astype(np.float32) for _, s, _, _ in batches]
    for (labels, scores, mask, _), w in zip(batches, weights):
        for metric in separate + [combined]:
            metric.update_state(labels, scores, mask=mask, sample_weight=w)
    want = {}
    for ref, options in ((reference.alpha_dcg_at_k, {"alpha": 0.3}), (reference.precision_ia_at_k, {"denominator": "min_k_n"})):
        per_list = [ref(labels, scores, [2, 5], mask=mask, **options) for labels, scores, mask, _ in batches]
        for name in per_list[0]:
            want[name] = reference.weighted_mean(np.concatenate([p[name] for p in per_list]), np.concatenate(weights))
    got = {**separate[0].result(), **separate[1].result()}
    assert {n: float(v) for n, v in got.items()} == pytest.approx(want, rel=1e-5)
    assert {n: float(v) for n, v in combined.result().items()} == pytest.approx(want, rel=1e-5)


@pytest.mark.parametrize("metric", [
    tfrank.ARP(average="micro", ties="expected"), tfrank.OPA(empty="zero"), tfrank.AlphaDCGAtK(k=[1, 4], alpha=0.25),
    tfrank.PrecisionIAAtK(k=3, denominator="min_k_n", ties="expected"),
], ids=lambda m: m.name)
def test_names_directions_and_config_round_trip(metric, tmp_path):
    again = type(metric).from_config(metric.get_config())
    assert again.get_config() == metric.get_config()
    assert metric.direction == ("min" if isinstance(metric, tfrank.ARP) else "max")
    for name in metric.result_names():
        assert tfrank.objective(f"val_{name}").direction == metric.direction
    assert metric.result_names() == {"arp": ["arp"], "opa": ["opa"], "alpha_dcg_at_k": ["alpha_dcg_at_1", "alpha_dcg_at_4"],
                                     "precision_ia_at_3": ["precision_ia_at_3"]}[metric.name]


def test_objective_directions_and_tuner_strings(tmp_path):
    assert [tfrank.objective(n).direction for n in ("val_arp", "arp", "val_items_arp", "val_opa", "val_r_precision",
                                                    "val_alpha_dcg_at_10", "val_precision_ia_at_5")] == \
        ["min", "min", "min", "max", "max", "max", "max"]
    with pytest.raises(ValueError, match="Did you mean 'val_arp'"):
        tfrank.objective("val_apr")

    def build(hp):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(hp.Choice("units", [4]))])
        model.compile("adam", "mse", metrics=[tfrank.ARP()])
        return model

    tuner = tfrank.tuners.RandomSearch(build, objective="val_arp", max_trials=1, directory=str(tmp_path), project_name="p")
    assert tuner.oracle.objective.direction == "min"


# === In a model, under XLA ===


class ScoreLoss(keras.losses.Loss):  # ignores the labels, so that it takes subtopic labels too
    def call(self, y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_pred - 0.5), axis=-1)


@pytest.fixture(scope="module")
def fitted():
    """One epoch of fit under XLA: output "div" against subtopic labels [B, N, S] (a padding
    item in every list), output "pos" against graded labels; the logs and the validation data."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 6, 3)).astype(np.float32)
    subtopics = (rng.random((24, 6, 2)) < 0.3).astype(np.float32)
    subtopics[:, 5] = -1.0
    graded = (rng.integers(0, 3, size=(24, 6)) * (rng.random((24, 6)) < 0.5)).astype(np.float32)
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 3))
    scores = keras.layers.Reshape((6,))(keras.layers.Dense(1)(inputs))
    model = keras.Model(inputs, {"div": keras.layers.Identity(name="div")(scores),
                                 "pos": keras.layers.Identity(name="pos")(scores)})
    metrics = {"div": [tfrank.AlphaDCGAtK(k=4), tfrank.PrecisionIAAtK(k=3)],  # one k: Keras prefixes the output
               "pos": [tfrank.ARP(), tfrank.OPA(average="micro", label_format="dense")]}
    model.compile("sgd", loss={"div": ScoreLoss(), "pos": ScoreLoss()}, metrics=metrics, jit_compile=True)
    labels = {"div": subtopics, "pos": graded}
    history = model.fit(x[:16], {k: labels[k][:16] for k in labels}, batch_size=5, epochs=1, verbose=0,
                        validation_data=(x[16:], {k: labels[k][16:] for k in labels}))
    return history.history, {k: v[16:] for k, v in labels.items()}, model.predict(x[16:], verbose=0)["pos"]


def test_fit_under_xla_logs_the_reference_values(fitted):
    logs, labels, scores = fitted
    want = {**reference.alpha_dcg_at_k(labels["div"], scores, [4]), **reference.precision_ia_at_k(labels["div"], scores, [3])}
    want = {f"val_div_{name}": reference.weighted_mean(v) for name, v in want.items()}
    want["val_pos_arp"] = reference.weighted_mean(reference.arp(labels["pos"], scores))
    opa = reference.opa(labels["pos"], scores)
    want["val_pos_opa"] = reference.weighted_mean(opa, reference.pair_mass(labels["pos"], scores))
    assert {name: logs[name][-1] for name in want} == pytest.approx(want, rel=1e-5)
    assert tfrank.objective("val_pos_arp").direction == "min"


@pytest.mark.parametrize("form", ["ids", "graded"])
def test_xla_equals_eager(form):
    batch = make_batch(50, form, mask=True, ties=True)
    label_format = "dense" if form == "graded" else None
    for ties in ("first", "expected"):  # one object: the three metrics share one ranking
        metrics = ["arp", "opa", "precision_ia"]
        eager, compiled = (tfrank.RankingMetrics(k=[1, 4], metrics=metrics, ties=ties, label_format=label_format)
                           for _ in range(2))
        eager.update_state(batch["y_true"], batch["y_pred"], mask=batch["mask"])
        tf.function(compiled.update_state, jit_compile=True)(batch["y_true"], batch["y_pred"], mask=batch["mask"])
        assert compiled.result_names() == ["arp", "opa", "precision_ia_at_1", "precision_ia_at_4"]
        assert np.allclose([v.numpy() for v in compiled.variables], [v.numpy() for v in eager.variables], atol=1e-6)


# === Bad input ===


@pytest.mark.parametrize("make, error, message", [
    (lambda: tfrank.AlphaDCGAtK(k=3, alpha=1.5), ValueError, r"alpha must be a float in \[0, 1\], got alpha=1.5"),
    (lambda: tfrank.AlphaDCGAtK(k=3, alpha=True), TypeError, r"alpha must be a float in \[0, 1\], got alpha=True"),
    (lambda: tfrank.AlphaDCGAtK(k=3, ties="expected"), ValueError, r"ties must be one of 'first' for alpha_dcg"),
    (lambda: tfrank.ARP(average="mean"), ValueError, r"average must be one of 'macro', 'micro', got average='mean'"),
    (lambda: tfrank.PrecisionIAAtK(k=3, denominator="n"), ValueError, r"denominator must be one of 'k', 'min_k_n'"),
    (lambda: tfrank.RankingMetrics(k=3, metrics=["ndcg"], alpha=0.5), TypeError, r"no option 'alpha'.*of alpha_dcg"),
    (lambda: tfrank.RetrievalMetrics(np.eye(4, dtype=np.float32), k=2, metrics=["arp"]), ValueError,
     r"metrics must be metrics with a cut-off k \(r_precision, arp and opa rank the whole corpus\)"),
])
def test_bad_options_are_rejected(make, error, message):
    with pytest.raises(error, match=message):
        make()


SUBTOPICS = np.zeros((2, 3, 2), np.float32)
SCORES = np.zeros((2, 3), np.float32)


@pytest.mark.parametrize("call, message", [
    (lambda: tfrank.ARP().update_state(SUBTOPICS, SCORES),
     r"y_true must be labels \[batch, items\], ids or class ids for arp \(subtopic labels"),
    (lambda: tfrank.RankingMetrics(k=2, metrics=["alpha_dcg", "ndcg"]).update_state(SUBTOPICS, SCORES), r"for ndcg"),
    (lambda: tfrank.AlphaDCGAtK(k=2).update_state(np.zeros((2, 4, 2), np.float32), SCORES),
     r"y_true must be subtopic labels \[batch, items, subtopics\] with \[batch, items\] the shape of y_pred \[2, 3\]"),
    (lambda: tfrank.AlphaDCGAtK(k=2, label_format="ids").update_state(SUBTOPICS, SCORES),
     r"y_true must be dense subtopic labels .*label_format must be None or 'dense'"),
    (lambda: tfrank.ops.alpha_dcg_at_k(SUBTOPICS.astype(str), SCORES, 2), r"y_true must be numeric subtopic labels"),
])
def test_bad_labels_are_rejected(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_empty_policies():
    """A list without a relevant item (ARP, alpha-DCG, P-IA) or without a pair of different labels
    (OPA: here every item is relevant) follows ``empty``."""
    y_true, y_pred = [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]], [[0.3, 0.2, 0.1], [0.3, 0.2, 0.1]]
    assert np.isnan(tfrank.ops.opa(y_true, y_pred).numpy()).all()
    assert tfrank.ops.opa(y_true, y_pred, empty="one").numpy().tolist() == [1.0, 1.0]
    assert tfrank.ops.arp(y_true, y_pred, empty="zero").numpy().tolist() == [0.0, 2.0]
    with pytest.raises(ValueError, match="empty='error'"):
        tfrank.ops.opa(y_true, y_pred, empty="error")
    assert float(tfrank.OPA().result()) == 0.0  # nothing countable seen
