"""The shared engine: one ``tf.math.top_k`` at max(k) and one ``tf.gather`` of the labels.

Every metric reads the same `Ranked` view of a batch, so a list of k values, or
several metrics at once, cost one top_k.
"""

import dataclasses

import tensorflow as tf

from tfrank.inputs import Lists


@dataclasses.dataclass(frozen=True)
class Ranked:
    """The top of each list.

    lists: the normalised batch (`tfrank.inputs.Lists`).
    depth: K' = min(max(k), N), the number of ranked positions kept (static when N is).
    gains: ``[B, K']`` float relevance of the item at each position (graded for dense
        labels, 1.0/0.0 for ids), 0 for excluded items.
    hits: ``[B, K' + 1]`` float, ``hits[:, i]`` = relevant items among the top i.
    """

    lists: Lists
    depth: object
    gains: tf.Tensor
    hits: tf.Tensor

    def hits_at(self, k):
        """``[B]`` relevant items among the top k (k clamped to the list length)."""
        return self.hits[:, _clamp(k, self.depth)]


def _clamp(k, depth):
    return min(k, depth) if isinstance(depth, int) else tf.minimum(k, depth)


def _depth(scores, k_max):
    n_items = scores.shape[1]
    if n_items is not None:
        return min(k_max, n_items)
    return tf.minimum(k_max, tf.shape(scores)[1])


def top_gains(lists, indices):
    """Relevance of the items at ``indices`` ``[B, K']``, without densifying ids."""
    if lists.labels is not None:
        return tf.gather(lists.labels, indices, batch_dims=1)
    # ids: position p is relevant when its item index is one of the list's ids.
    match = tf.equal(indices[:, :, None], lists.ids[:, None, :])
    return tf.cast(tf.reduce_any(match, axis=2), tf.float32)


def rank(lists, k_max):
    """Ranks every list once, keeping the top ``min(k_max, N)`` positions."""
    depth = _depth(lists.scores, k_max)
    indices = tf.math.top_k(lists.scores, k=depth, sorted=True).indices
    gains = top_gains(lists, indices)
    relevant = tf.cast(gains > 0.0, tf.float32)
    zeros = tf.zeros([tf.shape(relevant)[0], 1], relevant.dtype)  # not relevant[:, :1]: empty when N = 0
    hits = tf.concat([zeros, tf.cumsum(relevant, axis=1)], axis=1)
    return Ranked(lists=lists, depth=depth, gains=gains, hits=hits)
