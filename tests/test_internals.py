"""The one TensorFlow internal tfrank reads (tfrank/engine/_internals.py) answers right, and a
TensorFlow that moved it makes tfrank fail loudly instead of silently ranking as if no XLA ran."""

import pathlib
import re

import numpy as np
import pytest
import tensorflow as tf

import tfrank
from tfrank.engine import _internals

PACKAGE = pathlib.Path(tfrank.__file__).parent


def _traced(mode, nested=False):
    seen = []

    def inner(x):
        seen.append(_internals.xla_context())
        return x + 1.0

    fn = tf.function(inner) if nested else inner  # a plain tf.function called from the outer one
    outer = tf.function(lambda x: fn(x), jit_compile=mode == "xla")
    (fn if mode == "eager" else outer)(tf.constant(1.0))
    return seen[-1]


@pytest.mark.parametrize("mode, nested, expected", [
    ("eager", False, False), ("graph", False, False), ("graph", True, False), ("xla", False, True), ("xla", True, True),
])
def test_xla_context_is_true_exactly_while_tracing_for_xla(mode, nested, expected):
    assert _internals._MOVED is None, _internals._MOVED  # this TensorFlow has the internals
    assert _traced(mode, nested) is expected


def test_a_moved_internal_fails_every_call_loudly(monkeypatch):
    monkeypatch.setattr(_internals, "_MOVED", ImportError("cannot import name 'GraphOrParentsInXlaContext'"))
    message = r"through tensorflow\.python\..*GraphOrParentsInXlaContext .* does not have them \(cannot import name"
    with pytest.raises(ImportError, match=message):
        _internals.xla_context()
    with pytest.raises(ImportError, match=message):  # a metric update too: never a silent "no XLA"
        tfrank.PrecisionAtK(k=1).update_state(np.array([[1.0, 0.0]]), np.array([[0.2, 0.1]]))


def test_no_other_module_reads_tensorflow_or_keras_internals():
    private = re.compile(r"\b(tensorflow\.python|keras\.src)\b")
    readers = sorted(str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py") if private.search(path.read_text()))
    assert readers == ["engine/_internals.py"]
