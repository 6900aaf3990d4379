"""``tfrank bench``'s main: device checks, the plan, the sections, the output files."""

import dataclasses
import datetime
import os
import platform
import sys
import time

from tfrank.bench import budget, cells, family, fit, impls, memory, pair_losses, plan, report, retrieval, stats
from tfrank.bench import threshold, timing, xla
from tfrank_cli.bench import DEFAULT_SECTIONS, SECTIONS  # the names --sections accepts

SIZE_OPTIONS = ("batch", "items", "k", "relevant", "formats", "modes")


def _machine():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} CPUs visible, {platform.system()}"


def _device(tf, wanted):
    """The TF device string to use, or an error message when a GPU was asked for and none is seen."""
    gpus = tf.config.list_physical_devices("GPU")
    if wanted == "gpu":
        if not gpus:
            cuda = "built with CUDA" if tf.test.is_built_with_cuda() else "a build without CUDA (e.g. tensorflow-cpu)"
            return None, (f"--device gpu, but TensorFlow {tf.__version__} ({cuda}) sees no GPU: "
                          "tf.config.list_physical_devices('GPU') is empty. Install tfrank[gpu] on a machine "
                          "with a CUDA GPU, or run with --device cpu.")
        return "/GPU:0", None
    try:
        tf.config.set_visible_devices([], "GPU")  # a CPU figure must not borrow a GPU
    except (RuntimeError, ValueError):
        pass  # TF already initialised (e.g. under pytest): the device scope below still pins the CPU
    return "/CPU:0", None


def _environment(tf, device):
    import keras
    import numpy as np

    with tf.device(device):
        used = tf.reduce_max(tf.zeros([2])).device
    env = {"machine": _machine(), "tensorflow": tf.__version__, "keras": keras.__version__,
           "keras_rs": impls.version("keras-rs"), "numpy": np.__version__, "python": platform.python_version(),
           "device_requested": device, "device_used": used.split("/")[-1] if used else device}
    if device.startswith("/GPU"):
        details = tf.config.experimental.get_device_details(tf.config.list_physical_devices("GPU")[0])
        env["gpu"] = details.get("device_name", "unknown GPU")
        env["machine"] += f"; GPU: {env['gpu']}"
    return env


def command_line(args):
    parts = ["tfrank bench"]
    if args.quick:
        parts.append("--quick")
    if args.device != "cpu":
        parts.append(f"--device {args.device}")
    for name in SIZE_OPTIONS + ("max_elements", "retrieval_items"):
        value = getattr(args, name)
        if value is not None:
            parts.append(f"--{name.replace('_', '-')} {','.join(str(v) for v in value)}")
    for name, default in (("impls", tuple(impls.BY_NAME)), ("sections", None), ("repeats", (7,))):
        value = getattr(args, name)
        if default is not None and value != default or name == "sections" and value != DEFAULT_SECTIONS:
            parts.append(f"--{name} {','.join(str(v) for v in value)}")
    for name, default in (("budget_seconds", 1.0), ("max_call_seconds", 5.0), ("max_gib", 2.0), ("seed", 0)):
        if getattr(args, name) != default:
            parts.append(f"--{name.replace('_', '-')} {getattr(args, name):g}")
    parts.append(f"--out {args.out}")
    return " ".join(parts)


def cases_of(args):
    chosen = {name: getattr(args, name) for name in SIZE_OPTIONS if getattr(args, name) is not None}
    max_elements = args.max_elements[0] if args.max_elements else None
    if chosen:
        h = plan.HEADLINE
        return plan.product(chosen.get("batch", (h["batch"],)), chosen.get("items", (h["items"],)),
                            chosen.get("k", (h["k"],)), chosen.get("relevant", (h["relevant"],)),
                            chosen.get("formats", ("dense", "ids")), chosen.get("modes", ("graph",)), max_elements)
    return plan.quick() if args.quick else plan.standard(max_elements or plan.MAX_ELEMENTS)


def limits_of(args):
    if args.quick:
        return timing.Limits(repeats=3, min_sample=0.002, budget=0.2, max_call=args.max_call_seconds,
                             max_bytes=args.max_gib * 2**30)
    return timing.Limits(repeats=args.repeats[0], budget=args.budget_seconds, max_call=args.max_call_seconds,
                         max_bytes=args.max_gib * 2**30)


