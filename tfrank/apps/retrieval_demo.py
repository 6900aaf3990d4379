"""``tfrank demo --task retrieval``: a two-tower model tuned on recall over the whole catalogue.

A query tower and a candidate tower embed queries and candidates apart (an MLP over
pixels for digits, an ``Embedding`` for MovieLens ids). Training: a softmax over the
whole catalogue with a tuned temperature, ``logits = q . c / temperature``, whose loss
is the mean of ``-log softmax`` over each query's relevant candidates (its excluded
candidates masked out). keras-tuner's BayesianOptimization tunes the embedding width,
hidden width (digits), L2 normalisation, temperature and learning rate on
``val_recall_at_{k}``, which `tfrank.RetrievalMetrics` computes against every candidate
of the catalogue, its index recomputed from the candidate tower once per evaluation.
"""

import sys

import keras
import numpy as np
import tensorflow as tf

import tfrank
from tfrank.apps import demo, report, retrieval_data

# === The two-tower hypermodel ===


class TwoTower(keras.Model):
    """``call(x)`` = query embeddings ``[B, d]`` (what `tfrank.RetrievalMetrics` reads as ``y_pred``)."""

    def __init__(self, query_tower, candidate_tower, candidates, exclude_columns, temperature, **kwargs):
        super().__init__(**kwargs)
        self.query_tower, self.candidate_tower = query_tower, candidate_tower
        self.catalogue = tf.constant(candidates)
        self.exclude_columns, self.temperature = exclude_columns, temperature

    def call(self, x, training=False):
        return self.query_tower(x, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Softmax over the whole catalogue; mean ``-log p`` of the relevant candidates."""
        items = self.candidate_tower(self.catalogue, training=training)
        logits = tf.matmul(y_pred, items, transpose_b=True) / self.temperature
        y = tf.cast(y, tf.int32)
        relevant, exclude = y[:, : -self.exclude_columns], y[:, -self.exclude_columns :]
        excluded = _multi_hot(exclude, tf.shape(logits)) > 0  # [B, M], never [B, R, M]
        log_p = tf.nn.log_softmax(tf.where(excluded, -1e9, logits), axis=-1)
        rows = tf.maximum(relevant, 0)
        # An excluded candidate leaves the relevant set too, as in tfrank.RetrievalMetrics.
        counted = tf.cast((relevant >= 0) & ~tf.gather(excluded, rows, batch_dims=1), tf.float32)
        n_rel = tf.reduce_sum(counted, axis=1)
        per_query = -tf.reduce_sum(counted * tf.gather(log_p, rows, batch_dims=1), axis=1) / tf.maximum(n_rel, 1.0)
        return tf.reduce_sum(per_query) / tf.maximum(tf.reduce_sum(tf.cast(n_rel > 0, tf.float32)), 1.0)


def _multi_hot(ids, shape):
    """Counts ``[B, M]`` of the ids ``[B, W]`` (-1: padding) of each row."""
    where = tf.where(ids >= 0)
    index = tf.stack([where[:, 0], tf.cast(tf.gather_nd(ids, where), tf.int64)], axis=1)
    return tf.scatter_nd(index, tf.ones(tf.shape(index)[:1]), tf.cast(shape, tf.int64))


def _tower(hp, data, name, n_ids):
    dim = hp.Choice("embedding_dim", [8, 16, 32, 64])
    if data.kind == "ids":
        layers = [keras.Input((), dtype="int32"), keras.layers.Embedding(n_ids, dim)]
    else:
        units = hp.Int("units", 32, 128, step=32)
        layers = [keras.Input(data.candidates.shape[1:]), keras.layers.Dense(units, activation="relu"),
                  keras.layers.Dense(dim)]
    if hp.Boolean("l2_normalize"):
        layers.append(keras.layers.UnitNormalization())
    return keras.Sequential(layers, name=name)


def build_model(hp, data, k):
    """The hypermodel: towers and `tfrank.RetrievalMetrics` are created inside build(hp), per trial."""
    query_tower = _tower(hp, data, "query_tower", data.n_queries)
    candidate_tower = _tower(hp, data, "candidate_tower", len(data.candidates))
    model = TwoTower(query_tower, candidate_tower, data.candidates, data.exclude_columns,
                     hp.Float("temperature", 0.02, 1.0, sampling="log"))
    metric = tfrank.RetrievalMetrics(data.candidates, k=k, metrics=["recall"], candidate_model=candidate_tower,
                                     exclude_columns=data.exclude_columns)
    model.compile(optimizer=keras.optimizers.Adam(hp.Float("learning_rate", 1e-3, 3e-2, sampling="log")),
                  metrics=[metric])
    model(data.x_val[:1])  # builds the model, so that keras-tuner can load a trial's weights
    return model


def search(data, *, k=100, max_trials=10, epochs=5, seed=0, out="tfrank-demo", resume=False, batch_size=64,
           on_trial=None):
    """One Bayesian search maximising ``val_recall_at_{k}``; returns ``(summary, tuner)`` (`tfrank.apps.demo.tune`)."""
    return demo.tune("bayesian", lambda hp: build_model(hp, data, k), tfrank.objective(f"val_recall_at_{k}"), data,
                     max_trials=max_trials, epochs=epochs, seed=seed, out=out, project="retrieval", resume=resume,
                     batch_size=batch_size, on_trial=on_trial)


def evaluate(model, data, k):
    """``val_recall_at_{k}`` of ``model`` over the whole catalogue, the validation split in one pass."""
    logs = model.evaluate(data.x_val, data.y_val, batch_size=len(data.y_val), verbose=0, return_dict=True)
    return float(logs[f"recall_at_{k}"])


# === Baselines: the objective without training, for scale ===


def baselines(data, k, seed=0):
    """``{name: value}``: random scores (the exact expectation over orderings: every query
    embedding zero, ``ties="expected"``) and an untrained two-tower model (default hyperparameters)."""
    import keras_tuner

    relevant, exclude = data.y_val[:, : -data.exclude_columns], data.y_val[:, -data.exclude_columns :]
    metric = tfrank.RetrievalMetrics(np.zeros((len(data.candidates), 1), np.float32), k=k, ties="expected")
    metric.update_state(relevant, np.zeros((len(relevant), 1), np.float32), exclude=exclude)
    keras.utils.set_random_seed(seed)
    untrained = build_model(keras_tuner.HyperParameters(), data, k)
    return {"random scores (expected)": float(metric.result()[f"recall_at_{k}"]),
            "untrained two-tower model": evaluate(untrained, data, k)}


def ceiling(data, k):
    """The best ``val_recall_at_{k}`` any ranking reaches on ``data``'s validation queries.

    A ranking that puts a query's R relevant candidates first finds min(k, R) of them in its
    top k: the ceiling is the mean of min(k, R) / R, below 1 when a query has R > k. As in
    `tfrank.RetrievalMetrics`, R counts the relevant candidates not excluded, and a query
    without one is left out.
    """
    relevant, exclude = data.y_val[:, : -data.exclude_columns], data.y_val[:, -data.exclude_columns :]
    n_rel = np.array([len(set(r[r >= 0]) - set(e[e >= 0])) for r, e in zip(relevant, exclude)])
    n_rel = n_rel[n_rel > 0]
    return float(np.mean(np.minimum(k, n_rel) / n_rel))


# === The command ===


def recall_metric(data, k):
    """``model -> RetrievalMetrics``: each trial's ``recall_at_{k}`` on its own candidate tower, for
    `tfrank.tuners.compare_trials` (a compiled config holds no catalogue to rebuild it from)."""

    def metric(model):
        return tfrank.RetrievalMetrics(data.candidates, k=k, metrics=["recall"], candidate_model=model.candidate_tower,
                                       exclude_columns=data.exclude_columns)

    return metric


def searches(args, on_trial, show):
    """``tfrank demo --task retrieval``: ``(results, details)`` for `tfrank.apps.cli`, or None if no data."""
    try:
        data = retrieval_data.load(args.dataset, seed=args.seed, data_dir=args.data_dir)
    except retrieval_data.DataError as err:
        print(f"tfrank demo: {err}", file=sys.stderr)
        return None
    if args.k > len(data.candidates):
        print(f"tfrank demo: --k must be at most the catalogue's {len(data.candidates)} candidates, got {args.k}",
              file=sys.stderr)
        return None
    print(f"data: {data.summary()}\n      {data.description}\n      a perfect ranking scores "
          f"val_recall_at_{args.k} = {ceiling(data, args.k):.4f} (min(K, R) / R per query)")
    print(f"search: maximise val_recall_at_{args.k} over the whole catalogue, {args.max_trials} trials x "
          f"{args.epochs} epochs, BayesianOptimization with {demo.initial_points(args.max_trials)} random "
          "initial points", flush=True)
    summary, tuner = search(data, k=args.k, max_trials=args.max_trials, epochs=args.epochs, seed=args.seed,
                            out=args.out, resume=args.resume, batch_size=args.batch_size, on_trial=on_trial)
    summary["trial_comparison"] = report.compare(tuner, data.x_val, data.y_val, metric=recall_metric(data, args.k),
                                                 split=f"validation split ({len(data.y_val)} queries)", seed=args.seed)
    show("bayesian", summary)
    details = {"dataset": data.name, "data": data.summary(), "k": args.k, "ceiling": ceiling(data, args.k),
               "baselines": baselines(data, args.k, args.seed)}
    return [summary], details
