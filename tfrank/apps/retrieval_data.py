"""Data for ``tfrank demo --task retrieval``: queries, a whole candidate catalogue, relevant ids.

Every data set comes as a `RetrievalData`: query features and candidate features (the
catalogue, M rows), and labels ``y`` ``[queries, R + E]`` int32 per split: the relevant
candidates' rows padded with -1, then ``E = exclude_columns`` columns of candidates the
query must not be judged on (padded with -1), the layout `tfrank.RetrievalMetrics` reads
with ``exclude_columns=E`` inside ``model.fit``.

* ``digits`` (default): query-by-example image retrieval on scikit-learn's bundled 8x8
  digit images (1,797 real handwritten digits shipped in the scikit-learn wheel). A fifth
  of the images, held out, are the validation queries; the catalogue is the gallery of all
  other images; a gallery image is relevant when it shows the query's digit. Training
  queries are the gallery images themselves, each excluded from its own ranking.
  It is an honest retrieval task: every query is ranked against the whole gallery, and no
  validation query is seen in training. Its limit: only 10 classes, so each query has
  about M / 10 (~144) relevant images and Recall@K is at most K / R (about 0.69 at K=100).
* ``tfds:movielens/100k-ratings`` (TensorFlow Recommenders' tutorial data): users are the
  queries, movies the candidates. Each user's ratings are split by time: the latest
  `MOVIELENS_HELD_OUT` share is held out. Training: every rated movie of the earlier part
  is relevant. Validation: the held-out movies rated >= `MOVIELENS_LIKED` are relevant,
  and the user's training movies are excluded. The data must be prepared in ``data_dir``.
"""

import dataclasses

import numpy as np

from tfrank.apps.data import DataError

MOVIELENS = "movielens/100k-ratings"
MOVIELENS_HELD_OUT = 0.2
MOVIELENS_LIKED = 4.0
DIGITS_QUERIES = 0.2


@dataclasses.dataclass
class RetrievalData:
    name: str
    description: str
    x_train: np.ndarray  # query features [Q_train, ...]
    y_train: np.ndarray  # [Q_train, R + E] int32 candidate rows, -1 = padding
    x_val: np.ndarray
    y_val: np.ndarray
    candidates: np.ndarray  # candidate features [M, ...]
    exclude_columns: int
    kind: str  # "dense": float features; "ids": integer ids for an Embedding tower
    n_queries: int = 0  # distinct query ids ("ids" data)

    def summary(self):
        n_rel = np.mean(np.sum(self.y_val[:, : self.y_val.shape[1] - self.exclude_columns] >= 0, axis=1))
        return (f"{self.name}: {len(self.x_train)} training and {len(self.x_val)} validation queries, a catalogue "
                f"of {len(self.candidates)} candidates, {n_rel:.1f} relevant candidates per validation query")


def load(dataset="digits", *, seed=0, data_dir=None, max_queries=None):
    """Loads ``"digits"`` or ``"tfds:movielens/100k-ratings"``; raises `tfrank.apps.data.DataError`."""
    if dataset == "digits":
        return load_digits(seed=seed, max_queries=max_queries)
    if dataset == f"tfds:{MOVIELENS}":
        return load_movielens(data_dir=data_dir, max_queries=max_queries)
    raise DataError(f"dataset must be 'digits' or 'tfds:{MOVIELENS}' for the retrieval demo, got dataset={dataset!r}")


def _pack(relevant, exclude):
    """``[Q, R + E]`` int32: each row's relevant rows then its excluded rows, both padded with -1."""
    width_r = max([1] + [len(r) for r in relevant])
    width_e = max([1] + [len(e) for e in exclude])
    y = np.full((len(relevant), width_r + width_e), -1, np.int32)
    for row, (rel, exc) in enumerate(zip(relevant, exclude)):
        y[row, : len(rel)] = rel
        y[row, width_r : width_r + len(exc)] = exc
    return y, width_e


def _same_exclude_columns(y_train, e_train, y_val, e_val):
    """Both splits get E = max of their exclusion widths (one metric reads both): -1 columns appended."""
    e = max(e_train, e_val)
    widen = lambda y, width: np.concatenate([y, np.full((len(y), e - width), -1, np.int32)], axis=1)  # noqa: E731
    return widen(y_train, e_train), widen(y_val, e_val), e


# === digits: query-by-example retrieval over the whole gallery ===


