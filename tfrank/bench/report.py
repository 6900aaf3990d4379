"""Writes a run's results: ``results.json`` (raw medians), ``results.md`` (tables), PNG plots."""

import json
import os

from tfrank.bench import family, impls, pair_losses, retrieval, stats, threshold

PEERS = [impl.name for impl in impls.IMPLS if impl.name not in ("read_pass", "tfrank")]
MIB = 2**20


# === JSON ===


def write_json(results, path):
    with open(path, "w") as out:
        json.dump(results, out, indent=1, sort_keys=False)
        out.write("\n")


# === Markdown ===


def _cell(value, digits=1):
    if value is None:
        return "–"
    return f"{value:.{digits}f}" if value < 100 else f"{value:,.0f}"


def _case(row):
    return f"| {row['batch']} | {row['items']:,} | {row['k']} | {row['relevant']} | {row['format']} | {row['mode']} |"


def _cases_tables(rows):
    head = "| B | N | K | R | labels | mode |"
    rule = "|---:|---:|---:|---:|---|---|"
    titles = {name: impls.BY_NAME[name].title for name in impls.BY_NAME}
    ratio = [
        "### Time ÷ one read pass over y_pred (lower is better; the read pass is the limit proxy)", "",
        head + " " + " | ".join(titles[n] for n in ["tfrank"] + PEERS) + " |",
        rule + "---:|" * (1 + len(PEERS)),
    ]
    speed = [
        "### Peer time ÷ tfrank time (how many times faster tfrank is)", "",
        head + " " + " | ".join(titles[n] for n in PEERS) + " |",
        rule + "---:|" * len(PEERS),
    ]
    for row in rows:
        over_read = row["time_over_read_pass"]
        over_ours = row["peer_over_tfrank"]
        mark = "" if row["agree"] else " **values disagree**"
        ratio.append(_case(row) + " " + " | ".join(_cell(over_read.get(n)) for n in ["tfrank"] + PEERS) + " |" + mark)
        speed.append(_case(row) + " " + " | ".join(_cell(over_ours.get(n)) for n in PEERS) + " |")
    return ratio + [""] + speed + [""]


def _skipped(rows):
    seen = {}
    for row in rows:
        for name, why in row["skipped"].items():
            seen.setdefault((name, why), []).append(f"{row['batch']}x{row['items']:,} {row['format']} {row['mode']}")
    lines = []
    for (name, why), where in seen.items():
        cases = ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else "")
        lines.append(f"- {impls.BY_NAME[name].title}: {why} ({cases})")
    return ["Not run (–):", ""] + lines + [""] if lines else []


