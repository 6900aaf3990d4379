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

from tfrank import tuner

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


RANKING_ONLY = ("k", "metric", "dataset", "data_dir", "compare", "max_lists")
FRAUD_ONLY = ("budget",)
DEFAULTS = {
    "ranking": {"epochs": 5, "batch_size": 64, "k": 3, "metric": "precision", "dataset": "digits"},
    "fraud": {"epochs": 30, "batch_size": 32, "budget": 10},
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
            "val_precision_at_budget_B, and a table of what each selects. Writes OUT/results.json and "
            "OUT/search.png."
        ),
    )
    parser.add_argument("--task", choices=("ranking", "fraud"), default="ranking", help="which demo (default ranking)")
    parser.add_argument("--max-trials", type=positive_int, default=10, help="trials per search (default 10)")
    parser.add_argument("--epochs", type=positive_int, help="training epochs per trial (default 5; fraud 30)")
    parser.add_argument("--k", type=positive_int, help="ranking: cut-off K of the objective (default 3)")
    parser.add_argument(
        "--metric",
        choices=tuner.CUTOFF_BASES,
        help="ranking: objective val_{metric}_at_{K} (default precision)",
    )
    parser.add_argument("--budget", type=positive_int, help="fraud: cases reviewed, B in val_precision_at_budget_B (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, weights and tuner (default 0)")
    parser.add_argument("--out", default="tfrank-demo", help="output folder (default ./tfrank-demo)")
    parser.add_argument("--dataset", type=dataset_name, help="ranking: 'digits' (default) or 'tfds:NAME'")
    parser.add_argument("--data-dir", default=None, help="ranking: TFDS data directory (default: TFDS' own)")
    parser.add_argument(
        "--compare", choices=("random",), default=None, help="ranking: also run RandomSearch with the same budget"
    )
    parser.add_argument("--resume", action="store_true", help="continue the search stored under --out")
    parser.add_argument("--batch-size", type=positive_int, help="lists (fraud: examples) per batch (default 64; fraud 32)")
    parser.add_argument("--max-lists", type=positive_int, default=None, help="ranking: at most this many lists per split")
    parser.set_defaults(func=run_demo, parser=parser)
    return parser


def _task_options(args):
    """Checks that every option given belongs to ``args.task`` and fills the task's defaults."""
    foreign = FRAUD_ONLY if args.task == "ranking" else RANKING_ONLY
    given = [name for name in foreign if getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        args.parser.error(f"{flags} does not apply to --task {args.task}")
    for name, value in DEFAULTS[args.task].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


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
    from tfrank import demo

    _task_options(args)
    started = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    ran = (_ranking_searches if args.task == "ranking" else _fraud_searches)(args)
    if ran is None:
        return 1
    results, details = ran
    output = dict(results[0])
    output.update(
        task=args.task,
        **details,
        epochs=args.epochs,
        max_trials=args.max_trials,
        seed=args.seed,
        machine=f"{platform.machine()} {platform.system()}, {os.cpu_count()} CPUs visible",
        wall_seconds=round(time.perf_counter() - started, 1),
        plot="search.png",
    )
    demo.write_results(output, os.path.join(args.out, "results.json"))
    demo.plot(results, os.path.join(args.out, "search.png"))
    print(f"wrote {os.path.join(args.out, 'results.json')} and {os.path.join(args.out, 'search.png')} "
          f"({output['wall_seconds']} s in all)")
    return 0


def _report(label, summary):
    from tfrank import demo

    failed = sum(row["score"] is None for row in summary["trials"])
    print(f"\n{label}: best {summary['objective']} = {summary['best_score']:.4f} (trial {summary['best_trial']}), "
          f"{failed} failed trials, {summary['seconds']} s\n{demo.table(summary)}\n", flush=True)


def _ranking_searches(args):
    """The ranking demo's searches: Bayesian (and RandomSearch with --compare random)."""
    from tfrank import data, demo

    try:
        dataset = data.load(args.dataset, seed=args.seed, data_dir=args.data_dir, max_lists=args.max_lists)
    except data.DataError as err:
        print(f"tfrank demo: {err}", file=sys.stderr)
        return None
    print(f"data: {dataset.summary()}\n      {dataset.description}")
    print(
        f"search: maximise val_{args.metric}_at_{args.k}, {args.max_trials} trials x {args.epochs} epochs, "
        f"BayesianOptimization with {demo.initial_points(args.max_trials)} random initial points",
        flush=True,
    )
    results = []
    for kind in ["bayesian"] + ([args.compare] if args.compare else []):
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
        _report(kind, summary)
        results.append(summary)
    details = {"dataset": dataset.name, "data": dataset.summary(), "k": args.k,
               "compare": {r["tuner"]: r for r in results[1:]}}
    return results, details


def _fraud_searches(args):
    """The fraud demo: the same Bayesian search on val_recall and on val_precision_at_budget_B."""
    from tfrank import demo, fraud

    data = fraud.load_fraud(seed=args.seed)
    summary = (f"breast-cancer data with malignant as a rare class: {len(data.y_train)} training examples "
               f"({int(data.y_train.sum())} positive), {len(data.y_val)} validation ({int(data.y_val.sum())} positive)")
    objectives = " and ".join(fraud.objective_names(args.budget))
    print(f"data: {summary}\nsearch: BayesianOptimization on {objectives}, {args.max_trials} trials x "
          f"{args.epochs} epochs each, {demo.initial_points(args.max_trials)} random initial points, "
          "balanced class_weight (as the tutorial)", flush=True)
    results = fraud.search(
        data,
        budget=args.budget,
        max_trials=args.max_trials,
        epochs=args.epochs,
        seed=args.seed,
        out=args.out,
        resume=args.resume,
        batch_size=args.batch_size,
        on_trial=_progress(args.max_trials),
    )
    for result in results:
        _report(result["objective"], result)
    table = fraud.comparison_table(results, args.budget)
    print(f"What each objective selected, on the validation split:\n{table}\n", flush=True)
    details = {"dataset": "fraud", "data": summary, "budget": args.budget, "comparison": table,
               "compare": {r["objective"]: r for r in results[1:]}}
    return results, details


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
