"""Input normalisation: every accepted form of y_true, y_pred and mask becomes one `Lists`.

Label formats (resolved from dtype and static shape at trace time):

* dense ``[B, N]`` relevance, binary or graded; a negative label marks a padding item;
* relevant ids ``[B, R]`` int padded with -1, or a ``tf.RaggedTensor`` of ids;
* class ids ``[B]`` / ``[B, 1]`` (one relevant item per list).

Ids are never densified to ``[B, N]``: the only ``[B, N]`` tensors are y_pred itself,
the mask when one is given, and the ranking scores derived from them.
"""

import dataclasses
from typing import Optional

import tensorflow as tf

from tfrank.engine import assertions, fastrank, validation
from tfrank.engine.fastrank import count_true


@dataclasses.dataclass(frozen=True)
class Lists:
    """A batch of lists in canonical form.

    scores: ``[B, N]`` float ranking scores; excluded items (padding, mask) sit at -inf
        and valid -inf scores are lifted to the lowest finite float, so that excluded
        items always rank last.
    labels: dense format only, ``[B, N]`` float relevance, 0 on excluded items.
    ids: ids format only, ``[B, R]`` int32 relevant ids, -1 where there is none.
    n_relevant, n_valid: ``[B]`` float counts of relevant and of valid items.
    weights: ``[B, N]`` float per-item weights, 0 on excluded items (an item of weight 0
        is excluded), or None when the weights, if any, are per list.
    poisoned: ``[B]`` bool, True where a valid item has a NaN score or the input broke
        a run-time check that XLA cannot raise for; such lists give NaN.
    checks: run-time assertions that must pass before any value is used.
    valid: ``[B, N]`` bool, True where an item is neither padding nor masked; None when
        every item is valid (ids labels without a mask). The losses read it.
    subtopics: subtopic labels only, ``[B, N, S]`` float, 0 on excluded items and
        padding subtopics (`tfrank.engine.diversity`); ``labels`` then counts each item's
        relevant subtopics.
    """

    scores: tf.Tensor
    labels: Optional[tf.Tensor]
    ids: Optional[tf.Tensor]
    n_relevant: tf.Tensor
    n_valid: tf.Tensor
    poisoned: tf.Tensor
    checks: tuple
    valid: Optional[tf.Tensor] = None
    weights: Optional[tf.Tensor] = None
    subtopics: Optional[tf.Tensor] = None


def _split_dict(y_true, mask):
    if not isinstance(y_true, dict):
        return y_true, mask
    unknown = set(y_true) - {"labels", "mask"}
    if "labels" not in y_true or unknown:
        raise validation.invalid("y_true", y_true, "a tensor or a dict with keys 'labels' and optionally 'mask'")
    if mask is not None and y_true.get("mask") is not None:
        raise validation.invalid("mask", mask, "None when y_true already carries a 'mask' entry")
    return y_true["labels"], y_true.get("mask", mask)


def _scores(y_pred):
    if isinstance(y_pred, tf.RaggedTensor):
        raise validation.invalid("y_pred", y_pred, "a dense float tensor [batch, items]; pad lists and mask them")
    y_pred = tf.convert_to_tensor(y_pred)
    validation.check_scores(y_pred)
    if y_pred.dtype in (tf.float16, tf.bfloat16):
        y_pred = tf.cast(y_pred, tf.float32)  # mixed precision: rank in float32
    return y_pred  # (-0.0 and 0.0 are made one score where the ranking needs it: fastrank.top_k)


def _mask(mask, y_pred):
    if mask is None:
        return None
    mask = tf.convert_to_tensor(mask)
    validation.check_mask(mask, y_pred)
    return mask if mask.dtype == tf.bool else tf.not_equal(mask, tf.zeros((), mask.dtype))


def resolve_format(y_true, y_pred, label_format):
    """Returns "dense", "ids" or "class" for a dense or ragged y_true (the rule: docs/labels.md).

    An int ``[B, W]`` tensor is dense when W == N (as keras-rs, TF-Ranking and Keras read
    it), class ids when W == 1 < N, and ids otherwise; when W or N is not known
    statically it is refused unless ``label_format`` says which.
    """
    validation.check_choice("label_format", label_format, validation.LABEL_FORMATS)
    if isinstance(y_true, tf.RaggedTensor):
        if label_format == "dense":
            raise validation.invalid("y_true", y_true, "a dense tensor when label_format='dense'")
        return "ids"
    rank, n_items = y_true.shape.rank, y_pred.shape[1]
    width = y_true.shape[1] if rank == 2 else None
    if label_format == "dense":
        return "dense"
    if label_format == "ids":
        return "class" if rank == 1 else "ids"
    if rank is None:  # e.g. a Keras function retraced for labels of two ranks
        raise validation.invalid("y_true", y_true, "a tensor of known rank, or pass label_format='dense' or 'ids'")
    if rank == 1:
        return "class"
    if rank == 2 and y_true.dtype.is_integer:
        if width is None or n_items is None:
            raise validation.ambiguous_format(y_true, y_pred)
        if width == n_items:
            return "dense"  # e.g. scikit-learn's MultiLabelBinarizer output, int64 multi-hot
        return "class" if width == 1 else "ids"
    if rank == 2 and width == 1 and n_items != 1:
        return "class"  # float class ids [B, 1], as Keras often delivers sparse labels
    return "dense"


