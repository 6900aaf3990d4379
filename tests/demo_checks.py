"""What every `tfrank demo` task's trial comparison must hold (shared by tests/test_cli.py and
tests/test_retrieval_demo.py, which check it on the runs they already make)."""

import pytest

KEYS = {"metric", "test", "correction", "n", "unit", "confidence", "alpha", "rows", "split", "verdict", "note",
        "seconds"}


def check_comparison(search, printed, *, metric, unit, test, n):
    """``search``: one search's summary from results.json; ``printed``: the demo's standard output."""
    comparison = search["trial_comparison"]
    assert set(comparison) == KEYS
    assert (comparison["metric"], comparison["unit"], comparison["test"], comparison["n"]) == (metric, unit, test, n)
    assert comparison["correction"] == "holm" and comparison["alpha"] == 0.05
    # Plain words on which split this is, and the winner's curse.
    assert comparison["split"].startswith("validation split")
    assert "the validation split the search selected on" in comparison["note"]
    assert "winner's curse" in comparison["note"] and "held-out" in comparison["note"]
    for text in (comparison["verdict"], comparison["note"], f"| trial | {metric} | 95% CI | difference from best |"):
        assert text in printed

    # The rows are the top trials (at most 5), best first, each with what the search recorded.
    trials = {trial["trial"]: trial for trial in search["trials"] if trial["score"] is not None}
    rows = comparison["rows"]
    assert len(rows) == min(5, len(trials)) and int(rows[0]["trial_id"]) == search["best_trial"]
    shown = [int(row["trial_id"]) for row in rows]
    scores = [trials[t]["score"] for t in shown]
    assert scores == sorted(scores, reverse=True)
    assert all(trial["score"] <= scores[-1] for t, trial in trials.items() if t not in shown)
    for row, t in zip(rows, shown):
        assert row["score"] == trials[t]["score"] and row["hyperparameters"] == trials[t]["hyperparameters"]
        # Each trial's restored model (its best epoch) scores on the validation split what the search
        # recorded there: the comparison re-evaluates the same models on the same data.
        assert row["value"] == pytest.approx(trials[t]["score"], abs=1e-5)
        assert row["ci"][0] <= row["ci"][1]
    best = rows[0]
    assert best["tied_with_best"] and best["p_value"] is None and best["difference"] == 0.0
    for row in rows[1:]:
        assert 0.0 <= row["p_raw"] <= row["p_value"] <= 1.0  # Holm never lowers a p-value
        assert row["tied_with_best"] == (row["p_value"] >= 0.05)
        assert row["difference"] == pytest.approx(row["value"] - best["value"], abs=1e-12)
    if len(rows) > 1 and all(row["tied_with_best"] for row in rows[1:]):
        assert "cannot tell" in comparison["verdict"] and "after Holm correction" in comparison["verdict"]
    return comparison


def check_drawn(ax, search):
    """The comparison's panel: titled with its search, the best trial starred at its value."""
    comparison = search["trial_comparison"]
    assert search["objective"] in ax.get_title() and comparison["metric"] in ax.get_title()
    best = ax.containers[0]  # the first errorbar drawn: the best trial
    assert best.get_label() == "best"
    assert list(best.lines[0].get_ydata()) == pytest.approx([comparison["rows"][0]["value"]])
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [row["trial_id"] for row in comparison["rows"]]
