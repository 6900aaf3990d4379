"""The ``tfrank`` command line, run: ``tfrank demo`` here, ``tfrank bench`` by `tfrank.bench.runner`.

The options of both commands are defined and checked by the top-level package
``tfrank_cli`` (``tfrank_cli.parse``), before TensorFlow loads; this module runs a parsed
command (`run`). Bad options exit with code 2 and argparse's message; a data set that
cannot be loaded exits with code 1 and a message that says what to do.
"""

import os
import platform
import sys
import time

import tfrank_cli  # the options: standard library only, imports nothing from tfrank

# === tfrank demo ===


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
    """``tfrank demo``, from arguments parsed by ``tfrank_cli.parse`` (the task's defaults filled in)."""
    from tfrank.apps import report

    started = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    ran = {"ranking": _ranking_searches, "fraud": _fraud_searches, "retrieval": _retrieval_searches}[args.task](args)
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
    report.write_results(output, os.path.join(args.out, "results.json"))
    report.plot(results, os.path.join(args.out, "search.png"), baselines=output.get("baselines"),
              ceiling=output.get("ceiling"))
    print(f"wrote {os.path.join(args.out, 'results.json')} and {os.path.join(args.out, 'search.png')} "
          f"({output['wall_seconds']} s in all)")
    return 0


def _report(label, summary):
    """Prints a search's trial table, then its trial comparison."""
    from tfrank.apps import report

    failed = sum(row["score"] is None for row in summary["trials"])
    print(f"\n{label}: best {summary['objective']} = {summary['best_score']:.4f} (trial {summary['best_trial']}), "
          f"{failed} failed trials, {summary['seconds']} s\n{report.table(summary)}\n", flush=True)
    if summary.get("trial_comparison"):
        print(report.comparison_text(report.search_label(summary), summary["trial_comparison"]), flush=True)


def _ranking_searches(args):
    """The ranking demo's searches: Bayesian (and RandomSearch with --compare random), each compared."""
    import tfrank
    from tfrank.apps import data, demo, report

    try:
        dataset = data.load(args.dataset, seed=args.seed, data_dir=args.data_dir, max_lists=args.max_lists)
    except data.DataError as err:
        print(f"tfrank demo: {err}", file=sys.stderr)
        return None
    print(f"data: {dataset.summary()}\n      {dataset.description}")
    print(
        f"search: maximise val_{args.metric}_at_{args.k}, {args.max_trials} trials x {args.epochs} epochs, "
        f"BayesianOptimization with {demo.initial_points(args.max_trials)} random initial points, "
        f"loss tfrank.losses.{tfrank.losses.LOSSES[args.loss].__name__}",
        flush=True,
    )
    results = []
    for kind in ["bayesian"] + ([args.compare] if args.compare else []):
        summary, tuner = demo.search(
            dataset,
            kind=kind,
            k=args.k,
            metric=args.metric,
            loss=args.loss,
            max_trials=args.max_trials,
            epochs=args.epochs,
            seed=args.seed,
            out=args.out,
            resume=args.resume,
            batch_size=args.batch_size,
            on_trial=_progress(args.max_trials),
        )
        summary["trial_comparison"] = report.compare(tuner, dataset.x_val, dataset.y_val, seed=args.seed,
                                                     split=f"validation split ({len(dataset.y_val)} lists)")
        _report(kind, summary)
        results.append(summary)
    details = {"dataset": dataset.name, "data": dataset.summary(), "k": args.k, "loss": args.loss,
               "baselines": demo.baselines(dataset, args.metric, args.k),
               "compare": {r["tuner"]: r for r in results[1:]}}
    return results, details


def _fraud_searches(args):
    """The fraud demo: the same Bayesian search on val_recall and on tfrank's objective (val_precision_at_budget_B)."""
    from tfrank.apps import demo, fraud

    data = fraud.load_fraud(seed=args.seed)
    summary = (f"breast-cancer data with malignant as a rare class: {len(data.y_train)} training examples "
               f"({int(data.y_train.sum())} positive), {len(data.y_val)} validation ({int(data.y_val.sum())} positive)")
    objectives = " and ".join(fraud.objective_names(args.budget, args.objective))
    print(f"data: {summary}\nsearch: BayesianOptimization on {objectives}, {args.max_trials} trials x "
          f"{args.epochs} epochs each, {demo.initial_points(args.max_trials)} random initial points, "
          "balanced class_weight (as the tutorial)", flush=True)
    results, selected = fraud.search(
        data,
        budget=args.budget,
        objective=args.objective,
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
    print(f"What each objective selected, on the validation split:\n{table}\n\n{fraud.selected_text(selected)}",
          flush=True)
    details = {"dataset": "fraud", "data": summary, "budget": args.budget, "comparison": table,
               "selected_comparison": selected, "compare": {r["objective"]: r for r in results[1:]}}
    return results, details


def _retrieval_searches(args):
    """The retrieval demo: a two-tower model tuned on val_recall_at_K over the whole catalogue."""
    from tfrank.apps import retrieval_demo

    return retrieval_demo.searches(args, _progress(args.max_trials), _report)


# === The command ===


def run(args):
    """Runs a command parsed by ``tfrank_cli.parse``; returns the exit code."""
    if args.command == "bench":
        from tfrank.bench import runner

        return runner.run(args)
    return run_demo(args)


def main(argv=None):
    """Runs ``tfrank ARGS`` in this process (``python -m tfrank.cli``); returns the exit code.

    The console command is ``tfrank_cli.command.main``, which parses before importing tfrank.
    """
    return run(tfrank_cli.parse(argv))


if __name__ == "__main__":
    sys.exit(main())
