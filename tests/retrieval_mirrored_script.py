"""Run by tests/test_retrieval_keras.py: RetrievalMetrics under MirroredStrategy on 2 logical CPUs.

A query tower and a candidate tower (the index is recomputed from it at every reset,
inside the strategy's scope), exclusion columns in y_true, plain and weighted metrics;
uneven batches of 10, 10, 1, 10, 10, 10, 3 queries (one replica gets an empty batch,
another a split of 2/1). Prints one JSON line: ``{"values": {log name: [mirrored, one
device, reference]}, "splits": [...]}``.
"""

import numpy as np

from processes import report, use_logical_cpus

PARTS, F, D, M, K = (21, 33), 5, 4, 23, [1, 5]


def main():
    devices = use_logical_cpus(2)
    import keras
    import tensorflow as tf

    import tfrank
    from tfrank import reference

    rng = np.random.default_rng(3)
    n = sum(PARTS)
    x = rng.normal(size=(n, F)).astype("float32")
    features = rng.normal(size=(M, F)).astype("float32")
    y = np.concatenate([rng.integers(0, M, size=(n, 1)), np.where(rng.random((n, 2)) < 0.5, rng.integers(0, M, size=(n, 2)), -1)], 1)
    y[:, 1:][y[:, 1:] == y[:, :1]] = -1  # the relevant candidate is never excluded here
    w = rng.uniform(0.2, 2.0, size=n).astype("float32")

    def dataset():
        def part(lo, hi):
            return tf.data.Dataset.from_tensor_slices((x[lo:hi], y[lo:hi], w[lo:hi])).batch(10)

        return part(0, PARTS[0]).concatenate(part(PARTS[0], n))

    def build():
        keras.utils.set_random_seed(0)
        tower = keras.Sequential([keras.Input((F,)), keras.layers.Dense(D)])
        model = keras.Sequential([keras.Input((F,)), keras.layers.Dense(D)])

        def metric(name=None):
            return tfrank.RetrievalMetrics(features, k=K, metrics=["recall", "ndcg", "mrr"], candidate_model=tower,
                                           chunk=7, exclude_columns=2, name=name)

        model.compile(loss=lambda y_true, q: tf.reduce_mean(tf.square(q), axis=-1), metrics=[metric()],
                      weighted_metrics=[metric("weighted")])
        return model, tower

    strategy = tf.distribute.MirroredStrategy(devices)
    with strategy.scope():
        mirrored, mirrored_tower = build()
    single, single_tower = build()
    logs = mirrored.evaluate(dataset(), return_dict=True, verbose=0)
    single.set_weights(mirrored.get_weights())
    single_tower.set_weights(mirrored_tower.get_weights())
    one = single.evaluate(dataset(), return_dict=True, verbose=0)
    queries, candidates = single.predict(x, verbose=0), single_tower.predict(features, verbose=0)
    per_query = reference.retrieval_metrics(y[:, :1], queries, candidates, K, metrics=["recall", "ndcg", "mrr"], exclude=y[:, 1:])
    values = {}
    for name, per_list in per_query.items():
        for prefix, weights in (("", None), ("weighted_", w)):
            values[prefix + name] = [logs[prefix + name], one[prefix + name], reference.weighted_mean(per_list, weights)]
    split = strategy.experimental_distribute_dataset(dataset())
    sizes = [[int(t.shape[0]) for t in strategy.experimental_local_results(b[0])] for b in split]
    report({"replicas": strategy.num_replicas_in_sync, "values": values, "splits": sizes})


if __name__ == "__main__":
    main()
