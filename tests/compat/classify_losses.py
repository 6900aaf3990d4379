"""Which of TF-Ranking's recorded loss cases tfrank can express, decided from each case's
inputs alone (never from tfrank's output), with the reason when it cannot."""

import numpy as np

LOSSES = ("PairwiseHingeLoss", "PairwiseLogisticLoss", "PairwiseSoftZeroOneLoss", "PairwiseMSELoss", "SoftmaxLoss",
          "UniqueSoftmaxLoss", "SigmoidCrossEntropyLoss", "MeanSquaredLoss", "ListMLELoss", "ApproxNDCGLoss",
          "ApproxMRRLoss", "GumbelApproxNDCGLoss", "NeuralSortCrossEntropyLoss")
LAMBDA_WEIGHTS = ("LabelDiffLambdaWeight", "DCGLambdaWeight", "NDCGLambdaWeight", "PrecisionLambdaWeight",
                  "ListMLELambdaWeight")
PAIRWISE = LOSSES[:4]
POINTWISE = ("SigmoidCrossEntropyLoss", "MeanSquaredLoss")
PROBES = {"gain_fn": [0.0, 1.0, 2.0, 3.0], "rank_discount_fn": [1.0, 2.0, 3.0, 4.0], "positive_fn": [0.0, 0.5, 1.0, 2.0]}
GAINS = {(0.0, 1.0, 2.0, 3.0): "linear", (0.0, 1.0, 3.0, 7.0): "exponential"}
DISCOUNTS = {(1.0, 0.5, 0.333333, 0.25): "reciprocal", (1.0, 0.63093, 0.5, 0.430677): "log2",
             (1.442695, 0.910239, 0.721348, 0.621335): "tfrank_compat>inverse_log1p",
             (3.0, 1.0, 0.0, -0.5): "tfrank_compat>two_to_three_minus_rank_minus_one"}


def lambda_options(record):
    """``(tfrank class name, options)`` of a recorded lambda weight, or ``(None, reason)``."""
    name, args = record["class"], dict(record["args"])
    if name not in LAMBDA_WEIGHTS:
        return None, f"{name}: no tfrank counterpart (tfrank has {', '.join(LAMBDA_WEIGHTS)})"
    options = {}
    if args.get("topn") is not None:
        options["k"] = args.pop("topn")
    args.pop("topn", None)
    for key, option, table in (("gain_fn", "gain", GAINS), ("rank_discount_fn", "discount", DISCOUNTS)):
        if key in args:
            values = tuple(args.pop(key)["values"])
            if values not in table:
                return None, f"{key} with values {list(values)} at {PROBES[key]}: no tfrank function for it"
            options[option] = table[values]
    if "positive_fn" in args:
        if tuple(args.pop("positive_fn")["values"]) != (0.0, 0.0, 1.0, 1.0):
            return None, "positive_fn other than label >= 1"
    options.update(args)
    return name, options


def _dense(values):
    """A recorded (possibly ragged) 2-d list as a padded array and its row lengths."""
    rows = [list(np.ravel(row)) for row in values]
    width = max(len(row) for row in rows)
    return np.array([row + [np.nan] * (width - len(row)) for row in rows], np.float64), [len(r) for r in rows]


def _valid(case):
    labels, lengths = _dense(case["inputs"]["labels"])
    valid = ~np.isnan(labels) & (np.nan_to_num(labels, nan=-1.0) >= 0)
    if case["inputs"].get("mask") is not None:
        valid &= np.asarray(case["inputs"]["mask"], bool)
    return labels, valid


def _ties(values, valid):
    return any(len(set(row[ok].tolist())) < int(ok.sum()) for row, ok in zip(values, valid))


def classify(case):
    """None when tfrank expresses the case, else the reason."""
    name, method, args = case["loss"], case["method"], case["args"]
    if method == "utility":
        return f"{name}: a TF-Ranking internal with no tfrank counterpart (checked through the losses that use it)"
    if name in LAMBDA_WEIGHTS:
        cls, options = lambda_options({"class": name, "args": args})
        if cls is None:
            return options
        if method == "individual_weights" and name not in ("DCGLambdaWeight", "NDCGLambdaWeight"):
            return f"{name}.individual_weights: only the DCG weights give item weights in tfrank"
        return None
    if args.get("lambda_weight") is not None:
        cls, reason = lambda_options(args["lambda_weight"])
        if cls is None:
            return reason
    if method == "normalize_weights":
        return "normalize_weights: TF-Ranking's internal weight normalisation (tfrank applies it inside each value)"
    if method == "compute_per_list" and (case["output"] == "weights" or name in PAIRWISE + POINTWISE + ("SoftmaxLoss",)):
        return (f"compute_per_list's {case['output']} of {name}: the estimator API's split of each list into a mean "
                "and a weight; tfrank reports each list's weighted value")
    if method == "compute_unreduced_loss" and (name in PAIRWISE + POINTWISE or case["output"] != "weighted_losses"):
        if not (name == "SoftmaxLoss" and case["output"] == "losses"):
            return f"compute_unreduced_loss of {name}: per item or per pair values (tfrank's are per list)"
    reduction = case["inputs"].get("reduction")
    if method == "compute" and reduction not in ("weighted_sum",):
        batch = len(case["inputs"]["labels"])
        single = batch == 1 and case["inputs"]["weights"] is None and name not in PAIRWISE
        if not (reduction == "weighted_sum_by_nonzero_weights" and single):
            return (f"the estimator API's tf.compat.v1 reduction {reduction!r}: it divides by a count of the batch's "
                    "non-zero weights (pairs, items or lists); tfrank's reductions are Keras'")
    if name == "GumbelApproxNDCGLoss":
        return "samples its noise with TensorFlow's stateful tf.random.uniform: tfrank's draws differ"
    labels, valid = _valid(case)
    if name == "ListMLELoss" and _ties(labels, valid):
        return "tied labels: TF-Ranking orders them at random (tf.random), tfrank by score"
    if name == "SigmoidCrossEntropyLoss" and np.nanmax(labels) > 1:
        return "a label above 1: TF-Ranking takes it as the target itself, tfrank as 1 (min(y, 1))"
    if args.get("lambda_weight") is not None:
        scores, _ = _dense(case["inputs"]["predictions"])
        if _ties(scores, valid):
            return "tied scores under a lambda weight: TF-Ranking ranks ties at random (tf.random), tfrank by index"
    return None


