"""How ``tfrank demo`` reports a search: its trial table, its trial comparison, the plot, results.json.

Every search ends with `compare`: its `TOP` best trials (all completed ones if fewer),
each trial's best model re-evaluated by `tfrank.tuners.compare_trials` on the validation
split and compared with the best trial, paired over the same lists (per-list metrics:
Fisher's randomization test) or examples (dataset-level metrics: the paired bootstrap),
the p-values Holm-corrected. The demos have no other split, so it is the split the search
selected on: `WINNERS_CURSE` says what that means, and what held-out data would change.
The comparison goes into the search's summary as ``"trial_comparison"`` (compare_trials'
``to_json()`` plus ``split``, ``verdict``, ``note`` and ``seconds``), is printed
(`comparison_text`) and drawn under the search in the plot (`figure`). matplotlib is
imported inside the functions that draw, keras_tuner (through `tfrank.tuners`) by the
functions that compare.
"""

import dataclasses
import json
import time
import warnings

import numpy as np

import tfrank

TOP = 5
WINNERS_CURSE = (
    "these values are on the validation split the search selected on (the demo has no other), so the best "
    "trial's value is biased upward: it won partly on this split's noise (the winner's curse), and its lead "
    "over the others is overstated here. Read a tie as a tie and a difference only as a hint. On held-out "
    "data the search never saw, the best trial's value would be unbiased (expect it lower) and each "
    "difference a fair test: in your own searches, pass such data to tfrank.tuners.compare_trials."
)
_CORRECTIONS = {"holm": "Holm", "bonferroni": "Bonferroni", None: "no"}


# === The trial table ===


def best_so_far(scores):
    """Running maximum, skipping failed trials (None): ``[0.2, None, 0.5, 0.4] -> [0.2, 0.2, 0.5, 0.5]``."""
    best, out = None, []
    for score in scores:
        if score is not None and (best is None or score > best):
            best = score
        out.append(best)
    return out


