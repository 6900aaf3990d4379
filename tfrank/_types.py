"""Type aliases of tfrank's public signatures (what the functions and classes accept).

The values are checked at run time by `tfrank.engine.validation` (with a message naming the
argument); these aliases only document them for readers and type checkers.
"""

from typing import Callable, Dict, Literal, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

# Anything tf.convert_to_tensor takes, or a tf.RaggedTensor (id labels of varying length).
TensorLike = Union[tf.Tensor, tf.RaggedTensor, np.ndarray, Sequence, float, int]
# One cut-off, or several: the result is then a dict keyed by log name.
K = Union[int, Sequence[int]]
LabelFormat = Optional[Literal["dense", "ids"]]
Empty = Literal["skip", "zero", "one", "error"]
Ties = Literal["first", "expected"]
# keras-rs' rule for a list with no relevant item: "batch_mean" gives it the mean weight of the others.
EmptyWeight = Literal["own", "batch_mean"]
# A named gain or discount, or a registered Keras serializable function of labels or 1-based ranks.
Gain = Union[Literal["exponential", "linear"], Callable]
Discount = Union[Literal["log2", "reciprocal"], Callable]
# Per-list values [B] for an int k, or {log name: [B]} for a list of k.
PerList = Union[tf.Tensor, Dict[str, tf.Tensor]]
# tfrank.stats: one value per list (or example), and a seed of the resampling tests.
Values = Union[np.ndarray, Sequence[float]]
Seed = Optional[Union[int, np.random.Generator]]
