"""``python -m benchmarks [OPTIONS]``: the same as ``tfrank bench [OPTIONS]``."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads

from tfrank_cli.command import main  # noqa: E402  (parses before TensorFlow loads)

sys.exit(main(["bench", *sys.argv[1:]]))
