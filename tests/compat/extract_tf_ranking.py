"""TensorFlow Ranking: its tests run against recording stand-ins for metrics_impl and metrics."""

import sys
import types
import unittest

import numpy as np

from _recording import NO_VECTOR, plain, run_tests


TFR_IMPL_CLASSES = {  # metrics_impl class: tfrank metric (the metrics tfrank has)
    "MRRMetric": "mrr", "HitsMetric": "hit_rate", "RecallMetric": "recall", "PrecisionMetric": "precision",
    "MeanAveragePrecisionMetric": "map", "NDCGMetric": "ndcg", "DCGMetric": "dcg",
    "ARPMetric": "arp", "OPAMetric": "opa", "PrecisionIAMetric": "precision_ia", "AlphaDCGMetric": "alpha_dcg",
}
TFR_KEYS = {"MRR": "mrr", "HITS": "hit_rate", "RECALL": "recall", "PRECISION": "precision", "MAP": "map",
            "NDCG": "ndcg", "DCG": "dcg", "ARP": "arp", "ORDERED_PAIR_ACCURACY": "opa", "PRECISION_IA": "precision_ia",
            "ALPHA_DCG": "alpha_dcg"}


def probe(function, values):
    """A gain or discount function's values at ``values`` (how a case names a custom function)."""
    import tensorflow as tf

    return [round(float(v), 6) for v in np.asarray(function(tf.constant(values, tf.float32)))]


def _functions(kwargs):
    found = {} if kwargs.get("alpha") is None else {"alpha": float(kwargs["alpha"])}  # alpha-DCG's alpha
    if kwargs.get("gain_fn") is not None:
        found["gain_fn"] = probe(kwargs["gain_fn"], [0.0, 1.0, 2.0, 3.0])
    if kwargs.get("rank_discount_fn") is not None:
        found["rank_discount_fn"] = probe(kwargs["rank_discount_fn"], [1.0, 2.0, 3.0, 4.0])
    return found


class _Output:
    def __init__(self, record, which):
        self.record, self.which = record, which


def _install(modules):
    for name, module in modules.items():
        sys.modules[name] = module
    sys.modules["tensorflow_ranking"].python = sys.modules["tensorflow_ranking.python"]


def extract_tf_ranking_impl(source):
    relpath = "tensorflow_ranking/python/metrics_impl_test.py"
    notes = []

    class Recorded:
        def __init__(self, class_name, name=None, topn=None, ragged=False, **kwargs):
            self.record = {"class": class_name, "topn": topn, "ragged": ragged, "functions": _functions(kwargs)}

        def compute(self, labels, predictions, weights=None, mask=None):
            inputs = {"labels": plain(labels), "predictions": plain(predictions), "weights": plain(weights),
                      "mask": plain(mask)}
            record = {**self.record, "inputs": inputs}
            return _Output(record, "values"), _Output(record, "weights")

    impl = types.ModuleType("tensorflow_ranking.python.metrics_impl")

    def attribute(name):
        if name.endswith("Metric"):
            return lambda **kwargs: Recorded(name, **kwargs)
        raise AttributeError(name)

    impl.__getattr__ = attribute
    package = types.ModuleType("tensorflow_ranking.python")
    package.metrics_impl = impl
    _install({"tensorflow_ranking": types.ModuleType("tensorflow_ranking"), "tensorflow_ranking.python": package,
              "tensorflow_ranking.python.metrics_impl": impl})

    def assert_all_close(self, actual, desired, *args, **kwargs):
        if not isinstance(actual, _Output):
            raise AssertionError("asserts a value that is no metric output")
        notes.append({"test": f"{type(self).__name__}.{self._testMethodName}", "record": actual.record,
                      "output": actual.which, "expected": plain(desired)})

    namespace = {"__name__": "tfr_metrics_impl_test"}
    exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
    wanted = {f"{cls[:-len('Metric')]}MetricTest" for cls in TFR_IMPL_CLASSES}
    for key in list(namespace):
        if isinstance(namespace[key], type) and issubclass(namespace[key], unittest.TestCase):
            if key in wanted:
                namespace[key].assertAllClose = assert_all_close
            else:
                del namespace[key]  # a metric tfrank does not have
    outcome = run_tests(namespace, NO_VECTOR)
    return _tfr_cases(source, relpath, notes, outcome, lambda r: TFR_IMPL_CLASSES[r["class"]])


