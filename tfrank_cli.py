"""The ``tfrank`` console command: parses the command line before TensorFlow loads.

``import tfrank`` imports TensorFlow (several seconds) because it must register tfrank's
Keras classes, so that a saved ``.keras`` model with tfrank metrics loads after a plain
``import tfrank`` (Keras imports no third-party module by itself when it deserialises).
Any module inside the ``tfrank`` package would pay that import first, so the command's
entry point is this top-level module: it defines the options and checks them, which
answers ``tfrank --help``, ``tfrank demo --help`` and every bad ``demo`` option at once,
and only then imports ``tfrank.apps.cli`` to run the command. ``tfrank bench``'s options are
defined by ``tfrank.bench`` (argparse and NumPy only), which this module loads without running
``tfrank/__init__`` (`bench_options`), so ``tfrank bench --help`` and bad bench options
answer before TensorFlow loads too.

Unless ``--verbose`` is given, TensorFlow's start-up lines (oneDNN, CPU features) are
hidden: ``TF_CPP_MIN_LOG_LEVEL=2`` (when the user has not set it) and standard error held
back while TensorFlow is imported, then shown only if the import fails.
"""

import argparse
import contextlib
import importlib
import importlib.util
import os
import sys
import tempfile
import types

# === Argument types: errors read "argument --k: must be a positive int, got '0'" ===


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0 or str(value) != text.strip():
        raise argparse.ArgumentTypeError(f"must be a positive int, got {text!r}")
    return value


def dataset_name(text):
    if text == "digits" or (text.startswith("tfds:") and len(text) > len("tfds:")):
        return text
    raise argparse.ArgumentTypeError(
        f"must be 'digits' (scikit-learn's bundled images, the default) or 'tfds:NAME' "
        f"(a prepared TFDS ranking builder, e.g. tfds:mslr_web/10k_fold1), got {text!r}"
    )


# === tfrank demo ===

# The bases of tfrank's cut-off metrics (tfrank.tuning.objective.CUTOFF_BASES; a test keeps them equal).
CUTOFF_BASES = ("precision", "recall", "f1", "hit_rate", "mrr", "map", "ndcg", "dcg")
RANKING_ONLY = ("k", "metric", "dataset", "data_dir", "compare", "max_lists")
FRAUD_ONLY = ("budget",)
# The task-specific options each task takes (the others are refused with exit code 2).
TASK_OPTIONS = {"ranking": RANKING_ONLY, "fraud": FRAUD_ONLY, "retrieval": ("k", "dataset", "data_dir")}
RETRIEVAL_DATASETS = ("digits", "tfds:movielens/100k-ratings")
DEFAULTS = {
    "ranking": {"epochs": 5, "batch_size": 64, "k": 3, "metric": "precision", "dataset": "digits"},
    "fraud": {"epochs": 30, "batch_size": 32, "budget": 10},
    "retrieval": {"epochs": 3, "batch_size": 64, "k": 100, "dataset": "digits"},
}


def register_demo(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="run a keras-tuner Bayesian search that maximises a tfrank metric",
        description=(
            "--task ranking (default): tune a small Keras ranking model with "
            "keras_tuner.BayesianOptimization on val_precision_at_K, logged by tfrank.PrecisionAtK "
            "during model.fit; data: query-by-example retrieval on scikit-learn's bundled digit images "
            "(no download). --task fraud: two Bayesian searches of the fraud tutorial's model on a rare-"
            "positive data set (scikit-learn's breast-cancer data), one maximising val_recall, one "
            "val_precision_at_budget_B, and a table of what each selects. --task retrieval: tune a two-tower "
            "model on val_recall_at_K over a whole candidate catalogue (tfrank.RetrievalMetrics): held-out digit "
            "images query the gallery of all others, or MovieLens users query all movies. Writes OUT/results.json and "
            "OUT/search.png."
        ),
    )
    parser.add_argument("--task", choices=tuple(TASK_OPTIONS), default="ranking", help="which demo (default ranking)")
    parser.add_argument("--max-trials", type=positive_int, default=10, help="trials per search (default 10)")
    parser.add_argument("--epochs", type=positive_int, help="training epochs per trial (default 5; fraud 30; retrieval 3)")
    parser.add_argument("--k", type=positive_int, help="ranking, retrieval: cut-off K of the objective (default 3; retrieval 100)")
    parser.add_argument("--metric", choices=CUTOFF_BASES, help="ranking: objective val_{metric}_at_{K} (default precision)")
    parser.add_argument("--budget", type=positive_int, help="fraud: cases reviewed, B in val_precision_at_budget_B (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, weights and tuner (default 0)")
    parser.add_argument("--out", default="tfrank-demo", help="output folder (default ./tfrank-demo)")
    parser.add_argument("--dataset", type=dataset_name, help="'digits' (default) or 'tfds:NAME' (retrieval: tfds:movielens/100k-ratings)")
    parser.add_argument("--data-dir", default=None, help="ranking, retrieval: TFDS data directory (default: TFDS' own)")
    parser.add_argument(
        "--compare", choices=("random",), default=None, help="ranking: also run RandomSearch with the same budget"
    )
    parser.add_argument("--resume", action="store_true", help="continue the search stored under --out")
    parser.add_argument("--batch-size", type=positive_int, help="lists (fraud: examples) per batch (default 64; fraud 32)")
    parser.add_argument("--max-lists", type=positive_int, default=None, help="ranking: at most this many lists per split")
    _add_verbose(parser, default=argparse.SUPPRESS)
    parser.set_defaults(parser=parser)
    return parser


