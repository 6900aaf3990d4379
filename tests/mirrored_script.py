"""Run by tests/test_distributed.py: ranking metrics under MirroredStrategy on 2 logical CPUs.

Every metric class, plain and weighted, runs ``evaluate`` on graded labels with padding;
each other label form (binary, ids, ragged ids through a tf.data pipeline, class ids)
runs with one metric class in turn (the input path is shared by all classes, and each
class traced under the strategy costs seconds); binary labels also run one epoch of
``fit`` with validation data. The batches are uneven: 10, 10, 1, 10, 10, 10, 3 lists,
so one replica gets an empty batch and another a split of 2/1.

Each logged value is reported next to the same model's value on one device and the
NumPy reference on its predictions; the weighted metrics also log their standard errors
(``stderr=True``, against ``tfrank.reference.stderr``). Prints one JSON line:
``{"replicas": 2, "metrics": [...], "values": {"form/run/log name": [mirrored, one device, reference]}}``.
"""

import numpy as np

from processes import report, use_logical_cpus

K = [1, 3, 20]  # 20 > N: the ranking is clamped to the list
PARTS = (21, 33)  # lists in each of two concatenated parts, batched by 10
N_LISTS, N_ITEMS, N_FEATURES = sum(PARTS), 10, 5
MAX_IDS = 4  # conftest.make_batch draws at most 3 relevant ids per list


def _dataset(tf, x, y, w):
    def part(start, stop):
        y_part = y[start:stop]
        return tf.data.Dataset.from_tensor_slices((x[start:stop], y_part, w[start:stop])).batch(10)

    ds = part(0, PARTS[0]).concatenate(part(PARTS[0], N_LISTS))
    if isinstance(y, tf.RaggedTensor):
        # Keras cannot split a RaggedTensor over replicas ('RaggedTensor' object has no
        # attribute 'device'): pad ragged ids with -1 inside the pipeline instead.
        ds = ds.map(lambda xb, yb, wb: (xb, yb.to_tensor(default_value=-1, shape=[None, MAX_IDS]), wb))
    return ds


