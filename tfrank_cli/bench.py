"""``tfrank bench``'s options; `tfrank.bench` runs what they ask for.

The names they accept are defined here and read by `tfrank.bench` (`SECTIONS`,
`DEFAULT_SECTIONS`, `FORMATS`, `MODES`); `IMPLS` repeats the names of
``tfrank.bench.impls.BY_NAME``, which a test keeps equal.
"""

from tfrank_cli.argtypes import choices, positive_float, positive_ints

DEFAULT_SECTIONS = ("cases", "family", "fit", "memory", "budget", "retrieval", "stats")
# xla: export tfrank's XLA programs for a replay where jaxlib runs (tfrank/bench/xla.py); opt-in.
# losses: the pairwise losses' training step, dense labels vs ids (tfrank/bench/pair_losses.py); opt-in.
# threshold: the exact threshold metrics vs Keras' binned ones and scikit-learn (tfrank/bench/threshold.py); opt-in.
SECTIONS = DEFAULT_SECTIONS + ("xla", "losses", "threshold")
FORMATS = ("dense", "ids", "class")  # label formats of the cases
MODES = ("eager", "graph", "xla")  # how the update runs: eagerly, in a tf.function, compiled by XLA
IMPLS = ("read_pass", "tfrank", "numpy_argpartition", "numpy_argsort_loop", "reference", "keras_rs", "keras_precision")
DESCRIPTION = (
    "Compared on the same inputs, case by case: tfrank; its NumPy reference (tfrank.reference); the per-row "
    "np.argsort loop users write; a vectorised np.argpartition; keras-rs PrecisionAtK; Keras Precision(top_k=K); and "
    "one read pass over y_pred (tf.reduce_max), the limit proxy. Also RankingMetrics against one metric object per "
    "metric, the overhead of tfrank metrics in a model.fit epoch, peak memory at N = 1,000,000, the budget metrics' "
    "update, retrieval over a whole candidate corpus (--retrieval-items sets its corpus sizes M) and the "
    "paired tests of tfrank.stats (10,000 resamples over 10,000 lists); on request "
    "(--sections xla) an export of tfrank's XLA programs for a replay by jaxlib, and (--sections losses) the "
    "pairwise losses' training step on dense labels and ids, and (--sections threshold) the exact threshold "
    "metrics against Keras' binned ones and scikit-learn. Writes results.json (raw medians), "
    "results.md (ratio tables) and PNG plots to --out; --quick is a tiny run."
)


def register(subparsers, add_verbose):
    """Adds ``bench`` to the ``tfrank`` command line; returns its parser."""
    parser = subparsers.add_parser(
        "bench", help="benchmark tfrank against NumPy and Keras peers (tables and plots)", description=DESCRIPTION)
    parser.add_argument("--out", default="tfrank-bench", help="output folder (default ./tfrank-bench)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu",
                        help="where TensorFlow runs (default cpu); gpu: TensorFlow's own GPU runtime, "
                             "untested so far on a GPU, and fails if no GPU is visible")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (a smoke test)")
    sizes = parser.add_argument_group("sizes (any of these replaces the standard plan by their product)")
    sizes.add_argument("--batch", type=positive_ints, help="lists per batch B, e.g. 256,1024")
    sizes.add_argument("--items", type=positive_ints, help="items per list N, e.g. 100,10000,1000000")
    sizes.add_argument("--k", type=positive_ints, help="cut-off K, e.g. 1,10")
    sizes.add_argument("--relevant", type=positive_ints, help="relevant items per list R, e.g. 1,5")
    sizes.add_argument("--formats", type=choices(FORMATS), help="label formats: " + ",".join(FORMATS))
    sizes.add_argument("--modes", type=choices(MODES), help=",".join(MODES))
    parser.add_argument("--max-elements", type=positive_ints, default=None,
                        help="cap B so that B*N stays at most this (default 16777216 in the standard plan)")
    parser.add_argument("--impls", type=choices(IMPLS), default=IMPLS,
                        help="implementations to compare (default all): " + ",".join(IMPLS))
    parser.add_argument("--sections", type=choices(SECTIONS), default=DEFAULT_SECTIONS,
                        help="what to run (default " + ",".join(DEFAULT_SECTIONS) + "); xla writes OUT/xla-bundle "
                             "(HLO of each program, input recipes, TensorFlow's values) and replays it with "
                             "jaxlib on the CPU when jax is installed")
    parser.add_argument("--retrieval-items", type=positive_ints, default=None,
                        help="corpus sizes M of the retrieval section, e.g. 100000,1000000 (default 100000)")
    parser.add_argument("--repeats", type=positive_ints, default=(7,), help="rounds per case (default 7)")
    parser.add_argument("--budget-seconds", type=positive_float, default=1.0,
                        help="at most this many seconds of samples per implementation and case (default 1)")
    parser.add_argument("--max-call-seconds", type=positive_float, default=5.0,
                        help="skip a NumPy implementation estimated slower than this per call (default 5)")
    parser.add_argument("--max-gib", type=positive_float, default=2.0,
                        help="skip Keras Precision(top_k) when its [B,K,N] one-hot exceeds this (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs (default 0)")
    add_verbose(parser)
    return parser
