"""The XLA replay's report: the targets of the issue checked, markdown tables, a plot.

NumPy-free plain Python (matplotlib optional); copied into every bundle beside
``xla_replay.py``. A row is one timed program of ``xla_replay.replay``.
"""

import os

# (label, numerator (program, group), denominator (program, group), bound): each a ratio of medians
# taken in the same run; "at most" unless the bound is negated (then: numerator below denominator).
TARGETS = (
    ("P@K dense ÷ read pass, B=1024 N=10,000 K=10", ("precision_dense", "headline"), ("read_pass", "headline"), 2.0),
    ("P@K ids ÷ read pass, B=1024 N=10,000 K=10", ("precision_ids", "headline"), ("read_pass", "headline"), 1.5),
    ("P@K dense ÷ read pass, B=8192 N=1,000 K=10", ("precision_dense", "seed"), ("read_pass", "seed"), 3.0),
    ("P@K ids ÷ read pass, B=8192 N=1,000 K=10", ("precision_ids", "seed"), ("read_pass", "seed"), 3.0),
    ("P@K dense ÷ read pass, B=64 N=1,000,000 K=10", ("precision_dense", "large"), ("read_pass", "large"), 3.0),
    ("P@K ids ÷ read pass, B=64 N=1,000,000 K=10", ("precision_ids", "large"), ("read_pass", "large"), 3.0),
    ("P@K class ids ÷ read pass, B=1024 N=10,000", ("precision_class", "headline"), ("read_pass", "headline"), 2.0),
    ("P@K class ids ÷ read pass, B=8192 N=1,000", ("precision_class", "seed"), ("read_pass", "seed"), 2.0),
    ("retrieval Recall@100 ÷ chunked-matmul floor, B=1024 d=128 M=2^20", ("retrieval_recall", "retrieval"),
     ("retrieval_floor", "retrieval"), 2.0),
    ('ties="expected" ÷ "first", dense', ("precision_dense_expected", "headline"),
     ("precision_dense", "headline"), 1.3),
    ('ties="expected" ÷ "first", ids', ("precision_ids_expected", "headline"),
     ("precision_ids", "headline"), 1.3),
    ("RankingMetrics (5 metrics) ÷ one metric", ("ranking_metrics_5", "headline"),
     ("precision_dense", "headline"), 1.5),
    ("train step, tfrank P@K+R@K ÷ no metrics, multi-hot B=256 N=10,000", ("train-tfrank", "train-multihot"),
     ("train-off", "train-multihot"), 1.25),
    ("train step, tfrank P@K+R@K ÷ no metrics, class ids B=1024 N=500", ("train-tfrank", "train-classes"),
     ("train-off", "train-classes"), 1.25),
    ("train step, tfrank < Keras' top-k metrics, multi-hot", ("train-tfrank", "train-multihot"),
     ("train-keras", "train-multihot"), -1.0),
    ("train step, tfrank < Keras' top-k metrics, class ids", ("train-tfrank", "train-classes"),
     ("train-keras", "train-classes"), -1.0),
)


def targets(rows):
    """One dict per target whose two programs both ran: measured ratio, bound, held."""
    median = {(r["program"], r["group"]): r["median_s"] for r in rows}
    device = {(r["program"], r["group"]): r.get("device_s") for r in rows}
    out = []
    for label, numerator, denominator, bound in TARGETS:
        if numerator in median and denominator in median:
            ratio = median[numerator] / median[denominator]
            entry = {"target": label, "bound": "< 1" if bound < 0 else f"<= {bound:g}",
                     "measured": round(ratio, 3), "held": _held(ratio, bound)}
            if device[numerator] and device[denominator]:
                entry["device"] = round(device[numerator] / device[denominator], 3)
                entry["device_held"] = _held(entry["device"], bound)
            out.append(entry)
    return out


def _held(ratio, bound):
    return ratio < 1.0 if bound < 0 else ratio <= bound


def _yes(held):
    return "yes" if held else "**no**"


def _or_dash(value):
    return "–" if value is None else f"{value:g}"


def _us(seconds):
    return f"{seconds * 1e6:,.1f}"


SYMBOLS = {"batch": "B", "items": "N", "candidates": "M", "dim": "d", "chunk": "chunk", "k": "K", "relevant": "R", "features": "F"}


def _size(size):
    return " ".join(f"{symbol}={size[key]:,}" for key, symbol in SYMBOLS.items() if key in size)


