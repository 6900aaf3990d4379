"""Extracts the hand-computed test vectors of keras-rs, TensorFlow Ranking and ranx into JSON.

    python tests/compat/extract.py --keras-rs PATH --tf-ranking PATH --ranx PATH [--out tests/compat]

PATH is a checkout or a git directory (read at HEAD). Nothing is parsed by hand: each
library's test module is executed with its metric replaced by a recorder that notes
every input the test feeds it, and with the test's assertion replaced by one that notes
the value the test asserts. Each assertion becomes one case, with its provenance
(repository, file, test name, commit). A test that cannot be recorded this way is kept
as a case with ``"expressible": false`` and the reason, never dropped. TensorFlow Ranking
no longer imports on recent TensorFlow, so its tests run against a recording stand-in for
``metrics_impl``; keras-rs and ranx run for real (both must be installed).
"""

import argparse
import json
import os
import subprocess
import sys
import types
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# === Reading a checkout or a git directory ===


class Source:
    def __init__(self, path, repository):
        self.path, self.repository = path, repository
        self.git = not os.path.isdir(os.path.join(path, ".git")) and os.path.exists(os.path.join(path, "HEAD"))
        args = ["git", f"--git-dir={path}"] if self.git else ["git", "-C", path]
        self.commit = subprocess.run([*args, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        self._args = args

    def read(self, relpath):
        if not self.git:
            with open(os.path.join(self.path, relpath), encoding="utf-8") as f:
                return f.read()
        return subprocess.run([*self._args, "show", f"HEAD:{relpath}"], capture_output=True, text=True, check=True).stdout

    def case(self, relpath, test, **fields):
        return {"repository": self.repository, "file": relpath, "test": test, "commit": self.commit, **fields}


def plain(value):
    """Tensors, arrays and numbers as JSON-ready lists and floats (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if hasattr(value, "to_list"):  # tf.RaggedTensor
        return value.to_list()
    array = np.asarray(value)
    return array.tolist() if array.dtype != bool else array.astype(bool).tolist()


def run_tests(namespace, skip):
    """Runs every unittest test of an executed module; returns {test name: error text or None}."""
    outcome = {}
    loader = unittest.TestLoader()
    for obj in list(namespace.values()):
        if not (isinstance(obj, type) and issubclass(obj, unittest.TestCase) and obj.__module__ == namespace["__name__"]):
            continue
        for test in loader.loadTestsFromTestCase(obj):
            name = test._testMethodName
            if any(name.startswith(s) for s in skip):
                continue
            result = unittest.TestResult()
            test.run(result)
            problems = result.errors + result.failures
            outcome[f"{obj.__name__}.{name}"] = problems[0][1].strip().splitlines()[-1] if problems else None
    return outcome


# === keras-rs: the metric classes record, assertAllClose notes the asserted value ===

KERAS_RS = {  # test file: (class, tfrank metric)
    "precision_at_k_test.py": ("PrecisionAtK", "precision"),
    "recall_at_k_test.py": ("RecallAtK", "recall"),
    "mean_average_precision_test.py": ("MeanAveragePrecision", "map"),
    "mean_reciprocal_rank_test.py": ("MeanReciprocalRank", "mrr"),
    "dcg_test.py": ("DCG", "dcg"),
    "ndcg_test.py": ("NDCG", "ndcg"),
}
NO_VECTOR = ("test_invalid", "test_serialization", "test_model_evaluate")  # tests that assert no metric value
# The custom functions of keras-rs' test_alternative_gain_rank_discount_fns, read in its
# source: linear_gain_fn(label) = cast(label, float32), inverse_discount_fn(rank) = 1 / rank.
KERAS_RS_FUNCTIONS = {"linear_gain_fn": ("gain", "linear"), "inverse_discount_fn": ("discount", "reciprocal")}


def has_ties(updates):
    """True when two valid items of a list (label >= 0, unmasked, weight > 0) share a score."""
    for update in updates:
        y_true, mask = update["y_true"], None
        if isinstance(y_true, dict):
            y_true, mask = y_true["labels"], y_true.get("mask")
        labels, scores = np.atleast_2d(np.asarray(y_true, float)), np.atleast_2d(np.asarray(update["y_pred"], float))
        valid = labels >= 0
        if mask is not None:
            valid &= np.atleast_2d(np.asarray(mask, bool))
        weight = update.get("sample_weight")
        if weight is not None and np.ndim(weight) > 0:
            w = np.asarray(weight, float)
            w = w.reshape(-1, 1) if w.ndim == 1 and labels.shape[0] > 1 else np.atleast_2d(w)
            valid &= np.broadcast_to(w, labels.shape) > 0
        if any(len(set(row[ok])) < int(ok.sum()) for row, ok in zip(scores, valid)):
            return True
    return False


def keras_rs_fields(note):
    """The tfrank options a case needs, or why tfrank cannot express it."""
    fields, options = {"ties": has_ties(note["updates"])}, {}
    for key in ("gain_fn", "rank_discount_fn"):
        if key in note["init"]:
            name = note["init"][key]
            if name not in KERAS_RS_FUNCTIONS:
                return {**fields, "expressible": False, "reason": f"{key}={name}: no known tfrank equivalent"}
            option, value = KERAS_RS_FUNCTIONS[name]
            options[option] = value
    return {**fields, "tfrank_options": options} if options else fields


def _recording_metric(cls, notes):
    class Recording(cls):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            init = {key: getattr(v, "__name__", v) if callable(v) else v for key, v in kwargs.items()}
            notes["metrics"][id(self)] = {"init": init, "updates": []}

        def update_state(self, y_true, y_pred, sample_weight=None):
            update = {"y_true": plain(y_true), "y_pred": plain(y_pred), "sample_weight": plain(sample_weight)}
            notes["metrics"][id(self)]["updates"].append(update)
            return super().update_state(y_true, y_pred, sample_weight=sample_weight)

        def reset_state(self):
            super().reset_state()
            if id(self) in notes["metrics"]:
                notes["metrics"][id(self)]["updates"] = []

        def result(self):
            value = super().result()
            notes["last"] = (id(self), value)
            return value

    return Recording


def _fake_testing(notes):
    import keras

    class TestCase(unittest.TestCase):
        def setUp(self):
            keras.utils.clear_session()

        def assertAllClose(self, actual, desired, *args, **kwargs):
            metric, value = notes.get("last", (None, None))
            if value is not actual:
                raise AssertionError("asserts a value that is no metric result")
            record = notes["metrics"][metric]
            notes["asserted"].append({
                "test": self._testMethodName,
                "init": dict(record["init"]),
                "updates": [dict(u) for u in record["updates"]],
                "expected": plain(desired),
            })

    module = types.ModuleType("keras_rs.src.testing")
    module.TestCase = TestCase
    return module


def extract_keras_rs(source):
    import keras_rs.src

    cases = []
    for filename, (class_name, metric) in KERAS_RS.items():
        relpath = f"keras_rs/src/metrics/{filename}"
        notes = {"metrics": {}, "asserted": []}
        testing = _fake_testing(notes)
        sys.modules["keras_rs.src.testing"], keras_rs.src.testing = testing, testing
        namespace = {"__name__": f"keras_rs_{filename[:-3]}"}
        exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102 (the library's own test)
        namespace[class_name] = _recording_metric(namespace[class_name], notes)
        outcome = run_tests(namespace, NO_VECTOR)
        seen = {}
        for note in notes["asserted"]:
            n = seen[note["test"]] = seen.get(note["test"], -1) + 1
            name = note["test"] + (f"#{n}" if n else "")
            fields = {k: note[k] for k in ("init", "updates", "expected")}
            cases.append(source.case(relpath, name, metric=metric, **fields, **keras_rs_fields(note)))
        for test, error in outcome.items():
            if error and not any(c["test"].split("#")[0] == test.split(".")[1] for c in cases if c["file"] == relpath):
                cases.append(source.case(relpath, test, metric=metric, expressible=False, reason=f"not recorded: {error}"))
    return cases


# === TensorFlow Ranking: recording stand-ins for metrics_impl and metrics ===

TFR_IMPL_CLASSES = {  # metrics_impl class: tfrank metric (the metrics tfrank has)
    "MRRMetric": "mrr", "HitsMetric": "hit_rate", "RecallMetric": "recall", "PrecisionMetric": "precision",
    "MeanAveragePrecisionMetric": "map", "NDCGMetric": "ndcg", "DCGMetric": "dcg",
}
TFR_KEYS = {"MRR": "mrr", "HITS": "hit_rate", "RECALL": "recall", "PRECISION": "precision", "MAP": "map",
            "NDCG": "ndcg", "DCG": "dcg"}


def probe(function, values):
    """A gain or discount function's values at ``values`` (how a case names a custom function)."""
    import tensorflow as tf

    return [round(float(v), 6) for v in np.asarray(function(tf.constant(values, tf.float32)))]


def _functions(kwargs):
    found = {}
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
                                          "discounted_cumulative_gain")}
    outcome = run_tests(namespace, NO_VECTOR)
    outcome = {test: error for test, error in outcome.items() if test.split(".")[1] in names}
    return _tfr_cases(source, relpath, notes, outcome, lambda r: TFR_KEYS[r["class"]])


