"""The ``tfrank`` command line: ``tfrank demo`` (and ``tfrank bench``).

Each subcommand is registered by one small function ``register(subparsers)`` that
adds its parser and sets ``func`` (called with the parsed arguments, returns the
exit code). ``tfrank bench`` comes from ``tfrank.bench.register`` when that module
exists. Bad options exit with code 2 and argparse's message; a data set that
cannot be loaded exits with code 1 and a message that says what to do.
"""

import argparse
import importlib
import importlib.util
import os
import platform
import sys
import time

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


def register_demo(subparsers):
    parser = subparsers.add_parser(
        "demo",
        help="run a keras-tuner Bayesian search that maximises a tfrank metric",
        description=(
            "Tune a small Keras ranking model with keras_tuner.BayesianOptimization on "
            "val_precision_at_K, logged by tfrank.PrecisionAtK during model.fit. Default data: "
            "query-by-example retrieval on scikit-learn's bundled digit images (no download). "
            "Writes OUT/results.json and OUT/search.png."
        ),
    )
    parser.add_argument("--max-trials", type=positive_int, default=10, help="trials per search (default 10)")
    parser.add_argument("--epochs", type=positive_int, default=5, help="training epochs per trial (default 5)")
    parser.add_argument("--k", type=positive_int, default=3, help="cut-off K of the objective (default 3)")
    parser.add_argument(
        "--metric", choices=("precision", "recall"), default="precision", help="objective val_{metric}_at_{K}"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the data lists, weights and tuner (default 0)")
    parser.add_argument("--out", default="tfrank-demo", help="output folder (default ./tfrank-demo)")
    parser.add_argument("--dataset", type=dataset_name, default="digits", help="'digits' (default) or 'tfds:NAME'")
    parser.add_argument("--data-dir", default=None, help="TFDS data directory (default: TFDS' own)")
    parser.add_argument(
        "--compare", choices=("random",), default=None, help="also run RandomSearch with the same budget"
    )
    parser.add_argument("--resume", action="store_true", help="continue the search stored under --out")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="lists per batch (default 64)")
    parser.add_argument("--max-lists", type=positive_int, default=None, help="use at most this many lists per split")
    parser.set_defaults(func=run_demo)
    return parser


def _progress(max_trials):
    last = [time.perf_counter()]
    best = {}

    def report(kind, trial):
        now = time.perf_counter()
        seconds, last[0] = now - last[0], now
        hps = " ".join(f"{name}={_short(value)}" for name, value in trial.hyperparameters.values.items())
        score = trial.score
        if score is not None:
            best[kind] = max(best.get(kind, score), score)
        shown = "failed" if score is None else f"{score:.4f}"
        done = f"best {best[kind]:.4f}" if kind in best else "no result yet"
        print(f"[{kind}] trial {int(trial.trial_id)} ({int(trial.trial_id) + 1} of {max_trials}): {hps} -> {shown} ({done}, {seconds:.1f} s)",
              flush=True)

    return report


def _short(value):
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def run_demo(args):
    from tfrank import data, demo

    started = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    try:
        dataset = data.load(args.dataset, seed=args.seed, data_dir=args.data_dir, max_lists=args.max_lists)
    except data.DataError as err:
        print(f"tfrank demo: {err}", file=sys.stderr)
        return 1
    objective = f"val_{args.metric}_at_{args.k}"
    print(f"data: {dataset.summary()}\n      {dataset.description}")
    print(
        f"search: maximise {objective}, {args.max_trials} trials x {args.epochs} epochs, "
        f"BayesianOptimization with {demo.initial_points(args.max_trials)} random initial points",
        flush=True,
    )
    kinds = ["bayesian"] + ([args.compare] if args.compare else [])
    results = []
    for kind in kinds:
        summary, _ = demo.search(
            dataset,
            kind=kind,
            k=args.k,
            metric=args.metric,
            max_trials=args.max_trials,
            epochs=args.epochs,
            seed=args.seed,
            out=args.out,
            resume=args.resume,
            batch_size=args.batch_size,
            on_trial=_progress(args.max_trials),
        )
        failed = sum(row["score"] is None for row in summary["trials"])
        print(f"\n{kind}: best {objective} = {summary['best_score']:.4f} (trial {summary['best_trial']}), "
              f"{failed} failed trials, {summary['seconds']} s\n{demo.table(summary)}\n", flush=True)
        results.append(summary)
    output = dict(results[0])
    output.update(
        dataset=dataset.name,
        data=dataset.summary(),
        k=args.k,
        epochs=args.epochs,
        max_trials=args.max_trials,
        seed=args.seed,
        compare={r["tuner"]: r for r in results[1:]},
        machine=f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs visible",
        wall_seconds=round(time.perf_counter() - started, 1),
        plot="search.png",
    )
    demo.write_results(output, os.path.join(args.out, "results.json"))
    demo.plot(results, os.path.join(args.out, "search.png"))
    print(f"wrote {os.path.join(args.out, 'results.json')} and {os.path.join(args.out, 'search.png')} "
          f"({output['wall_seconds']} s in all)")
    return 0


# === tfrank bench (added by tfrank.bench when present) ===


def register_bench(subparsers):
    if importlib.util.find_spec("tfrank.bench") is not None:
        return importlib.import_module("tfrank.bench").register(subparsers)
    parser = subparsers.add_parser("bench", help="run the benchmarks (not available in this version)")
    parser.set_defaults(func=_bench_missing)
    return parser


def _bench_missing(args):
    print("tfrank bench: not available yet in this version of tfrank", file=sys.stderr)
    return 1


COMMANDS = (register_demo, register_bench)


def parser():
    top = argparse.ArgumentParser(prog="tfrank", description="tfrank: ranking metrics for Keras 3 on TensorFlow")
    subparsers = top.add_subparsers(dest="command", required=True, metavar="{demo,bench}")
    for register in COMMANDS:
        register(subparsers)
    return top


def main(argv=None):
    """Console entry point ``tfrank``; returns the exit code (argparse exits with 2 on bad options)."""
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
