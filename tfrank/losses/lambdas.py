"""Lambda weights (LambdaRank, LambdaLoss): how much a pair, or an item, counts in a loss.

A lambda weight turns a pairwise loss (`tfrank.losses.PairwiseLogisticLoss`, ...) into one
that optimises a ranking metric: the pair ``(i, j)`` of items with ``y_i > y_j`` counts
with the change of the metric if the two swapped places (Burges, "From RankNet to
LambdaRank to LambdaMART", 2010), or with the LambdaLoss bound of Wang et al. (CIKM 2018).
The definitions are TF-Ranking's (``tfr.keras.losses.*LambdaWeight``); ranks are the
1-based positions of the items sorted by score (ties in index order), and the weights
carry no gradient.

>>> import tfrank
>>> weight = tfrank.losses.DCGLambdaWeight()  # gain y, discount 1 / r, LambdaLoss form
>>> weight.pair_weights([[2.0, 1.0, 0.0]], [[1, 2, 3]]).numpy().round(4)[0]  # times N = 3
array([[0. , 1.5, 1. ],
       [1.5, 0. , 1.5],
       [1. , 1.5, 0. ]], dtype=float32)

In a model: ``model.compile(loss=tfrank.losses.PairwiseLogisticLoss(
lambda_weight=tfrank.losses.NDCGLambdaWeight(k=10)), metrics=[tfrank.NDCGAtK(k=10)])``.
"""

import numbers

import keras
import tensorflow as tf

from tfrank.engine import ranking, validation
from tfrank.engine.definitions import DISCOUNT_CHOICES, GAIN_CHOICES


def discount(ranks, kind):
    """``kind(r)`` at any positive float ranks: ``1 / log2(1 + r)``, ``1 / r`` or a function."""
    if kind == "log2":
        return tf.math.log(2.0) / tf.math.log1p(ranks)
    if kind == "reciprocal":
        return 1.0 / ranks
    return tf.cast(kind(ranks), tf.float32)


def _check_k(k, required=False):
    if k is None and not required:
        return None
    if isinstance(k, numbers.Integral) and not isinstance(k, bool) and k > 0:
        return int(k)
    raise validation.invalid("k", k, "a positive int" + ("" if required else " or None (the whole list)"))


def _check_fraction(value):
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return float(value)
    raise validation.invalid("smooth_fraction", value, "a float in [0, 1]")


class LambdaWeight:
    """Base class. ``_pairs`` gives the weight of pairs broadcast from ``[B, *, 1]`` and
    ``[B, 1, *]`` labels and ranks; ``_individual`` the weight of single items."""

    pairs = True  # usable by the pairwise losses
    individual = False  # usable by the softmax loss (DCG weights) or ListMLE

    def context(self, labels, ids, n):
        """Per-list constants ``[B, 1, 1]`` from dense labels ``[B, N]`` (0 on excluded items)
        or, for ids labels, the ids ``[B, R]``; n ``[B]``: the list size the loss divides by."""
        return {"n": n[:, None, None]}

    def _pairs(self, y_i, r_i, y_j, r_j, context):
        raise NotImplementedError

    def pair_weights(self, labels, ranks):
        """TF-Ranking's ``pair_weights``: ``[B, N, N]`` from dense labels ``[B, N]`` (negative:
        padding, whose pairs weigh 0) and 1-based ranks ``[B, N]``; the list size is N."""
        labels = tf.cast(tf.convert_to_tensor(labels), tf.float32)
        ranks = tf.cast(tf.convert_to_tensor(ranks), tf.float32)
        valid = labels >= 0.0
        labels = tf.where(valid, labels, 0.0)
        n = tf.fill([tf.shape(labels)[0]], tf.cast(tf.shape(labels)[1], tf.float32))
        context = self.context(labels, None, n)
        weights = self._pairs(labels[:, :, None], ranks[:, :, None], labels[:, None, :], ranks[:, None, :], context)
        return tf.where(valid[:, :, None] & valid[:, None, :], weights, 0.0)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        shown = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({shown})"


@keras.saving.register_keras_serializable(package="tfrank")
class LabelDiffLambdaWeight(LambdaWeight):
    """A pair weighs its label difference ``|y_i - y_j|`` (TF-Ranking's ``LabelDiffLambdaWeight``).

    Example:

    >>> import tfrank
    >>> tfrank.losses.LabelDiffLambdaWeight().pair_weights([[2.0, 0.0]], [[1, 2]]).numpy()[0]
    array([[0., 2.],
           [2., 0.]], dtype=float32)
    """

    def _pairs(self, y_i, r_i, y_j, r_j, context):
        return tf.abs(y_i - y_j)