def task_options(args):
    """Checks that every option given belongs to ``args.task`` and fills the task's defaults."""
    specific = dict.fromkeys(name for names in TASK_OPTIONS.values() for name in names)
    given = [name for name in specific if name not in TASK_OPTIONS[args.task] and getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        args.parser.error(f"{flags} does not apply to --task {args.task}")
    if args.task == "retrieval" and args.dataset not in (None, *RETRIEVAL_DATASETS):
        args.parser.error(f"argument --dataset: --task retrieval takes {' or '.join(map(repr, RETRIEVAL_DATASETS))}, "
                          f"got {args.dataset!r}")
    for name, value in DEFAULTS[args.task].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


# === tfrank bench: a stand-in here; tfrank.bench defines and parses its options ===


def register_bench(subparsers):
    return subparsers.add_parser("bench", add_help=False,
                                 help="benchmark tfrank against NumPy and Keras peers (tables and plots)")


@contextlib.contextmanager
def bench_options():
    """Yields ``tfrank.bench.register``, loaded under a placeholder ``tfrank`` package when tfrank
    is not imported yet: ``tfrank/__init__`` imports TensorFlow, ``tfrank.bench``'s parser needs
    only argparse and NumPy. The placeholder and what it loaded are dropped on leaving, so the
    real import of tfrank later runs the package as usual."""
    if "tfrank" in sys.modules:
        yield importlib.import_module("tfrank.bench").register
        return
    placeholder = types.ModuleType("tfrank")
    placeholder.__path__ = list(importlib.util.find_spec("tfrank").submodule_search_locations)
    sys.modules["tfrank"] = placeholder
    try:
        yield importlib.import_module("tfrank.bench").register
    finally:
        for name in [n for n in sys.modules if n == "tfrank" or n.startswith("tfrank.")]:
            del sys.modules[name]


# === The command ===


def _add_verbose(parser, default=False):
    parser.add_argument("--verbose", action="store_true", default=default,
                        help="show TensorFlow's start-up logs (hidden by default)")


def parser(register_bench=register_bench):
    """The ``tfrank`` parser; ``tfrank.apps.cli`` passes the real ``bench`` registration."""
    top = argparse.ArgumentParser(prog="tfrank", description="tfrank: ranking metrics for Keras 3 on TensorFlow")
    _add_verbose(top)
    subparsers = top.add_subparsers(dest="command", required=True, metavar="{demo,bench}")
    register_demo(subparsers)
    register_bench(subparsers)
    return top


def import_quietly(module, verbose=False):
    """Imports ``module`` (and so TensorFlow), hiding TensorFlow's start-up lines unless ``verbose``."""
    if verbose or "tensorflow" in sys.modules:
        return importlib.import_module(module)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # INFO and WARNING lines of TensorFlow's C++ code
    # A few lines (oneDNN) are written before TensorFlow reads that variable: hold back
    # standard error itself (file descriptor 2) during the import.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            return importlib.import_module(module)
        except BaseException:
            sys.stderr.flush()
            os.dup2(saved, 2)
            held.seek(0)
            sys.stderr.write(held.read().decode(errors="replace"))
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def main(argv=None):
    """Console entry point ``tfrank``; returns the exit code (argparse exits with 2 on bad options)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    top = parser()
    args, extra = top.parse_known_args(argv)
    if args.command != "bench":
        if extra:
            top.error(f"unrecognized arguments: {' '.join(extra)}")
        task_options(args)
    elif "tensorflow" not in sys.modules:
        with bench_options() as register:  # bench's --help and bad options exit here
            parser(register_bench=register).parse_args(argv)
    try:
        cli = import_quietly("tfrank.apps.cli", verbose=args.verbose)
    except ImportError as err:  # tfrank's import guard: TensorFlow missing, Keras 2, ...
        print(f"tfrank: {err}", file=sys.stderr)
        return 1
    if args.command == "bench":
        return cli.main(argv)
    return cli.run_demo(args)


if __name__ == "__main__":
    sys.exit(main())
