"""RetrievalMetrics inside Keras: a two-tower model's fit (XLA), the index following the candidate
tower, exclusion through y_true columns, config and `.keras` round trips, the tuner objective.

Expected values come from `tfrank.reference.retrieval_metrics` on the model's own query
embeddings and candidate tower outputs (integer-free floats: distinct scores).
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfrank
from tfrank import reference

N_USERS, N_ITEMS, DIM, K = 40, 30, 4, [1, 5]


class TwoTower(keras.Model):
    """Users and items embedded apart; trained with a softmax over the whole catalogue."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.query_tower = keras.layers.Embedding(N_USERS, DIM)
        self.candidate_tower = keras.layers.Embedding(N_ITEMS, DIM)
        self.catalogue = np.arange(N_ITEMS)

    def call(self, users):
        return self.query_tower(users)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        labels = y[:, 0]  # y: [relevant item | excluded items]
        logits = keras.ops.matmul(y_pred, keras.ops.transpose(self.candidate_tower(self.catalogue)))
        return keras.ops.mean(keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def data(seed=0):
    rng = np.random.default_rng(seed)
    users = rng.integers(0, N_USERS, size=50)
    items = (users * 7 + rng.integers(0, 3, size=50)) % N_ITEMS  # learnable, not trivial
    exclude = np.where(rng.random((50, 2)) < 0.5, rng.integers(0, N_ITEMS, size=(50, 2)), -1)
    exclude[exclude == items[:, None]] = -1
    return users, items, exclude


def two_tower(exclude_columns=0, **compile_kwargs):
    keras.utils.set_random_seed(1)
    model = TwoTower()
    model(np.zeros(1, int))
    metric = tfrank.RetrievalMetrics(
        model.catalogue, k=K, metrics=["recall", "ndcg"], candidate_model=model.candidate_tower, chunk=16,
        exclude_columns=exclude_columns,
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), metrics=[metric], **compile_kwargs)
    return model, metric


def expected(model, users, items, exclude=None):
    queries = model.query_tower(users).numpy()
    candidates = model.candidate_tower(model.catalogue).numpy()
    per_query = reference.retrieval_metrics(items, queries, candidates, K, metrics=["recall", "ndcg"], exclude=exclude)
    return {name: reference.weighted_mean(values) for name, values in per_query.items()}


def test_val_values_use_the_trained_candidate_tower_under_xla():
    """Each epoch's val_ values equal the reference on that epoch's towers, not the initial ones."""
    users, items, exclude = data()
    model, _ = two_tower(exclude_columns=2, jit_compile=True)
    initial = expected(model, users, items, exclude)
    per_epoch = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):  # after validation: the towers it used
            per_epoch.append(expected(model, users, items, exclude))

    y = np.concatenate([items[:, None], exclude], axis=1)
    history = model.fit(users, y, validation_data=(users, y), epochs=3, batch_size=16, verbose=0, callbacks=[Snapshot()])
    for epoch, wanted in enumerate(per_epoch):
        for name, value in wanted.items():
            assert history.history[f"val_{name}"][epoch] == pytest.approx(value, abs=1e-5), (epoch, name)
    assert per_epoch[-1]["recall_at_5"] > initial["recall_at_5"]  # the towers learnt, so a stale index would differ
    assert tfrank.objective("val_recall_at_5").direction == "max"
    assert tfrank.objective("val_recall_at_100").name == "val_recall_at_100"


def test_evaluate_streams_uneven_batches_and_refreshes_at_reset():
    users, items, _ = data(2)
    model, metric = two_tower()
    logs = model.evaluate(users, items[:, None], batch_size=16, return_dict=True, verbose=0)  # 16, 16, 16, 2
    for name, value in expected(model, users, items).items():
        assert logs[name] == pytest.approx(value, abs=1e-5), name
    # Changing the tower outside fit: the next evaluation's reset picks it up.
    model.candidate_tower.set_weights([np.random.default_rng(3).normal(size=(N_ITEMS, DIM))])
    logs = model.evaluate(users, items[:, None], batch_size=16, return_dict=True, verbose=0)
    assert logs["recall_at_5"] == pytest.approx(expected(model, users, items)["recall_at_5"], abs=1e-5)


def test_config_round_trip_and_restored_metric_needs_candidates(tmp_path):
    rng = np.random.default_rng(4)
    candidates, queries = rng.normal(size=(20, 3)), rng.normal(size=(6, 3)).astype(np.float32)
    metric = tfrank.RetrievalMetrics(candidates, k=[2, 4], metrics=["map"], similarity="cosine", chunk=6, ties="expected",
                                     normalizer="hits", candidate_ids=np.arange(20) + 100)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(metric))
    assert type(restored) is tfrank.RetrievalMetrics
    assert restored.get_config() == metric.get_config()
    with pytest.raises(ValueError, match="holds no candidates yet: call set_candidates"):
        restored.update_state([100, 101, 102, 103, 104, 105], queries)
    restored.set_candidates(candidates, candidate_ids=np.arange(20) + 100)
    for m in (metric, restored):
        m.update_state([100, 101, 102, 103, 104, 119], queries)
    assert {n: float(v) for n, v in restored.result().items()} == {n: float(v) for n, v in metric.result().items()}

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(loss="mse", metrics=[metric])
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    with pytest.raises(ValueError, match="holds no candidates yet"):
        loaded.evaluate(queries, np.arange(100, 106), verbose=0)


def test_mirrored_strategy_equals_one_device_and_reference():
    import processes

    out = processes.run_scripts({"mirrored": ("retrieval_mirrored_script.py", processes.child_env())}, timeout=300)["mirrored"]
    assert out["replicas"] == 2
    assert [2, 1] in out["splits"] and [1, 0] in out["splits"]  # uneven, and an empty replica batch
    assert len(out["values"]) == 12
    for name, (mirrored, one_device, wanted) in out["values"].items():
        assert mirrored == pytest.approx(wanted, abs=1e-5), name
        assert one_device == pytest.approx(wanted, abs=1e-5), name
