"""Retrieval over a whole corpus: time ÷ the bare chunked matmul (the floor), and memory beyond the index.

For queries ``[B, d]`` against M candidates, Recall@K of one relevant candidate per
query (queries are noisy copies of their candidate, so recall is far from 0 and a
wrong top-K shows). Compared, in one child process (so that its memory figures are its
own; glibc returns large blocks to the system, ``MALLOC_MMAP_THRESHOLD_``):

* ``floor``: the chunked matmul over the corpus with a max per chunk, nothing else;
* ``tfrank_top_k``: `tfrank.retrieval.retrieval_top_k` (the pure chunked top-K);
* ``tfrank``: a `tfrank.RetrievalMetrics` update (top-K, labels, every check);
* ``numpy``: brute force, ``q @ c.T`` then ``np.argpartition`` (``[B, M]`` scores);
* ``keras_rs``: keras-rs ``BruteForceRetrieval`` (``[B, M]`` scores, ``top_k``) + recall.

TF rows run as ``tf.function`` (graph) and under XLA, each over the floor of its own
mode; times are medians of interleaved rounds. Memory (CPU only: host memory), each
implementation alone in a fresh process (``--quick``: all in one, only to exercise the
code): the peak resident set during a call minus the resident set before it (index and
queries resident), the larger over the first call (tracing included) and the second,
next to a ``[B, M]`` float32 matrix. Rows
whose ``[B, M]`` scores exceed ``--max-gib`` skip the peers that materialise them.
"""

import json
import os
import subprocess
import sys

import numpy as np

FULL = {"batch": 1024, "k": 100, "dims": (64, 128), "corpus": (100_000,), "chunk": 32768}
QUICK = {"batch": 8, "k": 5, "dims": (8,), "corpus": (300,), "chunk": 64}
IMPLS = ("floor", "tfrank_top_k", "tfrank", "numpy", "keras_rs")


def _inputs(batch, n, dim, seed):
    rng = np.random.default_rng(seed)
    candidates = rng.normal(size=(n, dim)).astype(np.float32)
    relevant = rng.integers(0, n, size=batch)
    queries = (candidates[relevant] + rng.normal(scale=1.5, size=(batch, dim))).astype(np.float32)
    return queries, candidates, relevant


def chunked_floor(queries, candidates, chunk):
    """The floor: the chunked matmul over the corpus with a max per chunk, nothing else ``[B]``."""
    import tensorflow as tf

    n, dim = candidates.shape
    steps = n // chunk

    def body(i, best):
        block = tf.slice(candidates, [i * chunk, 0], [chunk, dim])
        return i + 1, tf.maximum(best, tf.reduce_max(tf.matmul(queries, block, transpose_b=True), axis=1))

    best = tf.fill(tf.shape(queries)[:1], -np.inf)
    if steps:
        _, best = tf.while_loop(lambda i, _: i < steps, body, (tf.constant(0), best), parallel_iterations=1)
    if n % chunk:
        tail = tf.matmul(queries, candidates[steps * chunk :], transpose_b=True)
        best = tf.maximum(best, tf.reduce_max(tail, axis=1))
    return best


def _builders(tf, queries, candidates, relevant, k, chunk):
    """name -> (mode -> zero-argument function returning recall or a tensor to wait for)."""
    import tfrank
    from tfrank.retrieval import retrieval_top_k

    q, c, y = tf.constant(queries), tf.constant(candidates), tf.constant(relevant[:, None].astype(np.int32))

    def recall(ids):
        return tf.reduce_mean(tf.cast(tf.reduce_any(tf.equal(ids, y), axis=1), tf.float32))

    def tf_modes(fn, *args):
        return {mode: (lambda f=tf.function(fn, jit_compile=mode == "xla"): f(*args)) for mode in ("graph", "xla")}

    def metric_modes():
        out = {}
        for mode in ("graph", "xla"):
            metric = tfrank.RetrievalMetrics(candidates, k=k, metrics=["recall"], chunk=chunk)

            def update(y, q, metric=metric):
                metric.reset_state()
                metric.update_state(y, q)
                return metric.result()[f"recall_at_{k}"]

            out[mode] = lambda f=tf.function(update, jit_compile=mode == "xla"): f(y, q)
        return out

    def numpy_brute_force():
        scores = queries @ candidates.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        return float(np.mean((top == relevant[:, None]).any(axis=1)))

    builders = {
        "floor": tf_modes(lambda q, c: chunked_floor(q, c, chunk), q, c),
        "tfrank_top_k": tf_modes(lambda q, c: recall(retrieval_top_k(q, c, k, chunk=chunk).indices), q, c),
        "tfrank": metric_modes(),
        "numpy": {"numpy": numpy_brute_force},
    }
    try:
        import keras_rs

        layer = keras_rs.layers.BruteForceRetrieval(candidate_embeddings=c, k=k, return_scores=False)
        builders["keras_rs"] = tf_modes(lambda q: recall(tf.cast(layer(q), tf.int32)), q)
    except ImportError:
        pass
    return builders


