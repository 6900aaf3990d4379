"""Benchmarks: thin entry points into the harness that ships inside tfrank (`tfrank.bench`).

``python -m benchmarks [OPTIONS]`` is ``tfrank bench [OPTIONS]``;
``python -m benchmarks.bench_budget`` runs only the budget-metrics section.
"""
