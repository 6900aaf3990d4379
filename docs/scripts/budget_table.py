"""Measures the table in the README budget section: thresholded Keras metrics vs budget metrics.

Trains the same small model on tfrank.apps.fraud.load_fraud() with and without the balanced
class_weight of the fraud tutorial (seed 002) and reports, on the validation split, what
Keras' thresholded metrics and tfrank's budget metrics say. Run:
``python docs/scripts/budget_table.py`` (about a minute on a 2-core CPU VM).
"""

import os


def run(class_weight, data, seed=0):
    import keras
    import numpy as np

    import tfrank

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((30,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")]
    )
    metrics = [
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
        keras.metrics.PrecisionAtRecall(0.75, name="precision_at_recall_75"),
        tfrank.PrecisionAtBudget(budget=10),
        tfrank.RecallAtBudget(budget=10),
    ]
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=metrics)
    history = model.fit(
        data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), epochs=30, batch_size=32,
        class_weight=class_weight, verbose=0,
    )
    logs = {k: v[-1] for k, v in history.history.items() if k.startswith("val_")}
    scores = model.predict(data.x_val, verbose=0).reshape(-1)
    logs["alerts_at_0.5"] = int(np.sum(scores > 0.5))
    # Exact precision at recall >= 0.75: best precision over every cut of the sorted scores.
    order = np.argsort(-scores, kind="stable")
    hits = np.cumsum(data.y_val[order])
    precision, recall = hits / np.arange(1, len(order) + 1), hits / hits[-1]
    logs["exact_precision_at_recall_75"] = float(precision[recall >= 0.75].max())
    return logs


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tfrank.apps.fraud import load_fraud

    data = load_fraud()
    print(f"validation: {len(data.y_val)} examples, {int(data.y_val.sum())} positives")
    rows = {"no class_weight": run(None, data), "balanced class_weight": run(data.class_weight, data)}
    keys = list(next(iter(rows.values())))
    print("| | " + " | ".join(rows) + " |\n|---|" + "---|" * len(rows))
    for key in keys:
        print(f"| {key} | " + " | ".join(f"{row[key]:.3f}" if isinstance(row[key], float) else str(row[key]) for row in rows.values()) + " |")


if __name__ == "__main__":
    main()
