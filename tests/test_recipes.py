"""The "Scaling out" page's recipes (docs/scaling-out.md) that can run on a CPU, each run as written (tests/recipes.py).

Distributed tuning (a chief and workers) is run by tests/test_distributed.py with the
recipe's calls.
"""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import processes
import tfrank
from recipes import recipe
from tfrank import reference


def test_mirrored_strategy_recipe_runs_two_replicas_on_a_cpu():
    env = processes.child_env(RECIPE="mirrored")
    out = processes.run_scripts({"recipe": ("recipe_script.py", env)}, timeout=300)["recipe"]
    assert out["replicas"] == 2
    assert {"precision_at_10", "val_precision_at_10"} <= set(out["logs"])


def test_multi_worker_recipe_two_workers():
    cluster = {"worker": [f"{processes.LOOPBACK}:{port}" for port in processes.free_ports(2)]}
    workers = {
        f"worker{i}": ("recipe_script.py", processes.child_env(
            RECIPE="multiworker", TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})))
        for i in range(2)
    }
    out = processes.run_scripts(workers, timeout=300)
    assert [out[w]["replicas"] for w in ("worker0", "worker1")] == [2, 2]
    assert out["worker0"]["result"] == out["worker1"]["result"]  # the cluster-wide value on every worker
    labels, scores = (np.asarray(out["worker0"][key]) for key in ("labels", "scores"))
    expected = reference.weighted_mean(reference.precision_at_k(labels, scores, 10))
    assert out["worker0"]["result"] == pytest.approx(expected, rel=1e-5)


def test_checkpoint_recipe_resumes_the_running_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the recipe writes ./ckpt
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 4)).astype("float32")
    y = (rng.random((12, 6)) < 0.4).astype("float32")
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6)])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(2)  # 6 batches
    code = recipe("checkpoint").replace("% 100 == 0", "% 2 == 0")  # save every 2 batches, not 100

    def run(data):
        """The recipe in a fresh "process": new metric objects and a new step variable."""
        metrics = [tfrank.PrecisionAtK(k=2), tfrank.NDCGAtK(k=[1, 3])]
        scope = {"tf": tf, "model": model, "optimizer": keras.optimizers.Adam(), "metrics": metrics, "dataset": data}
        exec(code, scope)
        return scope["step"], metrics

    step, _ = run(dataset.take(3))  # a crash after batch 3; the last save was after batch 2
    assert int(step) == 3
    # After the restart the first 2 batches hold other labels: only a restored step skips
    # them, and only restored metric state brings their real values back.
    y_other = np.concatenate([1.0 - y[:4], y[4:]])
    step, metrics = run(tf.data.Dataset.from_tensor_slices((x, y_other)).batch(2))
    assert int(step) == 6
    scores = model(x).numpy()
    assert float(metrics[0].result()) == pytest.approx(
        reference.weighted_mean(reference.precision_at_k(y, scores, 2)), rel=1e-5)
    expected = reference.weighted_mean(reference.ndcg_at_k(y, scores, [1, 3]))
    assert {name: float(v) for name, v in metrics[1].result().items()} == pytest.approx(expected, rel=1e-5)