# A custom function, known by its values at labels 0..3 / ranks 1..4: a tfrank option value.
# "tfrank_compat>..." functions are registered by tests/compat/compat.py.
GAINS_BY_PROBE = {(0.0, 1.0, 3.0, 7.0): "exponential", (0.0, 1.0, 2.0, 3.0): "linear",
                  (0.0, 0.5, 1.0, 1.5): "tfrank_compat>half_gain"}
DISCOUNTS_BY_PROBE = {(1.0, 0.630930, 0.5, 0.430677): "log2", (1.0, 0.5, 0.333333, 0.25): "reciprocal",
                      (0.090909, 0.083333, 0.076923, 0.071429): "tfrank_compat>reciprocal_plus_10"}


def function_options(functions):
    """``(tfrank options, None)`` for probed gain/discount functions, or ``(None, reason)``."""
    options = {}
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
    return extract_tf_ranking_impl(source) + extract_tf_ranking_metrics(source)


# === ranx: its low-level metric functions record every call and its output ===

RANX_FUNCTIONS = {  # ranx.metrics function: (tfrank metric, tfrank options)
    "hit_rate": ("hit_rate", {}), "precision": ("precision", {}), "recall": ("recall", {}),
    "f1": ("f1", {}), "average_precision": ("map", {}), "reciprocal_rank": ("mrr", {}),
    "r_precision": ("r_precision", {}), "dcg": ("dcg", {"gain": "linear"}), "ndcg": ("ndcg", {"gain": "linear"}),
    "dcg_burges": ("dcg", {"gain": "exponential"}), "ndcg_burges": ("ndcg", {"gain": "exponential"}),
}
RANX_FILES = ("tests/unit/ranx/metrics_test.py", "tests/unit/ranx/metrics/f1_test.py")
DEPEND_ON_K = ("precision", "f1", "r_precision")  # beyond the retrieved documents, the value still changes


