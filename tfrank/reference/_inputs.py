"""Argument checks and label normalisation for the NumPy reference.

Everything the reference metrics accept is turned here into one plain form: for each
list (row of ``y_pred``), the scores and labels of its *valid* items, in index order.
An item is valid when it is not padding (dense label < 0, or an id row's ``-1``) and
not masked out. Invalid items are not in the list at all: they are neither ranked
nor counted.

This module is deliberately independent of the TensorFlow-side validation so that
the reference stays a second, separate reading of the rules in docs/labels.md.
"""

import numbers

import numpy as np

EMPTY_POLICIES = ("skip", "zero", "one", "error")
TIES = ("first", "expected")
LABEL_FORMATS = (None, "dense", "ids")


# === Options ===

def check_option(name, value, valid):
    """Raises ValueError unless ``value`` is one of ``valid`` (strings, or None if listed)."""
    ok = (value is None and None in valid) or (isinstance(value, str) and value in valid)
    if not ok:
        raise ValueError(
            f"{name} must be one of {', '.join(repr(v) for v in valid)}, "
            f"got {name}={value!r} ({type(value).__name__})"
        )
    return value


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_k(k):
    """Returns ``(ks, as_dict)``: the cutoffs as a list of ints, and whether k was a list."""
    message = f"k must be a positive int or a list of them, got k={k!r} ({type(k).__name__})"
    if isinstance(k, (list, tuple)):
        if not k:
            raise ValueError(message)
        if not all(_is_int(kk) for kk in k):
            raise TypeError(message)
        ks = [int(kk) for kk in k]
        if min(ks) <= 0:
            raise ValueError(message)
        if len(set(ks)) != len(ks):
            raise ValueError(f"k must not repeat a cutoff, got k={k!r} ({type(k).__name__})")
        return ks, True
    if not _is_int(k):
        raise TypeError(message)
    if k <= 0:
        raise ValueError(message)
    return [int(k)], False


# === Arrays ===

def _describe(array):
    return f"shape {tuple(array.shape)} and dtype {array.dtype}"


def _check_scores(y_pred):
    scores = np.asarray(y_pred)
    if scores.dtype == bool or not (
        np.issubdtype(scores.dtype, np.floating) or np.issubdtype(scores.dtype, np.integer)
    ):
        raise TypeError(f"y_pred must hold real-valued scores (float or int), got {_describe(scores)}")
    if scores.ndim != 2:
        raise ValueError(f"y_pred must have rank 2 [batch, list_size], got {_describe(scores)}")
    return scores.astype(np.float64)


def _check_mask(mask, shape):
    if mask is None:
        return np.ones(shape, dtype=bool)
    array = np.asarray(mask)
    if array.dtype != bool:
        numeric = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        if not numeric or not np.isin(array, (0, 1)).all():
            raise TypeError(f"mask must be bool (or 0/1 numbers) [batch, list_size], got {_describe(array)}")
        array = array.astype(bool)
    if array.shape != shape:
        raise ValueError(f"mask must have the shape of y_pred {shape}, got {_describe(array)}")
    return array


def _integral_ids(array, what):
    """Checks that ids given as floats hold whole numbers, and returns them as int64."""
    if np.issubdtype(array.dtype, np.integer):
        return array.astype(np.int64)
    if not np.isfinite(array).all() or (array != np.round(array)).any():
        raise ValueError(f"{what} must hold whole-number item ids, got {array.tolist()!r}")
    return array.astype(np.int64)


def _ragged_rows(y_true):
    """Python list of per-row sequences with unequal (or all zero) lengths, else None."""
    if not isinstance(y_true, (list, tuple)) or not y_true:
        return None
    if not all(isinstance(row, (list, tuple, np.ndarray)) for row in y_true):
        return None
    lengths = {len(row) for row in y_true}
    if len(lengths) == 1 and lengths != {0}:
        return None
    rows = []
    for row in y_true:
        array = np.asarray(row)
        if array.size == 0:
            array = np.zeros(0, dtype=np.int64)
        if array.ndim != 1 or array.dtype == bool or not (
            np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        ):
            raise TypeError(f"y_true as a list of id lists must hold ints, got row {row!r}")
        rows.append(_integral_ids(array, "y_true"))
    return rows


def _resolve_format(labels, label_format, n_items):
    """Decides between "dense" and "ids" for a rectangular ``labels`` array."""
    if label_format is not None:
        return label_format
    if labels.dtype == bool:
        return "dense"
    single = labels.ndim == 1 or (labels.ndim == 2 and labels.shape[1] == 1)
    if np.issubdtype(labels.dtype, np.floating):
        # Float [B] or [B, 1] against a list of N > 1 items can only be class ids
        # (sparse categorical labels); with N == 1 it is one dense label per list.
        return "ids" if single and n_items > 1 else "dense"
    if labels.ndim == 1:
        return "ids"
    if labels.ndim == 2:
        # An int array as wide as the list is dense labels (keras-rs, TF-Ranking and Keras
        # read it so); ids exactly N wide need label_format="ids".
        return "dense" if labels.shape[1] == n_items else "ids"
    raise ValueError(f"y_true must have rank 1 or 2, got {_describe(labels)}")


