"""The one place where tfrank reads a TensorFlow internal, for want of a public API.

`xla_context`: whether the function being traced is compiled with XLA
(``jit_compile=True``). TensorFlow has no public way to ask; ``tf.function`` itself asks
``control_flow_util.GraphOrParentsInXlaContext`` before it wraps a function for XLA, and
so does tfrank. Correctness depends on the answer (XLA's TopK orders -0.0 after 0.0, and
XLA cannot pad ragged ids), so a TensorFlow release that moved the helper must not turn
the answer into a silent False: every call then raises, naming what is missing.
tests/test_internals.py checks the answer under XLA, in a graph and eagerly, and that no
other module of tfrank reads TensorFlow's or Keras' internals.
"""

try:
    from tensorflow.python.framework.ops import get_default_graph as _default_graph
    from tensorflow.python.ops.control_flow_util import GraphOrParentsInXlaContext as _in_xla_context
except ImportError as error:  # kept for the message of every call
    _MOVED = error
else:
    _MOVED = None

INTERNALS = (
    "tensorflow.python.framework.ops.get_default_graph",
    "tensorflow.python.ops.control_flow_util.GraphOrParentsInXlaContext",
)


def xla_context():
    """True while a function compiled with XLA (or one it calls) is being traced."""
    if _MOVED is not None:
        import tensorflow as tf

        raise ImportError(
            f"tfrank asks TensorFlow whether a function is compiled with XLA through {' and '.join(INTERNALS)} "
            f"(TensorFlow has no public API for it), and TensorFlow {tf.__version__} does not have them "
            f"({_MOVED}). Install the TensorFlow release tfrank last worked with, or a tfrank release that "
            f"supports this one."
        ) from _MOVED
    return bool(_in_xla_context(_default_graph()))
