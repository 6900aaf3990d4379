"""Uncertainty and comparisons of models scored on the same data (NumPy and scipy only).

`delong`: DeLong's test of two ROC AUCs on the same examples.
"""

from tfrank.stats.delong import DeLongResult, delong

__all__ = ["DeLongResult", "delong"]