def measure(config):
    """In the child: time, recall and peak memory of every implementation and mode, or
    with ``config["only"]`` the memory of that one alone (in a process of its own)."""
    import gc

    import tensorflow as tf

    from tfrank.bench import memory, timing

    limits = timing.Limits(**config["limits"])
    queries, candidates, relevant = _inputs(config["batch"], config["corpus"], config["dim"], config["seed"])
    scores_bytes = 4 * config["batch"] * config["corpus"]
    builders = _builders(tf, queries, candidates, relevant, config["k"], config["chunk"])
    rows, runners = {}, {}
    with tf.device(config["device"]):
        tf.matmul(tf.constant(queries[:2]), tf.constant(candidates[:2]), transpose_b=True).numpy()  # runtime start-up
        for name, modes in builders.items():
            if name in ("numpy", "keras_rs") and scores_bytes > limits.max_bytes:
                rows[name] = {"skipped": f"[B, M] scores take {scores_bytes / 2**30:.1f} GiB > --max-gib"}
                continue
            for mode, call in modes.items():
                key = f"{name}/{mode}"
                if config.get("only") not in (None, key):
                    continue
                # Peak resident growth over the first call (tracing, compilation, first touch)
                # and over the second.
                gc.collect()
                peaks = []
                for _ in range(2):
                    resident = memory._status("VmRSS")
                    memory._reset_peak()
                    value = call()
                    peaks.append(memory._status("VmHWM") - resident)
                recall = None if name == "floor" else float(np.asarray(value))
                rows[key] = {"recall": recall, "peak_bytes": max(max(peaks), 0)}
                runners[key] = _Runner(call)
        if config.get("only") is None:
            for key, timed in timing.measure(runners, limits).items():  # interleaved rounds
                rows[key]["seconds"] = timed["median"]
    return {"rows": rows, "scores_bytes": scores_bytes, "index_bytes": candidates.nbytes}


class _Runner:
    def __init__(self, fn):
        self.fn = fn

    def call(self):
        value = self.fn()
        if hasattr(value, "numpy"):
            value.numpy()


def _spawn(config):
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536", TF_CPP_MIN_LOG_LEVEL="3")
    if config["device"].upper().endswith("CPU:0"):
        env["CUDA_VISIBLE_DEVICES"] = "-1"  # a CPU figure must not allocate on a GPU
    done = subprocess.run([sys.executable, "-m", "tfrank.bench.retrieval", json.dumps(config)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"child exited with {done.returncode}: {tail[:300]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(device, limits, quick=False, say=print, seed=0, corpus=None):
    """One child process per (M, d); rows with ratios to the floor of the same mode."""
    import dataclasses

    size = QUICK if quick else FULL
    out = []
    for n in corpus or size["corpus"]:
        for dim in size["dims"]:
            config = {"batch": size["batch"], "k": size["k"], "chunk": size["chunk"], "corpus": n, "dim": dim,
                      "seed": seed, "limits": dataclasses.asdict(limits), "device": device}
            figures = _spawn(config)
            row = {key: config[key] for key in ("batch", "k", "chunk", "corpus", "dim")}
            if not quick and "error" not in figures:  # memory: each implementation in a fresh process
                for key, entry in figures["rows"].items():
                    if "peak_bytes" in entry:
                        alone = _spawn({**config, "only": key})
                        entry["peak_bytes"] = alone.get("rows", {}).get(key, {}).get("peak_bytes")
            if "error" in figures:
                say(f"  retrieval M={n:,} d={dim}: error: {figures['error']}")
                out.append({**row, "error": figures["error"]})
                continue
            row.update(scores_bytes=figures["scores_bytes"], index_bytes=figures["index_bytes"], impls={})
            floors = {mode: figures["rows"][f"floor/{mode}"]["seconds"] for mode in ("graph", "xla")}
            for key, entry in figures["rows"].items():
                name, _, mode = key.partition("/")
                if mode:
                    entry["over_floor"] = entry["seconds"] / floors["graph" if mode == "numpy" else mode]
                row["impls"][key] = entry
            recalls = {e["recall"] for e in row["impls"].values() if e.get("recall") is not None}
            row["agree"] = max(recalls) - min(recalls) <= 1.0 / size["batch"] + 1e-6 if recalls else True
            out.append(row)
            shown = ", ".join(f"{key} {e['over_floor']:.2f}x" for key, e in row["impls"].items() if "over_floor" in e)
            say(f"  retrieval B={size['batch']} M={n:,} d={dim} K={size['k']}: time / floor: {shown}")
    return out


def table(rows):
    """Markdown: time ÷ floor and peak memory beyond the index, per implementation and mode."""
    lines = ["### Retrieval over a whole corpus: time ÷ chunked-matmul floor, peak memory beyond the index", "",
             "| B | M | d | K | implementation | time ÷ floor (same mode) | time ÷ graph floor | peak memory (MiB) | "
             "÷ [B, M] float32 | Recall@K |",
             "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        head = f"| {row['batch']} | {row['corpus']:,} | {row['dim']} | {row['k']} |"
        if "error" in row:
            lines.append(f"{head} error: {row['error']} | | | | | |")
            continue
        for key, e in row["impls"].items():
            if "skipped" in e:
                lines.append(f"{head} {key} | skipped: {e['skipped']} | | | | |")
                continue
            recall = "–" if e["recall"] is None else f"{e['recall']:.4f}"
            peak = e.get("peak_bytes")
            memory = "–" if peak is None else f"{peak / 2**20:,.1f} | {peak / row['scores_bytes']:.3f}"
            graph = e["seconds"] / row["impls"]["floor/graph"]["seconds"]
            lines.append(f"{head} {key} | {e['over_floor']:.2f} | {graph:.2f} | {memory if peak is not None else '– | –'} | "
                         f"{recall} |")
    return lines + [""]


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
