"""tfrank's version: the one place it is written (pyproject.toml reads it without importing tfrank)."""

__version__ = "0.1.0"
