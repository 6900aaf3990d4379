"""Runs TF-Ranking's recorded loss vectors (``tf_ranking_losses.json``) through tfrank.

    python tests/compat/compat_losses.py     # prints the cases that disagree and the summary

Each expressible case becomes a tfrank call with the options the migration guide
(docs/tf-ranking.md) names: the Keras losses' default reduction is tfrank's
``"sum_over_batch_size"`` with ``normalizer="list_size"`` for the pairwise and pointwise
losses; ``reduction=SUM`` is ``reduction="sum"`` with ``normalizer="none"``; the softmax
loss takes ``targets="unnormalized"``; ragged inputs are padded (labels -1, scores 0,
item weights 0). The estimator API's ``compute`` maps the same way; its per-list
``losses`` are tfrank's per-list values without weights (TF-Ranking reports the weights
apart), computed without the temperature, which that API does not apply there.
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PAIRWISE = ("PairwiseHingeLoss", "PairwiseLogisticLoss", "PairwiseSoftZeroOneLoss", "PairwiseMSELoss")
POINTWISE = ("SigmoidCrossEntropyLoss", "MeanSquaredLoss")
CLASSES = {"SigmoidCrossEntropyLoss": "SigmoidLoss"}
FLOOR = 2e-6  # float32: TF-Ranking's own tests at places=7 / atol=1e-6 sit at its rounding


def load(*, full=False):
    with open(os.path.join(HERE, "tf_ranking_losses.json"), encoding="utf-8") as f:
        data = json.load(f)
    return data if full else data["cases"]


def case_id(case):
    return f"{case['file'].rsplit('/', 1)[-1]}::{case['test']}"


def register_functions():
    """The custom discounts of TF-Ranking's loss tests, registered so tfrank's lambda weights take them."""
    import keras
    import tensorflow as tf

    @keras.saving.register_keras_serializable(package="tfrank_compat")
    def inverse_log1p(ranks):
        return 1.0 / tf.math.log1p(ranks)

    @keras.saving.register_keras_serializable(package="tfrank_compat")
    def two_to_three_minus_rank_minus_one(ranks):
        return tf.pow(2.0, 3.0 - ranks) - 1.0


def lambda_weight(record):
    import tfrank
    from classify_losses import lambda_options

    name, options = lambda_options(record)
    if name == "ListMLELambdaWeight":
        return tfrank.losses.ListMLELambdaWeight(**options)
    k = options.pop("k", None)
    return getattr(tfrank.losses, name)(k, **options) if name != "LabelDiffLambdaWeight" else tfrank.losses.LabelDiffLambdaWeight()


def _padded(values, fill):
    rows = [list(row) for row in values]
    width = max(len(row) for row in rows)
    return np.array([row + [fill] * (width - len(row)) for row in rows], np.float32)


def _inputs(case):
    inputs = case["inputs"]
    labels, scores = _padded(inputs["labels"], -1.0), _padded(inputs["predictions"], 0.0)
    weights = inputs.get("weights")
    if weights is not None:
        weights = np.asarray(weights, np.float32) if np.ndim(weights[0]) == 1 and len(weights[0]) == 1 \
            else _padded(weights, 0.0)
    mask = None if inputs.get("mask") is None else np.asarray(inputs["mask"], bool)
    return labels, scores, weights, mask


def _loss(case):
    import tfrank

    name, args, method = case["loss"], case["args"], case["method"]
    reduction = {"call": "sum" if args.get("reduction") == "sum" else "sum_over_batch_size", "compute": "sum"}.get(method)
    options = {"reduction": reduction, "label_format": "dense"}
    if args.get("lambda_weight") is not None:
        options["lambda_weight"] = lambda_weight(args["lambda_weight"])
    if method in ("call", "compute") or name == "SoftmaxLoss":
        if "temperature" in args:
            options["temperature"] = args["temperature"]
    elif name not in POINTWISE:
        options["temperature"] = 1.0  # compute_per_list and compute_unreduced_loss apply none
    if name in PAIRWISE + POINTWISE:
        by_nonzero = case["inputs"].get("reduction") == "weighted_sum_by_nonzero_weights"
        options["normalizer"] = "valid" if by_nonzero else "none" if reduction == "sum" else "list_size"
    if name == "SoftmaxLoss":
        options["targets"] = "unnormalized" if method in ("call", "compute") else "normalized"
    return getattr(tfrank.losses, CLASSES.get(name, name))(**options)


def tfrank_value(case):
    method = case["method"]
    if method in ("pair_weights", "individual_weights"):
        value = _lambda_weights(case)
    else:
        labels, scores, weights, mask = _inputs(case)
        loss = _loss(case)
        y_true = labels if mask is None else {"labels": labels, "mask": mask}
        if method in ("compute_per_list", "compute_unreduced_loss"):
            weights = None  # TF-Ranking reports these losses without their weights
        value = np.asarray(loss(y_true, scores, sample_weight=weights), np.float64)
    for op, arg in case["ops"]:
        value = value / arg if op == "divide" else value * arg if op == "multiply" else value[arg]
    return value


def _lambda_weights(case):
    import tensorflow as tf

    weight = lambda_weight({"class": case["loss"], "args": case["args"]})
    labels = np.asarray(case["inputs"]["labels"], np.float32)
    ranks = np.asarray(case["inputs"]["ranks"], np.float32)
    if case["method"] == "pair_weights":
        return np.asarray(weight.pair_weights(labels, ranks), np.float64)
    clean = tf.constant(np.maximum(labels, 0.0))
    context = weight.context(clean, None, tf.fill([labels.shape[0]], float(labels.shape[1])))
    return np.asarray(weight.individual_weights(clean[:, None, :], ranks[:, None, :], context), np.float64)[:, 0]


def evaluate():
    """``(case, expressible, agrees or None)`` for every case."""
    register_functions()
    rows = []
    for case in load():
        if case.get("expressible", True) is False:
            rows.append((case, False, None))
            continue
        expected = np.asarray(case["expected"], np.float64)
        ours = np.reshape(tfrank_value(case), expected.shape)
        tolerance = case["tolerance"]
        rows.append((case, True, bool(np.allclose(ours, expected, rtol=tolerance["rtol"],
                                                  atol=max(tolerance["atol"], FLOOR)))))
    return rows


def summary(rows):
    """Markdown table: loss or lambda weight -> cases, agree, not expressible."""
    lines = ["| TF-Ranking loss / lambda weight | cases | agree | not expressible |", "|---|---:|---:|---:|"]
    for name in sorted({row[0]["loss"] for row in rows}):
        mine = [row for row in rows if row[0]["loss"] == name]
        agree = sum(1 for row in mine if row[2])
        lines.append(f"| {name} | {len(mine)} | {agree} | {sum(1 for row in mine if not row[1])} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, HERE)
    results = evaluate()
    for case, expressible, agree in results:
        if expressible and not agree:
            print(f"{case_id(case)}: tfrank {tfrank_value(case)} expected {case['expected']}")
    print(summary(results))
