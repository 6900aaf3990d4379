"""Cost of one PrecisionAtBudget update relative to one read pass over y_pred.

Run: ``python -m benchmarks.bench_budget [--out DIR]`` (the budget section of
``tfrank bench``; see `tfrank.bench.budget`).
"""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads
    from tfrank_cli.command import main

    sys.exit(main(["bench", "--sections", "budget", *sys.argv[1:]]))
