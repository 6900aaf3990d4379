"""Run by tests/test_distributed.py: one worker of a MultiWorkerMirroredStrategy cluster on 127.0.0.1.

The test starts two of these with ``TF_CONFIG`` naming both workers and this one's
index. Each trains and evaluates the same small model with tfrank metrics and prints
one JSON line: what ``evaluate`` and ``fit``'s validation logged, and the model's
validation scores afterwards. `run` is also called in the test process itself, with
the default strategy, for the one-process values.
"""

import numpy as np

from processes import report

N_LISTS, N_ITEMS, N_FEATURES = 41, 8, 4
GLOBAL_BATCH = 8  # an uneven last batch of 1: one worker gets an empty batch
K = [1, 3]


def data():
    """The same lists in every process: features, dense labels with -1 padding, weights."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N_LISTS, N_FEATURES)).astype("float32")
    y = (rng.random((N_LISTS, N_ITEMS)) < 0.3).astype("float32")
    y[rng.random((N_LISTS, N_ITEMS)) < 0.1] = -1.0
    w = rng.uniform(0.5, 2.0, size=N_LISTS).astype("float32")
    return x, y, w


def run(strategy):
    """Trains one epoch and evaluates in a custom loop; returns the metrics' results and the scores.

    A custom loop because Keras 3's ``fit``/``evaluate`` fail under
    MultiWorkerMirroredStrategy before any step runs (keras-team/keras#20585).
    """
    import keras
    import tensorflow as tf

    import tfrank

    x, y, w = data()
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])
        optimizer = keras.optimizers.SGD(0.1)
        train_metrics = [tfrank.PrecisionAtK(k=K), tfrank.RecallAtK(k=3)]
        eval_metrics = [tfrank.PrecisionAtK(k=K), tfrank.RecallAtK(k=K, name="weighted_recall_at_k")]

    def batches():
        ds = tf.data.Dataset.from_tensor_slices((x, y, w)).batch(GLOBAL_BATCH)
        options = tf.data.Options()
        # No files to split: every worker builds the whole pipeline and keeps its share.
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        return strategy.experimental_distribute_dataset(ds.with_options(options))

    def train_step(xb, yb, wb):
        with tf.GradientTape() as tape:
            scores = model(xb, training=True)
            per_list = keras.losses.binary_crossentropy(tf.maximum(yb, 0.0), scores, from_logits=True)
            loss = tf.nn.compute_average_loss(per_list, global_batch_size=GLOBAL_BATCH)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        for metric in train_metrics:
            metric.update_state(yb, scores)

    def eval_step(xb, yb, wb):
        scores = model(xb, training=False)
        eval_metrics[0].update_state(yb, scores)
        eval_metrics[1].update_state(yb, scores, sample_weight=wb)

    @tf.function
    def train(batch):
        strategy.run(train_step, args=batch)

    @tf.function
    def evaluate(batch):
        strategy.run(eval_step, args=batch)

    for batch in batches():
        train(batch)
    local_lists = 0  # lists this process evaluated itself
    for batch in batches():
        evaluate(batch)
        local_lists += sum(int(t.shape[0]) for t in strategy.experimental_local_results(batch[0]))

    def logs(metrics):
        out = {}
        for metric in metrics:
            value = metric.result()
            out.update({n: float(v) for n, v in value.items()} if isinstance(value, dict) else {metric.name: float(value)})
        return out

    scores = model(x, training=False)
    return {
        "train": logs(train_metrics),
        "evaluate": logs(eval_metrics),
        "scores": np.asarray(scores, np.float64).tolist(),
        "local_lists": local_lists,
    }


def main():
    import json
    import os

    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = json.loads(os.environ["TF_CONFIG"])["task"]
    out = run(strategy)
    out.update(worker=task["index"], replicas=strategy.num_replicas_in_sync)
    report(out)


if __name__ == "__main__":
    main()
