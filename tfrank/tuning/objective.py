"""keras-tuner glue: objectives for tfrank's log names.

keras-tuner 1.4.x cannot infer the direction of a plain string objective such as
``objective="val_precision_at_10"``: ``keras_tuner.engine.metrics_tracking.
infer_metric_direction`` only knows Keras' own metric and loss names, and it never
reads a metric's ``direction`` attribute. The tuner then raises ``Could not infer
optimization direction`` (and its message suggests ``direction="min"``, which would
make the search minimise a ranking metric). Pass ``tfrank.objective(name)`` instead,
which is ``keras_tuner.Objective(name, direction)`` after checking that ``name`` is a
tfrank log name (direction "max", or "min" for ARP, where lower is better). There is no public hook to teach keras-tuner new names (only its
private tables), and tfrank patches nothing at import time.

``tfrank.tuners`` offers keras-tuner's tuners as thin subclasses that do this for
plain strings: ``tfrank.tuners.RandomSearch(build, objective="val_precision_at_10")``.

keras_tuner is imported only when an objective is built: ``import tfrank`` works
without it.
"""

import difflib
import re
from typing import TYPE_CHECKING, Any, List, Optional, Tuple

if TYPE_CHECKING:  # keras_tuner is imported only when an objective is built
    import keras_tuner

# Bases of the cut-off metrics: log name "{base}_at_{k}" (the ones `tfrank demo --metric` takes).
CUTOFF_BASES = ("precision", "recall", "f1", "hit_rate", "mrr", "map", "ndcg", "dcg")
# Cut-off metrics of subtopic labels (alpha-DCG, Precision-IA): log name "{base}_at_{k}" too.
SUBTOPIC_BASES = ("alpha_dcg", "precision_ia")
# Metrics without a cut-off: the log name is the base.
UNCUT = ("r_precision", "arp", "opa")
# The metrics where lower is better: direction "min".
MINIMISED = ("arp",)
# Dataset-level budget metrics: log name "{base}_at_budget_{n}".
BUDGET_BASES = ("precision", "recall")
# Dataset-level threshold metrics: log name "{base}_{p}", p the bound in percent with '_' for a
# decimal point (0.8: 80, 0.825: 82_5; Keras and keras-tuner names hold no '.'); and the curves' areas.
BOUNDED_BASES = ("precision_at_recall", "recall_at_precision", "sensitivity_at_specificity",
                 "specificity_at_sensitivity")
AREA_NAMES = ("roc_auc", "average_precision")

_POSITIVE = r"[1-9][0-9]*"
_PERCENT = r"(?:100|[1-9][0-9]?(?:_[0-9]*[1-9])?|0_[0-9]*[1-9])"  # (0, 100]: 80, 82_5, 0_5
_METRIC = (
    rf"(?:{'|'.join(SUBTOPIC_BASES + CUTOFF_BASES)})_at_{_POSITIVE}"
    rf"|{'|'.join(UNCUT)}"
    rf"|(?:{'|'.join(BUDGET_BASES)})_at_budget_{_POSITIVE}"
    rf"|(?:{'|'.join(BOUNDED_BASES)})_{_PERCENT}"
    rf"|{'|'.join(AREA_NAMES)}"
)
# Optional "val_", optional output prefix ("items_"), then the metric's own name.
_LOG_NAME = re.compile(rf"(?P<val>val_)?(?P<output>[A-Za-z0-9_.\-/]+_)??(?P<metric>{_METRIC})")

KNOWN_FORMS = (
    "{base}_at_{k} for base in " + ", ".join(CUTOFF_BASES + SUBTOPIC_BASES),
    ", ".join(UNCUT),
    "precision_at_budget_{n}, recall_at_budget_{n}",
    ", ".join(f"{base}_{{p}}" for base in BOUNDED_BASES) + " ({p}: the bound in percent, '_' for a decimal "
    "point: 80 for 0.8, 82_5 for 0.825)",
    ", ".join(AREA_NAMES),
)


