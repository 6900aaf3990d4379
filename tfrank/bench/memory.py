"""Peak memory of one metric update at large N, each configuration in a fresh process.

What is measured (CPU, Linux): the child process builds y_pred ``[B, N]`` (and the
labels), traces and runs the update once, then resets the kernel's peak-RSS mark
(``/proc/self/clear_refs``), runs the update again and reads ``VmHWM``. "Update peak"
= that high-water mark minus the resident set just before the call: the memory the
update itself needs on top of its resident inputs. glibc is told to serve large
allocations by ``mmap`` (``MALLOC_MMAP_THRESHOLD_``) so that memory freed by the first
call goes back to the system instead of hiding the second call's needs.
"Process peak over baseline" = the child's peak RSS once its inputs are resident (so:
tracing, XLA compilation and both updates) minus that of a baseline child that holds
the same inputs and only runs the read pass. Expected: ids labels O(B * (K + R)) beyond
y_pred, Keras ``Precision(top_k)`` a ``[B, K, N]`` float32 one-hot (B * K * N * 4 bytes).
With ``--device gpu`` the figures are TensorFlow's own GPU memory statistics instead
(``tf.config.experimental.get_memory_info``: peak during the second update minus the
memory in use before it; "process peak" is then the device's peak).
"""

import json
import os
import resource
import subprocess
import sys

FULL = {"batch": 32, "items": 1_000_000, "k": 10, "relevant": 5}
QUICK = {"batch": 4, "items": 4096, "k": 5, "relevant": 3}
# (implementation, label format, mode); "read_pass" rows are the baselines.
CONFIGS = (
    ("read_pass", "ids", "graph"),
    ("tfrank", "ids", "graph"),
    ("read_pass", "dense", "graph"),
    ("tfrank", "dense", "graph"),
    ("keras_precision", "dense", "graph"),
    ("keras_rs", "dense", "graph"),
)
QUICK_CONFIGS = (("read_pass", "ids", "graph"), ("tfrank", "ids", "graph"))
MIB = 2**20


def _status(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def measure_one(config):
    """Runs in the child: one configuration's memory figures, in bytes."""
    import gc

    import tensorflow as tf

    from tfrank.bench import cells, data, impls, timing

    size = config["size"]
    case = data.Case(size["batch"], size["items"], size["k"], size["relevant"], config["format"], config["mode"])
    impl = impls.BY_NAME[config["impl"]]
    inputs = data.make_inputs(case)
    tensors = cells.to_tensors(inputs, case, config["device"], [impl.name])
    inputs = data.Inputs(inputs.scores[:1], inputs.ids[:1], case.fmt)  # drop the NumPy copies
    gc.collect()
    resettable = _reset_peak()  # from here on: tracing, compilation and the updates (not imports, inputs)
    limits = timing.Limits(max_bytes=float("inf"))
    with tf.device(config["device"]):
        runner = impl.build(case, inputs, tensors, limits)
        runner.call()  # trace, compile, first touch
        if config["device"].upper().startswith("/GPU"):
            return _gpu_figures(tf, runner, case)
        process_peak = _status("VmHWM")
        resident = _status("VmRSS")
        _reset_peak()
        runner.call()
        peak = _status("VmHWM")
    if not resettable:  # no clear_refs: only the lifetime peak is known
        return {"resident_before": resident, "update_peak": None, "y_pred_bytes": 4 * case.batch * case.items,
                "process_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
    return {
        "resident_before": resident,
        "update_peak": max(peak - resident, 0),
        "process_peak": max(process_peak, peak),
        "y_pred_bytes": 4 * case.batch * case.items,
    }


def _gpu_figures(tf, runner, case):
    """On a GPU: TensorFlow's own peak of device memory during the second update."""
    tf.config.experimental.reset_memory_stats("GPU:0")
    before = tf.config.experimental.get_memory_info("GPU:0")["current"]
    runner.call()
    peak = tf.config.experimental.get_memory_info("GPU:0")["peak"]
    return {"resident_before": before, "update_peak": max(peak - before, 0), "process_peak": peak,
            "y_pred_bytes": 4 * case.batch * case.items, "measured": "GPU memory (tf.config.experimental)"}


def _spawn(configs):
    """Runs ``configs`` in one fresh child, in order; returns their figures (or an error each)."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", TF_CPP_MIN_LOG_LEVEL="3")
    if configs[0]["device"].upper().endswith("CPU:0"):
        env["CUDA_VISIBLE_DEVICES"] = "-1"  # a CPU figure must not allocate on a GPU
    done = subprocess.run([sys.executable, "-m", "tfrank.bench.memory", json.dumps(configs)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return [{"error": f"child exited with {done.returncode}: {tail[:300]}"}] * len(configs)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(device, quick=False, say=print):
    """One fresh process per configuration (``quick``: one for all, only to exercise the
    machinery); returns rows with the figures in bytes."""
    size = QUICK if quick else FULL
    configs = [{"impl": impl, "format": fmt, "mode": mode, "size": size, "device": device}
               for impl, fmt, mode in (QUICK_CONFIGS if quick else CONFIGS)]
    measured = iter(_spawn(configs)) if quick else (_spawn([config])[0] for config in configs)
    baselines, rows = {}, []
    for config, figures in zip(configs, measured):  # lazily: progress shows as each child ends
        impl, fmt, mode = config["impl"], config["format"], config["mode"]
        holding = "dense" if fmt == "dense" or impl in ("keras_precision", "keras_rs") else "ids"
        row = {"impl": impl, "format": fmt, "mode": mode, **size, **figures}
        if impl == "read_pass":
            baselines[holding] = figures.get("process_peak")
        elif figures.get("process_peak") and baselines.get(holding):
            row["process_peak_over_baseline"] = figures["process_peak"] - baselines[holding]
        if impl == "keras_precision":
            row["one_hot_bytes"] = 4 * size["batch"] * size["k"] * size["items"]
        rows.append(row)
        shown = "error: " + figures["error"] if "error" in figures else (
            f"update peak {_mib(figures.get('update_peak'))}, process peak over baseline "
            f"{_mib(row.get('process_peak_over_baseline'))}")
        say(f"  memory: {impl} {fmt} {mode}, B={size['batch']} N={size['items']}: {shown}")
    return rows


def _mib(value):
    return "n/a" if value is None else f"{value / MIB:.1f} MiB"


if __name__ == "__main__":
    print(json.dumps([measure_one(config) for config in json.loads(sys.argv[1])]))
