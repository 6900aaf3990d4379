"""The pairwise losses' training step: time and the largest tensor, dense labels against ids.

One step = the loss and its gradient with respect to the logits, in a ``tf.function``
(graph mode, and XLA unless ``--quick``), for each pairwise loss with and without an
NDCG lambda weight, on the same lists given as dense ``[B, N]`` labels (every pair,
``[B, N, N]``) and as ids ``[B, R]`` (``[B, R, N]``: each relevant item against every
item). Times are medians of interleaved rounds, as ratios to one read pass over the
logits measured in the same run. "Largest tensor" is read off the traced step (forward
and backward): the largest static shape among its ops' outputs, times 4 bytes; it is what
the step needs at least, beside y_pred. The dense and ids steps must give the same loss.
"""

import numpy as np

LOSSES = ("PairwiseLogisticLoss", "PairwiseHingeLoss", "PairwiseSoftZeroOneLoss", "PairwiseMSELoss")
FULL = {100: 256, 1_000: 16}  # N: B
QUICK = {32: 4}
RELEVANT = 5
MIB = 2**20


class _Call:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def call(self):
        return [value.numpy() for value in self.fn(*self.args)]


def _step(loss, jit_compile):
    import tensorflow as tf

    def step(y_true, y_pred):
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            value = loss(y_true, y_pred)
        return value, tf.reduce_max(tape.gradient(value, y_pred))

    return tf.function(step, jit_compile=jit_compile)


def largest_tensor_bytes(function, *args):
    """Bytes of the largest statically shaped op output in ``function``'s graph for ``args``."""
    graph = function.get_concrete_function(*args).graph
    sizes = [int(np.prod(out.shape.as_list())) * 4 for op in graph.get_operations() for out in op.outputs
             if out.shape.rank is not None and out.shape.is_fully_defined()]
    return max(sizes, default=0)


def run(device, limits, quick=False, say=print, seed=0, sizes=None, losses=LOSSES):
    import tensorflow as tf

    import tfrank
    from tfrank.bench import timing

    sizes = sizes or (QUICK if quick else FULL)
    modes = ("graph",) if quick else ("graph", "xla")
    rng = np.random.default_rng(seed)
    rows = []
    with tf.device(device):
        for n_items, batch in sizes.items():
            y_pred = tf.constant(rng.normal(size=(batch, n_items)).astype(np.float32))
            ids = np.stack([rng.choice(n_items, RELEVANT, replace=False) for _ in range(batch)]).astype(np.int32)
            dense = np.zeros((batch, n_items), np.float32)
            np.put_along_axis(dense, ids, 1.0, axis=1)
            labels = {"dense": tf.constant(dense), "ids": tf.constant(ids)}
            for name in losses:
                for weighted in (False, True):
                    options = {"lambda_weight": tfrank.losses.NDCGLambdaWeight(k=10)} if weighted else {}
                    loss = getattr(tfrank.losses, name)(**options)
                    for mode in modes:
                        read = tf.function(lambda s: [tf.reduce_max(s)], jit_compile=mode == "xla")
                        steps = {form: _step(loss, mode == "xla") for form in labels}
                        runners = {"read_pass": _Call(read, y_pred),
                                   **{form: _Call(steps[form], labels[form], y_pred) for form in labels}}
                        first = {form: runner.call() for form, runner in runners.items()}  # trace, compile
                        measured = timing.measure(runners, limits)
                        read_s = measured["read_pass"]["median"]
                        row = {"loss": name, "lambda_weight": "NDCG@10" if weighted else None, "items": n_items,
                               "batch": batch, "relevant": RELEVANT, "mode": mode,
                               "over_read_pass": {form: measured[form]["median"] / read_s for form in labels},
                               "largest_tensor_mib": {form: largest_tensor_bytes(steps[form], labels[form], y_pred) / MIB
                                                      for form in labels},
                               "agree": bool(np.allclose(first["dense"][0], first["ids"][0], rtol=1e-4, atol=1e-6))}
                        row["ids_over_dense"] = row["over_read_pass"]["ids"] / row["over_read_pass"]["dense"]
                        rows.append(row)
                        say("  " + _line(row))
    return rows


def _line(row):
    ratio, mib = row["over_read_pass"], row["largest_tensor_mib"]
    return (f"| {row['loss']} | {row['lambda_weight'] or '—'} | {row['items']:,} | {row['batch']} | {row['mode']} | "
            f"{ratio['dense']:.1f} | {ratio['ids']:.1f} | {row['ids_over_dense']:.2f} | {mib['dense']:.2f} | "
            f"{mib['ids']:.2f} | {'yes' if row['agree'] else '**no**'} |")


def table(rows):
    """Markdown lines for results.md."""
    return ["### Pairwise losses: a training step (loss + gradient), dense labels vs ids (R = 5)", "",
            "| loss | lambda weight | N | B | mode | dense ÷ read pass | ids ÷ read pass | ids ÷ dense | "
            "largest tensor, dense (MiB) | largest tensor, ids (MiB) | same loss |",
            "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|"] + [_line(row) for row in rows] + [""]
