"""Type aliases of tfrank's public signatures (what the functions and classes accept).

The values are checked at run time by `tfrank.validation` (with a message naming the
argument); these aliases only document them for readers and type checkers.
"""

from typing import Dict, Literal, Optional, Sequence, Union

import numpy as np
import tensorflow as tf

# Anything tf.convert_to_tensor takes, or a tf.RaggedTensor (id labels of varying length).
TensorLike = Union[tf.Tensor, tf.RaggedTensor, np.ndarray, Sequence, float, int]
# One cut-off, or several: the result is then a dict keyed by log name.
K = Union[int, Sequence[int]]
LabelFormat = Optional[Literal["dense", "ids"]]
Empty = Literal["skip", "zero", "one", "error"]
Ties = Literal["first", "expected"]
Gain = Literal["exponential", "linear"]
# Per-list values [B] for an int k, or {log name: [B]} for a list of k.
PerList = Union[tf.Tensor, Dict[str, tf.Tensor]]
