"""``tfrank bench``: tfrank's Precision@K update against NumPy and Keras peers, in one run.

Compared on the same inputs, case by case: tfrank; its NumPy reference
(`tfrank.reference`); the per-row ``np.argsort`` loop users write; a vectorised
``np.argpartition``; keras-rs ``PrecisionAtK``; Keras ``Precision(top_k=K)``; and one
read pass over y_pred (``tf.reduce_max``), the limit proxy. Also `RankingMetrics`
against one metric object per metric, the overhead of tfrank metrics in a ``model.fit``
epoch, peak memory at N = 1,000,000, the budget metrics' update and retrieval over a
whole candidate corpus (``--retrieval-items`` sets its corpus sizes M); on request
(``--sections xla``) an export of tfrank's XLA programs for a replay by jaxlib, and
(``--sections losses``) the pairwise losses' training step on dense labels and ids, and
(``--sections threshold``) the exact threshold metrics against Keras' binned ones and
scikit-learn. Writes
``results.json`` (raw medians), ``results.md`` (ratio tables) and PNG plots to
``--out``; ``--quick`` is a tiny run.

Importing this module is cheap (no TensorFlow): `register` only adds the parser.
"""

import argparse

from tfrank.bench.plan import DEFAULT_SECTIONS, SECTIONS  # NumPy only


def _positive_ints(text):
    from tfrank_cli import positive_int  # the command line's argument types (argparse only)

    return tuple(positive_int(part) for part in text.split(","))


def _choices(valid):
    def parse(text):
        values = tuple(part.strip() for part in text.split(","))
        bad = [v for v in values if v not in valid]
        if bad or not values:
            raise argparse.ArgumentTypeError(f"must be a comma-separated list of {', '.join(valid)}; got {text!r}")
        return values

    return parse


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def register(subparsers):
    """Adds the ``bench`` subcommand to the ``tfrank`` command line."""
    from tfrank.bench import data, impls

    parser = subparsers.add_parser(
        "bench",
        help="benchmark tfrank against NumPy and Keras peers (tables and plots)",
        description=__doc__.split("\n\n")[1].replace("\n", " "),
    )
    parser.add_argument("--out", default="tfrank-bench", help="output folder (default ./tfrank-bench)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="where TensorFlow runs (default cpu); gpu: TensorFlow's own GPU runtime, "
                             "untested so far on a GPU, and fails if no GPU is visible")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (a smoke test)")
    sizes = parser.add_argument_group("sizes (any of these replaces the standard plan by their product)")
    sizes.add_argument("--batch", type=_positive_ints, help="lists per batch B, e.g. 256,1024")
    sizes.add_argument("--items", type=_positive_ints, help="items per list N, e.g. 100,10000,1000000")
    sizes.add_argument("--k", type=_positive_ints, help="cut-off K, e.g. 1,10")
    sizes.add_argument("--relevant", type=_positive_ints, help="relevant items per list R, e.g. 1,5")
    sizes.add_argument("--formats", type=_choices(data.FORMATS), help="label formats: dense,ids,class")
    sizes.add_argument("--modes", type=_choices(("eager", "graph", "xla")), help="eager,graph,xla")
    parser.add_argument("--max-elements", type=_positive_ints, default=None,
                        help="cap B so that B*N stays at most this (default 16777216 in the standard plan)")
    parser.add_argument("--impls", type=_choices(tuple(impls.BY_NAME)), default=tuple(impls.BY_NAME),
                        help="implementations to compare (default all): " + ",".join(impls.BY_NAME))
    parser.add_argument("--sections", type=_choices(SECTIONS), default=DEFAULT_SECTIONS,
                        help="what to run (default " + ",".join(DEFAULT_SECTIONS) + "); xla writes OUT/xla-bundle "
                             "(HLO of each program, input recipes, TensorFlow's values) and replays it with "
                             "jaxlib on the CPU when jax is installed")
    parser.add_argument("--retrieval-items", type=_positive_ints, default=None,
                        help="corpus sizes M of the retrieval section, e.g. 100000,1000000 (default 100000)")
    parser.add_argument("--repeats", type=_positive_ints, default=(7,), help="rounds per case (default 7)")
    parser.add_argument("--budget-seconds", type=_positive_float, default=1.0,
                        help="at most this many seconds of samples per implementation and case (default 1)")
    parser.add_argument("--max-call-seconds", type=_positive_float, default=5.0,
                        help="skip a NumPy implementation estimated slower than this per call (default 5)")
    parser.add_argument("--max-gib", type=_positive_float, default=2.0,
                        help="skip Keras Precision(top_k) when its [B,K,N] one-hot exceeds this (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    parser.set_defaults(func=_run)
    return parser


def _run(args):
    from tfrank.bench import runner

    return runner.run(args)


def main(argv=None):
    """``python -m benchmarks`` and friends: the same as ``tfrank bench ARGS``."""
    import sys

    import tfrank_cli  # the command's parser; tfrank.bench imports nothing from tfrank.apps

    args = tfrank_cli.parser(register_bench=register).parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)