def ranx_query(qrels, run, k, metric):
    """One query as a tfrank list: ``({"labels", "k"}, None)`` or ``(None, why not)``.

    The run's documents, in its order (ranx takes runs sorted by score), carry their qrels
    label; relevant documents the run does not retrieve follow, since ranx still counts
    them in n_rel. Those must stay out of the top k: where k reaches them, metrics whose
    value stops changing after the retrieved documents use k = the number retrieved.
    """
    rel = {int(doc): float(label) for doc, label in qrels}
    retrieved = [int(doc) for doc, _ in run]
    if len(set(d for d in retrieved if rel.get(d, 0) >= 1)) < sum(1 for d in retrieved if rel.get(d, 0) >= 1):
        return None, "a relevant document appears twice in the run"
    missing = [doc for doc, label in rel.items() if label >= 1 and doc not in retrieved]
    k = k or len(retrieved)  # ranx's k = 0: every retrieved document
    labels = [max(rel.get(d, 0.0), 0.0) if rel.get(d, 0.0) >= 1 else 0.0 for d in retrieved]
    labels += [rel[d] for d in missing]
    n_rel = sum(1 for label in labels if label > 0)
    reach = {"r_precision": n_rel}.get(metric, k)
    if missing and reach > len(retrieved):
        if metric in DEPEND_ON_K or (metric == "ndcg" and n_rel > len(retrieved)):
            return None, (f"k = {reach} goes past the {len(retrieved)} retrieved documents, and ranx counts "
                          "relevant documents it never ranks; a tfrank list ranks every item it holds")
        k = len(retrieved)
    return {"labels": labels, "k": k}, None


