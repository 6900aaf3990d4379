"""What `tfrank.RankingMetrics` saves: several metrics from one ranking vs one metric object each.

Dense labels (R relevant items per list), k = [5, 10], metrics precision, recall, ndcg,
map and mrr, graph mode (what ``model.fit`` runs). Compared in one interleaved run: the
read pass; the five metric classes, each updated by its own ``update_state`` (five
rankings); `RankingMetrics` over the same five (one ranking); and the same with
``ties="expected"``. The separate metrics and the combined one must report the same
values, or the section says so (``agree``) and the run fails.
"""

import numpy as np

METRICS = ("precision", "recall", "ndcg", "map", "mrr")
KS = [5, 10]
FULL = {"batch": 1024, "items": 10_000, "relevant": 5}
QUICK = {"batch": 64, "items": 2_048, "relevant": 5}


class _Call:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def call(self):
        self.fn(*self.args).numpy()


def _classes(tfrank):
    return {cls.base: cls for cls in (tfrank.PrecisionAtK, tfrank.RecallAtK, tfrank.NDCGAtK, tfrank.MAPAtK,
                                      tfrank.MRRAtK)}


def run(device, limits, quick=False, say=print, seed=0):
    import tensorflow as tf

    import tfrank
    from tfrank.bench import timing

    size = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    batch, items = size["batch"], size["items"]
    scores = rng.permuted(np.tile(np.arange(items, dtype=np.float32), (batch, 1)), axis=1)
    labels = np.zeros((batch, items), np.float32)
    for row in labels:
        row[rng.choice(items, size=size["relevant"], replace=False)] = 1.0
    with tf.device(device):
        y_pred, y_true = tf.constant(scores), tf.constant(labels)
        separate = [_classes(tfrank)[name](k=KS) for name in METRICS]
        combined = {ties: tfrank.RankingMetrics(k=KS, metrics=list(METRICS), ties=ties) for ties in ("first", "expected")}

        def update_all(metrics):
            def update(y_true, y_pred):
                for metric in metrics:
                    metric.update_state(y_true, y_pred)
                return tf.convert_to_tensor(metrics[-1].variables[0])

            return tf.function(update)

        runners = {
            "read_pass": _Call(tf.function(lambda s: tf.reduce_max(s, axis=1)), y_pred),
            "separate": _Call(update_all(separate), y_true, y_pred),
            "combined": _Call(update_all([combined["first"]]), y_true, y_pred),
            "combined_expected": _Call(update_all([combined["expected"]]), y_true, y_pred),
        }
        for runner in runners.values():
            runner.call()  # trace
        measured = timing.measure(runners, limits)
    values = {}
    for metric in separate:
        values.update({name: float(v) for name, v in metric.result().items()})
    together = {name: float(v) for name, v in combined["first"].result().items()}
    agree = set(values) == set(together) and all(np.isclose(values[n], together[n], atol=1e-6) for n in values)
    read = measured["read_pass"]["median"]
    row = {"batch": batch, "items": items, "relevant": size["relevant"], "k": KS, "metrics": list(METRICS),
           "seconds": {name: m["median"] for name, m in measured.items()},
           "over_read_pass": {name: m["median"] / read for name, m in measured.items() if name != "read_pass"},
           "separate_over_combined": measured["separate"]["median"] / measured["combined"]["median"],
           "agree": bool(agree)}
    say(f"  {len(METRICS)} metrics x k={KS}, B={batch}, N={items}: separate {row['over_read_pass']['separate']:.1f}x, "
        f"combined {row['over_read_pass']['combined']:.1f}x, combined ties='expected' "
        f"{row['over_read_pass']['combined_expected']:.1f}x the read pass; separate / combined = "
        f"{row['separate_over_combined']:.1f}{'' if agree else '  (VALUES DISAGREE)'}")
    return [row]


def table(rows):
    """Markdown lines for results.md."""
    out = ["### Several metrics: one `RankingMetrics` vs one metric object each (graph mode)", "",
           "| B | N | R | metrics, k | separate ÷ read pass | combined ÷ read pass | combined, `ties=\"expected\"` "
           "÷ read pass | separate ÷ combined | same values |",
           "|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for row in rows:
        ratio = row["over_read_pass"]
        out.append(f"| {row['batch']:,} | {row['items']:,} | {row['relevant']} | {', '.join(row['metrics'])}; "
                   f"k={row['k']} | {ratio['separate']:.1f} | {ratio['combined']:.1f} | "
                   f"{ratio['combined_expected']:.1f} | {row['separate_over_combined']:.1f} | "
                   f"{'yes' if row['agree'] else '**no**'} |")
    return out + [""]
