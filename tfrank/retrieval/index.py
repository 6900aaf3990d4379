"""Where the candidate embeddings come from, and the lookup of candidate ids.

A `CandidateSource` turns what the user gave into an ``[M, d]`` float32 array:

* an array (NumPy, tensor) of embeddings ``[M, d]``;
* a ``tf.data.Dataset`` of embedding batches;
* with ``candidate_model``: candidate *features* (an array, a dict of arrays or a
  ``tf.data.Dataset`` of feature batches) run through the model (the candidate tower,
  ``training=False``) batch by batch.

The metric calls `CandidateSource.embed` when it is built and again at every
``reset_state()``, i.e. once at the start of each evaluation (and of each training
epoch): the index follows the tower as it trains, at the cost of one pass of the tower
over the catalogue per evaluation, not one per batch.
"""

import numpy as np
import tensorflow as tf

from tfrank.engine import validation


class CandidateSource:
    """The candidates (embeddings or features), the optional tower, and the batch size."""

    def __init__(self, candidates, candidate_model=None, batch_size=4096):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise validation.invalid("batch_size", batch_size, "a positive int")
        if candidate_model is not None and not callable(candidate_model):
            raise validation.invalid("candidate_model", candidate_model, "a Keras layer or model (callable)", TypeError)
        self.candidates, self.model, self.batch_size = candidates, candidate_model, batch_size

    def embed(self):
        """``[M, d]`` float32 embeddings (eager)."""
        data = self.candidates
        if self.model is None and not isinstance(data, tf.data.Dataset):
            return tf.cast(tf.convert_to_tensor(data), tf.float32)
        if not isinstance(data, tf.data.Dataset):
            data = tf.data.Dataset.from_tensor_slices(data).batch(self.batch_size)
        parts = [self.model(batch, training=False) if self.model is not None else batch for batch in data]
        if not parts:
            raise validation.invalid("candidates", self.candidates, "at least one candidate")
        return tf.cast(tf.concat(parts, axis=0), tf.float32)


def check_embeddings(embeddings, shape=None):
    """A static ``[M, d]`` float tensor with M >= 1, d >= 1 (and ``shape`` when given)."""
    if not embeddings.dtype.is_floating or embeddings.shape.rank != 2:
        raise validation.invalid("candidates", embeddings, "candidate embeddings of shape [M, d]")
    if min(embeddings.shape) < 1:
        raise validation.invalid("candidates", embeddings, "a non-empty index: at least one candidate of d >= 1")
    if shape is not None and tuple(embeddings.shape) != tuple(shape):
        raise validation.invalid("candidates", embeddings, f"embeddings of the index's shape {list(shape)}")


def id_lookup(candidate_ids, n_candidates):
    """``(sorted ids, their rows)`` int64 NumPy arrays for `tfrank.retrieval.inputs`."""
    ids = np.asarray(candidate_ids)
    if ids.shape != (n_candidates,) or not np.issubdtype(ids.dtype, np.integer):
        raise validation.invalid("candidate_ids", ids, f"one integer id per candidate, shape [{n_candidates}]")
    if len(np.unique(ids)) != n_candidates or (ids == -1).any():
        raise validation.invalid("candidate_ids", ids, "distinct ids, none equal to -1 (the padding id)")
    order = np.argsort(ids, kind="stable")
    return ids[order].astype(np.int64), order.astype(np.int64)
