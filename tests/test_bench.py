"""Smoke test of the benchmark harness (`tfrank bench --quick`): outputs and agreement, no timings.

A benchmark that compares wrong answers is worthless, so every implementation's P@K
must agree in every case, and a wrong one must make the run fail.
"""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfrank.apps import cli
from tfrank.bench import impls, report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    code = cli.main(["bench", "--quick", "--out", str(out)])
    return code, out, json.loads((out / "results.json").read_text())


def test_quick_run_writes_every_output(quick_run):
    code, out, results = quick_run
    assert code == 0
    assert set(results) >= {"command", "environment", "cases", "family", "fit", "memory", "budget", "retrieval", "plots", "targets"}
    assert results["targets"] == []  # --quick has no headline case (B=1024, N=10,000)
    assert results["environment"]["tensorflow"] == tf.__version__
    assert results["environment"]["device_used"].endswith("CPU:0")
    assert results["plots"] == ["time_vs_items.png", "ratio_vs_items.png"]
    for name in results["plots"]:
        assert (out / name).read_bytes()[:8] == PNG
    table = (out / "results.md").read_text()
    assert "| B | N | K | R | labels | mode | tfrank | NumPy argpartition |" in table
    assert "### `model.fit` epoch time, metrics on ÷ metrics off" in table
    assert "values disagree" not in table


def test_every_case_covers_every_implementation_and_mode(quick_run):
    _, _, results = quick_run
    cases = results["cases"]
    assert {(c["format"], c["mode"]) for c in cases} >= {("dense", "graph"), ("ids", "graph"), ("class", "graph"),
                                                         ("ids", "eager"), ("ids", "xla")}
    for case in cases:
        assert set(case["seconds"]) | set(case["skipped"]) == set(impls.BY_NAME)
        assert not case["skipped"], case["skipped"]  # tiny sizes: nothing is capped
        assert all(s > 0 for s in case["seconds"].values())
        assert case["time_over_read_pass"]["read_pass"] == pytest.approx(1.0)
        assert case["peer_over_tfrank"]["keras_rs"] == pytest.approx(
            case["seconds"]["keras_rs"] / case["seconds"]["tfrank"])


def test_every_implementation_agrees_on_the_metric(quick_run):
    _, _, results = quick_run
    for case in results["cases"]:
        values = case["values"]
        assert set(values) == set(impls.BY_NAME) - {"read_pass"}
        assert case["agree"]
        np.testing.assert_allclose(list(values.values()), values["reference"], atol=1e-6)
    # The check has teeth: the lists are not trivially all-miss or all-hit.
    assert all(0.0 < case["values"]["reference"] < 1.0 for case in results["cases"])


def test_family_fit_memory_and_budget_sections(quick_run):
    _, _, results = quick_run
    for row in results["fit"]:
        assert set(row["epoch_seconds"]) >= {"off", "tfrank"}
        assert row["over_metrics_off"]["tfrank"] == pytest.approx(
            row["epoch_seconds"]["tfrank"] / row["epoch_seconds"]["off"])
    assert [(row["impl"], row["format"]) for row in results["memory"]] == [("read_pass", "ids"), ("tfrank", "ids")]
    for row in results["memory"]:
        assert "error" not in row, row
        assert row["update_peak"] >= 0 and row["process_peak"] > 0
        assert row["y_pred_bytes"] == 4 * row["batch"] * row["items"]
    assert [row["budget"] for row in results["budget"]] == [10, 100]
    (family,) = results["family"]
    assert family["agree"]  # five metric objects and one RankingMetrics report the same values
    assert set(family["over_read_pass"]) == {"separate", "combined", "combined_expected"}
    assert family["separate_over_combined"] == pytest.approx(
        family["seconds"]["separate"] / family["seconds"]["combined"])
    assert all(set(row["over_read_pass"]) == {"graph", "xla"} for row in results["budget"])


def test_stats_section_times_each_test_beside_scipy(quick_run):
    _, _, results = quick_run
    rows = {row["test"]: row for row in results["stats"]}
    assert list(rows) == ["t", "randomization", "bootstrap"]
    assert all(row["seconds"] > 0 and row["scipy_seconds"] > 0 for row in rows.values())
    assert rows["t"]["p_value"] == pytest.approx(rows["t"]["scipy_p_value"], rel=1e-9)  # the same test
    p = rows["randomization"]["scipy_p_value"]  # both Monte Carlo over 1,000 sign vectors
    assert rows["randomization"]["p_value"] == pytest.approx(p, abs=5 * np.sqrt(2 * p * (1 - p) / 1_000))