def normalize(y_true, y_pred, *, mask=None, label_format=None, item_weights=None):
    """Checks the inputs and returns them as `Lists`.

    ``item_weights``: optional ``[B, N]`` float32 per-item weights (from `split_weights`);
    an item of weight 0 is excluded like a masked one.
    """
    y_true, mask = _split_dict(y_true, mask)
    y_pred = _scores(y_pred)
    mask = _mask(mask, y_pred)
    if item_weights is not None:
        positive = item_weights > 0.0
        mask = positive if mask is None else mask & positive
    if not isinstance(y_true, tf.RaggedTensor):
        y_true = tf.convert_to_tensor(y_true)
    fmt = resolve_format(y_true, y_pred, label_format)
    validation.check_same_batch("y_true", y_true, y_pred)
    checks = []
    y_pred = _same_batch(y_true, y_pred, checks)
    lists = _dense(y_true, y_pred, mask, checks) if fmt == "dense" else _ids(y_true, y_pred, mask, fmt, checks)
    if item_weights is None:
        return lists
    if fmt == "dense":
        mask &= tf.cast(y_true, tf.float32) >= 0.0  # padding items weigh nothing either
    # A NaN or negative weight poisons its list (XLA drops the assertion in split_weights).
    broken = tf.reduce_any(~(item_weights >= 0.0), axis=1)
    return dataclasses.replace(
        lists, weights=tf.where(mask, item_weights, 0.0), poisoned=lists.poisoned | broken
    )


def _same_batch(y_true, y_pred, checks):
    """y_pred, gated on a run-time check of the batch sizes where one is unknown when tracing."""
    if not isinstance(y_true, tf.RaggedTensor) and y_true.shape[0] is not None and y_pred.shape[0] is not None:
        return y_pred  # both static: check_same_batch has compared them
    rows = y_true.nrows() if isinstance(y_true, tf.RaggedTensor) else tf.shape(y_true)[0]
    text = "y_true and y_pred must hold the same number of lists; got y_true, y_pred lists = "
    return assertions.same_size(y_pred, tf.cast(rows, tf.int32), tf.shape(y_pred)[0], text, checks)


def _ranking_scores(y_pred, valid):
    if valid is None:
        return y_pred
    lowest = tf.constant(y_pred.dtype.min, y_pred.dtype)
    return tf.where(valid, tf.maximum(y_pred, lowest), tf.constant(-float("inf"), y_pred.dtype))


def _has_nan(y_pred, valid):
    # A row's sum is NaN whenever the row holds a NaN, whatever the order of the additions
    # (and also, harmlessly, when it holds both infinities): one cheap pass settles the
    # usual case, and only a batch with a suspect row pays for the exact check.
    # On a GPU under XLA the exact check alone is one fused reduction, and a conditional
    # would wait for its predicate on the host (`fastrank.on_gpu`).
    def exact():
        nan = tf.math.is_nan(y_pred)
        return tf.reduce_any(nan if valid is None else nan & valid, axis=1)

    if fastrank.on_gpu():
        return exact()
    suspect = tf.math.is_nan(tf.reduce_sum(y_pred, axis=1))
    return tf.cond(tf.reduce_any(suspect), exact, lambda: tf.zeros_like(suspect))


def _dense(y_true, y_pred, mask, checks):
    validation.check_dense_labels(y_true, y_pred)
    if y_true.shape.rank is None:
        y_true = tf.ensure_shape(y_true, y_pred.shape)  # the state's shapes must stay known
    labels = tf.cast(y_true, tf.float32)
    valid = labels >= 0.0  # a NaN label is padding too
    if mask is not None:
        valid &= mask

    def excluding():  # excluded items: scores at -inf, labels at 0
        return _ranking_scores(y_pred, valid), tf.where(valid, labels, 0.0)

    if mask is None and not fastrank.compiling_with_xla():
        # Most batches have no padding, and then the scores and labels need no [B, N] copy.
        # The conditionals return at once, so the passes below run side by side. (Under
        # XLA the copies fuse away, while a conditional would copy its [B, N] results.)
        whole = tf.reduce_all(valid)
        scores, kept = tf.cond(whole, lambda: (y_pred, labels), excluding)
        n_items = tf.cast(tf.shape(y_pred)[1], tf.float32)
        n_valid = tf.cond(whole, lambda: tf.fill([tf.shape(y_pred)[0]], n_items), lambda: count_true(valid))
    else:
        (scores, kept), n_valid = excluding(), count_true(valid)
    n_relevant = count_true(kept > 0.0)
    poisoned = _has_nan(y_pred, valid)
    return Lists(
        scores=scores,
        labels=kept,
        ids=None,
        n_relevant=n_relevant,
        n_valid=n_valid,
        poisoned=poisoned,
        checks=tuple(checks),
        valid=valid,
    )


