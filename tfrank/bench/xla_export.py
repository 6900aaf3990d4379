"""Exports tfrank's XLA programs for the replay benchmark (``tfrank bench --sections xla``).

On a GPU, Keras compiles ``model.fit``'s steps with XLA, so what a GPU user runs is
tfrank's XLA program. This module writes that program, as TensorFlow compiles it, to
a *bundle* that a machine with jaxlib but no TensorFlow can compile and time
(``xla_replay.py`` with its helpers, copied into the bundle):

- ``NAME.hlo.pb``: the HloModuleProto of ``tf.function(fn, jit_compile=True)``
  (``experimental_get_compiler_ir(...)(stage="hlo_serialized")``), with every ``copy``
  instruction rewritten as a same-shape ``reshape`` (jaxlib 0.11 refuses ``copy`` when
  converting to StableHLO; the two are the same value);
- ``manifest.json``: per program, the recipe of each parameter (`xla_inputs`), the
  input/output aliases (train steps donate their variables), TensorFlow's outputs
  (``expected.npz``, or a checksum for large ones) and the tolerance of the check.

Adding a program is one `Program` line in `PROGRAMS` (train steps: `xla_train`); `xla`
writes the whole bundle and replays it.
"""

import dataclasses
import os

import numpy as np

from tfrank.bench import xla_inputs

FORMAT = 1
MAX_STORED = 1 << 16  # outputs with more elements are checked by checksum
SHAPES = {
    "headline": {"batch": 1024, "items": 10_000, "k": 10, "relevant": 5},
    "seed": {"batch": 8192, "items": 1_000, "k": 10, "relevant": 5},
    "large": {"batch": 64, "items": 1_000_000, "k": 10, "relevant": 5},
    "tiny": {"batch": 8, "items": 64, "k": 5, "relevant": 3},
    # Retrieval over a whole corpus (the sizes of issue-tracker measurements: 2^20 candidates in chunks of 2^16).
    "retrieval": {"batch": 1024, "dim": 128, "candidates": 1 << 20, "chunk": 1 << 16, "k": 100},
    "retrieval_tiny": {"batch": 8, "dim": 4, "candidates": 64, "chunk": 24, "k": 16},
}
RANKING_SHAPES = ("headline", "seed", "large")
FULL_SHAPES = RANKING_SHAPES + ("retrieval",)
TINY_SHAPES = ("tiny", "retrieval_tiny")


# === The programs under test: fn(k) returns a function of the named input arrays ===


def _read_pass(size):
    import tensorflow as tf

    return lambda scores: tf.reduce_max(scores, axis=1)


def _launch_floor(size):
    """Reads one score: its time is the cost of launching a program through the replayer, the floor
    under every other figure of its group (one near it is bound by launching, not by the device)."""
    return lambda scores: scores[:, 0] + 1.0


def _top_k_gather(size):
    """What a user writes by hand: top-k indices, then the labels at them."""
    import tensorflow as tf

    k = size["k"]

    def precision(dense, scores):
        _, indices = tf.math.top_k(scores, k=k)
        return tf.reduce_sum(tf.gather(dense, indices, batch_dims=1), axis=1) / k

    return precision


def _op(name, **options):
    def build(size):
        from tfrank import ops

        function = getattr(ops, name)
        return lambda y_true, y_pred: function(y_true, y_pred, size["k"], **options)

    return build


def _five(size):
    from tfrank import ops

    metrics = ["precision", "recall", "mrr", "map", "ndcg"]
    return lambda y_true, y_pred: ops.ranking_metrics(y_true, y_pred, size["k"], metrics=metrics)


def _retrieval_floor(size):
    """The retrieval floor: the same chunked matmuls over the corpus with only a max per chunk."""
    from tfrank.bench.retrieval import chunked_floor

    return lambda queries, candidates: chunked_floor(queries, candidates, size["chunk"])


def _retrieval_top_k(size):
    """tfrank's exact chunked top K over the corpus (its scores: indices may swap at near-ties
    between devices, the scores may not)."""
    from tfrank.retrieval import retrieval_top_k

    return lambda queries, candidates: retrieval_top_k(queries, candidates, size["k"], chunk=size["chunk"]).values


