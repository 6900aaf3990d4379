"""Run by tests/test_recipes.py: one recipe of docs/scaling-out.md (env RECIPE), as written, in a fresh process.

The MirroredStrategy recipe must run before TensorFlow initialises its devices (it
splits the CPU into logical devices) and the MultiWorkerMirroredStrategy one needs a
process per worker (``TF_CONFIG`` set by the test). The prelude defines what a recipe
leaves to the reader and runs no TensorFlow op; prints one JSON line last.
"""

import os

import numpy as np

from processes import report
from recipes import recipe

N_LISTS, N_ITEMS, N_FEATURES = 40, 20, 8

PRELUDE = """
import keras
import tfrank

def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N_LISTS, N_FEATURES)).astype("float32")
    y = (rng.random((N_LISTS, N_ITEMS)) < 0.3).astype("float32")
    return x, y

def make_datasets():
    return [tf.data.Dataset.from_tensor_slices(_data()).batch(10)] * 2

def make_val_dataset():
    return tf.data.Dataset.from_tensor_slices(_data()).batch(10)

def build_model():
    keras.utils.set_random_seed(1)
    return keras.Sequential([keras.Input((N_FEATURES,)), keras.layers.Dense(N_ITEMS)])

loss = keras.losses.BinaryCrossentropy(from_logits=True)
"""


def main():
    import tensorflow as tf  # importing initialises no device

    name = os.environ["RECIPE"]
    scope = {"np": np, "tf": tf, "N_LISTS": N_LISTS, "N_ITEMS": N_ITEMS, "N_FEATURES": N_FEATURES}
    exec(PRELUDE, scope)
    exec(recipe(name), scope)
    model, strategy = scope["model"], scope["strategy"]
    out = {"replicas": strategy.num_replicas_in_sync}
    if name == "mirrored":
        out["logs"] = sorted(model.history.history)
    else:
        x, y = scope["_data"]()
        out.update(result=float(scope["metric"].result()), scores=model(x).numpy().tolist(), labels=y.tolist())
    report(out)


if __name__ == "__main__":
    main()
