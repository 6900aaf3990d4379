"""`tfrank` command line: help, bad options (exit code 2), and the results of a tiny demo run.

The console command is `tfrank_cli.command.main` (parses before TensorFlow loads); `tfrank.cli.main`
runs the same parser (`tfrank_cli.parse`) in-process. The help and bad-option tables run through both.
"""

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from demo_checks import check_comparison, check_drawn

import tfrank
import tfrank.tuners
import tfrank_cli
from tfrank.apps import cli, data, demo, fraud, report
from tfrank import reference
from tfrank.bench import impls
from tfrank.tuning import objective as tuner
from tfrank_cli import command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tfrank_cli.__file__)))  # the repository (or site-packages)


@pytest.fixture(params=["console", "in-process"])
def entry(request):
    return command.main if request.param == "console" else cli.main


def _exit_code(argv, capsys, main=cli.main):
    with pytest.raises(SystemExit) as info:
        main(argv)
    return info.value.code, capsys.readouterr()


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help(argv, capsys, entry):
    code, out = _exit_code(argv, capsys, entry)
    assert code == 0
    assert "usage: tfrank" in out.out
    if argv[0] == "demo":
        for option in ("--task", "--max-trials", "--epochs", "--out", "--k", "--seed", "--dataset", "--compare",
                       "--resume", "--budget", "--loss"):
            assert option in out.out


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "the following arguments are required: {demo,bench}"),
        (["fly"], "invalid choice: 'fly'"),
        (["demo", "--max-trials", "0"], "argument --max-trials: must be a positive int, got '0'"),
        (["demo", "--epochs", "two"], "argument --epochs: must be a positive int, got 'two'"),
        (["demo", "--k", "1.5"], "argument --k: must be a positive int, got '1.5'"),
        (["demo", "--seed", "x"], "argument --seed: invalid int value: 'x'"),
        (["demo", "--dataset", "mnist"], "argument --dataset: must be 'digits' (scikit-learn's bundled images"),
        (["demo", "--dataset", "tfds:"], "argument --dataset: must be 'digits'"),
        (["demo", "--compare", "grid"], "argument --compare: invalid choice: 'grid' (choose from"),
        (["demo", "--metric", "auc"], "argument --metric: invalid choice: 'auc'"),
        (["demo", "--loss", "hinge"], "argument --loss: invalid choice: 'hinge' (choose from 'softmax', 'sigmoid'"),
        (["demo", "--task", "fraud", "--loss", "softmax"], "--loss does not apply to --task fraud"),
        (["demo", "--task", "retrieval", "--loss", "list_mle"], "--loss does not apply to --task retrieval"),
        (["demo", "--trials", "3"], "unrecognized arguments: --trials 3"),
        (["demo", "--task", "churn"], "argument --task: invalid choice: 'churn'"),
        (["demo", "--budget", "0"], "argument --budget: must be a positive int, got '0'"),
        (["demo", "--budget", "5"], "--budget does not apply to --task ranking"),
        (["demo", "--objective", "roc_auc"], "--objective does not apply to --task ranking"),
        (["demo", "--task", "fraud", "--objective", "auc"], "argument --objective: invalid choice: 'auc' (choose from"),
        (["demo", "--task", "fraud", "--k", "5", "--compare", "random"], "--k, --compare does not apply to --task fraud"),
        (["demo", "--task", "retrieval", "--metric", "ndcg", "--budget", "3"],
         "--metric, --budget does not apply to --task retrieval"),
        (["demo", "--task", "retrieval", "--max-lists", "5", "--compare", "random"],
         "--compare, --max-lists does not apply to --task retrieval"),
        (["demo", "--task", "retrieval", "--dataset", "tfds:mslr_web/10k_fold1"],
         "argument --dataset: --task retrieval takes 'digits' or 'tfds:movielens/100k-ratings', got 'tfds:mslr_web"),
        (["demo", "--task", "retrieval", "--k", "0"], "argument --k: must be a positive int, got '0'"),
    ],
)
def test_bad_options_exit_2_with_a_clear_message(argv, message, capsys, entry):
    code, out = _exit_code(argv, capsys, entry)
    assert code == 2
    assert message in out.err
    assert "Traceback" not in out.err


