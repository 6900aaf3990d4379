"""tfrank bench --sections threshold, tiny: the rows exist, tfrank's result() agrees with scikit-learn."""

import numpy as np

from tfrank.bench import threshold, timing


def test_threshold_section_rows_and_table():
    limits = timing.Limits(repeats=1, min_sample=0.0, budget=0.01)
    rng = np.random.default_rng(0)
    update = threshold._update_rows({"batches": (64,)}, limits, lambda _: None, rng)
    result = threshold._result_rows({"examples": (1_000,)}, limits, lambda _: None, rng)
    assert [(row["batch"], row["metric"]) for row in update] == [(64, "roc_auc"), (64, "precision_at_recall_80")]
    assert [(row["examples"], row["metric"]) for row in result] == [(1_000, "roc_auc"), (1_000, "average_precision")]
    assert all(row["agree"] is True for row in result)  # the same value as scikit-learn, to 1e-5
    for row in update + result:
        ratios = row.get("tfrank_over_keras") or row["tfrank_over_sklearn"]
        assert set(ratios) == {"graph", "xla"} and all(r > 0 for r in ratios.values())
    # The fit rows (four models trained twice) are left to the real run; the table takes them as given.
    fit = [{"train": 256, "val": 128, "batch": 128, "steps": 2,
            "over_metrics_off": {"tfrank": 3.0, "tfrank_per_epoch": 1.1, "keras": 1.2}}]
    text = "\n".join(threshold.table({"update": update, "result": result, "fit": fit}))
    assert "| 1,000 | `average_precision` |" in text and "| 256 | 128 | 128 | 2 | 3.00 | 1.10 | 1.20 |" in text
