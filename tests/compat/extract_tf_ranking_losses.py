"""TensorFlow Ranking's loss tests, run against recording stand-ins for its losses and lambda weights.

Two test modules: ``keras/losses_test.py`` (the Keras losses a Keras 3 user moves from) and
``losses_impl_test.py`` (the implementation under them: lambda weights' pair weights, the
estimator API's ``compute`` and per-list outputs). Each assertion on a recorded output
becomes one case with the loss or lambda weight, its constructor arguments (functions
known by their values at a few points), the method, the inputs, the test's tolerance and
the asserted value. Whether tfrank can express a case is decided here, from the case's
inputs alone (`classify_losses.classify`), with the reason when it cannot. Tests of losses tfrank does not
have (ClickEM, MixtureEM, Ordinal, CoupledRankDistil, Circle, PolyOne, Yeti, Calibrated
softmax, NeuralSortNDCG, MultiClass) are counted in ``out_of_scope``, not recorded.
"""

import sys
import types
import unittest

import numpy as np

from _recording import plain, run_tests
from classify_losses import LAMBDA_WEIGHTS, LOSSES, PROBES, classify

SKIP = ("test_is_",)  # serialization tests: they compare a loss with its copy, no value


def _probe(function, values):
    import tensorflow as tf

    out = np.asarray(function(tf.constant(values, tf.float32)), np.float64)
    return [round(float(v), 6) for v in out]


def _arguments(kwargs):
    out = {}
    for key, value in kwargs.items():
        if key == "name":
            continue
        if isinstance(value, _Recorded):
            out[key] = value.record
        elif callable(value):
            out[key] = {"probe": PROBES[key], "values": _probe(value, PROBES[key])}
        else:
            out[key] = plain(value)
    return out


class _Output:
    """A recorded result: which call made it, which of its outputs, and what was done to it."""

    def __init__(self, call, which, ops=()):
        self.call, self.which, self.ops = call, which, tuple(ops)

    def numpy(self):
        return self

    eval = numpy

    def _with(self, op):
        return _Output(self.call, self.which, self.ops + (op,))

    def __truediv__(self, other):
        return self._with(["divide", float(other)])

    def __mul__(self, other):
        if isinstance(other, _Output) and other.call is self.call:
            return _Output(self.call, "weighted_losses", self.ops)
        return self._with(["multiply", float(other)])

    __rmul__ = __mul__

    def __getitem__(self, index):
        return self._with(["index", int(index)])


class _Recorded:
    def __init__(self, class_name, kwargs):
        self.record = {"class": class_name, "args": _arguments(kwargs)}

    def _call(self, method, **inputs):
        return {**self.record, "method": method, "inputs": {key: plain(v) for key, v in inputs.items()}}

    def __call__(self, y_true, y_pred, sample_weight=None):
        return _Output(self._call("call", labels=y_true, predictions=y_pred, weights=sample_weight), "value")

    def compute(self, labels, logits, weights, reduction, mask=None):
        return _Output(self._call("compute", labels=labels, predictions=logits, weights=weights, mask=mask,
                                  reduction=reduction), "value")

    def compute_per_list(self, labels, logits, weights, mask=None):
        call = self._call("compute_per_list", labels=labels, predictions=logits, weights=weights, mask=mask)
        return _Output(call, "losses"), _Output(call, "weights")

    def compute_unreduced_loss(self, labels, logits, mask=None):
        call = self._call("compute_unreduced_loss", labels=labels, predictions=logits, mask=mask)
        return _Output(call, "losses"), _Output(call, "weights")

    def normalize_weights(self, labels, weights):
        return _Output(self._call("normalize_weights", labels=labels, weights=weights), "value")

    def pair_weights(self, labels, ranks):
        return _Output(self._call("pair_weights", labels=labels, ranks=ranks), "value")

    def individual_weights(self, labels, ranks):
        return _Output(self._call("individual_weights", labels=labels, ranks=ranks), "value")

    def __getattr__(self, name):  # a private helper a test calls directly: recorded without inputs
        if name.startswith("_") and not name.startswith("__"):
            return lambda *args, **kwargs: (_Output({**self.record, "method": name, "inputs": {}}, "value"),) * 2
        raise AttributeError(name)


def _recording_module(name):
    module = types.ModuleType(name)

    def attribute(attr):
        utility = _Output({"class": attr, "args": {}, "method": "utility", "inputs": {}}, "value")
        if attr == "GumbelSampler":
            return lambda *args, **kwargs: types.SimpleNamespace(sample=lambda *a, **k: (utility,) * 3)
        if attr.endswith(("Loss", "LambdaWeight", "LambdaWeightV2")):
            return lambda *args, **kwargs: _Recorded(attr, dict(zip(("name",), args), **kwargs))
        if attr in ("approx_ranks", "inverse_max_dcg", "ndcg", "neural_sort", "gumbel_neural_sort"):
            return lambda *args, **kwargs: utility
        raise AttributeError(attr)

    module.__getattr__ = attribute
    return module


