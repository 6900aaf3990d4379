"""What every loss function shares: its inputs in canonical form, item weights, the end checks.

`prepare` normalises the labels once (`tfrank.engine.inputs.normalize`, the metrics' own
input path), scales the logits by ``1 / temperature`` and splits ``sample_weight`` into one
weight per list or one per item; `finish` applies the list weights, poisons broken lists
(NaN) and runs the input checks. Ids stay ids: `gather` reads the relevant logits, and only
`dense_labels` (for the losses whose definition orders or pairs every item) writes them out.
"""

import dataclasses
from typing import Optional

import tensorflow as tf

from tfrank.engine import inputs, validation

LOWEST = tf.float32.min
NORMALIZERS = ("valid", "list_size", "none")


@dataclasses.dataclass(frozen=True)
class Prepared:
    """lists: `tfrank.engine.inputs.Lists`. valid: ``[B, N]`` bool or None (every item valid).
    logits: ``[B, N]`` float32 scores / temperature, 0 on excluded items. item_weights:
    ``[B, N]`` float32, 0 on excluded items, or None. list_weights: ``[B]`` or None.
    poisoned: ``[B]`` bool, lists whose value must be NaN. checks: input assertions."""

    lists: inputs.Lists
    valid: Optional[tf.Tensor]
    logits: tf.Tensor
    item_weights: Optional[tf.Tensor]
    list_weights: Optional[tf.Tensor]
    poisoned: tf.Tensor
    checks: tuple

    @property
    def ids(self):
        return self.lists.ids


def prepare(y_true, y_pred, mask, label_format, sample_weight=None, temperature=1.0):
    lists = inputs.normalize(y_true, y_pred, mask=mask, label_format=label_format)
    valid = lists.valid  # None for ids without a mask: nothing [B, N] is made for the labels
    logits = tf.cast(lists.scores, tf.float32)  # float16/bfloat16 already are; float64 too
    logits = logits if valid is None else tf.where(valid, logits, 0.0)
    if temperature != 1.0:
        logits = logits / temperature
    per_list, per_item, checks = None, None, ()
    poisoned = lists.poisoned
    if sample_weight is not None:
        per_list, per_item, checks = inputs.split_weights(sample_weight, lists.scores)
        if per_item is not None:
            # A NaN or negative weight poisons its list (XLA drops the assertion).
            poisoned = poisoned | tf.reduce_any(~(per_item >= 0.0), axis=1)
            per_item = per_item if valid is None else tf.where(valid, per_item, 0.0)
    return Prepared(lists, valid, logits, per_item, per_list, poisoned, lists.checks + tuple(checks))


def finish(values, prepared):
    """Per-list values ``[B]``: times the list weights, NaN where poisoned, after the checks."""
    if prepared.list_weights is not None:
        values = values * prepared.list_weights
    values = tf.where(prepared.poisoned, tf.constant(float("nan")), values)
    with tf.control_dependencies(prepared.checks):
        return tf.identity(values)


# === Reading the lists ===


def gather(values, ids):
    """``[B, R]`` values of the relevant ids, 0 where the id is padding (-1)."""
    return tf.where(ids >= 0, tf.gather(values, tf.maximum(ids, 0), batch_dims=1), 0.0)


def sum_valid(values, valid):
    return tf.reduce_sum(values if valid is None else tf.where(valid, values, 0.0), axis=-1)


def pair_valid(valid):
    return None if valid is None else valid[:, :, None] & valid[:, None, :]


def expand(valid):
    """``[B, 1, N]`` for ``[B, R or N, N]`` pair tensors, or None."""
    return None if valid is None else valid[:, None, :]


def dense_labels(prepared):
    """``[B, N]`` float labels, 0 on excluded items; ids become 1.0 at each relevant id.

    Only for the losses whose definition sorts or pairs every item of the list (ListMLE,
    NeuralSort, unique softmax); every other loss reads ids through `gather`.
    """
    lists = prepared.lists
    if lists.ids is None:
        return lists.labels
    ids = lists.ids
    rows = tf.broadcast_to(tf.range(tf.shape(ids)[0])[:, None], tf.shape(ids))
    indices = tf.stack([rows, tf.maximum(ids, 0)], axis=-1)
    return tf.scatter_nd(indices, tf.cast(ids >= 0, tf.float32), tf.shape(prepared.logits))


def valid_mask(prepared):
    """``[B, N]`` bool, True on the items that take part (made on demand for ids without a mask)."""
    return tf.ones_like(prepared.logits, tf.bool) if prepared.valid is None else prepared.valid


def ranks(prepared):
    """``[B, N]`` float 1-based ranks by logit, descending, ties in index order; excluded items last."""
    scores = prepared.lists.scores  # excluded items at -inf
    order = tf.math.top_k(scores, k=tf.shape(scores)[1]).indices
    return tf.cast(tf.argsort(order, axis=1, stable=True) + 1, tf.float32)


def list_size(prepared, normalizer):
    """``[B]`` what a list's summed terms are divided by: its valid items, N, or 1."""
    if normalizer == "valid":
        return prepared.lists.n_valid
    if normalizer == "list_size":
        return tf.fill(tf.shape(prepared.lists.n_valid), tf.cast(tf.shape(prepared.logits)[1], tf.float32))
    return tf.ones_like(prepared.lists.n_valid)


def relevant_mean_weight(prepared):
    """``[B]`` a list's weight under item weights (TF-Ranking's listwise rule): ``Σ w_i y_i / Σ y_i``
    over its valid items (labels, 1 for ids), 0 when no item is relevant; None without item weights."""
    weights = prepared.item_weights
    if weights is None:
        return None
    lists = prepared.lists
    if lists.ids is None:
        labels = tf.maximum(lists.labels, 0.0)
        return tf.math.divide_no_nan(tf.reduce_sum(weights * labels, axis=1), tf.reduce_sum(labels, axis=1))
    return tf.math.divide_no_nan(tf.reduce_sum(gather(weights, lists.ids), axis=1), lists.n_relevant)


def check_normalizer(normalizer):
    return validation.check_choice("normalizer", normalizer, NORMALIZERS)


def log2(x):
    return tf.math.log(x) / tf.math.log(2.0)