def parse(name: Any) -> Optional[Tuple[bool, Optional[str], str]]:
    """Splits a tfrank log name into ``(validation, output, metric)`` or returns None.

    >>> parse("val_items_precision_at_10")
    (True, 'items', 'precision_at_10')
    >>> parse("ndcg_at_5")
    (False, None, 'ndcg_at_5')
    >>> parse("val_accuracy") is None
    True
    """
    if not isinstance(name, str):
        return None
    match = _LOG_NAME.fullmatch(name)
    if match is None:
        return None
    output = match.group("output")
    return bool(match.group("val")), output[:-1] if output else None, match.group("metric")


def _examples():
    names = [f"{base}_at_{k}" for base in CUTOFF_BASES + SUBTOPIC_BASES for k in (1, 3, 5, 10, 20, 100)]
    names += list(UNCUT) + [f"{base}_at_budget_{n}" for base in BUDGET_BASES for n in (10, 100, 1000)]
    names += [f"{base}_{p}" for base in BOUNDED_BASES for p in (50, 80, 90, 95, 99)] + list(AREA_NAMES)
    return names + [f"val_{name}" for name in names]


def unknown_name_error(name):
    """The ValueError for a name that is no tfrank log name, suggesting the closest known one."""
    from tfrank.engine import validation

    hint = ""
    if isinstance(name, str):
        candidates = _examples()
        # Keep the user's own output prefix when suggesting (val_items_precison_at_10).
        for i, ch in enumerate(name):
            if ch == "_":
                candidates += [name[: i + 1] + c for c in _examples() if not c.startswith("val_")]
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        hint = f" Did you mean {close[0]!r}?" if close else ""
    valid = (
        f"a tfrank log name ({'; '.join(KNOWN_FORMS)}; k and n positive ints; optionally prefixed "
        "by 'val_' and by a model output's name, as in 'val_items_precision_at_10')"
    )
    if isinstance(name, str) and name.endswith("_at_k"):
        hint += " A metric built with a list of k logs one name per k (precision_at_5, precision_at_10, ...)."
    error = ValueError if isinstance(name, str) else TypeError
    message = str(validation.invalid("name", name, valid))
    other = " For a metric that is not tfrank's, use keras_tuner.Objective(name, direction)."
    return error(message + "." + hint + other)


STDERR_SUFFIX = "_stderr"


def is_stderr_name(name: Any) -> bool:
    """Whether ``name`` is the standard error a metric built with ``stderr=True`` logs.

    >>> is_stderr_name("val_precision_at_10_stderr"), is_stderr_name("val_precision_at_10")
    (True, False)
    """
    return isinstance(name, str) and name.endswith(STDERR_SUFFIX) and parse(name[: -len(STDERR_SUFFIX)]) is not None


def stderr_name_error(name):
    """The ValueError for a ``_stderr`` log name given as something to optimise."""
    from tfrank.engine import validation

    metric = name[: -len(STDERR_SUFFIX)]
    message = str(validation.invalid("name", name, "the log name of a metric to optimise"))
    return ValueError(
        f"{message}: {name!r} is the standard error of {metric!r} (how uncertain that value is), "
        f"not something to optimise. Select on the metric itself: tfrank.objective({metric!r})."
    )


def direction(name: str) -> str:
    """``"min"`` for a log name of a metric where lower is better (ARP), else ``"max"``.

    >>> direction("val_arp"), direction("val_items_arp"), direction("val_opa")
    ('min', 'min', 'max')
    """
    if is_stderr_name(name):
        raise stderr_name_error(name)
    parsed = parse(name)
    if parsed is None:
        raise unknown_name_error(name)
    return "min" if parsed[2] in MINIMISED else "max"


