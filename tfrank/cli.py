"""``python -m tfrank.cli``: the ``tfrank`` command, run in this process (see `tfrank.apps.cli`).

The console command ``tfrank`` is ``tfrank_cli.command.main``, which parses before TensorFlow loads.
"""

import sys

from tfrank.apps.cli import main, run_demo

__all__ = ["main", "run_demo"]

if __name__ == "__main__":
    sys.exit(main())