def main():
    devices = use_logical_cpus(2)
    import keras
    import tensorflow as tf

    from catalog import ranking_metrics
    from conftest import make_batch
    from tfrank import reference

    specs = ranking_metrics()
    strategy = tf.distribute.MirroredStrategy(devices)
    rng = np.random.default_rng(11)
    x = rng.normal(size=(N_LISTS, N_FEATURES)).astype("float32")
    w = rng.uniform(0.2, 2.0, size=N_LISTS).astype("float32")

    class ScoreLoss(keras.losses.Loss):  # ignores the labels, so that one loss serves every form
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.square(y_pred - 0.5), axis=-1)

    def build(chosen, label_format):
        metrics = [spec.make(K, label_format=label_format) for spec in chosen]
        # Named apart: Keras flattens a list-k metric's dict result by its inner keys, so
        # without a name of their own the weighted values would overwrite the plain ones.
        # The weighted ones also stream their standard errors (stderr=True).
        weighted = [spec.make(K, label_format=label_format, name="weighted_" + spec.make(K).name, stderr=True)
                    for spec in chosen]
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])
        model.compile(optimizer="sgd", loss=ScoreLoss(), metrics=metrics, weighted_metrics=weighted)
        return model

    values, ran = {}, {}
    forms = {"graded": specs, **{form: [specs[i % len(specs)]] for i, form in enumerate(("dense", "ids", "ragged", "class"))}}
    for i, (form, chosen) in enumerate(forms.items()):
        ran[form] = [spec.id for spec in chosen]
        batch = make_batch(100 + i, form, batch=N_LISTS, items=N_ITEMS)
        y, ref_true = batch["y_true"], batch["ref_true"]
        # Under a strategy Keras builds the metrics on the replicas' *mean* of the first
        # batch (Trainer._maybe_symbolic_build): float64 labels, so ids need label_format.
        label_format = "ids" if form in ("ids", "ragged") else None
        # A model per form: Keras relaxes a reused function's input shapes to unknown
        # rank once it has seen labels of two ranks.
        with strategy.scope():
            mirrored = build(chosen, label_format)
        single = build(chosen, label_format)

        def check(run, logs):
            """Records each logged value with the one-device value and the reference, same weights."""
            single.set_weights(mirrored.get_weights())
            one = single.evaluate(_dataset(tf, x, y, w), return_dict=True, verbose=0)
            scores = single.predict(x, verbose=0)
            for spec in chosen:
                for name, per_list in spec.expected(ref_true, scores, K).items():
                    for prefix, weights in (("", None), ("weighted_", w)):
                        log = prefix + name
                        values[f"{form}/{run}/{log}"] = [logs[log], one[log], reference.weighted_mean(per_list, weights)]
                    log = f"weighted_{name}_stderr"
                    values[f"{form}/{run}/{log}"] = [logs[log], one[log], reference.stderr(per_list, w)]

        check("evaluate", mirrored.evaluate(_dataset(tf, x, y, w), return_dict=True, verbose=0))
        if form == "dense":
            history = mirrored.fit(_dataset(tf, x, y, w), validation_data=_dataset(tf, x, y, w), epochs=1, verbose=0)
            check("fit", {name[len("val_") :]: v[-1] for name, v in history.history.items() if name.startswith("val_")})
    values.update(_item_weights(keras, tf, strategy, x, reference, make_batch))
    ran["item_weights"] = ["precision", "map", "ndcg"]
    split = strategy.experimental_distribute_dataset(_dataset(tf, x, w, w))  # how the batches were split
    sizes = [[int(t.shape[0]) for t in strategy.experimental_local_results(b[0])] for b in split]
    report({"replicas": strategy.num_replicas_in_sync, "metrics": [s.id for s in specs], "values": values, "splits": sizes, "ran": ran})


def _item_weights(keras, tf, strategy, x, reference, make_batch):
    """Per-item weights [B, N] through Keras' weighted_metrics, mirrored and on one device."""
    import tfrank

    batch = make_batch(200, "graded", batch=N_LISTS, items=N_ITEMS)
    y = batch["y_true"]
    items = np.random.default_rng(12).uniform(0.0, 2.0, (N_LISTS, N_ITEMS)).astype("float32")
    items[items < 0.3] = 0.0  # weight 0 excludes the item
    metrics = ["precision", "map", "ndcg"]

    def build():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])
        per_item_loss = lambda y_true, y_pred: keras.ops.square(y_pred - 0.5)  # noqa: E731 (weights [B, N] apply)
        metric = tfrank.RankingMetrics(k=K, metrics=metrics, empty="zero", name="items", stderr=True)
        model.compile(optimizer="sgd", loss=per_item_loss, weighted_metrics=[metric])
        return model

    with strategy.scope():
        mirrored = build()
    single = build()
    single.set_weights(mirrored.get_weights())
    logs = mirrored.evaluate(_dataset(tf, x, y, items), return_dict=True, verbose=0)
    one = single.evaluate(_dataset(tf, x, y, items), return_dict=True, verbose=0)
    scores = single.predict(x, verbose=0)
    values = {}
    for name in metrics:
        fn = getattr(reference, f"{name}_at_k")
        gain = "exponential" if name == "ndcg" else None
        per_list = fn(y, scores, K, sample_weight=items, empty="zero")
        weights = reference.list_weights(y, scores, items, gain=gain)
        expected = {**reference.weighted_mean(per_list, weights), **reference.stderr(per_list, weights)}
        for log, want in expected.items():
            values[f"item_weights/evaluate/items_{log}"] = [logs[f"items_{log}"], one[f"items_{log}"], want]
    return values


if __name__ == "__main__":
    main()
