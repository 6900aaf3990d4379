"""A small fraud-style data set: rare positives, shipped with scikit-learn (no download).

scikit-learn's bundled Wisconsin breast-cancer data (569 tumours, 30 numeric features,
212 malignant) with the malignant class as the rare "fraud" class: all 357 benign
examples are kept and malignant ones are subsampled until they make up
``positive_rate`` of the examples (19 of 376 at the default 5%). The split into train
and validation is stratified, so validation holds its share of the few positives, and
features are standardised with the training mean and standard deviation.

It stands in for the imbalanced fraud data of the BayesianOptimization tutorial that
tfrank's users follow (seed 002): tune on ``val_precision_at_budget_B`` (of the B
highest-scored validation cases, how many are positive) instead of ``val_recall``.
Needs scikit-learn (``pip install "tfrank[demo]"``); imported only when called.
"""

import typing

import numpy as np


class FraudData(typing.NamedTuple):
    """Arrays for ``model.fit(x_train, y_train, validation_data=(x_val, y_val))``.

    x: float32 ``[n, 30]``; y: float32 ``[n]`` with 1.0 = positive ("fraud").
    class_weight: ``{0: w0, 1: w1}``, scikit-learn's "balanced" weights on the
    training split (as the tutorial passes to ``fit``).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    class_weight: dict


def load_fraud(*, positive_rate=0.05, val_fraction=0.4, seed=0):
    """Breast-cancer data subsampled to a rare positive class, split into train/validation.

    Args:
        positive_rate: share of positives after subsampling, in (0, 0.372] (the
            full data set has 212 malignant of 569, 37.2%).
        val_fraction: share of each class put in the validation split, in (0, 1).
        seed: seed of the subsampling and of the split (same seed, same arrays).

    Returns:
        `FraudData`.

    Example:

    >>> from tfrank.fraud import load_fraud
    >>> data = load_fraud()
    >>> data.x_train.shape, data.x_val.shape
    ((225, 30), (151, 30))
    >>> int(data.y_train.sum()), int(data.y_val.sum())
    (11, 8)
    """
    from sklearn.datasets import load_breast_cancer

    from tfrank import validation

    if not isinstance(positive_rate, float) or not 0.0 < positive_rate <= 212 / 569:
        raise validation.invalid("positive_rate", positive_rate, "a float in (0, 0.372]")
    if not isinstance(val_fraction, float) or not 0.0 < val_fraction < 1.0:
        raise validation.invalid("val_fraction", val_fraction, "a float in (0, 1)")
    x, target = load_breast_cancer(return_X_y=True)
    rng = np.random.default_rng(seed)
    negatives = np.flatnonzero(target == 1)  # benign
    malignant = np.flatnonzero(target == 0)
    n_pos = max(2, round(positive_rate / (1.0 - positive_rate) * len(negatives)))
    positives = rng.choice(malignant, size=min(n_pos, len(malignant)), replace=False)

    train, val = [], []
    for members in (negatives, positives):
        members = rng.permutation(members)
        n_val = max(1, round(val_fraction * len(members)))
        val.append(members[:n_val])
        train.append(members[n_val:])
    train, val = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(val))

    y = (target == 0).astype(np.float32)
    mean, std = x[train].mean(axis=0), x[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)

    def scale(rows):
        return ((x[rows] - mean) / std).astype(np.float32)

    counts = np.bincount(y[train].astype(int), minlength=2)
    class_weight = {c: float(len(train) / (2 * counts[c])) for c in (0, 1)}
    return FraudData(scale(train), y[train], scale(val), y[val], class_weight)
