"""Measures the table of docs/threshold.md: Keras' binned threshold metrics against the exact ones.

Synthetic fraud scores (100,000 examples, 1% positives, seed 0): a confident model's
logits and its probabilities (the sigmoid of the logits, piled up near 0 and 1), and the
well-spread probabilities of a weaker model as a control. For each, Keras' metrics with
their default 200 thresholds, tfrank's exact ones and scikit-learn's. Run:
``python docs/scripts/threshold_table.py`` (about half a minute on a 2-core CPU VM).
"""

import os

N, POSITIVE_RATE, SEED = 100_000, 0.01, 0


def scores():
    import numpy as np

    rng = np.random.default_rng(SEED)
    y = (rng.random(N) < POSITIVE_RATE).astype(np.float32)
    # A confident model: most negatives below probability 0.005, most positives above 0.995.
    logits = (8.0 * (2.5 * y + rng.normal(size=N) - 1.0)).astype(np.float32)
    weak = y + rng.normal(size=N)
    piled = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)
    return y, {"logits": logits, "probabilities near 0 and 1": piled,
               "spread probabilities (a weaker model)": (1.0 / (1.0 + np.exp(-weak))).astype(np.float32)}


def shares(y, s):
    """Negatives below 0.005 and positives above 0.995 (Keras' first and last of 200 buckets)."""
    return float((s[y == 0] < 0.005).mean()), float((s[y == 1] > 0.995).mean())


def sklearn_values(y, s):
    import numpy as np
    from sklearn import metrics

    precision, recall, _ = metrics.precision_recall_curve(y, s)
    fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)

    def best(x, bound_of, bound):
        return float(np.max(x[bound_of >= bound], initial=0.0))

    return {
        "roc_auc": metrics.roc_auc_score(y, s),
        "average_precision": metrics.average_precision_score(y, s),
        "precision_at_recall_80": best(precision, recall, 0.8),
        "recall_at_precision_90": best(recall, precision, 0.9),
        "sensitivity_at_specificity_95": best(tpr, 1 - fpr, 0.95),
        "specificity_at_sensitivity_90": best(1 - fpr, tpr, 0.9),
    }


def pairs():
    """log name -> (Keras' binned metric, tfrank's exact one), built fresh per score form."""
    import keras

    import tfrank

    return {
        "roc_auc": (keras.metrics.AUC(), tfrank.ROCAUC()),
        "average_precision": (keras.metrics.AUC(curve="PR"), tfrank.AveragePrecision()),
        "precision_at_recall_80": (keras.metrics.PrecisionAtRecall(0.8), tfrank.PrecisionAtRecall(0.8)),
        "recall_at_precision_90": (keras.metrics.RecallAtPrecision(0.9), tfrank.RecallAtPrecision(0.9)),
        "sensitivity_at_specificity_95": (keras.metrics.SensitivityAtSpecificity(0.95),
                                          tfrank.SensitivityAtSpecificity(0.95)),
        "specificity_at_sensitivity_90": (keras.metrics.SpecificityAtSensitivity(0.9),
                                          tfrank.SpecificityAtSensitivity(0.9)),
    }


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    y, forms = scores()
    print(f"{N:,} examples, {int(y.sum()):,} positives, seed {SEED}; probabilities near 0 and 1: "
          "{:.0%} of negatives below 0.005, {:.0%} of positives above 0.995".format(
              *shares(y, forms["probabilities near 0 and 1"])))
    print("| scores | metric | Keras, 200 thresholds | exact (tfrank) | scikit-learn | Keras − exact |")
    print("|---|---|---:|---:|---:|---:|")
    for form, s in forms.items():
        expected = sklearn_values(y, s)
        for name, (binned, exact) in pairs().items():
            for metric in (binned, exact):
                for a in range(0, N, 4_096):  # streamed in batches, as in fit
                    metric.update_state(y[a:a + 4_096], s[a:a + 4_096])
            keras_value, ours = float(binned.result()), float(exact.result())
            print(f"| {form} | `{name}` | {keras_value:.4f} | {ours:.4f} | {expected[name]:.4f} | "
                  f"{keras_value - ours:+.4f} |")
    auc = keras.metrics.AUC(from_logits=True)
    auc.update_state(y, forms["logits"])
    print(f"\nKeras AUC(from_logits=True) on the logits: {float(auc.result()):.4f}")


if __name__ == "__main__":
    main()
