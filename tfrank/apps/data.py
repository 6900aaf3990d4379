"""Data for ``tfrank demo``: ranking lists as arrays, with no download by default.

Every data set comes as a `RankingData`: per-item features ``x`` ``[lists, N, F]``
and labels ``y`` ``[lists, N]`` float32 (0 = not relevant, > 0 = relevant or a
graded relevance, -1 = padding, which tfrank leaves out of every count), for a
training and a validation split. A model scores each item of a list; tfrank ranks
the scores.

* ``digits`` (default): query-by-example image retrieval on scikit-learn's bundled
  8x8 digit images (``sklearn.datasets.load_digits``, 1,797 real handwritten digits
  shipped in the scikit-learn wheel). Each list is one query image and
  `DIGITS_CANDIDATES` candidate images from the same split; a candidate is relevant
  when it shows the query's digit. Every list holds between `DIGITS_MIN_RELEVANT`
  and `DIGITS_MAX_RELEVANT` relevant candidates, so Precision@3 reaches 1.0 for a
  perfect ranking and Recall@K, Precision@K and HitRate@K all differ (they would
  coincide up to a factor with one relevant item per list). An item's features are
  ``[q * c, |q - c|]`` for query pixels q and candidate pixels c, scaled to [0, 1].
  Training lists draw queries and candidates from 60 % of the images, validation
  lists from the other 40 %: no image is seen in both.
* ``tfds:NAME``: a TensorFlow Datasets learning-to-rank builder in the TFDS ranking
  format, where one example is one query: ``float_features`` ``[n_docs, F]`` and a
  graded ``label`` ``[n_docs]`` (0-4). Supported: ``mslr_web/<config>``,
  ``istella/<config>`` and ``yahoo_ltrc/<config>``. ``y_true`` is the graded label
  (relevant means label > 0, as in every tfrank metric); lists are cut to the first
  ``max_items`` documents and padded with -1. Features get ``sign(x) log1p(|x|)`` and
  are standardised with the training split's statistics. Validation is the ``vali``
  split, or ``test`` where a builder has none. The data must already be prepared in
  ``data_dir`` (nothing is downloaded).
"""

import dataclasses

import numpy as np

DIGITS_CANDIDATES = 20
DIGITS_MIN_RELEVANT = 3
DIGITS_MAX_RELEVANT = 6
TFDS_RANKING_BUILDERS = ("mslr_web", "istella", "yahoo_ltrc")
_TFDS_VALIDATION_SPLITS = ("vali", "validation", "test")


class DataError(Exception):
    """A data set cannot be loaded; the message says why and what to do (the CLI prints it)."""


@dataclasses.dataclass
class RankingData:
    name: str
    description: str
    x_train: np.ndarray  # [lists, N, F] float32
    y_train: np.ndarray  # [lists, N] float32, -1 = padding
    x_val: np.ndarray
    y_val: np.ndarray

    def summary(self):
        lists, n_items, n_features = self.x_train.shape
        relevant = np.mean(np.sum(self.y_val > 0, axis=1))
        return (
            f"{self.name}: {lists} training and {len(self.x_val)} validation lists of {n_items} items "
            f"({n_features} features each), {relevant:.1f} relevant items per validation list"
        )


def load(dataset="digits", *, seed=0, data_dir=None, max_items=200, max_lists=None):
    """Loads ``"digits"`` or ``"tfds:NAME"`` as `RankingData`; raises `DataError` with a clear message."""
    if dataset == "digits":
        return load_digits(seed=seed, max_lists=max_lists)
    if isinstance(dataset, str) and dataset.startswith("tfds:") and len(dataset) > len("tfds:"):
        return load_tfds(dataset[len("tfds:") :], data_dir=data_dir, max_items=max_items, max_lists=max_lists)
    raise DataError(
        f"dataset must be 'digits' or 'tfds:NAME' (NAME one of the TFDS ranking builders "
        f"{', '.join(TFDS_RANKING_BUILDERS)}, with an optional /config), got dataset={dataset!r}"
    )


# === digits: query-by-example retrieval on scikit-learn's bundled images ===


def _digit_lists(images, classes, rng, n_lists):
    """One list per query: candidates of the query's class first drawn, then others, shuffled."""
    x = np.empty((n_lists, DIGITS_CANDIDATES, 2 * images.shape[1]), np.float32)
    y = np.zeros((n_lists, DIGITS_CANDIDATES), np.float32)
    for row, query in enumerate(rng.permutation(len(images))[:n_lists]):
        same = np.flatnonzero((classes == classes[query]) & (np.arange(len(images)) != query))
        other = np.flatnonzero(classes != classes[query])
        n_rel = rng.integers(DIGITS_MIN_RELEVANT, DIGITS_MAX_RELEVANT + 1)
        picked = np.concatenate(
            [rng.choice(same, n_rel, replace=False), rng.choice(other, DIGITS_CANDIDATES - n_rel, replace=False)]
        )
        order = rng.permutation(DIGITS_CANDIDATES)
        picked, relevant = picked[order], (np.arange(DIGITS_CANDIDATES) < n_rel)[order]
        q, c = images[query], images[picked]
        x[row] = np.concatenate([q * c, np.abs(q - c)], axis=1)
        y[row] = relevant
    return x, y


