"""tfrank under tf.distribute and distributed keras-tuner, each set-up in child processes.

MirroredStrategy needs two logical CPUs configured before TensorFlow starts, and the
multi-worker and tuner set-ups need several processes talking over 127.0.0.1, so
each test runs scripts from this folder through `processes.run_scripts` (hard
deadline, every child killed and reaped, stderr in the failure message).
"""

import json

import numpy as np
import pytest
import tensorflow as tf

import multiworker_script
import processes
import tuner_script
from catalog import ranking_metrics
from tfrank import reference


def test_mirrored_strategy_equals_one_device_and_reference():
    """Every ranking metric x every label form x weighted/unweighted x evaluate/fit validation."""
    out = processes.run_scripts({"mirrored": ("mirrored_script.py", processes.child_env())}, timeout=300)["mirrored"]
    assert out["replicas"] == 2
    assert [2, 1] in out["splits"] and [1, 0] in out["splits"]  # uneven, and an empty replica batch
    assert out["ran"]["graded"] == [spec.id for spec in ranking_metrics()]  # every class, plain and weighted
    assert set(out["ran"]) == {"dense", "graded", "ids", "ragged", "class", "item_weights"}
    assert {key.split("/")[0] for key in out["values"]} == set(out["ran"])
    assert any(key.startswith("dense/fit/") for key in out["values"])
    # The weighted metrics (and the per-item weighted one) stream their standard errors too.
    weighted = [key for key in out["values"] if ("/weighted_" in key or "/items_" in key) and not key.endswith("_stderr")]
    assert weighted and all(key + "_stderr" in out["values"] for key in weighted)
    for key, (mirrored, one_device, expected) in out["values"].items():
        assert mirrored == pytest.approx(expected, rel=1e-5, abs=1e-5), key
        assert one_device == pytest.approx(expected, rel=1e-5, abs=1e-5), key


def test_multi_worker_mirrored_strategy_two_processes():
    ports = processes.free_ports(2)
    cluster = {"worker": [f"{processes.LOOPBACK}:{port}" for port in ports]}
    workers = {
        f"worker{i}": (
            "multiworker_script.py",
            processes.child_env(TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})),
        )
        for i in range(2)
    }
    out = processes.run_scripts(workers, timeout=240)
    one_process = multiworker_script.run(tf.distribute.get_strategy())
    assert [out[f"worker{i}"]["replicas"] for i in range(2)] == [2, 2]
    # Each worker evaluated only its share of the lists (one of them an empty last batch).
    shares = [out[f"worker{i}"]["local_lists"] for i in range(2)]
    assert sum(shares) == multiworker_script.N_LISTS and 0 < min(shares)
    _, y, w = multiworker_script.data()
    for i in range(2):
        worker = out[f"worker{i}"]
        for run in ("train", "evaluate"):
            assert worker[run] == out["worker0"][run]  # every worker reads the same, cluster-wide value
            assert worker[run] == pytest.approx(one_process[run], abs=1e-6), run
        scores = np.asarray(worker["scores"])
        np.testing.assert_allclose(scores, one_process["scores"], atol=1e-5)
        expected = reference.weighted_mean(reference.precision_at_k(y, scores, [1, 3]))
        expected.update({f"weighted_{n}": v for n, v in reference.weighted_mean(reference.recall_at_k(y, scores, [1, 3]), w).items()})
        assert worker["evaluate"] == pytest.approx(expected, abs=1e-5)


def test_distributed_keras_tuner_chief_and_two_workers(tmp_path):
    (port,) = processes.free_ports(1)
    common = {
        "KERASTUNER_ORACLE_IP": processes.LOOPBACK,
        "KERASTUNER_ORACLE_PORT": port,
        "TFRANK_TUNER_DIR": tmp_path,
    }
    roles = ("chief", "tuner0", "tuner1")
    children = {role: ("tuner_script.py", processes.child_env(KERASTUNER_TUNER_ID=role, **common)) for role in roles}
    out = processes.run_scripts(children, timeout=300)
    chief = out["chief"]
    trials = chief["trials"]
    assert len(trials) == tuner_script.MAX_TRIALS
    assert all(trial["status"] == "COMPLETED" for trial in trials)
    trained = out["tuner0"]["trained"] + out["tuner1"]["trained"]
    assert out["tuner0"]["trained"] and out["tuner1"]["trained"]  # both workers took trials
    assert sorted(t["units"] for t in trained) == sorted(t["units"] for t in trials)
    for t in trained:  # what the workers logged is the metric's true value on their models
        assert t["logged"] == pytest.approx(t["reference"], abs=1e-6)
    by_units = {t["units"]: t["logged"] for t in trained}
    for trial in trials:  # the chief recorded each worker's score
        assert trial["score"] == pytest.approx(by_units[trial["units"]], abs=1e-7)
    best = max(trials, key=lambda t: t["score"])
    assert chief["best"] == {"score": best["score"], "units": best["units"]}
