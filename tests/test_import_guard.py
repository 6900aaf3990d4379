"""The import guard (tfrank/_backend.py): one clear ImportError naming the extra to install."""

import json
import os
import subprocess
import sys

import keras
import pytest
import tensorflow as tf

from tfrank import _backend


def test_missing_tensorflow_names_the_extras(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # `import tensorflow` now raises ImportError
    with pytest.raises(ImportError, match=r"tfrank needs TensorFlow >= 2.16, which is not installed") as info:
        _backend.check()
    assert 'pip install "tfrank[cpu]"' in str(info.value) and 'pip install "tfrank[gpu]"' in str(info.value)


def test_old_tensorflow_is_refused(monkeypatch):
    monkeypatch.setattr(tf, "__version__", "2.15.1")
    with pytest.raises(ImportError, match=r"found tensorflow==2.15.1\. Install TensorFlow through one of tfrank's extras"):
        _backend.check()


def test_keras_2_is_refused_with_the_fix(monkeypatch):
    monkeypatch.setattr(keras, "__version__", "2.15.0")
    with pytest.raises(ImportError, match=r"needs Keras 3, but the installed keras package is Keras 2\.15\.0\. "
                                          r'pip install "keras>=3"'):
        _backend.check()


def test_tf_use_legacy_keras_leaves_tfrank_on_keras_3():
    """TF_USE_LEGACY_KERAS=1 switches tf.keras only: `import keras` (tfrank's) stays Keras 3,
    so tfrank imports and computes; nothing is refused (docs/troubleshooting.md says so)."""
    script = (
        "import json, keras, tfrank\n"
        "m = tfrank.PrecisionAtK(k=1)\n"
        "m.update_state([[1.0, 0.0], [0.0, 1.0]], [[0.9, 0.1], [0.8, 0.2]])\n"
        "print(json.dumps([keras.__version__, isinstance(m, keras.metrics.Metric), float(m.result())]))\n"
    )
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    version, is_metric, value = json.loads(done.stdout.strip().splitlines()[-1])
    assert version.split(".")[0] == "3" and is_metric and value == 0.5


def test_other_keras_backend_is_refused(monkeypatch):
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ImportError, match=r"KERAS_BACKEND selects 'jax'. Set KERAS_BACKEND=tensorflow"):
        _backend.check()


@pytest.mark.parametrize("version, expected", [("2.16.1", (2, 16)), ("2.21.0-rc1", (2, 21)), ("3.0.0.dev2024", (3, 0))])
def test_version_tuple(version, expected):
    assert _backend._version_tuple(version) == expected


def test_installed_versions_pass():
    assert _backend.check() == (tf, keras)
