"""Keras 3 losses: thin wrappers over `tfrank.losses.functional`.

Each class names its per-list function; `RankingLoss` reduces the per-list values with
Keras' reductions and per-list ``sample_weight`` (one weight per list, as the metrics).
Unlike ``keras.losses.Loss``, labels are not cast to the loss dtype: ids stay ids, and a
ragged tensor or a ``{"labels", "mask"}`` dict reaches the function as it is. The
reduction is Keras' own: the per-list values go through ``keras.losses.Loss.__call__``
(`_Reduction`), which weights, reduces and scales the loss for a ``tf.distribute``
strategy, so ``reduction=`` means what it means for any Keras loss.
"""

import keras
import tensorflow as tf

from tfrank.engine import inputs, validation
from tfrank.losses import functional


class _Reduction(keras.losses.Loss):
    """Keras' own reduction of values already computed: ``call`` passes ``y_pred`` through, so
    ``_Reduction(reduction=r)(values, values, sample_weight)`` is what ``keras.losses.Loss``
    makes of per-sample losses ``values``, through public API only."""

    def call(self, y_true, y_pred):
        return y_pred


class RankingLoss(keras.losses.Loss):
    """Base class: subclasses set ``fn`` (a function of `tfrank.losses.functional`); building
    the base itself is a TypeError.

    Args:
        label_format: None (resolved from dtype and shape, as the metrics), ``"dense"`` or ``"ids"``.
        reduction: Keras' reduction of the per-list values, default ``"sum_over_batch_size"``
            (the weighted sum over lists divided by the number of lists).
        name: default: the class name in snake case (``"softmax_loss"``).
        dtype: of the loss; default ``keras.config.floatx()``.
    """

    fn = None

    def __init__(self, *, label_format=None, reduction="sum_over_batch_size", name=None, dtype=None):
        if not callable(type(self).fn):
            raise validation.abstract_base(type(self), "fn", "a per-list function of tfrank.losses.functional")
        validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_format = label_format

    def _options(self):
        return {}

    def call(self, y_true, y_pred):
        """Per-list values ``[B]`` float32."""
        return type(self).fn(y_true, y_pred, label_format=self.label_format, **self._options())

    def __call__(self, y_true, y_pred, sample_weight=None):
        with tf.name_scope(self.name):
            values = self.call(y_true, y_pred)
            checks = ()
            if sample_weight is not None:
                sample_weight, checks = inputs.list_weights(sample_weight, y_pred)
            with tf.control_dependencies(checks):
                reduce = _Reduction(reduction=self.reduction, dtype="float32", name="reduction")
                loss = reduce(values, values, sample_weight=sample_weight)
            return tf.cast(loss, self.dtype)

    def get_config(self):
        return {**super().get_config(), "label_format": self.label_format, **self._options()}


@keras.saving.register_keras_serializable(package="tfrank")
class SoftmaxLoss(RankingLoss):
    """List-wise softmax cross-entropy: the relevant items' share of a softmax over the list.

    Per list: ``logsumexp_i(s_i) − Σ_i t_i s_i`` over valid items with targets
    ``t_i = y_i / Σ_j y_j`` (TF-Ranking's ``SoftmaxLoss``, ListNet's top-1 form); for ids,
    ``logsumexp(s) − mean_relevant(s)`` with one gather of the relevant logits.

    NOTE: graded labels weight the targets by label. A list with no relevant item gives 0.
    Padding and masked items leave the softmax. Ids are never densified: memory ``[B, N]``.

    Args:
        label_format: None (from dtype and shape), ``"dense"`` or ``"ids"``.
        reduction: of the per-list values, Keras' (default ``"sum_over_batch_size"``).
        name: default ``"softmax_loss"``.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.SoftmaxLoss()
    >>> # list 0 (item 0 relevant): ln(e^2 + 2) - 2 = 0.2395; list 1 (item 2): ln 3 - 0 = 1.0986
    >>> round(float(loss([[0], [2]], [[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])), 4)  # mean over lists
    0.6691

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SoftmaxLoss(),
    metrics=[tfrank.PrecisionAtK(k=10)])``.
    """

    fn = functional.softmax_loss


