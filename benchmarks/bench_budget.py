"""Cost of one PrecisionAtBudget update relative to one read pass over y_pred.

The limit proxy (DESIGN.md, performance contract) is ``tf.reduce_max(y_pred)``; each
figure is a ratio of medians measured in one run on the same inputs, graph mode
(``tf.function``) and XLA. Run: ``python benchmarks/bench_budget.py``.
"""

import os
import timeit


def main(batch=65536, budgets=(100, 1000, 10000), repeats=30):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    import tfrank

    rng = np.random.default_rng(0)
    y_pred = tf.constant(rng.random(batch, dtype=np.float32))
    y_true = tf.constant((rng.random(batch) < 0.05).astype(np.float32))
    print(f"batch {batch}, median of {repeats}; ratio = update time / tf.reduce_max(y_pred) time")
    print("| budget | graph | XLA |\n|---|---|---|")
    for budget in budgets:
        ratios = []
        for jit in (False, True):
            read = tf.function(lambda s: tf.reduce_max(s), jit_compile=jit)
            metric = tfrank.PrecisionAtBudget(budget=budget)
            update = tf.function(metric.update_state, jit_compile=jit)
            read(y_pred), update(y_true, y_pred)  # trace and compile

            def run(fn, *args):
                return np.median(timeit.repeat(lambda: fn(*args), number=5, repeat=repeats)) / 5

            ratios.append(run(update, y_true, y_pred) / run(read, y_pred))
        print(f"| {budget} | {ratios[0]:.1f}x | {ratios[1]:.1f}x |")


if __name__ == "__main__":
    main()