# === The console command parses before importing TensorFlow, and keeps its logs quiet ===

LAUNCH = """
import json, sys
from tfrank_cli.command import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "tensorflow": "tensorflow" in sys.modules,
                  "tfrank": any(name == "tfrank" or name.startswith("tfrank.") for name in sys.modules)}))
"""


# Writes a line to standard error (file descriptor 2) as the import of TensorFlow starts, as
# TensorFlow's own C++ start-up lines are written (oneDNN, CPU features: which of them, if
# any, depends on the build and the machine), so that the test does not depend on them.
LOUD_IMPORT = """
import importlib.abc, os, sys
class Loud(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "tensorflow":
            sys.meta_path.remove(self)
            os.write(2, b"a start-up line of the tensorflow import\\n")
        return None
sys.meta_path.insert(0, Loud())
"""
# A line in absl's log format ("I0000 00:00:... port.cc:153] oneDNN custom operations are on").
ABSL_LINE = re.compile(r"^[IWEF]\d{4} |^WARNING: All log messages before absl", re.MULTILINE)


def _launch(*argv, env=None, script=LAUNCH):
    env = dict(os.environ if env is None else env, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("argv, code, shown", [
    (["--help"], 0, "usage: tfrank [-h] [--verbose] {demo,bench}"),
    (["demo", "--help"], 0, "--max-trials MAX_TRIALS"),
    (["demo", "--max-trials", "0"], 2, "argument --max-trials: must be a positive int, got '0'"),
    (["demo", "--task", "fraud", "--k", "3"], 2, "--k does not apply to --task fraud"),
    (["demo", "--task", "retrieval", "--metric", "map"], 2, "--metric does not apply to --task retrieval"),
    (["demo", "--task", "retrieval", "--dataset", "tfds:x"], 2, "--task retrieval takes 'digits' or"),
    (["fly"], 2, "invalid choice: 'fly'"),
    (["bench", "--help"], 0, "--retrieval-items RETRIEVAL_ITEMS"),
    (["bench", "--verbose", "--help"], 0, "--sections SECTIONS"),
    (["bench", "--sections", "cases,nope"], 2, "argument --sections: must be a comma-separated list of"),
    (["bench", "--items", "0"], 2, "argument --items: must be a positive int, got '0'"),
    (["bench", "--impls", "numpy"], 2, "argument --impls: must be a comma-separated list of read_pass, tfrank"),
    (["bench", "--fly"], 2, "unrecognized arguments: --fly"),
])
def test_help_and_bad_options_answer_without_tensorflow(argv, code, shown):
    done = _launch(*argv)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Not even tfrank's package is imported (it imports TensorFlow), nor a stand-in for it.
    assert result == {"code": code, "tensorflow": False, "tfrank": False}
    assert shown in done.stdout + done.stderr


def test_tensorflow_start_up_logs_hidden_unless_verbose(tmp_path):
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    # --device gpu on a machine without a GPU: TensorFlow loads, then tfrank stops with its message.
    argv = ("bench", "--device", "gpu", "--quick", "--out", str(tmp_path))
    quiet = _launch(*argv, env=env, script=LOUD_IMPORT + LAUNCH)
    assert json.loads(quiet.stdout.strip().splitlines()[-1]) == {"code": 2, "tensorflow": True, "tfrank": True}
    assert quiet.stderr.startswith("tfrank bench: --device gpu, but TensorFlow")  # nothing before it
    assert "a start-up line of the tensorflow import" not in quiet.stderr
    assert not ABSL_LINE.search(quiet.stderr)  # whatever TensorFlow logs on this build: nothing shows
    verbose = _launch("--verbose", *argv, env=env, script=LOUD_IMPORT + LAUNCH)
    assert json.loads(verbose.stdout.strip().splitlines()[-1]) == {"code": 2, "tensorflow": True, "tfrank": True}
    assert verbose.stderr.startswith("a start-up line of the tensorflow import\n")  # what was hidden above
    assert "tfrank bench: --device gpu, but TensorFlow" in verbose.stderr


@pytest.mark.parametrize("choices, source", [
    (tfrank_cli.demo.CUTOFF_BASES, tuner.CUTOFF_BASES),  # demo --metric: tfrank's cut-off metrics
    (tfrank_cli.demo.LOSSES, tuple(tfrank.losses.LOSSES)),  # demo --loss: tfrank's losses
    (tfrank_cli.bench.IMPLS, tuple(impls.BY_NAME)),  # bench --impls: the implementations compared
    (tfrank_cli.demo.FRAUD_OBJECTIVES, fraud.OBJECTIVES),  # demo --task fraud --objective
], ids=["metric", "loss", "impls", "fraud-objective"])
def test_option_choices_are_the_names_tfrank_knows(choices, source):
    assert choices == source


def test_bench_subcommand_is_registered():
    subcommands = tfrank_cli.parser()._subparsers._group_actions[0].choices
    assert {"demo", "bench"} <= set(subcommands)


@pytest.mark.parametrize("task", sorted(tfrank_cli.demo.TASK_OPTIONS))
def test_each_task_writes_to_its_own_folder_and_out_is_taken_as_given(task):
    assert tfrank_cli.parse(["demo", "--task", task]).out == os.path.join("tfrank-demo", task)
    assert tfrank_cli.parse(["demo", "--task", task, "--out", "runs/x"]).out == "runs/x"
    assert tfrank_cli.parse(["demo", "--task", task, "--resume"]).out == os.path.join("tfrank-demo", task)


def _figures(monkeypatch):
    """The figures the demo draws (report.figure's), kept for the test to read."""
    figures, draw = [], report.figure
    monkeypatch.setattr(report, "figure", lambda *args, **kwargs: figures.append(draw(*args, **kwargs)) or figures[-1])
    return figures


def test_demo_writes_results_and_plot(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    # A non-default loss (tfrank.losses.LOSSES["pairwise_hinge"]) trains every trial of both searches.
    argv = ["demo", "--max-trials", "2", "--epochs", "1", "--max-lists", "64", "--out", str(out), "--compare", "random",
            "--loss", "pairwise_hinge"]
    figures = _figures(monkeypatch)
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "[bayesian] trial 0 (1 of 2)" in printed and "[random] trial 1 (2 of 2)" in printed
    assert "| trial | layers | units | dropout | learning_rate | val_precision_at_3 | best so far |" in printed
    assert "loss tfrank.losses.PairwiseHingeLoss" in printed

    results = json.loads((out / "results.json").read_text())
    assert results["objective"] == "val_precision_at_3" and results["direction"] == "max"
    assert results["tuner"] == "bayesian" and results["num_initial_points"] == 1 and results["loss"] == "pairwise_hinge"
    for search in (results, results["compare"]["random"]):
        scores = [trial["score"] for trial in search["trials"]]
        assert [trial["trial"] for trial in search["trials"]] == [0, 1]
        assert all(trial["status"] == "COMPLETED" for trial in search["trials"])
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert search["best_score"] == max(scores)
        best = search["trials"][search["best_trial"]]
        assert best["score"] == search["best_score"] and best["hyperparameters"] == search["best_hyperparameters"]
        assert set(search["best_hyperparameters"]) == {"layers", "units", "dropout", "learning_rate"}
        check_comparison(search, printed, metric="precision_at_3", unit="lists", test="randomization", n=64)
    assert set(results["baselines"]) == {"random scores (expected)", "L1 pixel distance (untrained)"}
    assert (out / "tuner" / "bayesian").is_dir() and (out / "tuner" / "random").is_dir()
    assert (out / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # One panel for the shared objective, then one comparison panel per search.
    assert len(figures[0].axes) == 3
    check_drawn(figures[0].axes[1], results)
    check_drawn(figures[0].axes[2], results["compare"]["random"])

    # The search reloaded: its models were trained with the loss asked for, and compare_trials on
    # the same validation lists gives the rows results.json holds.
    lists = data.load_digits(seed=0, max_lists=64)
    _, tuner = demo.search(lists, loss="pairwise_hinge", max_trials=2, epochs=1, out=str(out), resume=True)
    best_trial = tuner.oracle.get_best_trials(1)[0]
    assert isinstance(tuner.load_model(best_trial).loss, tfrank.losses.PairwiseHingeLoss)
    again = tfrank.tuners.compare_trials(tuner, lists.x_val, lists.y_val, seed=0, batch_size=256).to_json()
    assert [dict(row, trial_id=str(int(row["trial_id"]))) for row in again["rows"]] == results["trial_comparison"]["rows"]

    # --resume with the same --out continues both searches: only trial 2 runs, 0 and 1 are kept.
    argv[argv.index("--max-trials") + 1] = "3"
    assert cli.main([*argv, "--resume"]) == 0
    printed = capsys.readouterr().out
    assert "[bayesian] trial 2 (3 of 3)" in printed and "trial 0 (" not in printed and "trial 1 (" not in printed
    resumed = json.loads((out / "results.json").read_text())
    for before, after in ((results, resumed), (results["compare"]["random"], resumed["compare"]["random"])):
        assert [trial["trial"] for trial in after["trials"]] == [0, 1, 2]
        assert after["trials"][:2] == before["trials"]


# The second search's objective, and the metrics the two selected models are compared on: the
# searches' objectives first, then the other dataset-level metrics every trial logs.
FRAUD_RUNS = {
    "precision_at_budget": ("val_precision_at_budget_8",
                            ["precision_at_budget_8", "recall", "precision_at_recall_80", "roc_auc", "average_precision"]),
    "precision_at_recall_80": ("val_precision_at_recall_80",
                               ["precision_at_recall_80", "recall", "precision_at_budget_8", "roc_auc", "average_precision"]),
}


@pytest.mark.parametrize("objective", list(FRAUD_RUNS))
def test_fraud_demo_compares_recall_and_a_dataset_level_objective(objective, tmp_path, capsys, monkeypatch):
    out = tmp_path / "fraud"
    argv = ["demo", "--task", "fraud", "--max-trials", "2", "--epochs", "3", "--budget", "8", "--out", str(out)]
    if objective != "precision_at_budget":  # the default
        argv += ["--objective", objective]
    name, compared = FRAUD_RUNS[objective]
    figures = _figures(monkeypatch)
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert f"[{name}] trial 0 (1 of 2)" in printed and "[val_recall] trial 1 (2 of 2)" in printed
    assert f"BayesianOptimization on val_recall and {name}," in printed
    assert ("| objective | best_trial | trials_tied_at_best | val_recall | val_precision | alerts_at_0.5 | "
            "val_precision_at_budget_8 | val_recall_at_budget_8 | val_precision_at_recall_80 | val_roc_auc | "
            "val_average_precision |") in printed

    results = json.loads((out / "results.json").read_text())
    assert results["task"] == "fraud" and results["budget"] == 8 and results["epochs"] == 3
    searches = [results, results["compare"]["val_recall"]]
    assert [s["objective"] for s in searches] == [name, "val_recall"]
    for search in searches:
        assert all(trial["status"] == "COMPLETED" for trial in search["trials"]) and len(search["trials"]) == 2
        assert search["best_score"] == max(trial["score"] for trial in search["trials"])
        selected = search["selected"]
        assert selected["objective"] == search["objective"] and selected["best_trial"] == search["best_trial"]
        # The selected (restored) model, evaluated on the whole validation split in one batch,
        # scores what the tuner recorded for its best epoch: the metrics are exact over the set.
        assert selected[search["objective"]] == pytest.approx(search["best_score"], abs=1e-6)
        assert set(search["best_hyperparameters"]) == {
            "neurons1", "dropout_rate1", "neurons2", "dropout_rate2", "learning_rate"}
        for metric in compared:  # every trial logs the budget and the threshold metrics
            assert 0.0 <= selected["val_" + metric] <= 1.0
    assert f"| {name} |" in results["comparison"] and "| val_recall |" in results["comparison"]
    assert (out / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Each search's trials compared on its own objective, by the paired bootstrap over the 151
    # validation examples (8 positives), and drawn under that search's panel.
    for search, metric, ax in zip(searches, [compared[0], "recall"], figures[0].axes[2:]):
        comparison = check_comparison(search, printed, metric=metric, unit="examples", test="bootstrap", n=151)
        assert comparison["split"] == "validation split (151 examples, 8 positives)"
        check_drawn(ax, search)
    assert len(figures[0].axes) == 4
    # The two selected models against each other, on the objectives' and the other dataset-level
    # metrics: the values are what Keras' evaluate gave each selected model (the table above), a
    # minus b; ROC AUC by DeLong's test, the others by the bootstrap.
    first_choice, recall_choice = (search["selected"] for search in searches)
    selected = results["selected_comparison"]
    assert [row["metric"] for row in selected["rows"]] == compared
    for row in selected["rows"]:
        assert (row["a"], row["b"]) == (name, "val_recall")
        assert row["test"] == ("delong" if row["metric"] == "roc_auc" else "bootstrap")
        assert row["value_a"] == pytest.approx(first_choice["val_" + row["metric"]], abs=1e-6)
        assert row["value_b"] == pytest.approx(recall_choice["val_" + row["metric"]], abs=1e-6)
        assert row["difference"] == pytest.approx(row["value_a"] - row["value_b"], abs=1e-12)
        assert row["ci"][0] <= row["ci"][1] and 0.0 < row["p_value"] <= 1.0
    assert selected["test"] == "bootstrap and delong"
    assert selected["n"] == 151 and selected["verdict"] in printed


def test_demo_reports_missing_tfds_data_without_a_traceback(tmp_path, capsys):
    argv = ["demo", "--dataset", "tfds:mslr_web/10k_fold1", "--data-dir", str(tmp_path), "--out", str(tmp_path)]
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "is not prepared in" in err and str(tmp_path) in err
    assert "tfds.load('mslr_web/10k_fold1'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "scores, expected",
    [([0.2, None, 0.5, 0.4], [0.2, 0.2, 0.5, 0.5]), ([None, 0.1], [None, 0.1]), ([], [])],
)
def test_best_so_far(scores, expected):
    assert report.best_so_far(scores) == expected


def test_baselines_are_the_untrained_rankings():
    lists = data.load_digits(seed=3, max_lists=40)
    values = demo.baselines(lists, "precision", 3)
    # In a random order each item is in the top 3 with probability 3/N: E[P@3] = n_rel / N.
    n_rel, n_items = (lists.y_val > 0).sum(axis=1), lists.y_val.shape[1]
    assert values["random scores (expected)"] == pytest.approx(np.mean(n_rel / n_items), rel=1e-5)
    pixels = lists.x_val.shape[-1] // 2
    distance = -lists.x_val[..., pixels:].sum(axis=-1)
    expected = reference.weighted_mean(reference.precision_at_k(lists.y_val, distance, 3, label_format="dense"))
    assert values["L1 pixel distance (untrained)"] == pytest.approx(expected, rel=1e-5)


def test_readme_quotes_the_baselines_of_the_default_data():
    values = demo.baselines(data.load_digits(seed=0), "precision", 3)
    assert round(values["random scores (expected)"], 3) == 0.227
    assert round(values["L1 pixel distance (untrained)"], 3) == 0.775


def test_an_unknown_fraud_objective_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"objective must be one of 'precision_at_budget', 'precision_at_recall_80', .*got objective='auc'"):
        fraud.objective_names(10, "auc")
