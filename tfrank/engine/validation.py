"""Every check of user input, in one place, with one message shape.

Messages name the argument, the value (and its type or shape) and what would be
valid: ``k must be a positive int or a list of them, got k=0 (int)``. Checks of
static facts (types, ranks, option strings) raise ValueError/TypeError at call or
trace time; checks of values only known at run time (ids, class ids) are
``tf.debugging`` assertions carrying the same kind of message (`tfrank.engine.assertions`).
"""

import numbers

import tensorflow as tf

LABEL_FORMATS = (None, "dense", "ids")
EMPTY_POLICIES = ("skip", "zero", "one", "error")
EMPTY_WEIGHTS = ("own", "batch_mean")
TIES = ("first", "expected")


# === Messages ===


def _shown(value):
    if isinstance(value, (tf.Tensor, tf.RaggedTensor, tf.Variable)) or hasattr(value, "shape"):
        dtype = getattr(value, "dtype", "?")
        return f"a {getattr(dtype, 'name', dtype)} tensor of shape {_shape(value)}"
    return f"{value!r} ({type(value).__name__})"


def _shape(value):
    shape = getattr(value, "shape", None)
    if shape is None:
        return "?"
    try:
        return str(list(tf.TensorShape(shape).as_list())).replace("None", "?")
    except (TypeError, ValueError):
        return str(shape)


def invalid(arg, value, valid, error=ValueError):
    """The one error message shape: ``{arg} must be {valid}, got {arg}=...``."""
    return error(f"{arg} must be {valid}, got {arg}={_shown(value)}")


def abstract_base(cls, attribute, valid):
    """TypeError for building a base class (or a subclass that does not set ``attribute``)."""
    return TypeError(
        f"{cls.__name__} is a base class: subclass it and set the class attribute {attribute} "
        f"({valid}), or use one of tfrank's subclasses; got {cls.__name__}.{attribute}="
        f"{getattr(cls, attribute, None)!r}"
    )


# === Python arguments ===


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > 0


def check_k(k):
    """Returns k as a non-empty tuple of positive ints (a single int gives one entry)."""
    valid = "a positive int or a list of them"
    if _is_positive_int(k):
        return (int(k),)
    if isinstance(k, (list, tuple)) and k and all(_is_positive_int(v) for v in k):
        if len(set(k)) != len(k):
            raise invalid("k", k, "a positive int or a list of distinct ones")
        return tuple(int(v) for v in k)
    raise invalid("k", k, valid, TypeError if not isinstance(k, (numbers.Number, list, tuple)) else ValueError)


def check_budget(budget):
    """Returns budget as an int: a positive number of examples (bool rejected)."""
    if _is_positive_int(budget):
        return int(budget)
    valid = "a positive int (a number of examples; for a fraction f of n examples pass math.ceil(f * n))"
    raise invalid("budget", budget, valid, ValueError if isinstance(budget, numbers.Number) else TypeError)


def check_temperature(temperature, arg="temperature"):
    """Returns temperature as a float: a positive finite number (bool rejected)."""
    if isinstance(temperature, numbers.Real) and not isinstance(temperature, bool) and 0 < temperature < float("inf"):
        return float(temperature)
    wrong_type = not isinstance(temperature, numbers.Real) or isinstance(temperature, bool)
    raise invalid(arg, temperature, "a positive float", TypeError if wrong_type else ValueError)


def check_positive_int(arg, value):
    """Returns value as an int: a positive int (bool rejected)."""
    if _is_positive_int(value):
        return int(value)
    raise invalid(arg, value, "a positive int", ValueError if isinstance(value, numbers.Number) else TypeError)


def check_unit_interval(arg, value):
    """Returns ``value`` as a float in [0, 1] (alpha-DCG's ``alpha``; bool rejected)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return float(value)
    wrong_type = not isinstance(value, numbers.Real) or isinstance(value, bool)
    raise invalid(arg, value, "a float in [0, 1]", TypeError if wrong_type else ValueError)


def unsupported_ties(metric, ties, supported):
    """ValueError for a tie policy that ``metric`` does not define."""
    shown = ", ".join(repr(t) for t in supported)
    return invalid("ties", ties, f"one of {shown} for {metric} (its expected value over orderings of tied items "
                   "is not implemented)")


def check_metrics(metrics, known):
    """Returns ``metrics`` as a tuple of distinct names from ``known`` (a list or tuple of str)."""
    shown = ", ".join(repr(name) for name in known)
    valid = f"a non-empty list of distinct metric names from {shown}"
    if not isinstance(metrics, (list, tuple)) or not metrics:
        wrong_type = not isinstance(metrics, (list, tuple, str))
        raise invalid("metrics", metrics, valid, TypeError if wrong_type else ValueError)
    unknown = [name for name in metrics if not isinstance(name, str) or name not in known]
    if unknown or len(set(metrics)) != len(metrics):
        hint = f" ({', '.join(repr(name) for name in unknown)} unknown)" if unknown else " (a name repeats)"
        raise ValueError(str(invalid("metrics", metrics, valid)) + hint)
    return tuple(metrics)


def no_such_option(name, metrics, takes, owners):
    """TypeError for an option that no requested metric takes (``owners``: metrics that would)."""
    who = f"{metrics[0]} metrics take" if len(metrics) == 1 else f"metrics={list(metrics)} take"
    text = f"{who} no option {name!r}; their options are {takes}"
    if owners:
        text += f" ({name!r} is an option of {', '.join(owners)})"
    return TypeError(text)


def check_bool(arg, value):
    """Returns ``value``, a Python bool (0, 1, "yes" and None rejected)."""
    if isinstance(value, bool):
        return value
    raise invalid(arg, value, "True or False", TypeError)


def check_choice(arg, value, choices):
    if not isinstance(value, (str, type(None))) or value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise invalid(arg, value, f"one of {shown}")
    return value


def check_function_option(arg, value, choices):
    """One of ``choices``, or a function registered with ``keras.saving.register_keras_serializable``
    (given itself or by its registered name): returns the choice or the function.

    A function must be registered so that ``get_config`` can name it and a saved model
    find it again (no lambdas in configs).
    """
    import keras  # noqa: PLC0415 (validation itself stays importable without Keras)

    shown = ", ".join(repr(c) for c in choices)
    valid = f"one of {shown} or a function registered with @keras.saving.register_keras_serializable()"
    if isinstance(value, str) and value in choices:
        return value
    if isinstance(value, str):
        found = keras.saving.get_registered_object(value)
        if callable(found):
            return found
        raise invalid(arg, value, valid + " (given by its registered name, e.g. 'my_package>my_gain')")
    if callable(value):
        name = keras.saving.get_registered_name(value)
        if keras.saving.get_registered_object(name) is value:
            return value
        raise invalid(arg, value, valid + " (this one is not registered, so get_config could not name it)")
    raise invalid(arg, value, valid)


def function_name(value):
    """A function option's registered name for a config (a string choice stays itself)."""
    import keras  # noqa: PLC0415

    return value if isinstance(value, str) else keras.saving.get_registered_name(value)


