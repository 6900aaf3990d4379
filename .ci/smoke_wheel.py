"""Smoke test of an installed tfrank wheel, run by .ci/run in a fresh virtualenv.

Run from outside the source tree, so that ``import tfrank`` finds the installed package:
checks where it was imported from, the version, the ``py.typed`` marker, the subpackages,
one metric inside a compiled ``model.fit`` against a value computed by hand, and the
``tfrank`` command (its package ``tfrank_cli`` beside tfrank).
"""

import importlib.metadata
import os
import subprocess
import sys


def main():
    import keras
    import numpy as np

    import tfrank

    package = os.path.dirname(tfrank.__file__)
    assert "site-packages" in package, f"tfrank imported from {package}, not from the installed wheel"
    assert tfrank.__version__ == importlib.metadata.version("tfrank"), tfrank.__version__
    assert os.path.isfile(os.path.join(package, "py.typed")), "py.typed missing from the wheel"
    for sub in ("engine", "metrics", "losses", "retrieval", "tuning", "apps", "bench", "reference"):
        assert os.path.isfile(os.path.join(package, sub, "__init__.py")), f"tfrank/{sub}/ missing from the wheel"
    # The command line's package, beside tfrank: every option, no TensorFlow.
    launcher = os.path.join(os.path.dirname(package), "tfrank_cli")
    for module in ("__init__", "argtypes", "demo", "bench", "command"):
        assert os.path.isfile(os.path.join(launcher, module + ".py")), f"tfrank_cli/{module}.py missing from the wheel"

    # Scores are x itself (identity kernel, no bias, learning rate 0), so the ranking is known:
    # list 1 ranks items 0, 2 first: 1 hit of 2; list 2 ranks items 1, 2 first: 2 hits of 2.
    x = np.array([[0.9, 0.1, 0.5, 0.3], [0.2, 0.8, 0.6, 0.4]], np.float32)
    y = np.array([[1, 0, 0, 1], [0, 1, 1, 0]], np.float32)
    expected = (1 / 2 + 2 / 2) / 2
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(4, use_bias=False, kernel_initializer="identity")])
    model.compile(keras.optimizers.SGD(0.0), keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[tfrank.PrecisionAtK(k=2)])
    logged = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history["precision_at_2"][0]
    assert abs(logged - expected) < 1e-6, (logged, expected)

    command = os.path.join(os.path.dirname(sys.executable), "tfrank")
    done = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "usage: tfrank" in done.stdout, done
    done = subprocess.run([command, "bench", "--items", "0"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "argument --items: must be a positive int" in done.stderr, done
    print(f"wheel smoke test passed: tfrank {tfrank.__version__} from {package}; precision_at_2 logged {logged}")


if __name__ == "__main__":
    main()
