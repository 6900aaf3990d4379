"""Metric state survives checkpoints, so an interrupted run resumes with correct running values.

Keras 3 metrics are not TensorFlow trackables and neither ``tf.train.Checkpoint(model=...)``
nor ``model.save_weights`` stores metric variables, so the recipe checkpoints
``metric.variables`` next to the model. ``keras.callbacks.BackupAndRestore`` restarts
the interrupted epoch, where Keras resets metrics anyway: the resumed epochs must log
what an uninterrupted fit logs.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
from catalog import ranking_metrics, results
from conftest import make_batch
from tfrank import reference
from tfrank.reference import budget as reference_budget

SPECS = ranking_metrics()
K = [1, 3, 20]


def _batches():
    return [make_batch(40 + i, "graded", batch=size, items=8, mask=i == 1, weights=True) for i, size in enumerate((6, 1, 9, 4, 7))]


def _stream(metric, batches):
    for b in batches:
        metric.update_state(b["y_true"], b["y_pred"], sample_weight=b["sample_weight"], mask=b["mask"])


def test_ranking_metrics_survive_a_checkpoint_mid_stream(tmp_path):
    batches = _batches()
    for spec in SPECS:
        first = spec.make(K)
        _stream(first, batches[:3])
        path = tf.train.Checkpoint(state=first.variables).save(str(tmp_path / spec.id))
        resumed = spec.make(K)  # a fresh object, as after a restart
        tf.train.Checkpoint(state=resumed.variables).restore(path).assert_consumed()
        assert results(resumed) == results(first)
        _stream(resumed, batches[3:])
        per_list = {}
        for b in batches:
            for name, values in spec.expected(b["ref_true"], b["y_pred"], K, mask=b["mask"]).items():
                per_list.setdefault(name, []).extend(values)
        weights = np.concatenate([b["sample_weight"] for b in batches])
        expected = {name: reference.weighted_mean(values, weights) for name, values in per_list.items()}
        assert results(resumed) == pytest.approx(expected, rel=1e-5, abs=1e-6), spec.id


def test_budget_metrics_survive_a_checkpoint_mid_stream(tmp_path):
    rng = np.random.default_rng(8)
    scores, labels = rng.normal(size=300).astype(np.float32), (rng.random(300) < 0.2).astype(np.float32)
    for cls, base in ((tfrank.PrecisionAtBudget, "precision"), (tfrank.RecallAtBudget, "recall")):
        first = cls(budget=25)
        first.update_state(labels[:170], scores[:170])
        path = tf.train.Checkpoint(state=first.variables).save(str(tmp_path / base))
        resumed = cls(budget=25)
        tf.train.Checkpoint(state=resumed.variables).restore(path).assert_consumed()
        resumed.update_state(labels[170:], scores[170:])
        assert float(resumed.result()) == pytest.approx(reference_budget.REFERENCES[base](labels, scores, 25), rel=1e-5, abs=1e-6)
        other = cls(budget=30)  # a different buffer size cannot take this state
        with pytest.raises(ValueError, match="shape"):
            tf.train.Checkpoint(state=other.variables).restore(path)


# === An interrupted custom training loop ===


class Interrupted(Exception):
    """Raised on purpose to simulate a crash or a preemption."""


def _training(tmp_path, crash_at=None):
    """Trains 8 steps with tfrank metrics, checkpointing every 2; returns results and per-step scores."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(8, 12, 5)).astype(np.float32)  # 8 steps of 12 lists
    y = (rng.random((8, 12, 6)) < 0.3).astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(6)])
    optimizer = keras.optimizers.Adam(0.05)
    metrics = [spec.make(K) for spec in SPECS] + [tfrank.PrecisionAtBudget(budget=15)]
    step = tf.Variable(0, dtype=tf.int64)
    state = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step, metrics=[v for m in metrics for v in m.variables])
    manager = tf.train.CheckpointManager(state, str(tmp_path), max_to_keep=1)
    state.restore(manager.latest_checkpoint)  # a no-op on the first start

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            scores = model(xb, training=True)
            loss = tf.reduce_mean(keras.losses.binary_crossentropy(yb, scores, from_logits=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        for metric in metrics[:-1]:
            metric.update_state(yb, scores)
        metrics[-1].update_state(yb[:, 0], scores[:, 0])  # budget metric: one score per list
        return scores

    seen = {}
    while int(step) < len(x):
        i = int(step)
        if i == crash_at:
            raise Interrupted(f"deliberate stop before step {i}")
        seen[i] = train_step(x[i], y[i]).numpy()
        step.assign_add(1)
        if int(step) % 2 == 0:
            manager.save()
    logs = {}
    for metric in metrics:
        logs.update(results(metric))
    return logs, seen, (x, y)


def test_interrupted_training_loop_resumes_with_the_running_values(tmp_path):
    whole, scores, (_, y) = _training(tmp_path / "whole")
    with pytest.raises(Interrupted):
        _training(tmp_path / "resumed", crash_at=5)  # last checkpoint after step 4
    resumed, resumed_scores, _ = _training(tmp_path / "resumed")
    assert sorted(resumed_scores) == [4, 5, 6, 7]  # steps 0-3 came back from the checkpoint
    assert resumed == pytest.approx(whole, rel=1e-5, abs=1e-6)
    all_scores = np.concatenate([scores[i] for i in range(8)])
    labels = y.reshape(-1, 6)
    for spec in SPECS:
        for name, values in spec.expected(labels, all_scores, K).items():
            assert whole[name] == pytest.approx(reference.weighted_mean(values), rel=1e-5, abs=1e-6), name
    assert whole["precision_at_budget_15"] == pytest.approx(reference_budget.precision_at_budget(labels[:, 0], all_scores[:, 0], 15), rel=1e-5, abs=1e-6)


# === keras.callbacks.BackupAndRestore ===


class _StopAt(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise Interrupted(f"deliberate stop in epoch {self.epoch}, batch {batch}")


def test_backup_and_restore_resumes_fit_with_the_same_logs(tmp_path):
    x_rng = np.random.default_rng(10)
    x = x_rng.normal(size=(96, 5)).astype(np.float32)
    y = (x @ x_rng.normal(size=(5, 8)) + x_rng.normal(size=(96, 8)) > 0.8).astype(np.float32)
    x_val, y_val = x[:40], y[:40]

    def model():
        keras.utils.set_random_seed(1)
        m = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8)])
        metrics = [spec.make(K) for spec in SPECS]
        m.compile(keras.optimizers.Adam(0.05), keras.losses.BinaryCrossentropy(from_logits=True), metrics=metrics)
        return m

    def fit(m, callbacks):
        return m.fit(x, y, validation_data=(x_val, y_val), epochs=3, batch_size=16, shuffle=False, callbacks=callbacks, verbose=0)

    whole = fit(model(), []).history
    backup = str(tmp_path / "backup")
    with pytest.raises(Interrupted):
        fit(model(), [keras.callbacks.BackupAndRestore(backup), _StopAt(epoch=1, batch=3)])
    assert os.path.exists(backup)
    resumed_model = model()
    resumed = fit(resumed_model, [keras.callbacks.BackupAndRestore(backup)]).history
    assert len(resumed["loss"]) == 2  # epochs 1 and 2: epoch 0 came back from the backup
    names = [n for n in whole if n != "loss" and n != "val_loss"]
    assert any(n.startswith("val_") for n in names)
    for name in names:
        assert resumed[name] == pytest.approx(whole[name][1:], rel=1e-5, abs=1e-6), name
    scores = resumed_model.predict(x_val, verbose=0)
    for spec in SPECS:
        for name, values in spec.expected(y_val, scores, K).items():
            assert resumed[f"val_{name}"][-1] == pytest.approx(reference.weighted_mean(values), rel=1e-5, abs=1e-6), name
