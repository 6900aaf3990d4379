"""``tfrank demo``'s options, their per-task defaults and the check that each belongs to its task."""

import os

from tfrank_cli.argtypes import dataset_name, positive_int

# The bases of tfrank's cut-off metrics (tfrank.tuning.objective.CUTOFF_BASES; a test keeps them equal).
CUTOFF_BASES = ("precision", "recall", "f1", "hit_rate", "mrr", "map", "ndcg", "dcg")
# The short names of tfrank's losses (the keys of tfrank.losses.LOSSES, in order; a test keeps them equal).
LOSSES = ("softmax", "sigmoid", "mean_squared", "unique_softmax", "pairwise_logistic", "pairwise_hinge",
          "pairwise_soft_zero_one", "pairwise_mse", "approx_ndcg", "approx_mrr", "gumbel_approx_ndcg", "list_mle",
          "neural_sort_cross_entropy")
RANKING_ONLY = ("k", "metric", "loss", "dataset", "data_dir", "compare", "max_lists")
FRAUD_ONLY = ("budget", "objective")
# The fraud demo's second objective (tfrank.apps.fraud.OBJECTIVES; a test keeps them equal).
FRAUD_OBJECTIVES = ("precision_at_budget", "precision_at_recall_80", "roc_auc", "average_precision")
# The task-specific options each task takes (the others are refused with exit code 2).
TASK_OPTIONS = {"ranking": RANKING_ONLY, "fraud": FRAUD_ONLY, "retrieval": ("k", "dataset", "data_dir")}
RETRIEVAL_DATASETS = ("digits", "tfds:movielens/100k-ratings")
# Without --out, each task writes to its own folder under OUT: one never overwrites another's results.
OUT = "tfrank-demo"
DEFAULTS = {
    "ranking": {"epochs": 5, "batch_size": 64, "k": 3, "metric": "precision", "loss": "softmax",
                "dataset": "digits"},
    "fraud": {"epochs": 30, "batch_size": 32, "budget": 10, "objective": "precision_at_budget"},
    "retrieval": {"epochs": 3, "batch_size": 64, "k": 100, "dataset": "digits"},
}
DESCRIPTION = (
    "--task ranking (default): tune a small Keras ranking model with keras_tuner.BayesianOptimization on "
    "val_precision_at_K, logged by tfrank.PrecisionAtK during model.fit; data: query-by-example retrieval on "
    "scikit-learn's bundled digit images (no download). --task fraud: two Bayesian searches of the fraud tutorial's "
    "model on a rare-positive data set (scikit-learn's breast-cancer data), one maximising val_recall, one "
    "val_precision_at_budget_B (or --objective: an exact threshold metric such as val_precision_at_recall_80), and a "
    "table of what each selects. --task retrieval: tune a two-tower model on "
    "val_recall_at_K over a whole candidate catalogue (tfrank.RetrievalMetrics): held-out digit images query the "
    "gallery of all others, or MovieLens users query all movies. Every search ends with its top trials compared "
    "with the best one (tfrank.tuners.compare_trials) on the validation split it selected on. Writes "
    f"OUT/results.json and OUT/search.png, OUT being {OUT}/TASK unless --out is given."
)


def register(subparsers, add_verbose):
    """Adds ``demo`` to the ``tfrank`` command line; returns its parser."""
    parser = subparsers.add_parser(
        "demo", help="run a keras-tuner Bayesian search that maximises a tfrank metric", description=DESCRIPTION)
    parser.add_argument("--task", choices=tuple(TASK_OPTIONS), default="ranking", help="which demo (default ranking)")
    parser.add_argument("--max-trials", type=positive_int, default=10, help="trials per search (default 10)")
    parser.add_argument("--epochs", type=positive_int, help="training epochs per trial (default 5; fraud 30; retrieval 3)")
    parser.add_argument("--k", type=positive_int, help="ranking, retrieval: cut-off K of the objective (default 3; retrieval 100)")
    parser.add_argument("--metric", choices=CUTOFF_BASES, help="ranking: objective val_{metric}_at_{K} (default precision)")
    parser.add_argument("--loss", choices=LOSSES, help="ranking: the training loss, by its tfrank.losses.LOSSES name "
                        "(default softmax)")
    parser.add_argument("--budget", type=positive_int, help="fraud: cases reviewed, B in val_precision_at_budget_B (default 10)")
    parser.add_argument("--objective", choices=FRAUD_OBJECTIVES,
                        help="fraud: what the second search maximises, val_OBJECTIVE (default precision_at_budget: "
                             "val_precision_at_budget_B)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data, weights and tuner (default 0)")
    parser.add_argument("--out", default=None,
                        help=f"output folder: results.json, search.png, tuner/ (default ./{OUT}/TASK; DIR exactly when given)")
    parser.add_argument("--dataset", type=dataset_name, help="'digits' (default) or 'tfds:NAME' (retrieval: tfds:movielens/100k-ratings)")
    parser.add_argument("--data-dir", default=None, help="ranking, retrieval: TFDS data directory (default: TFDS' own)")
    parser.add_argument(
        "--compare", choices=("random",), default=None, help="ranking: also run RandomSearch with the same budget"
    )
    parser.add_argument("--resume", action="store_true", help="continue the search stored under the output folder")
    parser.add_argument("--batch-size", type=positive_int, help="lists (fraud: examples) per batch (default 64; fraud 32)")
    parser.add_argument("--max-lists", type=positive_int, default=None, help="ranking: at most this many lists per split")
    add_verbose(parser)
    parser.set_defaults(parser=parser)
    return parser


def task_options(args):
    """Checks that every option given belongs to ``args.task`` and fills the task's defaults (``out`` too)."""
    specific = dict.fromkeys(name for names in TASK_OPTIONS.values() for name in names)
    given = [name for name in specific if name not in TASK_OPTIONS[args.task] and getattr(args, name) is not None]
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        args.parser.error(f"{flags} does not apply to --task {args.task}")
    if args.task == "retrieval" and args.dataset not in (None, *RETRIEVAL_DATASETS):
        args.parser.error(f"argument --dataset: --task retrieval takes {' or '.join(map(repr, RETRIEVAL_DATASETS))}, "
                          f"got {args.dataset!r}")
    for name, value in {**DEFAULTS[args.task], "out": os.path.join(OUT, args.task)}.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args