def _retrieval_recall(size):
    """Recall@K of each query against the whole corpus: what ``RetrievalMetrics`` computes per batch."""
    from tfrank.retrieval import retrieval_metrics

    def recall(relevant, queries, candidates):
        return retrieval_metrics(relevant, queries, candidates, size["k"], metrics=("recall",), chunk=size["chunk"])

    return recall


@dataclasses.dataclass(frozen=True)
class Program:
    """One program of the bundle: ``build(size)`` gives a TF function of the arrays ``inputs``,
    drawn by ``recipes(shape, seed)`` (`ranking_recipes` or `retrieval_recipes`); ``tiny`` is
    its shape in a quick run."""

    name: str
    inputs: tuple
    build: object
    shapes: tuple = RANKING_SHAPES
    role: str = "metric"  # "baseline" (read pass, plain top_k) or "metric"
    tolerance: float = 1e-5
    recipes: object = None  # None: ranking_recipes
    tiny: str = "tiny"
    method: str = "count"  # the ranking a GPU runs (`tfrank.engine.counting`); "top_k": the CPU's
    layout: str = "siblings"  # how ids are counted (`tfrank.engine.counting.LAYOUTS`)


PROGRAMS = (
    Program("read_pass", ("scores",), _read_pass, role="baseline"),
    Program("launch_floor", ("scores",), _launch_floor, role="baseline"),
    Program("top_k_gather", ("dense", "scores"), _top_k_gather, role="baseline"),
    Program("precision_dense", ("dense", "scores"), _op("precision_at_k")),
    Program("precision_ids", ("ids", "scores"), _op("precision_at_k")),
    Program("precision_class", ("class", "scores"), _op("precision_at_k"), shapes=("headline", "seed")),
    # The same metrics ranked by the top k, as before counting (the CPU's path): what counting buys.
    Program("precision_dense_topk", ("dense", "scores"), _op("precision_at_k"), method="top_k"),
    Program("precision_ids_topk", ("ids", "scores"), _op("precision_at_k"), method="top_k"),
    Program("precision_class_topk", ("class", "scores"), _op("precision_at_k"), shapes=("headline", "seed"),
            method="top_k"),
    # Ids counted in one [B, R, N] reduction instead of R sibling ones over [B, N].
    Program("precision_ids_broadcast", ("ids", "scores"), _op("precision_at_k"), shapes=("headline", "seed"),
            layout="broadcast"),
    Program("ndcg_dense", ("dense", "scores"), _op("ndcg_at_k"), shapes=("headline",)),
    Program("precision_dense_expected", ("dense", "scores"), _op("precision_at_k", ties="expected"),
            shapes=("headline",)),
    Program("precision_ids_expected", ("ids", "scores"), _op("precision_at_k", ties="expected"),
            shapes=("headline",)),
    Program("ranking_metrics_5", ("dense", "scores"), _five, shapes=("headline",)),
    # Retrieval: each ÷ the chunked-matmul floor of the same corpus (the group's base).
    # The floor's matmul, fused with its max, may run in TF32 on a GPU (an H100 differed by up to
    # 0.018 on maxima near 40), as Keras' default matmul precision there allows: checked loosely.
    Program("retrieval_floor", ("queries", "candidates"), _retrieval_floor, shapes=("retrieval",),
            role="baseline", recipes="retrieval", tiny="retrieval_tiny", tolerance=2e-3),
    Program("retrieval_top_k", ("queries", "candidates"), _retrieval_top_k, shapes=("retrieval",),
            recipes="retrieval", tiny="retrieval_tiny", tolerance=1e-4),
    Program("retrieval_recall", ("relevant", "queries", "candidates"), _retrieval_recall, shapes=("retrieval",),
            recipes="retrieval", tiny="retrieval_tiny"),
)


# === HLO helpers ===


def hlo_module_proto():
    """TensorFlow's copy of XLA's ``HloModuleProto`` message class."""
    from tensorflow.compiler.xla.service import hlo_pb2

    return hlo_pb2.HloModuleProto


