"""Cost of a training step's loss + metrics with ids labels against densified labels.

One step = a tfrank loss with its gradient with respect to the logits, plus
``PrecisionAtK(k=10)`` and ``RecallAtK(k=10)`` updates, as ``model.fit`` runs them, in a
``tf.function`` (graph mode; ``--xla`` adds XLA). The same lists are given as ids
``[B, R]`` padded with -1 and as the dense ``[B, N]`` float labels a user would build
by densifying them in the input pipeline (that densification is not timed: the dense
figures are the favourable ones). Figures are medians of interleaved rounds, as ratios
to one read pass over the logits (``tf.reduce_max``) measured in the same run.

Run: ``python -m benchmarks.bench_losses [--items 10000,1000000] [--out results.md]``.
"""

import argparse
import os
import sys

import numpy as np

SIZES = {10_000: 256, 1_000_000: 4}  # N: B, so that B*N stays at most 4M floats
LOSSES = ("SoftmaxLoss", "SigmoidLoss", "PairwiseLogisticLoss")
RELEVANT = 5


class _Call:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def call(self):
        return [value.numpy() for value in self.fn(*self.args)]


def _step(loss_name, jit_compile):
    import tensorflow as tf

    import tfrank

    loss = getattr(tfrank.losses, loss_name)()
    metrics = [tfrank.PrecisionAtK(k=10), tfrank.RecallAtK(k=10)]

    def step(y_true, y_pred):
        with tf.GradientTape() as tape:
            tape.watch(y_pred)
            value = loss(y_true, y_pred)
        grad = tape.gradient(value, y_pred)
        for metric in metrics:
            metric.update_state(y_true, y_pred)
        return value, tf.reduce_max(grad), metrics[0].result(), metrics[1].result()

    return tf.function(step, jit_compile=jit_compile)


def run(sizes=SIZES, losses=LOSSES, modes=("graph",), limits=None, seed=0, say=print):
    """Rows ``{loss, items, batch, mode, ids, dense, ids_over_dense, agree}``; ids/dense are
    ratios to a read pass, None where dense labels would need a ``[B, N, N]`` tensor."""
    import tensorflow as tf

    from tfrank.bench import timing

    limits = limits or timing.Limits(repeats=5, budget=1.0)
    rng = np.random.default_rng(seed)
    rows = []
    for n_items, batch in sizes.items():
        y_pred = tf.constant(rng.normal(size=(batch, n_items)).astype(np.float32))
        ids = np.stack([rng.choice(n_items, RELEVANT, replace=False) for _ in range(batch)]).astype(np.int32)
        dense = np.zeros((batch, n_items), np.float32)
        np.put_along_axis(dense, ids, 1.0, axis=1)
        ids, dense = tf.constant(ids), tf.constant(dense)
        for mode in modes:
            read = tf.function(lambda s: [tf.reduce_max(s)], jit_compile=mode == "xla")
            for loss_name in losses:
                runners = {"read_pass": _Call(read, y_pred), "ids": _Call(_step(loss_name, mode == "xla"), ids, y_pred)}
                pairs = loss_name == "PairwiseLogisticLoss"  # dense labels: [B, N, N]
                if not pairs or batch * n_items * n_items * 4 <= 2**30:
                    runners["dense"] = _Call(_step(loss_name, mode == "xla"), dense, y_pred)
                first = {name: runner.call() for name, runner in runners.items()}  # trace, compile
                measured = timing.measure(runners, limits)
                read_s = measured["read_pass"]["median"]
                row = {"loss": loss_name, "items": n_items, "batch": batch, "mode": mode,
                       "ids": measured["ids"]["median"] / read_s, "dense": None, "ids_over_dense": None,
                       "agree": None}
                if "dense" in runners:
                    row["dense"] = measured["dense"]["median"] / read_s
                    row["ids_over_dense"] = row["ids"] / row["dense"]
                    row["agree"] = bool(np.allclose(first["ids"][0], first["dense"][0], rtol=1e-4)
                                        and np.allclose(first["ids"][2:], first["dense"][2:]))
                rows.append(row)
                say(_line(row))
    return rows


def _cell(value, unit="x"):
    return "—" if value is None else f"{value:.1f}{unit}" if value >= 10 else f"{value:.2f}{unit}"


def _line(row):
    return (f"| {row['loss']} | {row['items']:,} | {row['batch']} | {row['mode']} | {_cell(row['ids'])} | "
            f"{_cell(row['dense'])} | {_cell(row['ids_over_dense'])} |")


HEADER = ("| loss (+ P@10, R@10) | N | B | mode | ids [B, 5] | dense [B, N] | ids / dense |\n"
          "|---|---:|---:|---|---:|---:|---:|")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", default=",".join(str(n) for n in SIZES), help="list sizes N, comma-separated")
    parser.add_argument("--xla", action="store_true", help="also time the step compiled with XLA")
    parser.add_argument("--out", help="also write the markdown table to this file")
    args = parser.parse_args(argv)
    sizes = {int(n): SIZES.get(int(n), max(1, 2**22 // int(n))) for n in args.items.split(",")}
    print("ratios to one read pass over the logits, medians of interleaved rounds\n" + HEADER)
    rows = run(sizes, modes=("graph", "xla") if args.xla else ("graph",))
    if args.out:
        with open(args.out, "w") as out:
            out.write(HEADER + "\n" + "\n".join(_line(row) for row in rows) + "\n")
    return 0 if all(row["agree"] is not False for row in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