def test_retrieval_section(quick_run):
    """Tiny sizes: every implementation and mode ran, agrees on Recall@K, and has a ratio to its floor."""
    _, out, results = quick_run
    (row,) = results["retrieval"]
    assert (row["batch"], row["corpus"], row["dim"], row["k"]) == (8, 300, 8, 5)
    keys = {f"{name}/{mode}" for name in ("floor", "tfrank_top_k", "tfrank", "keras_rs") for mode in ("graph", "xla")}
    assert set(row["impls"]) == keys | {"numpy/numpy"}
    recalls = [e["recall"] for key, e in row["impls"].items() if not key.startswith("floor")]
    assert row["agree"] and len(set(recalls)) == 1 and 0.0 < recalls[0] < 1.0
    assert row["impls"]["floor/xla"]["over_floor"] == 1.0
    assert row["impls"]["tfrank/graph"]["over_floor"] == pytest.approx(
        row["impls"]["tfrank/graph"]["seconds"] / row["impls"]["floor/graph"]["seconds"])
    assert "| 8 | 300 | 8 | 5 | tfrank/xla |" in (out / "results.md").read_text()


def test_targets_read_the_headline_rows():
    def row(fmt, over_read, argpartition, batch=1024, items=10_000):
        return {"batch": batch, "items": items, "k": 10, "relevant": 1 if fmt == "class" else 5, "format": fmt,
                "mode": "graph", "time_over_read_pass": {"tfrank": over_read},
                "peer_over_tfrank": {"numpy_argpartition": argpartition}}

    other = dict(row("dense", 1.0, 99.0), mode="xla")  # not the default mode: ignored
    seed = [row("ids", 4.0, 1.0, 8192, 1_000), row("dense", 6.0, 1.2, 1024, 100)]  # the seed's regime
    checked = report.targets([other, row("dense", 9.0, 2.5), row("ids", 5.0, 1.5), row("class", 1.9, 3.0), *seed])
    got = {(t["target"].split(" (")[0], t["labels"], t["batch"], t["items"]): t["held"] for t in checked}
    assert got == {
        ("NumPy argpartition ÷ tfrank", "dense", 1024, 10_000): True,
        ("NumPy argpartition ÷ tfrank", "ids", 1024, 10_000): False,
        ("tfrank ÷ read pass", "dense", 1024, 10_000): False, ("tfrank ÷ read pass", "ids", 1024, 10_000): True,
        ("tfrank ÷ read pass", "class", 1024, 10_000): True,
        ("NumPy argpartition ÷ tfrank", "ids", 8192, 1_000): False,  # faster means strictly more than 1
        ("tfrank ÷ read pass", "ids", 8192, 1_000): True,
        ("NumPy argpartition ÷ tfrank", "dense", 1024, 100): True,  # N = 100 has no read-pass target
    }


def test_a_wrong_implementation_fails_the_run(tmp_path, monkeypatch, capsys):
    def off_by_one_k(scores, labels, fmt, k):
        return impls.numpy_argpartition(scores, labels, fmt, k + 1)

    wrong = impls.Impl("numpy_argpartition", "NumPy argpartition", "numpy", impls._numpy(off_by_one_k))
    monkeypatch.setitem(impls.BY_NAME, "numpy_argpartition", wrong)
    argv = ["bench", "--quick", "--sections", "cases", "--impls", "numpy_argpartition", "--items", "64",
            "--batch", "8", "--k", "5", "--formats", "ids", "--out", str(tmp_path)]
    assert cli.main(argv) == 1
    assert "implementations disagree" in capsys.readouterr().err
    assert "values disagree" in (tmp_path / "results.md").read_text()


@pytest.mark.skipif(bool(tf.config.list_physical_devices("GPU")), reason="a GPU is visible: --device gpu is valid")
def test_device_gpu_without_a_gpu_is_an_error(tmp_path, capsys):
    assert cli.main(["bench", "--quick", "--device", "gpu", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--device gpu" in err and "sees no GPU" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv, message", [
    (["--formats", "dense,csv"], "argument --formats: must be a comma-separated list of dense, ids, class"),
    (["--items", "0"], "argument --items: must be a positive int, got '0'"),
    (["--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
])
def test_bad_options_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["bench", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