def table(result):
    """A fixed-width text table of a search's trials, the best one starred."""
    names = list(dict.fromkeys(name for row in result["trials"] for name in row["hyperparameters"]))
    header = ["trial", *names, result["objective"], "best so far"]
    lines = []
    for row, best in zip(result["trials"], best_so_far([r["score"] for r in result["trials"]])):
        values = [_fmt(row["hyperparameters"].get(name)) for name in names]
        score = "failed" if row["score"] is None else f"{row['score']:.4f}"
        star = " *" if row["trial"] == result["best_trial"] else ""
        lines.append([str(row["trial"]), *values, score + star, "" if best is None else f"{best:.4f}"])
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    render = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([render(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(render, lines)])


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


# === The trial comparison ===


def compare(tuner, x, y, *, split, metric=None, seed=0, top=TOP, batch_size=256):
    """The ``top`` best trials of a finished search compared with its best one on ``(x, y)``: a JSON dict.

    Args:
        tuner: the finished keras-tuner tuner.
        x: the split's inputs, as `tfrank.tuners.compare_trials` takes them.
        y: the split's labels, as `tfrank.tuners.compare_trials` takes them.
        split: what ``(x, y)`` is, for the verdict (``"validation split (719 lists)"``).
        metric: None (the search's objective) or what `tfrank.tuners.compare_trials` takes.
        seed: the seed of the resamples.
        top: how many of the best trials.
        batch_size: lists (or examples) per evaluation batch.
    """
    started = time.perf_counter()
    with warnings.catch_warnings():
        # A checkpoint holds the optimizer's state too; only the weights are needed here.
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        result = tfrank.tuners.compare_trials(tuner, x, y, top=top, metric=metric, seed=seed, batch_size=batch_size)
    # keras-tuner's ids ("08") as the trial numbers of the demo's table (8).
    rows = [dataclasses.replace(row, trial_id=str(int(row.trial_id))) for row in result.rows]
    result = dataclasses.replace(result, rows=rows)
    return dict(result.to_json(), split=split, verdict=verdict(result, split), note=WINNERS_CURSE,
                seconds=round(time.perf_counter() - started, 1))


def _trials(ids):
    return ("trial " if len(ids) == 1 else "trials ") + ", ".join(ids)


def verdict(result, split):
    """One sentence: which of the other top trials the split can tell from the best (`TrialComparison`)."""
    best, others = result.rows[0], result.rows[1:]
    rule = f"p < {result.alpha:g} after {_CORRECTIONS[result.correction]} correction"
    if not others:
        return f"only trial {best.trial_id} completed: there is no other trial to compare it with."
    different = [row.trial_id for row in others if not row.tied_with_best]
    tied = [row.trial_id for row in others if row.tied_with_best]
    if not different:
        which = "the other top trial" if len(others) == 1 else f"none of the other {len(others)} top trials"
        verb = "does not differ" if len(others) == 1 else "differs"
        return (f"{which} {verb} from the best (trial {best.trial_id}) at {rule}: this {split} cannot tell "
                f"{'them' if len(others) > 1 else 'the two'} apart.")
    text = f"{_trials(different)} {'differs' if len(different) == 1 else 'differ'} from the best (trial " \
           f"{best.trial_id}) at {rule}"
    if tied:
        text += f"; {_trials(tied)} cannot be told apart from it"
    return text + "."


def comparison_text(label, comparison):
    """The printed comparison: a heading, `TrialComparison.to_markdown`'s table, the verdict, the note."""
    result = tfrank.tuners.TrialComparison.from_json(comparison)
    head = (f"{label}, the top {len(result.rows)} trials: each trial's best model re-evaluated on the "
            f"{comparison['split']} and compared with the best trial over the same {result.unit} "
            f"(tfrank.tuners.compare_trials, {comparison['seconds']} s)")
    return f"{head}\n{result.to_markdown()}Verdict: {comparison['verdict']}\nNote: {comparison['note']}\n"


# === The plot ===

TUNER_LABELS = {"bayesian": "BayesianOptimization", "random": "RandomSearch"}
CEILING_LABEL = "perfect ranking (ceiling)"


def plot(results, path, baselines=None, ceiling=None):
    """Writes `figure`'s PNG to ``path``; returns ``path``."""
    from matplotlib import pyplot as plt

    fig = figure(results, baselines=baselines, ceiling=ceiling)
    fig.savefig(path)
    plt.close(fig)
    return path


def figure(results, baselines=None, ceiling=None):
    """Every trial's objective (dots) and the best so far (step line), one colour per search; under
    them, each search's trial comparison (`compare`: the top trials' values with their intervals,
    the best starred, the trials tied with it in blue, `TrialComparison.draw`).

    Searches with the same objective share a panel; each other objective gets its own.
    ``baselines`` (`tfrank.apps.demo.baselines`' dict) are drawn as dashed lines on the first
    panel, and ``ceiling`` (the best value any ranking reaches, e.g.
    `tfrank.apps.retrieval_demo.ceiling`) as a solid line.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.ticker
    from matplotlib import pyplot as plt

    objectives = list(dict.fromkeys(result["objective"] for result in results))
    compared = [result for result in results if result.get("trial_comparison")]
    # Two rows of panels share one grid: objectives above, comparisons below (1 or 2 of each).
    columns = len(objectives) * max(1, len(compared))
    fig = plt.figure(figsize=(7 * max(len(objectives), len(compared)), 4 + 4.2 * bool(compared)), dpi=120)
    grid = fig.add_gridspec(1 + bool(compared), columns, height_ratios=[1, 1.05] if compared else None)
    span = columns // len(objectives)
    colours = iter(("tab:blue", "tab:orange", "tab:green", "tab:red"))
    for i, objective in enumerate(objectives):
        ax = fig.add_subplot(grid[0, i * span:(i + 1) * span])
        shown = [result for result in results if result["objective"] == objective]
        for result in shown:
            _plot_search(ax, result, next(colours))
        initial = shown[0].get("num_initial_points")
        if initial:
            ax.axvspan(-0.5, initial - 0.5, color="0.9", zorder=0, label=f"{TUNER_LABELS['bayesian']}: random start")
        if baselines and objective == objectives[0]:
            for (name, value), style in zip(baselines.items(), (":", "--")):
                ax.axhline(value, linestyle=style, color="0.35", label=f"{name}: {value:.3f}")
        if ceiling is not None and objective == objectives[0]:
            ax.axhline(ceiling, linestyle="-", color="black", linewidth=1.2,
                       label=f"{CEILING_LABEL}: {ceiling:.3f}")
        ax.set_xlabel("trial")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel(objective)
        ax.set_title(f"keras-tuner maximising {objective}")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right", fontsize=8)
    span = columns // max(1, len(compared))
    for i, result in enumerate(compared):
        ax = fig.add_subplot(grid[1, i * span:(i + 1) * span])
        tfrank.tuners.TrialComparison.from_json(result["trial_comparison"]).draw(ax)
        ax.set_title(f"{search_label(result)}: its top trials on the split it selected on\n{ax.get_title()}",
                     fontsize=9)
    fig.tight_layout()
    return fig


def search_label(result):
    """``"BayesianOptimization on val_recall"``: which search a summary is."""
    return f"{TUNER_LABELS[result['tuner']]} on {result['objective']}"


def _plot_search(ax, result, colour):
    trials = [row["trial"] for row in result["trials"]]
    scores = [row["score"] for row in result["trials"]]
    label = TUNER_LABELS[result["tuner"]]
    ax.plot(trials, [np.nan if s is None else s for s in scores], "o", color=colour, alpha=0.6, label=f"{label}: trial")
    ax.step(trials, [np.nan if s is None else s for s in best_so_far(scores)], where="post", color=colour,
            label=f"{label}: best so far")


def write_results(summary, path):
    with open(path, "w") as f:
        json.dump(summary, f, indent=2, default=str)
    return path
