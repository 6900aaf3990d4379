"""Per-item weights: ``sample_weight`` of shape ``[B, N]``, as keras-rs and TF-Ranking define them.

An item of weight 0 is excluded, like a masked item. The other weights act twice:

* each list gets one weight, the mean weight of its relevant items,
  ``w_list = sum_i w_i r_i / sum_i r_i``, with ``r_i`` = 1 for a relevant item (label > 0)
  and 0 otherwise, or ``r_i`` = the item's gain for DCG and NDCG (keras-rs
  ``get_list_weights``, TF-Ranking ``_per_example_weights_to_per_list_weights``). A list
  with no relevant item weighs the mean weight of its valid items (``empty_weight="own"``,
  which is the list's weight when every item carries it), or, with
  ``empty_weight="batch_mean"``, the mean ``w_list`` of the batch's lists that have a
  relevant item and a positive weight (1.0 when there is none; keras-rs / TF-Ranking). That
  batch is one ``update_state`` call's (one replica's under a distribution strategy), so
  ``"batch_mean"`` depends on how the lists are batched, as it does in keras-rs;
* AP, DCG and NDCG weigh each item inside the list: ``AP = sum_{i<=K} w_i r_i P@i /
  sum_i w_i r_i`` (the sum below the line over the whole list, or over the top K with
  ``normalizer="hits"``), ``DCG = sum_{i<=K} w_i g_i d_i / w_list``, and NDCG divides
  ``sum_{i<=K} w_i g_i d_i`` by the same sum over the items sorted by ``w_i g_i``.
  Precision, recall, F1, hit rate, MRR and R-precision read the weights only through
  the exclusion of weight-0 items and through ``w_list``.
"""

import tensorflow as tf

from tfrank.engine import ranking


def _weighted_ids(lists):
    """``[B, R]`` the weights of a list's relevant ids (0 for padding ids), never ``[B, N]`` labels."""
    picked = tf.gather(lists.weights, tf.maximum(lists.ids, 0), batch_dims=1)
    return tf.where(lists.ids >= 0, picked, 0.0)


def relevance(lists, gain=None):
    """``[B, N]`` (dense) r_i: 1.0 for a relevant item, or its gain when ``gain`` is given."""
    positive = lists.labels > 0.0
    return tf.where(positive, 1.0 if gain is None else ranking.gain(lists.labels, gain), 0.0)


def relevant_weight(lists, gain=None):
    """``[B]`` sum_i w_i r_i over the whole list."""
    if lists.labels is None:  # ids: every relevant item has label 1, so r_i is the same for all
        return tf.reduce_sum(_weighted_ids(lists), axis=1) * _gain_of_one(gain)
    return tf.reduce_sum(lists.weights * relevance(lists, gain), axis=1)


def _gain_of_one(gain):
    return 1.0 if gain is None else ranking.gain(tf.ones([]), gain)


def list_weight(lists, gain=None):
    """``[B]`` w_list before any batch rule: sum w r / sum r, or the valid items' mean weight."""
    if lists.labels is None:
        total = lists.n_relevant * _gain_of_one(gain)
    else:
        total = tf.reduce_sum(relevance(lists, gain), axis=1)
    own_empty = tf.math.divide_no_nan(tf.reduce_sum(lists.weights, axis=1), lists.n_valid)
    return tf.where(lists.n_relevant > 0.0, tf.math.divide_no_nan(relevant_weight(lists, gain), total), own_empty)


def ideal_weighted_gains(lists, depth, gain):
    """``[B, K']`` the K' largest w_i g_i of the list, descending (NDCG's ideal ordering)."""
    if lists.labels is not None:
        return tf.math.top_k(lists.weights * relevance(lists, gain), k=depth).values
    weighted = _weighted_ids(lists) * _gain_of_one(gain)
    padded = tf.pad(weighted, [[0, 0], [0, depth]])  # R may be smaller than K'
    return tf.math.top_k(padded, k=depth).values


def column_weights(requests, lists, per_list, empty_weight):
    """``[B, C]`` the weight of each list for each log name's column.

    Per-list weights apply to every column alike; per-item weights give each metric its
    ``w_list`` (gain-weighted for DCG and NDCG). ``empty_weight="batch_mean"`` then gives
    the lists with no relevant item the mean weight described in the module docstring.
    """
    columns = []
    for metric, ks, options in requests:
        if lists.weights is None:
            weight = per_list
        else:
            weight = list_weight(lists, options.get("gain", "exponential") if metric in ("dcg", "ndcg") else None)
        columns.extend([weight] * len(ks))
    weights = tf.stack(columns, axis=1)
    if empty_weight == "own":
        return weights
    has_relevant = (lists.n_relevant > 0.0)[:, None]
    donors = has_relevant & (weights > 0.0)
    count = tf.reduce_sum(tf.cast(donors, tf.float32), axis=0, keepdims=True)
    mean = tf.where(count > 0.0, tf.reduce_sum(tf.where(donors, weights, 0.0), axis=0, keepdims=True) / count, 1.0)
    # keras-rs gives a list 0 when its weights sum to 0 over its valid items.
    weighs = (lists.n_valid > 0.0)[:, None] & ~(weights == 0.0)
    return tf.where(has_relevant, weights, tf.where(weighs, mean, 0.0))