@keras.saving.register_keras_serializable(package="tfrank")
class SigmoidLoss(RankingLoss):
    """Sigmoid (binary) cross-entropy of every valid item against its relevance, per list.

    Per list: ``(Σ_i softplus(s_i) − Σ_i t_i s_i) / n_valid`` with ``t_i = min(y_i, 1)``:
    Keras' ``BinaryCrossentropy(from_logits=True)`` over the list's valid items. For ids
    the second sum is the sum of the gathered relevant logits.

    NOTE: graded labels of 1 or more are targets of 1; labels in (0, 1) are soft targets.
    A list with no relevant item still counts (all its items are negatives); a list with
    no valid item gives 0. Ids are never densified.

    Args:
        label_format: None (from dtype and shape), ``"dense"`` or ``"ids"``.
        reduction: of the per-list values, Keras' (default ``"sum_over_batch_size"``).
        name: default ``"sigmoid_loss"``.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.SigmoidLoss()
    >>> # (softplus(0) - 0 + softplus(0)) / 2 = ln 2, ids [1] against dense [0, 1]
    >>> round(float(loss([[1]], [[0.0, 0.0]])), 4), round(float(loss([[0.0, 1.0]], [[0.0, 0.0]])), 4)
    (0.6931, 0.6931)

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.SigmoidLoss(),
    metrics=[tfrank.PrecisionAtK(k=10)])``.
    """

    fn = functional.sigmoid_loss


@keras.saving.register_keras_serializable(package="tfrank")
class PairwiseLogisticLoss(RankingLoss):
    """Pairwise logistic loss: each more relevant item should outscore each less relevant one.

    Per list: ``Σ_{i,j valid, y_i > y_j} log(1 + exp(s_j − s_i)) / n_valid``, pairs summed
    and divided by the valid items, as keras-rs' ``PairwiseLogisticLoss`` does (it divides
    by the padded list size: the same value when nothing is padded or masked).

    NOTE: dense labels build every pair, ``[B, N, N]`` floats; ids build ``[B, R, N]`` (each
    relevant item against every item, less the ``[B, R, R]`` relevant pairs), so ids
    are the form for long lists. A list with no relevant item gives 0.

    Args:
        label_format: None (from dtype and shape), ``"dense"`` or ``"ids"``.
        reduction: of the per-list values, Keras' (default ``"sum_over_batch_size"``).
        name: default ``"pairwise_logistic_loss"``.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.PairwiseLogisticLoss()
    >>> # item 0 relevant: (ln(1 + e^-1) against item 1 + ln(1 + e^-2) against item 2) / 3
    >>> round(float(loss([[0]], [[1.0, 0.0, -1.0]])), 4)
    0.1467

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.PairwiseLogisticLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = functional.pairwise_logistic_loss


@keras.saving.register_keras_serializable(package="tfrank")
class ApproxNDCGLoss(RankingLoss):
    """ApproxNDCG: minus NDCG computed with smooth ranks (Qin, Liu & Li 2010; TF-Ranking).

    Per list: ``−Σ_i (2**y_i − 1) / log2(1 + r_i) / IDCG`` with the smooth rank
    ``r_i = 1 + Σ_{j valid, j≠i} σ((s_j − s_i) / temperature)``; values lie in [−1, 0].

    NOTE: dense labels build ``[B, N, N]``, ids ``[B, R, N]``. A list with no relevant item
    gives 0. Lower temperatures track the true NDCG more closely and give steeper gradients.

    Args:
        temperature: positive float, default 0.1 (TF-Ranking's ``alpha = 1 / temperature = 10``).
        label_format: None (from dtype and shape), ``"dense"`` or ``"ids"``.
        reduction: of the per-list values, Keras' (default ``"sum_over_batch_size"``).
        name: default ``"approx_ndcg_loss"``.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.ApproxNDCGLoss(temperature=1.0)
    >>> # r_0 = 1 + σ(-1) = 1.2689 for the relevant item 0: -(1 / log2(2.2689)) / 1
    >>> round(float(loss([[0]], [[1.0, 0.0]])), 4)
    -0.846

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.ApproxNDCGLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = functional.approx_ndcg_loss

    def __init__(self, temperature=0.1, *, label_format=None, reduction="sum_over_batch_size", name=None,
                 dtype=None):
        self.temperature = validation.check_temperature(temperature)
        super().__init__(label_format=label_format, reduction=reduction, name=name, dtype=dtype)

    def _options(self):
        return {"temperature": self.temperature}