def load_digits(*, seed=0, max_lists=None):
    """The default demo data: see the module docstring. Deterministic for a given seed."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as err:
        raise DataError(f'the digits data set needs scikit-learn ({err}): pip install "tfrank[demo]"') from err
    bunch = sklearn_digits()
    images, classes = (bunch.data / 16.0).astype(np.float32), bunch.target
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    cut = int(0.6 * len(images))
    train, val = order[:cut], order[cut:]
    n_train = len(train) if max_lists is None else min(len(train), max_lists)
    n_val = len(val) if max_lists is None else min(len(val), max_lists)
    x_train, y_train = _digit_lists(images[train], classes[train], rng, n_train)
    x_val, y_val = _digit_lists(images[val], classes[val], rng, n_val)
    description = (
        "scikit-learn digits, query-by-example retrieval: rank 20 candidate images per query image, "
        "relevant = same digit"
    )
    return RankingData("digits", description, x_train, y_train, x_val, y_val)


# === tfds:NAME: learning-to-rank builders in the TFDS ranking format ===

_DOWNLOAD_HOW = (
    "Prepare it once (this downloads it), then run the demo again:\n"
    "    python -c \"import tensorflow_datasets as tfds; tfds.load('{name}'{dir_arg})\"\n"
    "Some ranking data sets must be downloaded by hand first; see "
    "https://www.tensorflow.org/datasets/catalog/{base}"
)


def _tfds_lists(dataset, max_items, max_lists):
    features, labels = [], []
    for example in dataset.as_numpy_iterator():
        # Real builders give as many labels as feature rows; keep the shorter length anyway.
        n = min(len(example["float_features"]), len(example["label"]), max_items)
        features.append(np.asarray(example["float_features"][:n], np.float64))
        labels.append(np.asarray(example["label"][:n], np.float32))
        if max_lists is not None and len(features) >= max_lists:
            break
    if not features:
        raise DataError("the TFDS split is empty")
    n_items = max(len(f) for f in features)
    x = np.zeros((len(features), n_items, features[0].shape[1]), np.float32)
    y = np.full((len(features), n_items), -1.0, np.float32)
    for row, (f, label) in enumerate(zip(features, labels)):
        x[row, : len(f)] = np.sign(f) * np.log1p(np.abs(f))
        y[row, : len(label)] = label
    return x, y


def _standardise(x_train, y_train, x_val, y_val):
    """Standardises with the training items' statistics; padding items stay all-zero."""
    valid = x_train[y_train >= 0]
    mean, std = valid.mean(axis=0), valid.std(axis=0) + 1e-6
    scale = lambda x, y: np.where((y >= 0)[..., None], (x - mean) / std, 0.0).astype(np.float32)  # noqa: E731
    return scale(x_train, y_train), scale(x_val, y_val)


def load_tfds(name, *, data_dir=None, max_items=200, max_lists=None):
    """Loads a prepared TFDS ranking builder (``mslr_web/10k_fold1``, ...) without downloading."""
    base = name.split("/")[0]
    if base not in TFDS_RANKING_BUILDERS:
        raise DataError(
            f"tfds:{name} is not supported: --dataset tfds:NAME takes a TFDS ranking builder "
            f"({', '.join(TFDS_RANKING_BUILDERS)}, with an optional /config such as mslr_web/10k_fold1)"
        )
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:
        raise DataError(f'--dataset tfds:{name} needs tensorflow-datasets ({err}): pip install "tfrank[demo]"') from err
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        known = list(builder.info.splits.keys())
    except Exception as err:  # DatasetNotFoundError, bad config names, ...: all mean "no such data set"
        raise DataError(f"TFDS has no data set {name!r}: {str(err).splitlines()[0]}") from err
    val_split = next((s for s in _TFDS_VALIDATION_SPLITS if s in known), "vali" if not known else None)
    if val_split is None:
        raise DataError(f"tfds:{name} has no validation split among {known}")
    try:
        train = tfds.load(name, split="train", download=False, data_dir=data_dir)
        val = tfds.load(name, split=val_split, download=False, data_dir=data_dir)
    except (AssertionError, FileNotFoundError, tfds.core.registered.DatasetNotFoundError) as err:
        dir_arg = f", data_dir={data_dir!r}" if data_dir else ""
        where = data_dir or "the default TFDS data directory (~/tensorflow_datasets or $TFDS_DATA_DIR)"
        raise DataError(
            f"TFDS data set {name!r} is not prepared in {where}. "
            + _DOWNLOAD_HOW.format(name=name, dir_arg=dir_arg, base=base)
        ) from err
    x_train, y_train = _tfds_lists(train, max_items, max_lists)
    x_val, y_val = _tfds_lists(val, max_items, max_lists)
    if x_val.shape[2] != x_train.shape[2]:
        raise DataError(f"tfds:{name}: train and {val_split} splits have different feature sizes")
    x_train, x_val = _standardise(x_train, y_train, x_val, y_val)
    description = (
        f"TFDS {name}: rank each query's documents ({x_train.shape[1]} at most), "
        f"relevant = graded label > 0, validation split {val_split!r}"
    )
    return RankingData(f"tfds:{name}", description, x_train, y_train, x_val, y_val)