def _ids(y_true, y_pred, mask, fmt, checks):
    if isinstance(y_true, tf.RaggedTensor):
        validation.check_ids(y_true)
        if y_true.ragged_rank != 1 or y_true.shape.rank != 2:
            raise validation.invalid("y_true", y_true, "a ragged tensor of ids [batch, (R)]")
        if fastrank.compiling_with_xla():  # XLA has no RaggedTensorToTensor: say so before TF does
            raise validation.ragged_under_xla(y_true)
        y_true = y_true.to_tensor(default_value=-1)
    if not y_true.dtype.is_integer:
        if y_true.dtype == tf.bool:
            raise validation.invalid("y_true", y_true, "integer ids when label_format='ids'", TypeError)
        checks.append(assertions.assert_integral(y_true, "y_true"))
        y_true = tf.cast(y_true, tf.int32)
    validation.check_ids(y_true)
    flat = fmt == "class" or y_true.shape.rank is None  # [B] -> [B, 1]; [B, R] stays
    ids = tf.cast(tf.reshape(y_true, [tf.shape(y_true)[0], -1]) if flat else y_true, tf.int32)
    n_items = tf.shape(y_pred)[1]
    out_of_range = tf.reduce_any((ids < -1) | (ids >= n_items), axis=1)
    checks.append(assertions.assert_ids_in_range(ids, n_items, out_of_range))
    ids = tf.where((ids >= 0) & (ids < n_items), ids, -1)  # never gather out of range
    if fmt != "class":
        # Sorted descending by top_k (tf.sort's ascending order costs two more [B, R] passes).
        checks.append(assertions.assert_no_duplicate_ids(tf.math.top_k(ids, tf.shape(ids)[1]).values))
    if mask is not None:
        # Padding ids read an extra False column (index 0 does not exist when N = 0).
        padded = tf.pad(mask, [[0, 0], [0, 1]])
        ids = tf.where(tf.gather(padded, tf.where(ids >= 0, ids, n_items), batch_dims=1), ids, -1)
        n_valid = tf.reduce_sum(tf.cast(mask, tf.float32), axis=1)
    else:
        n_valid = tf.fill([tf.shape(y_pred)[0]], tf.cast(n_items, tf.float32))
    return Lists(
        scores=_ranking_scores(y_pred, mask),
        labels=None,
        ids=ids,
        n_relevant=tf.reduce_sum(tf.cast(ids >= 0, tf.float32), axis=1),
        n_valid=n_valid,
        poisoned=_has_nan(y_pred, mask) | out_of_range,
        checks=tuple(checks),
        valid=mask,
    )


def split_weights(sample_weight, y_pred):
    """``(per_list [B] or None, per_item [B, N] or None, checks)`` float32, from sample_weight.

    Per list: a scalar, ``[B]`` or ``[B, 1]`` (ones when sample_weight is None). Per item:
    ``[B, N]``, the shape of y_pred (N static and not 1).
    """
    batch = tf.shape(y_pred)[0]
    if sample_weight is None:
        return tf.ones([batch], tf.float32), None, ()
    sample_weight = tf.cast(tf.convert_to_tensor(sample_weight), tf.float32)
    kind = validation.check_sample_weight(sample_weight, y_pred)
    if kind == "item":
        text = "sample_weight must hold one weight per item; got weight rows, lists = "
        checks = []
        sample_weight = assertions.same_size(sample_weight, tf.shape(sample_weight)[0], batch, text, checks)
        checks.append(assertions.assert_non_negative(sample_weight, "sample_weight"))
        return None, sample_weight, tuple(checks)
    if sample_weight.shape.rank == 0:
        weights, checks = tf.fill([batch], sample_weight), []
    else:
        weights = tf.reshape(sample_weight, [-1])
        text = "sample_weight must hold one weight per list; got weights, lists = "
        checks = []
        weights = assertions.same_size(weights, tf.shape(weights)[0], batch, text, checks)
    checks.append(assertions.assert_non_negative(weights, "sample_weight"))
    # XLA drops the assertion: a negative weight turns NaN (the result too), never a silent number.
    return tf.where(weights < 0.0, float("nan"), weights), None, tuple(checks)


def list_weights(sample_weight, y_pred):
    """``(per_list [B], checks)`` for a caller that takes one weight per list only (the losses,
    retrieval: their y_pred is no list of item scores that per-item weights could match)."""
    per_list, per_item, checks = split_weights(sample_weight, y_pred)
    if per_item is not None:
        raise validation.invalid("sample_weight", sample_weight, "one weight per list: a scalar, [B] or [B, 1]")
    return per_list, checks