@keras.saving.register_keras_serializable(package="tfrank")
class DCGLambdaWeight(LambdaWeight):
    """LambdaLoss / LambdaRank weight for DCG: ``|G_i - G_j| · δ(r_i, r_j) · n``.

    ``G = gain(y)`` (divided by the list's ideal DCG@k when ``normalized``), n the list size
    (TF-Ranking's factor that keeps the loss at the scale of the unweighted one; the loss
    divides by the same n), and the rank term
    ``δ = (1 - smooth_fraction) · |D(|r_i - r_j|) - D(|r_i - r_j| + 1)| + smooth_fraction · |D_k(r_i) - D_k(r_j)|``
    over pairs with ``r_i ≤ k`` or ``r_j ≤ k``, where D is the discount and ``D_k(r) = D(r)``
    for ``r ≤ k``, 0 below: the first term is LambdaLoss' (Wang et al. 2018, eq. 18), the
    second LambdaRank's swap in DCG@k.

    NOTE: the defaults are TF-Ranking's: linear gain and discount ``1 / r``. The softmax
    loss reads the item weights ``G_i · D(r_i)`` instead (no cut at k there, as TF-Ranking).

    Args:
        k: None (the whole list) or the DCG cut-off (TF-Ranking's ``topn``).
        gain: ``"linear"`` (y, default), ``"exponential"`` (2**y - 1) or a registered function.
        discount: ``"reciprocal"`` (1 / r, default), ``"log2"`` or a registered function.
        normalized: divide gains by the ideal DCG@k of the list (NDCG).
        smooth_fraction: in [0, 1], the share of LambdaRank's term.

    Example:

    >>> import tfrank
    >>> w = tfrank.losses.DCGLambdaWeight(k=1, smooth_fraction=1.0)
    >>> (w.pair_weights([[2.0, 1.0, 0.0]], [[1, 2, 3]]) / 3.0).numpy()[0]  # |ΔG| |D_1(r_i) - D_1(r_j)|
    array([[0., 1., 2.],
           [1., 0., 0.],
           [2., 0., 0.]], dtype=float32)
    """

    individual = True

    def __init__(self, k=None, *, gain="linear", discount="reciprocal", normalized=False, smooth_fraction=0.0):
        self.k = _check_k(k)
        self.gain = validation.check_function_option("gain", gain, GAIN_CHOICES)
        self.discount = validation.check_function_option("discount", discount, DISCOUNT_CHOICES)
        if not isinstance(normalized, bool):
            raise validation.invalid("normalized", normalized, "True or False", TypeError)
        self.normalized = normalized
        self.smooth_fraction = _check_fraction(smooth_fraction)

    def get_config(self):
        return {"k": self.k, "gain": validation.function_name(self.gain),
                "discount": validation.function_name(self.discount), "normalized": self.normalized,
                "smooth_fraction": self.smooth_fraction}

    def _gains(self, labels):
        return ranking.gain(labels, self.gain)

    def context(self, labels, ids, n):
        context = super().context(labels, ids, n)
        if self.normalized:
            context["inverse_ideal"] = tf.math.divide_no_nan(1.0, self._ideal(labels, ids))[:, None, None]
        return context

    def _ideal(self, labels, ids):
        """``[B]`` the DCG@k of the list sorted by label (for ids: its relevant items, label 1)."""
        if labels is not None:
            n_items = labels.shape[1] if labels.shape[1] is not None else tf.shape(labels)[1]
            depth = n_items if self.k is None else tf.minimum(self.k, n_items)
            gains = tf.math.top_k(self._gains(labels), k=depth).values
        else:
            n_relevant = tf.reduce_sum(tf.cast(ids >= 0, tf.float32), axis=1)
            positions = tf.range(1, tf.shape(ids)[1] + 1, dtype=tf.float32)[None, :]
            kept = positions <= n_relevant[:, None]
            if self.k is not None:
                kept &= positions <= self.k
            gains = tf.where(kept, self._gains(tf.ones_like(positions)), 0.0)
        positions = tf.range(1, tf.shape(gains)[1] + 1, dtype=tf.float32)[None, :]
        return tf.reduce_sum(gains * discount(positions, self.discount), axis=1)

    def _scaled_gains(self, y, context):
        gains = self._gains(y)
        return gains * context["inverse_ideal"] if self.normalized else gains

    def _pairs(self, y_i, r_i, y_j, r_j, context):
        cut = float("inf") if self.k is None else float(self.k)
        top = (r_i <= cut) | (r_j <= cut)
        apart = tf.abs(r_i - r_j)
        safe = tf.maximum(apart, 1.0)
        near = tf.where((apart > 0.0) & top, tf.abs(discount(safe, self.discount) - discount(safe + 1.0, self.discount)), 0.0)
        far = tf.abs(self._cut_discount(r_i, cut) - self._cut_discount(r_j, cut))
        rank_term = ((1.0 - self.smooth_fraction) * near + self.smooth_fraction * far) * tf.cast(top, tf.float32)
        gain_term = tf.abs(self._scaled_gains(y_i, context) - self._scaled_gains(y_j, context))
        return tf.stop_gradient(gain_term * rank_term * context["n"])

    def _cut_discount(self, ranks, cut):
        return tf.where(ranks <= cut, discount(tf.maximum(ranks, 1.0), self.discount), 0.0)

    def individual_weights(self, y, r, context):
        """``G(y) · D(r)`` per item (the softmax loss' targets)."""
        return tf.stop_gradient(self._scaled_gains(y, context) * discount(tf.maximum(r, 1.0), self.discount))