def prepare_hlo(serialized):
    """``(bytes, copies rewritten, aliases)``: ``copy`` -> same-shape ``reshape``; the aliases
    as ``[output index, parameter number]`` pairs from the module's ``input_output_alias``."""
    module = hlo_module_proto().FromString(serialized)
    copies = 0
    for computation in module.computations:
        for instruction in computation.instructions:
            if instruction.opcode == "copy":
                instruction.opcode = "reshape"
                copies += 1
    aliases = []
    for entry in module.input_output_alias.entries:
        if len(entry.output_shape_index) != 1 or len(entry.parameter_shape_index):
            raise ValueError(f"unsupported input_output_alias entry in {module.name}: {entry}")
        aliases.append([int(entry.output_shape_index[0]), int(entry.parameter_number)])
    return module.SerializeToString(), copies, aliases


def describe(array):
    return {"shape": list(np.shape(array)), "dtype": str(np.asarray(array).dtype)}


def expected_entry(key, array, stored):
    """The manifest's record of one output; small outputs go to ``stored[key]``."""
    entry = describe(array)
    if np.size(array) <= MAX_STORED:
        stored[key] = np.asarray(array)
        entry["stored"] = key
    else:
        entry["checksum"] = xla_inputs.checksum(array)
    return entry


def export_function(fn, args, name, bundle, stored):
    """Writes ``name.hlo.pb`` for ``tf.function(fn, jit_compile=True)`` at ``args``; returns
    ``(record, compiled function)`` where the record lacks parameters and outputs."""
    import tensorflow as tf

    compiled = tf.function(fn, jit_compile=True)
    serialized = compiled.experimental_get_compiler_ir(*args)(stage="hlo_serialized")
    hlo, copies, aliases = prepare_hlo(serialized)
    path = f"{name}.hlo.pb"
    with open(os.path.join(bundle, path), "wb") as out:
        out.write(hlo)
    return {"name": name, "hlo": path, "copies_rewritten": copies, "aliases": aliases}, compiled


# === The bundle ===


def ranking_recipes(shape, seed):
    size = SHAPES[shape]
    top = max(4 * size["k"], 2 * size["relevant"])
    return xla_inputs.ranking_recipes(size["batch"], size["items"], size["relevant"], top, seed)


def retrieval_recipes(shape, seed):
    """Query and candidate embeddings (standard normal) and one relevant candidate id per query."""
    size = SHAPES[shape]
    batch, dim, n = size["batch"], size["dim"], size["candidates"]
    return {
        "queries": {"kind": "normal", "shape": [batch, dim], "scale": 1.0, "seed": seed},
        "candidates": {"kind": "normal", "shape": [n, dim], "scale": 1.0, "seed": seed + 1},
        "relevant": {"kind": "integers", "shape": [batch], "high": n, "seed": seed + 2},
    }


def export_program(program, shape, bundle, stored, seed, cache):
    """Exports one (program, shape); returns its manifest record."""
    import tensorflow as tf

    from tfrank.engine import counting, fastrank

    recipes = (retrieval_recipes if program.recipes == "retrieval" else ranking_recipes)(shape, seed)
    arrays = [xla_inputs.make(recipes[name], cache) for name in program.inputs]
    size = SHAPES[shape]
    name = f"{program.name}-{shape}"
    fn = program.build(size)
    with fastrank.choose(program.method), counting.layout(program.layout):  # traced as on a GPU
        record, compiled = export_function(fn, [tf.constant(a) for a in arrays], name, bundle, stored)
        outputs = tf.nest.flatten(compiled(*[tf.constant(a) for a in arrays]))
    record.update(
        program=program.name, group=shape, role=program.role, kind="function", tolerance=program.tolerance,
        method=program.method, layout=program.layout,
        size=size, parameters=[{**describe(a), "recipe": recipes[n], "checksum": xla_inputs.checksum(a)}
                               for n, a in zip(program.inputs, arrays)],
        outputs=[expected_entry(f"{name}/{i}", o.numpy(), stored) for i, o in enumerate(outputs)],
    )
    return record