def _dense_labels(labels, shape):
    if labels.ndim == 1 and shape[1] == 1:
        labels = labels.reshape(-1, 1)
    if labels.shape != shape:
        raise ValueError(f"dense y_true must have the shape of y_pred {shape}, got {_describe(labels)}")
    labels = labels.astype(np.float64)
    if not np.isfinite(labels).all():
        raise ValueError("dense y_true must hold finite labels (negative marks padding), got NaN or inf")
    valid = labels >= 0
    return np.where(valid, labels, 0.0), valid


def _ids_to_labels(rows, shape):
    """Binary labels [B, N] from per-row relevant ids (padding -1); ids must be unique and in range."""
    batch, n_items = shape
    if len(rows) != batch:
        raise ValueError(f"y_true has {len(rows)} rows of ids but y_pred has batch size {batch}")
    labels = np.zeros(shape, dtype=np.float64)
    for b, row in enumerate(rows):
        ids = [int(i) for i in row if i != -1]
        for i in ids:
            if not 0 <= i < n_items:
                raise ValueError(
                    f"y_true ids must be in [0, {n_items}) or -1 for padding, got id={i} in row {b} "
                    f"(list_size N={n_items})"
                )
        if len(set(ids)) != len(ids):
            raise ValueError(f"y_true ids must not repeat within a row, got row {b}: {list(row)!r}")
        labels[b, ids] = 1.0
    return labels, np.ones(shape, dtype=bool)


# === Entry point ===

def check_item_weights(sample_weight, shape):
    """Per-item weights as a float64 array of ``shape``; ValueError for another shape or a negative weight."""
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape != shape:
        raise ValueError(f"sample_weight per item must have the shape of y_pred {shape}, got {_describe(weights)}")
    if (weights < 0).any():
        raise ValueError(f"sample_weight must hold non-negative weights, got min {weights.min()}")
    return weights


def normalise(y_true, y_pred, mask=None, label_format=None, weights=None, zero_weight_valid=False):
    """Returns a list of ``(scores, labels)`` float64 pairs, one per list, valid items only.

    ``scores`` and ``labels`` keep index order; labels are >= 0 (graded) and 1.0 for ids.
    With per-item ``weights`` ``[B, N]`` an item of weight 0 is not valid (unless
    ``zero_weight_valid``: the losses' rule), and each list is a triple ``(scores, labels, weights)``.
    """
    check_option("label_format", label_format, LABEL_FORMATS)
    if isinstance(y_true, dict):
        unknown = set(y_true) - {"labels", "mask"}
        if "labels" not in y_true or unknown:
            raise ValueError(f"y_true as a dict must have key 'labels' and optionally 'mask', got keys {sorted(y_true)!r}")
        if "mask" in y_true and y_true["mask"] is not None:
            if mask is not None:
                raise ValueError("mask given twice: both as mask= and as y_true['mask']; pass one")
            mask = y_true["mask"]
        y_true = y_true["labels"]
    scores = _check_scores(y_pred)
    shape = scores.shape
    valid = _check_mask(mask, shape)

    rows = _ragged_rows(y_true)
    if rows is not None:
        if label_format == "dense":
            raise ValueError("y_true is a ragged list of id lists, which cannot be label_format='dense'")
        labels, not_padding = _ids_to_labels(rows, shape)
    else:
        array = np.asarray(y_true)
        if array.dtype != bool and not (
            np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
        ):
            raise TypeError(f"y_true must be bool, int or float labels or ids, got {_describe(array)}")
        if array.ndim not in (1, 2):
            raise ValueError(f"y_true must have rank 1 or 2, got {_describe(array)}")
        if array.shape[0] != shape[0]:
            raise ValueError(f"y_true has batch size {array.shape[0]} but y_pred has {shape[0]}")
        if _resolve_format(array, label_format, shape[1]) == "dense":
            labels, not_padding = _dense_labels(array, shape)
        else:
            if array.dtype == bool:
                raise TypeError(f"y_true as item ids must be ints, got {_describe(array)}")
            array = array.reshape(shape[0], -1) if shape[0] else array.reshape(0, 0)  # -1 is undefined for 0 rows
            labels, not_padding = _ids_to_labels(list(_integral_ids(array, "y_true")), shape)
    valid = valid & not_padding
    if weights is not None:
        weights = check_item_weights(weights, shape)
        valid = valid if zero_weight_valid else valid & (weights > 0)
        return [(scores[b, valid[b]], labels[b, valid[b]], weights[b, valid[b]]) for b in range(shape[0])]
    return [(scores[b, valid[b]], labels[b, valid[b]]) for b in range(shape[0])]