def extract_tf_ranking_metrics(source):
    relpath = "tensorflow_ranking/python/metrics_test.py"
    notes = []

    class Key:
        def __getattr__(self, name):
            return name

    def make_ranking_metric_fn(key, topn=None, weights_feature_name=None, **kwargs):
        def fn(labels, predictions, features):
            weights = features.get(weights_feature_name) if weights_feature_name else None
            inputs = {"labels": plain(labels), "predictions": plain(predictions), "weights": plain(weights), "mask": None}
            return _Output({"class": key, "topn": topn, "ragged": False, "functions": _functions(kwargs),
                            "inputs": inputs}, "mean")

        return fn

    metrics = types.ModuleType("tensorflow_ranking.python.metrics")
    metrics.make_ranking_metric_fn, metrics.RankingMetricKey = make_ranking_metric_fn, Key()
    package = types.ModuleType("tensorflow_ranking.python")
    package.metrics = metrics
    _install({"tensorflow_ranking": types.ModuleType("tensorflow_ranking"), "tensorflow_ranking.python": package,
              "tensorflow_ranking.python.metrics": metrics})

    def check_metrics(self, metrics_and_values):
        for output, value in metrics_and_values:
            if not isinstance(output, _Output):
                raise AssertionError("checks a value that is no metric output")
            if output.record["class"] in TFR_KEYS:
                notes.append({"test": f"{type(self).__name__}.{self._testMethodName}", "record": output.record,
                              "output": "mean", "expected": plain(value)})

    namespace = {"__name__": "tfr_metrics_test"}
    exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
    namespace["MetricsTest"]._check_metrics = check_metrics
    names = {f"test_make_{n}_fn" for n in ("mean_reciprocal_rank", "hits", "precision", "recall",
                                          "mean_average_precision", "normalized_discounted_cumulative_gain",
                                          "discounted_cumulative_gain", "average_relevance_position",
                                          "ordered_pair_accuracy", "precision_ia", "alpha_discounted_cumulative_gain")}
    outcome = run_tests(namespace, NO_VECTOR)
    outcome = {test: error for test, error in outcome.items() if test.split(".")[1] in names}
    return _tfr_cases(source, relpath, notes, outcome, lambda r: TFR_KEYS[r["class"]])


KERAS_KEYS = {"mrr": "MRRMetric"}  # metrics_lib.get(key): the keys its tests use