def _say(text):
    print(text, flush=True)


def run(args):
    """Runs the sections and writes the outputs; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    device, error = _device(tf, args.device)
    if error:
        print(f"tfrank bench: {error}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    clock = time.perf_counter()
    limits = limits_of(args)
    results = {"command": command_line(args), "started": datetime.datetime.now().isoformat(timespec="seconds"),
               "environment": _environment(tf, device), "limits": dataclasses.asdict(limits),
               "impls": {impl.name: impl.title for impl in impls.IMPLS if impl.name in args.impls}}
    env = results["environment"]
    _say(f"tfrank bench on {env['machine']}\nTensorFlow {env['tensorflow']} on {env['device_used']}, "
         f"Keras {env['keras']}, keras-rs {env['keras_rs'] or 'not installed'}, NumPy {env['numpy']}")
    wanted = [name for name in impls.BY_NAME if name in args.impls or name in ("read_pass", "tfrank")]
    sections = {
        "cases": ("{n} cases x {m} implementations, medians of up to {r} interleaved rounds (at most {b:g} s "
                  "of samples each):",
                  lambda: cells.run(cases_of(args), wanted, limits, device, say=_say, seed=args.seed)),
        "family": ("several metrics, one RankingMetrics vs one object each:",
                   lambda: family.run(device, limits, quick=args.quick, say=_say, seed=args.seed)),
        "fit": ("model.fit epoch, metrics on vs off:",
                lambda: fit.run(device, quick=args.quick, say=_say, seed=args.seed)),
        "memory": ("memory, one fresh process per row:", lambda: memory.run(device, quick=args.quick, say=_say)),
        "budget": ("PrecisionAtBudget update:",
                   lambda: budget.run(device, limits, quick=args.quick, say=_say, seed=args.seed)),
        "losses": ("pairwise losses, a training step, dense labels vs ids:",
                   lambda: pair_losses.run(device, limits, quick=args.quick, say=_say, seed=args.seed)),
        "threshold": ("exact threshold metrics: update vs Keras' binned, result() vs scikit-learn, fit:",
                      lambda: threshold.run(device, limits, quick=args.quick, say=_say, seed=args.seed)),
        "xla": ("XLA programs for a replay by jaxlib:",
                lambda: xla.run(args.out, quick=args.quick, say=_say, seed=args.seed)),
        "retrieval": ("retrieval over a whole corpus (one child process per row):",
                      lambda: retrieval.run(device, limits, quick=args.quick, say=_say, seed=args.seed,
                                            corpus=args.retrieval_items)),
        "stats": ("tfrank.stats.compare, each test (NumPy, no TensorFlow):",
                  lambda: stats.run(quick=args.quick, say=_say, seed=args.seed)),
    }
    results["section_seconds"] = {}
    for name in SECTIONS:
        if name in args.sections:
            title, section = sections[name]
            _say("\n" + title.format(n=len(cases_of(args)), m=len(wanted), r=limits.repeats, b=limits.budget))
            begun = time.perf_counter()
            results[name] = section()
            results["section_seconds"][name] = round(time.perf_counter() - begun, 1)
    results["targets"] = report.targets(results.get("cases", []))
    results["plots"] = report.plots(results, args.out)
    results["wall_seconds"] = round(time.perf_counter() - clock, 1)
    report.write_json(results, os.path.join(args.out, "results.json"))
    with open(os.path.join(args.out, "results.md"), "w") as out:
        out.write(report.markdown(results))
    _say(f"\nwrote {', '.join(['results.json', 'results.md'] + results['plots'])} to {args.out} "
         f"({results['wall_seconds']} s)")
    wrong = cells.check_agreement(results.get("cases", []))
    wrong += [row for row in results.get("family", []) + results.get("losses", []) if not row["agree"]]
    wrong += results.get("xla", {}).get("failures", [])
    wrong += [row for row in results.get("threshold", {}).get("result", []) if not row["agree"]]
    if wrong:
        print(f"tfrank bench: implementations disagree on the metric value in {len(wrong)} case(s); see results.md",
              file=sys.stderr)
        return 1
    return 0