def _fit_table(rows):
    out = ["### `model.fit` epoch time, metrics on ÷ metrics off", "",
           "| labels | loss | B | N | steps | tfrank P@K + R@K | Keras Precision(top_k) |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        ratio = row["over_metrics_off"]
        out.append(f"| {row['labels']} | {row['loss']} | {row['batch']} | {row['items']:,} | {row['steps']} | "
                   f"{_cell(ratio.get('tfrank'), 2)} | {_cell(ratio.get('keras_precision'), 2)} |")
    return out + [""]


def _memory_table(rows):
    out = ["### Memory of one update beyond its resident inputs (fresh process per row)", "",
           "| implementation | labels | mode | B | N | update peak (MiB) | process peak over baseline (MiB) | "
           "y_pred (MiB) |",
           "|---|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        title = impls.BY_NAME[row["impl"]].title + (" (baseline)" if row["impl"] == "read_pass" else "")
        if "error" in row:
            out.append(f"| {title} | {row['format']} | {row['mode']} | {row['batch']} | {row['items']:,} | "
                       f"{row['error']} | | |")
            continue
        peak, over = row.get("update_peak"), row.get("process_peak_over_baseline")
        over = None if over is None else max(over, 0)  # a few MiB either way is allocator noise
        out.append(f"| {title} | {row['format']} | {row['mode']} | {row['batch']} | {row['items']:,} | "
                   f"{_cell(None if peak is None else peak / MIB)} | {_cell(None if over is None else over / MIB)} | "
                   f"{row['y_pred_bytes'] / MIB:.0f} |")
    one_hot = [row["one_hot_bytes"] for row in rows if "one_hot_bytes" in row]
    if one_hot:
        out += ["", f"Keras `Precision(top_k)` builds a [B, K, N] one-hot: {one_hot[0] / MIB:,.0f} MiB here."]
    return out + [""]


# The issue's targets, graph mode (Keras' default): (what, labels, measure, bound, (B, N)); K=10, R=5.
HEADLINE = (1024, 10_000)
TARGETS = (
    ("NumPy argpartition ÷ tfrank", "ids", ("peer_over_tfrank", "numpy_argpartition"), ">=", 2, HEADLINE),
    ("keras-rs ÷ tfrank", "ids", ("peer_over_tfrank", "keras_rs"), ">=", 10, HEADLINE),
    ("NumPy argsort loop ÷ tfrank", "ids", ("peer_over_tfrank", "numpy_argsort_loop"), ">=", 8, HEADLINE),
    ("NumPy argpartition ÷ tfrank", "dense", ("peer_over_tfrank", "numpy_argpartition"), ">=", 2, HEADLINE),
    ("keras-rs ÷ tfrank", "dense", ("peer_over_tfrank", "keras_rs"), ">=", 10, HEADLINE),
    ("NumPy argsort loop ÷ tfrank", "dense", ("peer_over_tfrank", "numpy_argsort_loop"), ">=", 8, HEADLINE),
    ("tfrank ÷ read pass", "dense", ("time_over_read_pass", "tfrank"), "<=", 8, HEADLINE),
    ("tfrank ÷ read pass", "ids", ("time_over_read_pass", "tfrank"), "<=", 6, HEADLINE),
    ("tfrank ÷ read pass (goal: approach 2)", "class", ("time_over_read_pass", "tfrank"), "<=", 2, HEADLINE),
) + tuple(  # the seed's regime: hundreds of classes, large batches
    (what, fmt, measure, sign, bound, (batch, items))
    for batch in (1024, 8192)
    for items in (100, 1_000)
    for fmt in ("dense", "ids")
    for what, measure, sign, bound in (
        ("NumPy argpartition ÷ tfrank (tfrank faster)", ("peer_over_tfrank", "numpy_argpartition"), ">", 1),
        ("tfrank ÷ read pass", ("time_over_read_pass", "tfrank"), "<=", 5),
    )
    if items == 1_000 or bound == 1
)


def targets(rows):
    """The issue's targets checked on this run's rows of their sizes (those that were measured)."""
    out = []
    for what, fmt, (table, name), sign, bound, (batch, items) in TARGETS:
        row = next((r for r in rows if (r["batch"], r["items"], r["k"], r["format"], r["mode"]) ==
                    (batch, items, 10, fmt, "graph") and r["relevant"] == (1 if fmt == "class" else 5)), None)
        value = None if row is None else row[table].get(name)
        if value is not None:
            held = {">=": value >= bound, ">": value > bound, "<=": value <= bound}[sign]
            out.append({"target": what, "labels": fmt, "batch": batch, "items": items, "bound": f"{sign} {bound}",
                        "measured": value, "held": held})
    return out


def _targets_table(checked):
    out = ["### Targets (K=10, R=5 or class ids, `tf.function`)", "",
           "| target | B | N | labels | bound | measured | held |", "|---|---:|---:|---|---|---:|---|"]
    for t in checked:
        out.append(f"| {t['target']} | {t['batch']:,} | {t['items']:,} | {t['labels']} | {t['bound']} | "
                   f"{_cell(t['measured'])} | {'yes' if t['held'] else '**no**'} |")
    return out + [""]


def _budget_table(rows):
    out = ["### PrecisionAtBudget update ÷ read pass", "",
           "| examples | budget | graph | XLA |", "|---:|---:|---:|---:|"]
    for row in rows:
        ratios = row["over_read_pass"]
        out.append(f"| {row['examples']:,} | {row['budget']:,} | {_cell(ratios['graph'])} | {_cell(ratios['xla'])} |")
    return out + [""]


def markdown(results):
    env = results["environment"]
    lines = [
        "## tfrank bench", "",
        f"`{results['command']}` on {env['machine']}; TensorFlow {env['tensorflow']} on `{env['device_used']}`, "
        f"Keras {env['keras']}, keras-rs {env['keras_rs'] or 'not installed'}, NumPy {env['numpy']}; "
        f"{results['started']}.", "",
        "Every figure is a ratio of medians over interleaved rounds on the same inputs (P@K, scores without "
        "ties). Peers that only take dense labels (keras-rs, Keras `Precision`) get the densified labels in "
        "ids and class rows. NumPy timings do not depend on the TF mode and are shared by rows that differ "
        "only in mode.", "",
    ]
    if results.get("targets"):
        lines += _targets_table(results["targets"])
    if results.get("cases"):
        lines += _cases_tables(results["cases"]) + _skipped(results["cases"])
    if results.get("family"):
        lines += family.table(results["family"])
    if results.get("fit"):
        lines += _fit_table(results["fit"])
    if results.get("memory"):
        lines += _memory_table(results["memory"])
    if results.get("budget"):
        lines += _budget_table(results["budget"])
    if results.get("losses"):
        lines += pair_losses.table(results["losses"])
    if results.get("threshold"):
        lines += threshold.table(results["threshold"])
    if results.get("xla"):
        lines += _xla_lines(results["xla"])
    if results.get("retrieval"):
        lines += retrieval.table(results["retrieval"])
    if results.get("stats"):
        lines += stats.table(results["stats"])
    for plot in results.get("plots", []):
        lines.append(f"![{plot}]({plot})")
    return "\n".join(lines).rstrip() + "\n"


def _xla_lines(xla):
    lines = ["### XLA programs for a replay by jaxlib", "",
             f"{xla['programs']} programs exported to `{xla['bundle']}` ({xla['mib']:.1f} MiB).", ""]
    if xla.get("replay"):
        state = "all agree" if not xla["failures"] else f"{len(xla['failures'])} MISMATCHES"
        lines += [f"Replayed by jaxlib {xla['jaxlib']} on the CPU ({xla['replay_seconds']} s): values vs "
                  f"TensorFlow's: {state}; tables in `{xla['replay']}/results.md`.", ""]
    else:
        lines += ["Not replayed here (jax is not installed).", ""]
    return lines


# === Plots ===


def _groups(rows):
    """Rows that form a sweep over N: same format, mode, K, R; per N the largest batch."""
    groups = {}
    for row in rows:
        key = (row["format"], row["mode"], row["k"], row["relevant"])
        best = groups.setdefault(key, {})
        if row["items"] not in best or row["batch"] > best[row["items"]]["batch"]:
            best[row["items"]] = row
    return {key: [by_n[n] for n in sorted(by_n)] for key, by_n in groups.items() if len(by_n) >= 2}


def plots(results, out_dir, max_panels=4):
    """Time per list and time ÷ read pass vs N (log-log); returns the file names written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    groups = list(_groups(results.get("cases", [])).items())[:max_panels]
    if not groups:
        return []
    written = []
    for name, ylabel, value in (
        ("time_vs_items.png", "time per list (µs)", lambda row, n: row["seconds"][n] / row["batch"] * 1e6),
        ("ratio_vs_items.png", "time ÷ read pass", lambda row, n: row["time_over_read_pass"][n]),
    ):
        fig, axes = plt.subplots(1, len(groups), figsize=(5.2 * len(groups), 4.2), squeeze=False)
        for ax, ((fmt, mode, k, relevant), rows) in zip(axes[0], groups):
            for impl in impls.IMPLS:
                points = [(row["items"], value(row, impl.name)) for row in rows if impl.name in row["seconds"]]
                if points and (impl.name != "read_pass" or "time" in name):
                    style = "-o" if impl.kind == "tf" else "--s"
                    width = 2.2 if impl.name == "tfrank" else 1.2
                    colour = f"C{impls.IMPLS.index(impl)}"  # one colour per implementation in every plot
                    ax.plot(*zip(*points), style, color=colour, label=impl.title, markersize=4, linewidth=width)
            ax.set(xscale="log", yscale="log", xlabel="items per list N", ylabel=ylabel,
                   title=f"{fmt} labels, {mode}, K={k}, R={relevant}")
            ax.grid(True, which="major", alpha=0.3)
        axes[0][0].legend(fontsize=8)
        env = results["environment"]
        fig.suptitle(f"tfrank bench: P@K update, {env['machine']}, TF {env['tensorflow']}", fontsize=9)
        fig.tight_layout()
        fig.savefig(os.path.join(out_dir, name), dpi=110)
        plt.close(fig)
        written.append(name)
    return written