def _keras_modules():
    import tensorflow as tf

    losses = _recording_module("tensorflow_ranking.python.keras.losses")
    keys = {"PAIRWISE_HINGE_LOSS": "PairwiseHingeLoss", "PAIRWISE_LOGISTIC_LOSS": "PairwiseLogisticLoss",
            "PAIRWISE_SOFT_ZERO_ONE_LOSS": "PairwiseSoftZeroOneLoss", "PAIRWISE_MSE_LOSS": "PairwiseMSELoss",
            "SOFTMAX_LOSS": "SoftmaxLoss", "UNIQUE_SOFTMAX_LOSS": "UniqueSoftmaxLoss",
            "SIGMOID_CROSS_ENTROPY_LOSS": "SigmoidCrossEntropyLoss", "MEAN_SQUARED_LOSS": "MeanSquaredLoss",
            "LIST_MLE_LOSS": "ListMLELoss", "APPROX_NDCG_LOSS": "ApproxNDCGLoss", "APPROX_MRR_LOSS": "ApproxMRRLoss",
            "GUMBEL_APPROX_NDCG_LOSS": "GumbelApproxNDCGLoss", "YETI_LOGISTIC_LOSS": "YetiLogisticLoss",
            "CALIBRATED_SOFTMAX_LOSS": "CalibratedSoftmaxLoss", "ORDINAL_LOSS": "OrdinalLoss",
            "COUPLED_RANKDISTIL_LOSS": "CoupledRankDistilLoss"}
    losses.RankingLossKey = types.SimpleNamespace(**keys)
    losses.get = lambda loss, **kwargs: _Recorded(loss, kwargs)
    utils = types.ModuleType("tensorflow_ranking.python.keras.utils")
    utils.identity = lambda label: label
    utils.inverse = lambda rank: tf.math.divide_no_nan(1.0, rank)
    utils.pow_minus_1 = lambda label: tf.math.pow(2.0, label) - 1.0
    utils.log2_inverse = lambda rank: tf.math.divide_no_nan(tf.math.log(2.0), tf.math.log1p(rank))
    utils.is_greater_equal_1 = lambda label: tf.greater_equal(label, 1.0)
    utils.serialize_keras_object = utils.deserialize_keras_object = lambda obj, *args, **kwargs: obj
    return losses, utils


class _TFProxy:
    """The test module's ``tf``, with Keras 2's loss reductions (gone from Keras 3) as strings
    and ``tf.multiply`` of two recorded outputs."""

    def __init__(self, tf):
        self._tf = tf
        reduction = types.SimpleNamespace(AUTO="auto", SUM="sum", SUM_OVER_BATCH_SIZE="sum_over_batch_size",
                                          NONE="none")
        self.losses = types.SimpleNamespace(Reduction=reduction)
        self.keras = types.SimpleNamespace(losses=types.SimpleNamespace(Reduction=reduction))

    def multiply(self, a, b):
        return a * b if isinstance(a, _Output) else self._tf.multiply(a, b)

    def __getattr__(self, name):
        return getattr(self._tf, name)


def _run(source, relpath, modules, out_of_scope):
    import tensorflow as tf

    notes = []

    def record(self, actual, expected, tolerance):
        if not isinstance(actual, _Output) or isinstance(expected, _Output):
            return  # compares two outputs (e.g. a copy with the original): no vector
        notes.append({"test": f"{type(self).__name__}.{self._testMethodName}", "output": actual, "expected": expected,
                      "tolerance": tolerance})

    def almost_equal(self, first, second, places=None, msg=None, delta=None):
        record(self, first, second, {"atol": delta if delta is not None else 0.5 * 10.0 ** -(7 if places is None else places),
                                     "rtol": 0.0})

    def all_close(self, a, b, rtol=1e-6, atol=1e-6, msg=None):
        record(self, a, b, {"atol": atol, "rtol": rtol})

    for name, module in modules.items():
        sys.modules[name] = module
    namespace = {"__name__": relpath.replace("/", ".")[:-3]}
    exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
    namespace["tf"] = _TFProxy(tf)
    for obj in list(namespace.values()):
        if isinstance(obj, type) and issubclass(obj, unittest.TestCase) and obj.__module__ == namespace["__name__"]:
            obj.assertAlmostEqual, obj.assertAllClose, obj.assertAllEqual = almost_equal, all_close, all_close
    outcome = run_tests(namespace, SKIP)
    cases, seen = [], {}
    for note in notes:
        call = note["output"].call
        if call["class"] not in LOSSES + LAMBDA_WEIGHTS and call["method"] != "utility":
            out_of_scope.add(note["test"])
            continue
        n = seen[note["test"]] = seen.get(note["test"], -1) + 1
        case = source.case(relpath, note["test"] + (f"#{n}" if n else ""), loss=call["class"], args=call["args"],
                           method=call["method"], inputs=call["inputs"], output=note["output"].which,
                           ops=[list(op) for op in note["output"].ops], tolerance=note["tolerance"],
                           expected=plain(note["expected"]))
        reason = classify(case)
        cases.append(case if reason is None else {**case, "expressible": False, "reason": reason})
    for test, error in outcome.items():
        if error and test not in seen and test not in out_of_scope:
            cases.append(source.case(relpath, test, loss="?", expressible=False, reason=f"not recorded: {error}"))
    return cases


def extract_tf_ranking_losses(source):
    out_of_scope = set()
    cases = []
    losses, utils = _keras_modules()
    package = types.ModuleType("tensorflow_ranking.python")
    keras_package = types.ModuleType("tensorflow_ranking.python.keras")
    keras_package.losses, keras_package.utils = losses, utils
    impl = _recording_module("tensorflow_ranking.python.losses_impl")
    package.keras, package.losses_impl = keras_package, impl
    root = types.ModuleType("tensorflow_ranking")
    root.python = package
    modules = {"tensorflow_ranking": root, "tensorflow_ranking.python": package,
               "tensorflow_ranking.python.keras": keras_package, "tensorflow_ranking.python.keras.losses": losses,
               "tensorflow_ranking.python.keras.utils": utils, "tensorflow_ranking.python.losses_impl": impl}
    for relpath in ("tensorflow_ranking/python/keras/losses_test.py", "tensorflow_ranking/python/losses_impl_test.py"):
        cases += _run(source, relpath, modules, out_of_scope)
    return cases, sorted(out_of_scope)