@keras.saving.register_keras_serializable(package="tfrank")
class NDCGLambdaWeight(DCGLambdaWeight):
    """LambdaRank / LambdaLoss weight for NDCG: `DCGLambdaWeight` with gain ``2**y - 1``,
    discount ``1 / log2(1 + r)`` and gains divided by the ideal DCG@k (TF-Ranking's
    ``NDCGLambdaWeight``; with ``smooth_fraction=1`` the pair weighs LambdaRank's
    ``|ΔNDCG@k|`` times n).

    Args:
        k: as in `DCGLambdaWeight` (other defaults).
        gain: as in `DCGLambdaWeight` (other defaults).
        discount: as in `DCGLambdaWeight` (other defaults).
        smooth_fraction: as in `DCGLambdaWeight` (other defaults).

    Example:

    >>> import tfrank
    >>> w = tfrank.losses.NDCGLambdaWeight(smooth_fraction=1.0)
    >>> # |(2^1 - 1) - 0| / IDCG(= 1) * |1/log2(2) - 1/log2(3)| * n (= 2)
    >>> round(float(w.pair_weights([[1.0, 0.0]], [[1, 2]])[0, 0, 1]), 4)
    0.7381
    """

    def __init__(self, k=None, *, gain="exponential", discount="log2", smooth_fraction=0.0):
        super().__init__(k, gain=gain, discount=discount, normalized=True, smooth_fraction=smooth_fraction)

    def get_config(self):
        config = super().get_config()
        del config["normalized"]
        return config


@keras.saving.register_keras_serializable(package="tfrank")
class PrecisionLambdaWeight(LambdaWeight):
    """LambdaRank weight for Precision@k: 1 for a relevant / non-relevant pair with exactly
    one of the two in the top k (swapping them changes P@k), else 0 (TF-Ranking's
    ``PrecisionLambdaWeight``).

    NOTE: relevant means label > 0 (tfrank's rule); TF-Ranking's default counts label >= 1.
    The two agree on binary and integer labels.

    Args:
        k: the cut-off, a positive int (TF-Ranking's ``topn``).

    Example:

    >>> import tfrank
    >>> tfrank.losses.PrecisionLambdaWeight(k=1).pair_weights([[2.0, 1.0, 0.0]], [[1, 2, 3]]).numpy()[0]
    array([[0., 0., 1.],
           [0., 0., 0.],
           [1., 0., 0.]], dtype=float32)
    """

    def __init__(self, k):
        self.k = _check_k(k, required=True)

    def get_config(self):
        return {"k": self.k}

    def _pairs(self, y_i, r_i, y_j, r_j, context):
        positive = tf.abs(tf.cast(y_i > 0.0, tf.float32) - tf.cast(y_j > 0.0, tf.float32))
        across = tf.math.logical_xor(r_i <= self.k, r_j <= self.k)
        return positive * tf.cast(across, tf.float32)


@keras.saving.register_keras_serializable(package="tfrank")
class ListMLELambdaWeight(LambdaWeight):
    """Position-aware ListMLE (Lan et al. 2014): the likelihood term of position r counts
    ``D(r)`` times (TF-Ranking's ``ListMLELambdaWeight``), for `tfrank.losses.ListMLELoss` only.

    Args:
        discount: ``"log2"`` (default, 1 / log2(1 + r)), ``"reciprocal"`` or a registered function.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.ListMLELoss(lambda_weight=tfrank.losses.ListMLELambdaWeight("reciprocal"))
    >>> # position 1: ln(e^1 + e^0) - 1 = 0.3133, times 1/1; position 2: 0 (one item left)
    >>> round(float(loss([[0]], [[1.0, 0.0]])), 4)
    0.3133
    """

    pairs = False
    individual = True

    def __init__(self, discount="log2"):
        self.discount = validation.check_function_option("discount", discount, DISCOUNT_CHOICES)

    def get_config(self):
        return {"discount": validation.function_name(self.discount)}

    def individual_weights(self, y, r, context):
        return tf.stop_gradient(discount(r, self.discount) * tf.ones_like(y))


def check(lambda_weight, loss, accepted):
    """``lambda_weight`` for ``loss``: None or an instance of one of ``accepted`` (a config dict
    from a saved model is deserialised first)."""
    if isinstance(lambda_weight, dict):
        lambda_weight = keras.saving.deserialize_keras_object(lambda_weight)
    if lambda_weight is None or isinstance(lambda_weight, accepted):
        return lambda_weight
    names = ", ".join(cls.__name__ for cls in accepted)
    raise validation.invalid("lambda_weight", lambda_weight, f"None or one of {names} for {loss}", TypeError)


PAIR_WEIGHTS = (LabelDiffLambdaWeight, DCGLambdaWeight, PrecisionLambdaWeight)
