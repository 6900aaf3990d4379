"""keras-rs: its metric tests run with recording metric classes and a recording assertAllClose."""

import sys
import types
import unittest

import numpy as np

from _recording import NO_VECTOR, plain, run_tests


KERAS_RS = {  # test file: (class, tfrank metric)
    "precision_at_k_test.py": ("PrecisionAtK", "precision"),
    "recall_at_k_test.py": ("RecallAtK", "recall"),
    "mean_average_precision_test.py": ("MeanAveragePrecision", "map"),
    "mean_reciprocal_rank_test.py": ("MeanReciprocalRank", "mrr"),
    "dcg_test.py": ("DCG", "dcg"),
    "ndcg_test.py": ("NDCG", "ndcg"),
}
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