def markdown(results):
    env = results["environment"]
    lines = [
        "# tfrank's XLA programs replayed by jaxlib",
        "",
        f"Device: {env['device_kind']} ({env['platform']}); jax {env['jax']}, jaxlib {env['jaxlib']}, "
        f"NumPy {env['numpy']}, Python {env['python']}, {env['machine']}; programs exported by "
        f"{env['exported_by']}" + (f"; baseline {env['torch']}" if env.get("torch") else "") + ".",
        f"Medians of {results['rounds']} interleaved rounds, each sample at least {results['min_sample_s']:g} s "
        f"of back-to-back launches; {results['wall_seconds']} s in all.",
        "",
        f"Values checked against TensorFlow's: {'all agree' if not results['failures'] else 'MISMATCHES'}.",
    ]
    lines += [f"- {failure}" for failure in results["failures"]]
    if results["targets"]:
        lines += ["", "## Targets", "", f"Set for an NVIDIA H100; measured here on {env['device_kind']}. "
                  "Wall: medians of back-to-back launches; device: the profiler's summed kernel time per launch.",
                  "", "| target | bound | wall | held | device | held |", "|---|---|---:|---|---:|---|"]
        for t in results["targets"]:
            device = (f"{t['device']:.2f} | {_yes(t['device_held'])}" if "device" in t else "– | –")
            lines.append(f"| {t['target']} | {t['bound']} | {t['measured']:.2f} | {_yes(t['held'])} | {device} |")
    groups = {}
    for row in results["rows"]:
        groups.setdefault(row["group"], []).append(row)
    lines += ["", "Kernels: compiled, the fusions and library calls in the program XLA compiled for this device "
              "(a loop's body counted once); traced, the device events per launch in a profiler trace. "
              "Device µs: the traced events' summed duration per launch (GPU only), free of the host's "
              "cost of a launch."]
    if any(row["program"] == "launch_floor" for row in results["rows"]):
        lines += ["", "`launch_floor` reads one score per list: the cost of one launch through the replayer. "
                  "A program timed near it is bound by launching, and its ratio to the read pass understates "
                  "the device work."]
    for group, rows in groups.items():
        train = rows[0]["kind"] == "train"
        base = rows[0]["base"]
        lines += ["", f"## {group}: {_size(rows[0]['size'])}", "",
                  f"| program | µs per {'step' if train else 'call'} | ÷ {base or 'base'} | device µs | device ÷ base "
                  "| values vs TensorFlow | kernels (compiled / traced) | compile (s) |",
                  "|---|---:|---:|---:|---:|---|---:|---:|"]
        for row in rows:
            ratio = f"{row['over_base']:.2f}" if row["over_base"] is not None else "–"
            compiled = f"{row['compile_s']:.2f}" if row["compile_s"] is not None else "–"
            kernels = f"{_or_dash(row.get('kernels'))} / {_or_dash(row.get('device_events'))}"
            device = _us(row["device_s"]) if row.get("device_s") else "–"
            device_ratio = f"{row['device_over_base']:.2f}" if row.get("device_over_base") else "–"
            lines.append(f"| {row['program']} | {_us(row['median_s'])} | {ratio} | {device} | {device_ratio} "
                         f"| {row['values']} | {kernels} | {compiled} |")
    return "\n".join(lines) + "\n"


def plot(rows, out):
    """``ratios.png`` (wall clock) and, where the profiler gave device times, ``device_ratios.png``:
    each program's ratio to its group's base, one panel per group; [] without matplotlib."""
    made = _plot(rows, out, "over_base", "ratios.png", "wall clock")
    if any(row.get("device_over_base") for row in rows):
        made += _plot(rows, out, "device_over_base", "device_ratios.png", "device time")
    return made


def _plot(rows, out, key, filename, what):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    groups = {}
    for row in rows:
        if row.get(key) is not None:
            groups.setdefault(row["group"], []).append(row)
    if not groups:
        return []
    figure, axes = plt.subplots(len(groups), 1, figsize=(8, 1.2 + 0.35 * len(rows)), squeeze=False)
    for axis, (group, members) in zip(axes[:, 0], groups.items()):
        names = [r["program"] for r in members]
        values = [r[key] for r in members]
        axis.barh(names, values, color=["tab:gray" if r["role"] == "baseline" else "tab:blue" for r in members])
        for position, value in enumerate(values):
            axis.annotate(f"{value:.2f}", (value, position), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=7)
        axis.axvline(1.0, color="black", linewidth=0.8)
        if max(values) > 30:
            axis.set_xscale("log")
        axis.set_title(f"{group}: {_size(members[0]['size'])} ({what} ÷ {members[0]['base']})", fontsize=9)
        axis.invert_yaxis()
        axis.tick_params(labelsize=8)
    figure.tight_layout()
    figure.savefig(os.path.join(out, filename), dpi=110)
    plt.close(figure)
    return [filename]