def extract_tf_ranking_keras(source):
    """``keras/metrics_test.py``: the ``tfr.keras.metrics`` classes a Keras 3 user moves from.

    Each metric object records its constructor arguments and its one ``update_state``;
    ``result().numpy()`` is the recorded output that ``assertAlmostEqual`` notes. The
    serialization tests (``MetricsSerializationTest``) and ``default_keras_metrics`` /
    ``get``'s error messages assert no value and are not run.
    """
    from extract_tf_ranking_losses import _keras_modules

    relpath = "tensorflow_ranking/python/keras/metrics_test.py"
    notes = []

    class Recorded:
        def __init__(self, class_name, name=None, dtype=None, topn=None, ragged=False, **kwargs):
            self.class_name, self.kwargs = class_name, {"topn": topn, "ragged": ragged, **kwargs}
            self.record = {"class": class_name, "topn": topn, "ragged": ragged, "functions": _functions(kwargs)}

        def get_config(self):
            return dict(self.kwargs)

        def update_state(self, y_true, y_pred, sample_weight=None):
            inputs = {"labels": plain(y_true), "predictions": plain(y_pred), "weights": plain(sample_weight),
                      "mask": None}
            self.record = {**self.record, "inputs": inputs}

        def result(self):
            return types.SimpleNamespace(numpy=lambda: _Output(self.record, "result"))

    def recorded_class(class_name):
        return type(class_name, (Recorded,), {
            "__init__": lambda self, **kwargs: Recorded.__init__(self, class_name, **kwargs),
            "from_config": classmethod(lambda cls, config: cls(**config)),
        })

    metrics = types.ModuleType("tensorflow_ranking.python.keras.metrics")
    classes = {name: recorded_class(name) for name in TFR_IMPL_CLASSES}
    metrics.__getattr__ = lambda name: classes[name] if name in classes else (_ for _ in ()).throw(AttributeError(name))
    metrics.get = lambda key, **kwargs: classes[KERAS_KEYS[key]](**kwargs)
    _, utils = _keras_modules()
    keras_package = types.ModuleType("tensorflow_ranking.python.keras")
    keras_package.metrics, keras_package.utils = metrics, utils
    package = types.ModuleType("tensorflow_ranking.python")
    package.keras = keras_package
    _install({"tensorflow_ranking": types.ModuleType("tensorflow_ranking"), "tensorflow_ranking.python": package,
              "tensorflow_ranking.python.keras": keras_package, "tensorflow_ranking.python.keras.metrics": metrics,
              "tensorflow_ranking.python.keras.utils": utils})

    def assert_almost_equal(self, first, second, places=None, msg=None, delta=None):
        if isinstance(first, _Output):
            notes.append({"test": f"{type(self).__name__}.{self._testMethodName}", "record": first.record,
                          "output": first.which, "expected": plain(second)})

    namespace = {"__name__": "tfr_keras_metrics_test"}
    exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
    del namespace["MetricsSerializationTest"]  # get_config round trips: no value asserted
    for key in ("MetricsTest", "GetMetricsTest"):
        namespace[key].assertAlmostEqual = assert_almost_equal
    outcome = run_tests(namespace, NO_VECTOR + ("test_default_keras_metrics", "test_get_metric_error"))
    return _tfr_cases(source, relpath, notes, outcome, lambda r: TFR_IMPL_CLASSES[r["class"]])


# A custom function, known by its values at labels 0..3 / ranks 1..4: a tfrank option value.
# "tfrank_compat>..." functions are registered by tests/compat/compat.py.
GAINS_BY_PROBE = {(0.0, 1.0, 3.0, 7.0): "exponential", (0.0, 1.0, 2.0, 3.0): "linear",
                  (0.0, 0.5, 1.0, 1.5): "tfrank_compat>half_gain"}
DISCOUNTS_BY_PROBE = {(1.0, 0.630930, 0.5, 0.430677): "log2", (1.0, 0.5, 0.333333, 0.25): "reciprocal",
                      (0.090909, 0.083333, 0.076923, 0.071429): "tfrank_compat>reciprocal_plus_10"}


def function_options(functions):
    """``(tfrank options, None)`` for probed gain/discount functions, or ``(None, reason)``."""
    options = {} if "alpha" not in functions else {"alpha": functions["alpha"]}
    for key, option, table in (("gain_fn", "gain", GAINS_BY_PROBE), ("rank_discount_fn", "discount", DISCOUNTS_BY_PROBE)):
        if key not in functions:
            continue
        values = tuple(functions[key])
        if key == "gain_fn" and values[0] != 0.0:
            return None, (f"gain_fn(0) = {values[0]:g}: the peer gives non-relevant items that gain, "
                          "tfrank gives them 0")
        if values not in table:
            return None, f"{key} with values {list(values)}: no tfrank function registered for it"
        options[option] = table[values]
    return options, None


def _tfr_cases(source, relpath, notes, outcome, metric_of):
    cases, seen = [], {}
    for note in notes:
        n = seen[note["test"]] = seen.get(note["test"], -1) + 1
        record = note["record"]
        fields = {key: record[key] for key in ("topn", "ragged", "functions", "inputs")}
        options, reason = function_options(record["functions"])
        fields.update({"tfrank_options": options} if reason is None else {"expressible": False, "reason": reason})
        cases.append(source.case(relpath, note["test"] + (f"#{n}" if n else ""), metric=metric_of(record),
                                 output=note["output"], expected=note["expected"], **fields))
    for test, error in outcome.items():
        if error and test not in seen:
            cases.append(source.case(relpath, test, metric=test.split(".")[0], expressible=False,
                                     reason=f"not recorded: {error}"))
    return cases


def extract_tf_ranking(source):
    return extract_tf_ranking_impl(source) + extract_tf_ranking_metrics(source) + extract_tf_ranking_keras(source)
