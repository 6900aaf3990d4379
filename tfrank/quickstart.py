"""A one-minute example: train a small multi-label model and watch val_precision_at_5.

Run it with ``python -m tfrank.quickstart``. Data are synthetic (generated, no download):
each example has 6 features and 40 candidate items whose relevance depends on them.
"""

import argparse


def make_data(n, seed, features=6, items=40):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, features)).astype("float32")
    weights = np.random.default_rng(0).normal(size=(features, items))
    y = (x @ weights + rng.normal(size=(n, items)) > 2.0).astype("float32")
    return x, y


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfrank.quickstart", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args(argv)

    import keras

    import tfrank

    keras.utils.set_random_seed(0)
    x, y = make_data(2000, seed=1)
    x_val, y_val = make_data(500, seed=2)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(y.shape[1])])
    model.compile(
        optimizer="adam",
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[tfrank.PrecisionAtK(k=5), tfrank.RecallAtK(k=5)],
    )
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=args.epochs, batch_size=64, verbose=2)
    print(f"final val_precision_at_5 = {history.history['val_precision_at_5'][-1]:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
