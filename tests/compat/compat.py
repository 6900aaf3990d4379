"""Runs the extracted test vectors of keras-rs, TensorFlow Ranking and ranx through tfrank.

    python tests/compat/compat.py            # prints the summary table

Each library's cases (``tests/compat/<library>.json``, written by ``extract.py``) run
with the tfrank options that the README names for that library (`OPTIONS`); keras-rs and
ranx cases also run through the library itself, which proves the extraction. A case
marked ``"expressible": false`` carries the reason and is counted, never dropped.
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIBRARIES = ("keras_rs", "tf_ranking", "ranx")
TOLERANCE = dict(rtol=1e-5, atol=1e-5)  # the expected values are often written to 6 digits

# The README's drop-in options for each library.
OPTIONS = {
    "keras_rs": {"empty": "zero", "ties": "first", "empty_weight": "batch_mean"},
    "tf_ranking": {"empty": "zero", "ties": "first", "empty_weight": "batch_mean"},
    "ranx": {"empty": "zero", "ties": "first"},
}
METRIC_OPTIONS = {
    "keras_rs": {"precision": {"denominator": "min_k_n"}},
    "tf_ranking": {"precision": {"denominator": "min_k_n"}, "precision_ia": {"denominator": "min_k_n"},
                   "arp": {"average": "micro"}, "opa": {"average": "micro"}},
}
UNCUT = ("arp", "opa")  # no k


def load(library, *, counts=False):
    """The library's cases (and, with ``counts=True``, the counts its extraction declared)."""
    with open(os.path.join(HERE, f"{library}.json"), encoding="utf-8") as f:
        data = json.load(f)
    return (data["cases"], data["counts"]) if counts else data["cases"]


def case_id(case):
    return f"{case['file'].rsplit('/', 1)[-1]}::{case['test']}"


# === keras-rs ===


def _batched(update):
    """One keras-rs update as tfrank arguments: [B, N] labels, scores, mask and weights."""
    y_true, mask = update["y_true"], None
    if isinstance(y_true, dict):
        y_true, mask = y_true["labels"], y_true.get("mask")
    y_true, y_pred = np.asarray(y_true, np.float32), np.asarray(update["y_pred"], np.float32)
    weight = update["sample_weight"]
    if y_true.ndim == 1:  # an unbatched list: one list, and a 1-d weight is one per item
        y_true, y_pred = y_true[None], y_pred[None]
        mask = None if mask is None else np.asarray(mask)[None]
        weight = None if weight is None or np.ndim(weight) == 0 else np.asarray(weight, np.float32)[None]
    if weight is not None:
        weight = np.asarray(weight, np.float32)
    return y_true, y_pred, (None if mask is None else np.asarray(mask, bool)), weight


def tfrank_keras_rs(case):
    import tfrank

    classes = {"precision": tfrank.PrecisionAtK, "recall": tfrank.RecallAtK, "map": tfrank.MAPAtK,
               "mrr": tfrank.MRRAtK, "dcg": tfrank.DCGAtK, "ndcg": tfrank.NDCGAtK}
    k = case["init"].get("k") or max((np.shape(_batched(u)[1])[1] for u in case["updates"]), default=1)
    options = {**OPTIONS["keras_rs"], **METRIC_OPTIONS["keras_rs"].get(case["metric"], {}), **case.get("tfrank_options", {})}
    metric = classes[case["metric"]](k=int(k), label_format="dense", **options)
    for update in case["updates"]:
        y_true, y_pred, mask, weight = _batched(update)
        metric.update_state(y_true, y_pred, sample_weight=weight, mask=mask)
    return float(metric.result())


