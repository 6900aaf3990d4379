"""The ``tfrank`` command line: every option of ``tfrank demo`` and ``tfrank bench``, without TensorFlow.

``import tfrank`` imports TensorFlow (several seconds) because it must register tfrank's
Keras classes, so that a saved ``.keras`` model with tfrank metrics loads after a plain
``import tfrank``. Any module inside the ``tfrank`` package pays that import first, so the
command line lives outside it, in this package, which imports only the standard library:

* `tfrank_cli.argtypes`: the argument types (``positive_int``, ``choices``, ...);
* `tfrank_cli.demo` and `tfrank_cli.bench`: each command's options and the names they accept;
* here: `parser` (both commands) and `parse` (parse and check, the task's defaults filled in);
* `tfrank_cli.command`: the console command ``tfrank``, which parses first (``--help`` and bad
  options answer before TensorFlow loads), then imports ``tfrank.apps.cli`` to run the command.

``tfrank.apps`` and ``tfrank.bench`` import from this package; it imports nothing from
them, except ``tfrank_cli.command``, which nothing imports.
"""

import argparse

from tfrank_cli import bench, demo


def add_verbose(parser, default=argparse.SUPPRESS):
    """``--verbose``, on the top-level parser (default False) and on each command (unset unless given)."""
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="show TensorFlow's start-up logs (hidden by default)")


def parser():
    """The ``tfrank`` parser: ``tfrank [--verbose] {demo,bench} ...``."""
    top = argparse.ArgumentParser(prog="tfrank", description="tfrank: ranking metrics for Keras 3 on TensorFlow")
    add_verbose(top, default=False)
    subparsers = top.add_subparsers(dest="command", required=True, metavar="{demo,bench}")
    demo.register(subparsers, add_verbose)
    bench.register(subparsers, add_verbose)
    return top


def parse(argv):
    """The parsed and checked command line (``demo``: its task's defaults filled in); exits 2 on bad options."""
    args = parser().parse_args(argv)
    return demo.task_options(args) if args.command == "demo" else args