def extract_ranx(source):
    import ranx.metrics as real

    cases = []
    for relpath in RANX_FILES:
        notes = []

        def recorder(name):
            function = getattr(real, name)

            def record(qrels, run, k=0, *args, **kwargs):
                output = function(qrels, run, k, *args, **kwargs)
                notes.append({"function": name, "qrels": [np.asarray(q).tolist() for q in qrels],
                              "run": [np.asarray(r).tolist() for r in run], "k": int(k), "output": plain(output)})
                return output

            return record

        proxy = types.SimpleNamespace(**{name: recorder(name) for name in RANX_FUNCTIONS},
                                      hits=getattr(real, "hits"))
        namespace = {"__name__": "ranx_" + os.path.basename(relpath)[:-3]}
        exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
        namespace["rm"] = proxy
        for name in RANX_FUNCTIONS:
            if name in namespace:
                namespace[name] = getattr(proxy, name)
        for test, function in [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]:
            start = len(notes)
            try:
                function(**{arg: _fixture(namespace, arg) for arg in function.__code__.co_varnames[: function.__code__.co_argcount]})
            except Exception as error:  # noqa: BLE001 (kept as a case with its reason)
                cases.append(source.case(relpath, test, metric=test, expressible=False, reason=f"not recorded: {error!r}"))
                continue
            for n, note in enumerate(notes[start:]):
                cases.append(_ranx_case(source, relpath, test + (f"#{n}" if n else ""), note))
    return cases


def _fixture(namespace, name):
    """A pytest fixture's value, its own fixtures resolved the same way."""
    fixture = namespace[name]
    function = getattr(fixture, "_fixture_function", None) or getattr(fixture, "__wrapped__", fixture)
    code = function.__code__
    return function(**{arg: _fixture(namespace, arg) for arg in code.co_varnames[: code.co_argcount]})


def _ranx_case(source, relpath, test, note):
    metric, options = RANX_FUNCTIONS[note["function"]]
    queries, reasons = [], []
    for qrels, run in zip(note["qrels"], note["run"]):
        query, reason = ranx_query(qrels, run, note["k"], metric)
        queries.append(query)
        if reason:
            reasons.append(reason)
    fields = {"function": note["function"], "k": note["k"], "qrels": note["qrels"], "run": note["run"],
              "expected": note["output"]}
    if reasons:
        return source.case(relpath, test, metric=metric, **fields, expressible=False, reason=reasons[0])
    return source.case(relpath, test, metric=metric, **fields, queries=queries, tfrank_options=options)


# === Entry point ===


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keras-rs", help="keras-team/keras-rs checkout or git dir")
    parser.add_argument("--tf-ranking", help="tensorflow/ranking checkout or git dir")
    parser.add_argument("--ranx", help="AmenRa/ranx checkout or git dir")
    parser.add_argument("--out", default=HERE)
    args = parser.parse_args(argv)
    jobs = [
        ("keras_rs", args.keras_rs, "keras-team/keras-rs", extract_keras_rs),
        ("tf_ranking", args.tf_ranking, "tensorflow/ranking", extract_tf_ranking),
        ("ranx", args.ranx, "AmenRa/ranx", extract_ranx),
    ]
    for name, path, repository, extract in jobs:
        if not path:
            continue
        cases = extract(Source(path, repository))
        # The counts the suite asserts, so that no case can go missing unnoticed.
        counts = {"cases": len(cases), "not_expressible": sum(1 for c in cases if c.get("expressible") is False)}
        with open(os.path.join(args.out, f"{name}.json"), "w", encoding="utf-8") as f:
            json.dump({"library": name, "counts": counts, "cases": cases}, f, indent=1)
        print(f"{name}: {counts}")


if __name__ == "__main__":
    main()
