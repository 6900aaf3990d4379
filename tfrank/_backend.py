"""Import guard: tfrank needs TensorFlow >= 2.16 with Keras 3.

TensorFlow is installed through an extra (``pip install "tfrank[cpu]"`` or
``"tfrank[gpu]"``), so a plain ``pip install tfrank`` can leave it missing.
This module turns that, and a Keras 2 installed as the ``keras`` package, into one clear
ImportError instead of a stack trace from deep inside TensorFlow. (``TF_USE_LEGACY_KERAS=1``
switches only ``tf.keras`` to Keras 2, the ``tf_keras`` package; tfrank imports ``keras``,
which stays Keras 3, so it imports and works, but its classes belong in a ``keras.Model``,
not a ``tf.keras`` one.)
"""

_HOW = (
    'Install TensorFlow through one of tfrank\'s extras: pip install "tfrank[cpu]" '
    '(CPU only, small) or pip install "tfrank[gpu]" (CUDA build, Linux).'
)


def _version_tuple(version):
    parts = []
    for part in version.split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check():
    """Imports and returns ``(tensorflow, keras)``, or raises a clear ImportError."""
    try:
        import tensorflow as tf
    except ImportError as err:
        raise ImportError(f"tfrank needs TensorFlow >= 2.16, which is not installed ({err}). {_HOW}") from err
    if _version_tuple(tf.__version__) < (2, 16):
        raise ImportError(f"tfrank needs TensorFlow >= 2.16 (Keras 3), found tensorflow=={tf.__version__}. {_HOW}")
    import keras

    if _version_tuple(keras.__version__) < (3, 0):
        raise ImportError(
            f"tfrank needs Keras 3, but the installed keras package is Keras {keras.__version__}. "
            'pip install "keras>=3" (TensorFlow >= 2.16 works with it; a Keras 2 model can use the '
            "tf_keras package with TF_USE_LEGACY_KERAS=1, but not tfrank's classes)."
        )
    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            f"tfrank's metrics are TensorFlow ops and need the Keras 'tensorflow' backend, "
            f"but KERAS_BACKEND selects {keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow."
        )
    return tf, keras
