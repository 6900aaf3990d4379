"""Every ranking metric class tfrank exports, each paired with its NumPy reference.

Tests that must hold for all metrics (distribution, mixed precision, NaN, fuzzing,
checkpoints) iterate over `ranking_metrics()`, so a metric added to ``tfrank.__all__``
joins them without a test edit. A class is paired with ``tfrank.reference.{base}_at_k``
or ``tfrank.reference.{base}`` (for a metric without a cut-off, such as R-precision).
"""

import dataclasses
import inspect

import numpy as np

import tfrank
from tfrank import reference


@dataclasses.dataclass(frozen=True)
class Spec:
    """One metric class, its reference function, and whether it takes a cut-off ``k``."""

    cls: type
    reference: object
    takes_k: bool

    @property
    def id(self):
        return self.cls.__name__

    def make(self, k, **kwargs):
        """An instance with cut-offs ``k`` (ignored when the class takes none)."""
        return self.cls(k=k, **kwargs) if self.takes_k else self.cls(**kwargs)

    def expected(self, y_true, y_pred, k, **kwargs):
        """The reference's per-list values as ``{log name: [B] float64}``, keyed like `results`."""
        if not self.takes_k:
            return {self.make(k).name: np.asarray(self.reference(y_true, y_pred, **kwargs))}
        ks = k if isinstance(k, (list, tuple)) else [k]
        values = self.reference(y_true, y_pred, list(ks), **kwargs)
        return {name: np.asarray(v) for name, v in values.items()}


def results(metric):
    """``metric.result()`` as ``{log name: float}`` whether it reports one value or several."""
    value = metric.result()
    if isinstance(value, dict):
        return {name: float(v) for name, v in value.items()}
    return {metric.name: float(value)}


def ranking_metrics():
    """A `Spec` for every `tfrank.RankingMetric` subclass in ``tfrank.__all__`` with a ``base``.

    A class whose ``base`` is not a string (a composite of several metrics) has no one
    reference function and is left to its own tests.
    """
    specs = []
    for name in tfrank.__all__:
        cls = getattr(tfrank, name)
        if not (isinstance(cls, type) and issubclass(cls, tfrank.RankingMetric)) or cls is tfrank.RankingMetric:
            continue
        if not isinstance(getattr(cls, "base", None), str):
            continue
        ref = getattr(reference, f"{cls.base}_at_k", None) or getattr(reference, cls.base, None)
        if ref is None:
            raise LookupError(f"tfrank.{name} (base {cls.base!r}) has no function in tfrank.reference")
        specs.append(Spec(cls, ref, "k" in inspect.signature(cls).parameters))
    return specs