def load_digits(*, seed=0, max_queries=None):
    """The default data: see the module docstring. Deterministic for a given seed.

    >>> from tfrank.apps.retrieval_data import load_digits
    >>> data = load_digits()
    >>> data.x_val.shape, data.candidates.shape, data.exclude_columns  # 359 held-out queries, 1,438 images
    ((359, 64), (1438, 64), 1)
    >>> int(data.y_train[0, -1])  # training query 0 is gallery image 0, excluded from its own ranking
    0
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as err:
        raise DataError(f'the digits data set needs scikit-learn ({err}): pip install "tfrank[demo]"') from err
    bunch = sklearn_digits()
    images, classes = (bunch.data / 16.0).astype(np.float32), bunch.target
    order = np.random.default_rng(seed).permutation(len(images))
    cut = int(round(DIGITS_QUERIES * len(images)))
    queries, gallery = order[:cut], order[cut:]
    train = np.arange(len(gallery)) if max_queries is None else np.arange(min(max_queries, len(gallery)))
    val = queries if max_queries is None else queries[:max_queries]
    by_class = {c: np.flatnonzero(classes[gallery] == c) for c in range(10)}
    y_train, e_train = _pack([by_class[classes[gallery[q]]][by_class[classes[gallery[q]]] != q] for q in train],
                             [[q] for q in train])
    y_val, e_val = _pack([by_class[classes[q]] for q in val], [[] for _ in val])
    y_train, y_val, e = _same_exclude_columns(y_train, e_train, y_val, e_val)
    description = (f"scikit-learn digits, query-by-example retrieval: each held-out image ranks the whole gallery "
                   f"of {len(gallery)} other images, relevant = same digit")
    return RetrievalData("digits", description, images[gallery[train]], y_train, images[val], y_val,
                         images[gallery], e, "dense")


# === tfds:movielens/100k-ratings: users as queries, movies as candidates ===


def _read_ratings(data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:
        raise DataError(f'--dataset tfds:{MOVIELENS} needs tensorflow-datasets ({err}): pip install "tfrank[demo]"') from err
    try:
        ratings = tfds.load(MOVIELENS, split="train", download=False, data_dir=data_dir)
    except (AssertionError, FileNotFoundError, tfds.core.registered.DatasetNotFoundError) as err:
        dir_arg = f", data_dir={data_dir!r}" if data_dir else ""
        where = data_dir or "the default TFDS data directory (~/tensorflow_datasets or $TFDS_DATA_DIR)"
        raise DataError(
            f"TFDS data set {MOVIELENS!r} is not prepared in {where}. Prepare it once (this downloads it), then "
            f"run the demo again:\n    python -c \"import tensorflow_datasets as tfds; "
            f"tfds.load('{MOVIELENS}'{dir_arg})\""
        ) from err
    ratings = ratings.map(lambda r: {name: r[name] for name in ("user_id", "movie_id", "user_rating", "timestamp")})
    rows = list(ratings.as_numpy_iterator())
    if not rows:
        raise DataError(f"tfds:{MOVIELENS}: the train split is empty")
    return rows


def load_movielens(*, data_dir=None, max_queries=None):
    """MovieLens 100k ratings as retrieval data (see the module docstring); nothing is downloaded."""
    rows = _read_ratings(data_dir)
    users = sorted({r["user_id"] for r in rows})
    movies = sorted({r["movie_id"] for r in rows})
    user_row = {u: i for i, u in enumerate(users)}
    movie_row = {m: i for i, m in enumerate(movies)}
    per_user = {}
    for r in rows:
        per_user.setdefault(user_row[r["user_id"]], []).append(
            (int(r["timestamp"]), movie_row[r["movie_id"]], float(r["user_rating"])))
    train_q, train_rel, val_q, val_rel, val_exc = [], [], [], [], []
    for user in sorted(per_user)[:max_queries]:
        history = sorted(per_user[user])  # by time, then movie row
        cut = len(history) - int(round(MOVIELENS_HELD_OUT * len(history)))
        seen = sorted({movie for _, movie, _ in history[:cut]})
        liked = sorted({movie for _, movie, rating in history[cut:] if rating >= MOVIELENS_LIKED} - set(seen))
        if seen:
            train_q.append(user)
            train_rel.append(seen)
        if liked:
            val_q.append(user)
            val_rel.append(liked)
            val_exc.append(seen)
    if not train_q or not val_q:
        raise DataError(f"tfds:{MOVIELENS}: too few ratings to hold out a validation split")
    y_train, e_train = _pack(train_rel, [[] for _ in train_q])
    y_val, e_val = _pack(val_rel, val_exc)
    y_train, y_val, e = _same_exclude_columns(y_train, e_train, y_val, e_val)
    description = (f"TFDS {MOVIELENS}: each user ranks all {len(movies)} movies; relevant = held-out (latest "
                   f"{MOVIELENS_HELD_OUT:.0%}) movies rated >= {MOVIELENS_LIKED:g}, the user's training movies excluded")
    return RetrievalData(f"tfds:{MOVIELENS}", description, np.array(train_q, np.int32), y_train,
                         np.array(val_q, np.int32), y_val, np.arange(len(movies), dtype=np.int32), e, "ids",
                         n_queries=len(users))
