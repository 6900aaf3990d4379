"""`RankingLoss`: the base of tfrank's Keras 3 losses, a thin wrapper over a loss function.

Each class names its per-list function (`tfrank.losses.functional`, `.pairwise`,
`.listwise`) and its options; `RankingLoss` splits ``sample_weight``: one weight per list
(``[B]``, ``[B, 1]``) goes to Keras' reduction, as for any Keras loss; one per item
(``[B, N]``, TF-Ranking's per-example weights) goes into the function, which applies it
by the loss' own definition, and the reduction then sees one unit weight per list.
Unlike ``keras.losses.Loss``, labels are not cast to the loss dtype: ids stay ids, and a
ragged tensor or a ``{"labels", "mask"}`` dict reaches the function as it is. The
reduction is Keras' own: the per-list values go through ``keras.losses.Loss.__call__``
(`_Reduction`), which weights, reduces and scales the loss for a ``tf.distribute``
strategy, so ``reduction=`` means what it means for any Keras loss.
"""

import keras
import tensorflow as tf

from tfrank.engine import inputs, validation
from tfrank.losses import lambdas


class _Reduction(keras.losses.Loss):
    """Keras' own reduction of values already computed: ``call`` passes ``y_pred`` through, so
    ``_Reduction(reduction=r)(values, values, sample_weight)`` is what ``keras.losses.Loss``
    makes of per-sample losses ``values``, through public API only."""

    def call(self, y_true, y_pred):
        return y_pred


class RankingLoss(keras.losses.Loss):
    """Base class: subclasses set ``fn`` (a per-list loss function) and list their options;
    building the base itself is a TypeError.

    Args:
        label_format: None (resolved from dtype and shape, as the metrics), ``"dense"`` or ``"ids"``.
        reduction: Keras' reduction of the per-list values, default ``"sum_over_batch_size"``
            (the weighted sum over lists divided by the number of lists).
        name: default: the class name in snake case (``"softmax_loss"``).
        dtype: of the loss; default ``keras.config.floatx()``.
    """

    fn = None
    lambda_weights = ()  # the lambda weight classes the loss takes (none: no lambda_weight option)

    def __init__(self, *, label_format=None, reduction="sum_over_batch_size", name=None, dtype=None):
        if not callable(type(self).fn):
            raise validation.abstract_base(type(self), "fn", "a per-list function of tfrank.losses.functional")
        validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_format = label_format

    def _options(self):
        """The keyword options of ``fn`` (and of ``__init__``), as stored in the config."""
        return {}

    def _set_lambda_weight(self, lambda_weight):
        self.lambda_weight = lambdas.check(lambda_weight, type(self).__name__, self.lambda_weights)

    def call(self, y_true, y_pred):
        """Per-list values ``[B]`` float32."""
        return self._values(y_true, y_pred, None)

    def _values(self, y_true, y_pred, item_weights):
        return type(self).fn(y_true, y_pred, label_format=self.label_format, sample_weight=item_weights,
                             **self._options())

    def __call__(self, y_true, y_pred, sample_weight=None):
        with tf.name_scope(self.name):
            per_list, per_item, checks = None, None, ()
            if sample_weight is not None:
                y_pred = tf.convert_to_tensor(y_pred)
                per_list, per_item, checks = inputs.split_weights(sample_weight, y_pred)
                checks = () if per_item is not None else checks  # the function checks item weights itself
            values = self._values(y_true, y_pred, sample_weight if per_item is not None else None)
            with tf.control_dependencies(checks):
                reduce = _Reduction(reduction=self.reduction, dtype="float32", name="reduction")
                loss = reduce(values, values, sample_weight=per_list)
            return tf.cast(loss, self.dtype)

    def get_config(self):
        config = {**super().get_config(), "label_format": self.label_format, **self._options()}
        if "lambda_weight" in config and config["lambda_weight"] is not None:
            config["lambda_weight"] = keras.saving.serialize_keras_object(config["lambda_weight"])
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)  # a lambda_weight config dict is deserialised by lambdas.check
