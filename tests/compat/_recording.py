"""Shared by the extractors: reading a checkout or git dir, JSON-ready values, running unittest tests."""

import os
import subprocess
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


NO_VECTOR = ("test_invalid", "test_serialization", "test_model_evaluate")  # tests that assert no metric value