def objective(name: str) -> "keras_tuner.Objective":
    """The keras-tuner objective that optimises the tfrank metric logged as ``name``.

    ``objective("val_precision_at_10") == keras_tuner.Objective("val_precision_at_10", "max")``.
    Every tfrank metric is "higher is better" (direction ``"max"``) except ARP, the average
    relevance position: ``objective("val_arp")`` has direction ``"min"``.

    NOTE: keras-tuner 1.4.x raises for a plain string objective it does not know (its
    message even suggests ``direction="min"``); this function is the fix. Use the
    ``val_`` name to select on held-out data; a train name is accepted too.

    Args:
        name: a tfrank log name: ``{base}_at_{k}`` (base precision, recall, f1,
            hit_rate, mrr, map, ndcg, dcg, alpha_dcg, precision_ia), ``r_precision``,
            ``arp``, ``opa``, ``precision_at_budget_{n}`` or ``recall_at_budget_{n}``,
            ``precision_at_recall_{p}`` (also ``recall_at_precision_{p}``,
            ``sensitivity_at_specificity_{p}``, ``specificity_at_sensitivity_{p}``; p the
            bound in percent, ``82_5`` for 0.825), ``roc_auc`` or ``average_precision``,
            optionally prefixed by ``val_`` and by a model output's name
            (``val_items_precision_at_10`` for an output called "items").

    Returns:
        ``keras_tuner.Objective(name, "max")``, or ``"min"`` for ARP.

    Raises:
        ValueError: ``name`` is no tfrank log name; the message lists the known forms
            and suggests the closest name (TypeError when it is not a str). A
            ``{log name}_stderr`` (logged with ``stderr=True``) is a standard error, not
            something to maximise: the message names the metric's own log name.
        ImportError: keras-tuner is not installed (``pip install "tfrank[tuner]"``).

    Example:

    >>> import tfrank
    >>> obj = tfrank.objective("val_precision_at_10")
    >>> obj.name, obj.direction
    ('val_precision_at_10', 'max')
    >>> tfrank.objective("val_arp").direction
    'min'
    >>> tfrank.objective("val_precison_at_10")
    Traceback (most recent call last):
    ...
    ValueError: name must be a tfrank log name ... Did you mean 'val_precision_at_10'? ...

    In a search: ``keras_tuner.BayesianOptimization(build_model,
    objective=tfrank.objective("val_precision_at_10"), max_trials=20,
    num_initial_points=5)`` with ``model.compile(..., metrics=[tfrank.PrecisionAtK(k=10)])``
    inside ``build_model(hp)``.
    """
    sense = direction(name)
    try:
        import keras_tuner
    except ImportError as err:
        raise ImportError(
            f'tfrank.objective needs keras-tuner ({err}). Install it with: pip install "tfrank[tuner]"'
        ) from err
    return keras_tuner.Objective(name, sense)


def as_objective(value: Any) -> Any:
    """``value`` with each tfrank log name given as a ``str`` turned into `objective` (name).

    A list is converted item by item; anything else (keras-tuner's own names such as
    ``"val_accuracy"``, a ``keras_tuner.Objective``, None) is returned unchanged, for
    keras-tuner to handle as usual. A tfrank standard error's name
    (``"val_precision_at_10_stderr"``) raises the ValueError of `objective`. This is what
    ``tfrank.tuners`` applies to its ``objective`` argument.

    >>> obj = as_objective("val_ndcg_at_5")
    >>> obj.name, obj.direction
    ('val_ndcg_at_5', 'max')
    >>> [getattr(o, "direction", o) for o in as_objective(["val_recall_at_5", "val_arp", "val_loss"])]
    ['max', 'min', 'val_loss']
    >>> as_objective("val_accuracy")
    'val_accuracy'
    """
    if isinstance(value, (list, tuple)):
        return [as_objective(item) for item in value]
    if isinstance(value, str) and (parse(value) is not None or is_stderr_name(value)):
        return objective(value)
    return value


def objectives(*names: str) -> List["keras_tuner.Objective"]:
    """A list of `objective` s, e.g. to pass several to a tuner.

    NOTE: given a list, keras-tuner optimises one combined value (the sum of the
    objectives, each signed by its direction), not each one separately.

    Example:

    >>> [o.name for o in objectives("val_precision_at_5", "val_recall_at_5")]
    ['val_precision_at_5', 'val_recall_at_5']
    """
    return [objective(name) for name in names]
