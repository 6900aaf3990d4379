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
