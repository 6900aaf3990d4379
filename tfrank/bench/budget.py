"""Cost of one `tfrank.PrecisionAtBudget` update relative to one read pass over y_pred.

Scores ``[n]`` for n examples (5% positives); ratio of medians, interleaved, in graph
mode and under XLA, for a few budgets. (Formerly ``benchmarks/bench_budget.py``.)
"""

import numpy as np

FULL = {"examples": 65_536, "budgets": (100, 1_000, 10_000)}
QUICK = {"examples": 1_024, "budgets": (10, 100)}


class _Call:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def call(self):
        self.fn(*self.args).numpy()


def run(device, limits, quick=False, say=print, seed=0):
    import tensorflow as tf

    import tfrank
    from tfrank.bench import timing

    size = QUICK if quick else FULL
    rng = np.random.default_rng(seed)
    rows = []
    with tf.device(device):
        y_pred = tf.constant(rng.random(size["examples"], dtype=np.float32))
        y_true = tf.constant((rng.random(size["examples"]) < 0.05).astype(np.float32))
        for budget in size["budgets"]:
            ratios = {}
            for mode in ("graph", "xla"):
                metric = tfrank.PrecisionAtBudget(budget=budget)

                def update(y_true, y_pred, metric=metric):
                    metric.update_state(y_true, y_pred)
                    return tf.convert_to_tensor(metric.variables[0])

                runners = {
                    "read_pass": _Call(tf.function(tf.reduce_max, jit_compile=mode == "xla"), y_pred),
                    "update": _Call(tf.function(update, jit_compile=mode == "xla"), y_true, y_pred),
                }
                for runner in runners.values():
                    runner.call()  # trace and compile
                measured = timing.measure(runners, limits)
                ratios[mode] = measured["update"]["median"] / measured["read_pass"]["median"]
            say(f"  budget {budget}, n={size['examples']}: update / read pass = "
                f"{ratios['graph']:.1f}x (graph), {ratios['xla']:.1f}x (XLA)")
            rows.append({"examples": size["examples"], "budget": budget, "over_read_pass": ratios})
    return rows