def library_keras_rs(case):
    import keras_rs

    classes = {"precision": keras_rs.metrics.PrecisionAtK, "recall": keras_rs.metrics.RecallAtK,
               "map": keras_rs.metrics.MeanAveragePrecision, "mrr": keras_rs.metrics.MeanReciprocalRank,
               "dcg": keras_rs.metrics.DCG, "ndcg": keras_rs.metrics.NDCG}
    init = {key: v for key, v in case["init"].items() if key not in ("gain_fn", "rank_discount_fn")}
    metric = classes[case["metric"]](**init, **LIBRARY_FUNCTIONS.get("keras_rs", {}).get(case["test"], {}), seed=0)
    for update in case["updates"]:
        metric.update_state(update["y_true"], update["y_pred"], sample_weight=update["sample_weight"])
    return float(metric.result())


def _keras_rs_functions():
    """The custom gain / discount of keras-rs' test_alternative_gain_rank_discount_fns, for keras-rs itself."""
    from keras import ops

    functions = {"gain_fn": lambda label: ops.cast(label, "float32"), "rank_discount_fn": lambda rank: ops.divide(1.0, rank)}
    return {"test_alternative_gain_rank_discount_fns": functions}


LIBRARY_FUNCTIONS = {}


# === TensorFlow Ranking (its expected values are the reference: it no longer imports) ===


def _register_functions():
    """The custom functions of TF-Ranking's NDCG tests, registered so tfrank can take them."""
    import keras

    @keras.saving.register_keras_serializable(package="tfrank_compat")
    def half_gain(labels):
        return labels / 2.0

    @keras.saving.register_keras_serializable(package="tfrank_compat")
    def reciprocal_plus_10(ranks):
        return 1.0 / (ranks + 10.0)


def _tfr_inputs(case):
    """Dense [B, N] labels, scores, mask and per-item weights (TF-Ranking broadcasts weights to items)."""
    inputs = case["inputs"]
    labels, scores = inputs["labels"], inputs["predictions"]
    if case.get("ragged"):
        width = max(len(row) for row in labels)
        subtopics = [len(item) for row in labels for item in row if isinstance(item, list)][:1]
        pad = [-1.0] * subtopics[0] if subtopics else -1.0  # a padding item: every subtopic label -1
        labels = [row + [pad] * (width - len(row)) for row in labels]
        scores = [row + [0.0] * (width - len(row)) for row in scores]
        if inputs["weights"] is not None and np.ndim(inputs["weights"][0]) == 1:
            inputs = {**inputs, "weights": [row + [0.0] * (width - len(row)) for row in inputs["weights"]]}
    labels, scores = np.asarray(labels, np.float32), np.asarray(scores, np.float32)
    weights = None if inputs["weights"] is None else np.asarray(inputs["weights"], np.float32)
    if weights is not None and weights.ndim == 3:  # TF-Ranking squeezes [B, N, 1]; tfrank takes [B, N]
        weights = weights[:, :, 0]
    # metrics_test's weights feature is one per list [B]; a Keras metric's ("result") broadcasts
    # a 1-d weight over the items, as TF-Ranking's ones_like(labels) * weights does.
    if weights is not None and weights.ndim == 1 and case["output"] == "mean":
        weights = weights[:, None]
    if weights is not None:
        weights = np.ones_like(scores) * weights
    mask = None if inputs["mask"] is None else np.asarray(inputs["mask"], bool)
    return labels, scores, mask, weights