# === Tensors (static facts) ===


def check_scores(y_pred):
    if not y_pred.dtype.is_floating:
        raise invalid("y_pred", y_pred, "float scores of shape [batch, items]", TypeError)
    if y_pred.shape.rank != 2:
        raise invalid("y_pred", y_pred, "float scores of shape [batch, items] (rank 2)")


def check_same_batch(arg, tensor, y_pred):
    outer, inner = tensor.shape[:1], y_pred.shape[:1]
    if outer.is_fully_defined() and inner.is_fully_defined() and outer != inner:
        raise invalid(arg, tensor, f"a tensor with the batch size of y_pred {_shape(y_pred)}")


def check_dense_labels(y_true, y_pred):
    if not y_true.shape.is_compatible_with(y_pred.shape):
        raise invalid(
            "y_true",
            y_true,
            f"dense labels with the shape of y_pred {_shape(y_pred)}, relevant ids [batch, R] "
            "or class ids [batch]/[batch, 1] (pass label_format='ids' for ids)",
        )


def check_ids(y_true):
    if not y_true.dtype.is_integer:
        raise invalid("y_true", y_true, "integer item ids (label_format='ids')", TypeError)
    if y_true.shape.rank not in (1, 2, None):
        raise invalid("y_true", y_true, "ids of shape [batch, R] or class ids [batch]/[batch, 1]")


def check_mask(mask, y_pred):
    if mask.shape.rank != 2 or not mask.shape.is_compatible_with(y_pred.shape):
        raise invalid("mask", mask, f"a bool tensor with the shape of y_pred {_shape(y_pred)}")


def check_sample_weight(sample_weight, y_pred):
    """Returns "list" for per-list weights (scalar, [B], [B, 1]) or "item" for [B, N]."""
    shape = sample_weight.shape
    n_items = y_pred.shape[1]
    if shape.rank == 0:
        return "list"
    per_list = shape.rank == 1 or (shape.rank == 2 and shape[1] in (1, None))
    per_item = shape.rank == 2 and n_items is not None and shape[1] == n_items
    if not (per_list or per_item) or not shape[:1].is_compatible_with(y_pred.shape[:1]):
        raise invalid(
            "sample_weight",
            sample_weight,
            "one weight per list (a scalar, [batch] or [batch, 1]) or one per item (the shape of "
            f"y_pred {_shape(y_pred)}), with batch = y_pred.shape[0] = {y_pred.shape[0]}",
        )
    return "list" if per_list else "item"


def unsupported_item_weights(what):
    """ValueError for an option that has no per-item weighted definition."""
    return ValueError(f"sample_weight per item ([batch, items]) is not defined for {what}; "
                      "pass one weight per list ([batch]) or drop that option")


def check_per_example(arg, tensor, what, *, floating=False):
    """Dataset-level metrics take one value per example: ``[batch]`` or ``[batch, 1]``."""
    shape = tensor.shape
    if floating and not tensor.dtype.is_floating:
        raise invalid(arg, tensor, f"{what} of shape [batch] or [batch, 1]", TypeError)
    if shape.rank is not None and not (shape.rank == 1 or (shape.rank == 2 and shape[1] in (1, None))):
        raise invalid(arg, tensor, f"{what} of shape [batch] or [batch, 1] (one per example)")


def ambiguous_format(y_true, y_pred):
    return ValueError(
        f"y_true is an int tensor of shape {_shape(y_true)} and y_pred has shape {_shape(y_pred)}: "
        "with a width that is not known statically, it could be dense labels (as wide as y_pred) or "
        "relevant ids. Pass label_format='dense' or label_format='ids'."
    )


def ragged_under_xla(y_true):
    return ValueError(
        f"y_true is a ragged tensor of ids ({_shown(y_true)}) inside an XLA-compiled function "
        "(jit_compile=True, Keras' default on a GPU), and XLA cannot pad ragged tensors. Pad the ids with -1 "
        "to a fixed width R before the model, e.g. in the tf.data pipeline: "
        "ds.map(lambda x, y: (x, y.to_tensor(-1, shape=[None, R]))), or compile the model with jit_compile=False."
    )
