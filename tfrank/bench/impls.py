"""The implementations compared: each computes the mean Precision@K of the same batch.

Every implementation is built by a function ``build(case, inputs, tensors, limits) -> runner``
where a runner has ``call()`` (the work that is timed) and ``value()`` (the mean
Precision@K over the batch after the calls, checked against the others so that the
benchmark never compares wrong answers). A builder raises `Skip` with a reason when an
implementation cannot or should not run a case; the reason goes into the output.

All compute P@K = hits@K / K averaged over lists. Every list has R >= 1 relevant items
and N >= K, so keras-rs' denominator min(K, N) is K, and Keras ``Precision(top_k=K)``
(predicted positives over the whole batch: hits / (B * K)) equals the mean over lists.
"""

import dataclasses
import importlib.metadata
from typing import Callable

import numpy as np

# === Plumbing ===


class Skip(Exception):
    """An implementation does not run a case; the message says why."""


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str  # key in results.json
    title: str  # column header
    kind: str  # "tf" (runs in the case's mode) or "numpy" (mode-independent)
    build: Callable
    dense_only: bool = False  # takes dense labels only: ids cases feed it the densified labels


def _compiled(fn, mode):
    import tensorflow as tf

    if mode == "eager":
        return fn
    return tf.function(fn, jit_compile=mode == "xla")


class _Metric:
    """A streaming metric's ``update_state`` in the case's mode; value = its ``result()``."""

    def __init__(self, metric, y_true, y_pred, mode):
        import tensorflow as tf

        self.metric, self.args = metric, (y_true, y_pred)

        def step(y_true, y_pred):
            metric.update_state(y_true, y_pred)
            return tf.convert_to_tensor(metric.variables[0])  # a read after the update: sync point

        self._step = _compiled(step, mode)

    def call(self):
        self._step(*self.args).numpy()

    def value(self):
        return float(np.asarray(self.metric.result()))


class _Function:
    """A plain function of the inputs; value = what it returns (None for the read pass)."""

    def __init__(self, fn, *args, metric=True):
        self.fn, self.args, self.metric, self.last = fn, args, metric, None

    def call(self):
        out = self.fn(*self.args)
        self.last = out.numpy() if hasattr(out, "numpy") else out

    def value(self):
        return float(self.last) if self.metric else None


# === TensorFlow: the limit proxy, tfrank and the Keras peers ===


def read_pass(case, inputs, tensors, limits):
    import tensorflow as tf

    def read(y_pred):
        return tf.reduce_max(y_pred, axis=1)

    return _Function(_compiled(read, case.mode), tensors["y_pred"], metric=False)


def tfrank_metric(case, inputs, tensors, limits):
    import tfrank

    return _Metric(tfrank.PrecisionAtK(k=case.k), tensors["y_true"], tensors["y_pred"], case.mode)


def keras_rs_metric(case, inputs, tensors, limits):
    try:
        import keras_rs
    except ImportError as err:
        raise Skip(f"keras-rs is not installed ({err}); pip install 'tfrank[bench]'") from err
    # shuffle_ties=False: keep index order on ties, like every other implementation here.
    metric = keras_rs.metrics.PrecisionAtK(k=case.k, shuffle_ties=False)
    return _Metric(metric, tensors["dense"], tensors["y_pred"], case.mode)


def keras_precision(case, inputs, tensors, limits):
    import keras

    one_hot = 4 * case.batch * case.k * case.items
    if one_hot > limits.max_bytes:
        raise Skip(f"its [B, K, N] one-hot would take {one_hot / 2**30:.1f} GiB (> --max-gib)")
    return _Metric(keras.metrics.Precision(top_k=case.k), tensors["dense"], tensors["y_pred"], case.mode)


# === NumPy: the reference, the seed-style loop, a vectorised argpartition ===


def _hits(top, labels, fmt):
    """Relevant items among the item indices ``top`` [B, K] (any order within a row)."""
    if fmt == "dense":
        return (np.take_along_axis(labels, top, axis=1) > 0).sum(axis=1)
    if fmt == "class":
        return (top == labels[:, None]).sum(axis=1)
    return (top[:, :, None] == labels[:, None, :]).any(axis=2).sum(axis=1)


def numpy_argpartition(scores, labels, fmt, k):
    """Vectorised: the K largest scores of each row by one ``np.argpartition`` (introselect)."""
    n_items = scores.shape[1]
    top = np.argpartition(scores, n_items - k, axis=1)[:, n_items - k :]
    return float(np.mean(_hits(top, labels, fmt) / k))


def numpy_argsort_loop(scores, labels, fmt, k):
    """What users write (seed 000): a full ``np.argsort`` of each row in a Python loop."""
    values = []
    for i in range(len(scores)):
        top = np.argsort(scores[i])[-k:]
        if fmt == "dense":
            hits = labels[i][top].sum()
        elif fmt == "class":
            hits = np.sum(top == labels[i])
        else:
            hits = np.isin(top, labels[i]).sum()
        values.append(hits / k)
    return float(np.mean(values))


def numpy_reference(scores, labels, fmt, k):
    """`tfrank.reference`: the loop-based oracle of the unit tests (stable argsort per list)."""
    from tfrank import reference

    label_format = "dense" if fmt == "dense" else "ids"
    return float(np.mean(reference.precision_at_k(labels, scores, k, label_format=label_format)))


def _numpy(fn):
    def build(case, inputs, tensors, limits):
        return _Function(fn, inputs.scores, inputs.y_true, case.fmt, case.k)

    return build


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


READ_PASS = Impl("read_pass", "read pass", "tf", read_pass)
TFRANK = Impl("tfrank", "tfrank", "tf", tfrank_metric)
IMPLS = (
    READ_PASS,
    TFRANK,
    Impl("numpy_argpartition", "NumPy argpartition", "numpy", _numpy(numpy_argpartition)),
    Impl("numpy_argsort_loop", "NumPy argsort loop", "numpy", _numpy(numpy_argsort_loop)),
    Impl("reference", "tfrank.reference", "numpy", _numpy(numpy_reference)),
    Impl("keras_rs", "keras-rs PrecisionAtK", "tf", keras_rs_metric, dense_only=True),
    Impl("keras_precision", "Keras Precision(top_k)", "tf", keras_precision, dense_only=True),
)
BY_NAME = {impl.name: impl for impl in IMPLS}