def tfrank_tf_ranking(case):
    import tfrank
    from tfrank import engine

    labels, scores, mask, weights = _tfr_inputs(case)
    k = case["topn"] or labels.shape[1]
    metric = case["metric"]
    options = {**METRIC_OPTIONS["tf_ranking"].get(metric, {}), **case.get("tfrank_options", {})}
    policies = OPTIONS["tf_ranking"]
    if case["output"] in ("mean", "result"):  # a metric's mean (metrics_test) or result (keras/metrics_test)
        classes = {"precision": tfrank.PrecisionAtK, "recall": tfrank.RecallAtK, "map": tfrank.MAPAtK,
                   "mrr": tfrank.MRRAtK, "hit_rate": tfrank.HitRateAtK, "dcg": tfrank.DCGAtK, "ndcg": tfrank.NDCGAtK,
                   "arp": tfrank.ARP, "opa": tfrank.OPA, "alpha_dcg": tfrank.AlphaDCGAtK,
                   "precision_ia": tfrank.PrecisionIAAtK}
        cutoff = {} if metric in UNCUT else {"k": int(k)}
        m = classes[metric](**cutoff, label_format="dense", **policies, **options)
        m.update_state(labels, scores, sample_weight=weights, mask=mask)
        return float(m.result())
    requests = engine.plan([metric], (int(k),), options, empty=policies["empty"], ties=policies["ties"],
                           empty_weight=policies["empty_weight"])
    if weights is None:
        weights = np.ones_like(scores)
    values, list_weights = engine.weighted(requests, labels, scores, weights, mask=mask, label_format="dense",
                                           empty=policies["empty"], ties=policies["ties"],
                                           empty_weight=policies["empty_weight"])
    if case["output"] == "weights":
        return np.asarray(list_weights)[:, :1]
    return np.asarray(values)[:, :1]


# === ranx ===


def tfrank_ranx(case):
    """Per-query values: each query one list, its documents scored in the run's order."""
    import tfrank

    metric = case["metric"]
    fn = getattr(tfrank.ops, metric if metric == "r_precision" else f"{metric}_at_k")
    values = []
    for query in case["queries"]:
        labels = np.asarray([query["labels"]], np.float32)
        scores = -np.arange(labels.shape[1], dtype=np.float32)[None]  # the run's order
        args = () if metric == "r_precision" else (int(query["k"]),)
        values.append(float(fn(labels, scores, *args, label_format="dense", **OPTIONS["ranx"], **case["tfrank_options"])[0]))
    return values


def library_ranx(case):
    import ranx.metrics
    from numba.typed import List

    qrels = List([np.asarray(q) for q in case["qrels"]])
    run = List([np.asarray(r) for r in case["run"]])
    return list(getattr(ranx.metrics, case["function"])(qrels, run, case["k"]))


RUNNERS = {
    "keras_rs": (tfrank_keras_rs, library_keras_rs),
    "tf_ranking": (tfrank_tf_ranking, None),
    "ranx": (tfrank_ranx, library_ranx),
}


# === The suite ===


def evaluate(library):
    """One row per case: (case, expressible, tfrank agrees, library itself agrees or None)."""
    if library == "keras_rs" and "keras_rs" not in LIBRARY_FUNCTIONS:
        LIBRARY_FUNCTIONS["keras_rs"] = _keras_rs_functions()
    if library == "tf_ranking" and "tf_ranking" not in LIBRARY_FUNCTIONS:
        _register_functions()
        LIBRARY_FUNCTIONS["tf_ranking"] = {}
    ours, theirs = RUNNERS[library]
    rows = []
    for case in load(library):
        if case.get("expressible", True) is False:
            rows.append((case, False, None, None))
            continue
        expected = case["expected"]
        agree = bool(np.allclose(ours(case), expected, **TOLERANCE))
        itself = None if theirs is None else bool(np.allclose(theirs(case), expected, **TOLERANCE))
        rows.append((case, True, agree, itself))
    return rows


def summary(results):
    """Markdown table: library x metric -> cases, agree, not expressible."""
    lines = ["| library | metric | cases | agree | not expressible |", "|---|---|---:|---:|---:|"]
    for library, rows in results.items():
        for metric in sorted({row[0]["metric"] for row in rows}):
            mine = [row for row in rows if row[0]["metric"] == metric]
            agree = sum(1 for row in mine if row[2])
            lines.append(f"| {library} | {metric} | {len(mine)} | {agree} | {sum(1 for row in mine if not row[1])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    results = {library: evaluate(library) for library in LIBRARIES}
    for library, rows in results.items():
        for case, expressible, agree, itself in rows:
            if expressible and not (agree and itself in (True, None)):
                print(f"{library} {case_id(case)}: tfrank agrees={agree}, library itself agrees={itself}")
    print(summary(results))
