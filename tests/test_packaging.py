"""Release metadata: one version source, the py.typed marker, type hints on the public API."""

import importlib
import inspect
import os
import tomllib
import typing

import keras_tuner
import pytest

import tfrank
import tfrank.stats
import tfrank.tuners
from tfrank import _version
from tfrank_cli import command

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(tfrank.__file__)))


def _pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)


def test_version_has_one_source():
    project = _pyproject()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "tfrank._version.__version__"}
    assert tfrank.__version__ == _version.__version__
    with open(os.path.join(ROOT, "CHANGELOG.md")) as f:
        assert f"## [{tfrank.__version__}]" in f.read()


def test_the_console_command_is_the_command_line_package():
    # tfrank_cli is a package found by packages.find (include = ["tfrank*"]), not a py-module.
    project = _pyproject()
    module, _, name = project["project"]["scripts"]["tfrank"].partition(":")
    assert getattr(importlib.import_module(module), name) is command.main
    assert "py-modules" not in project["tool"]["setuptools"]
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["tfrank*"]


def test_py_typed_is_package_data():
    assert os.path.isfile(os.path.join(ROOT, "tfrank", "py.typed"))
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["tfrank"]


PUBLIC = (
    [getattr(tfrank.ops, name) for name in ("precision_at_k", "recall_at_k", "f1_at_k", "hit_rate_at_k", "mrr_at_k",
                                            "map_at_k", "ndcg_at_k", "dcg_at_k", "r_precision", "ranking_metrics",
                                            "arp", "opa", "alpha_dcg_at_k", "precision_ia_at_k")]
    + [tfrank.precision_at_budget, tfrank.recall_at_budget, tfrank.objective, tfrank.objectives]
    + [cls.__init__ for cls in (tfrank.RankingMetric, tfrank.RankingMetrics, tfrank.RPrecision, tfrank.ARP, tfrank.OPA,
                                tfrank.PrecisionAtBudget, tfrank.tuners.RandomSearch)]
    + [tfrank.RankingMetric.update_state, tfrank.PrecisionAtBudget.update_state]
    + [getattr(tfrank.stats, name) for name in ("per_list", "per_example", "compare", "compare_many", "mean_ci",
                                                "adjust", "compare_examples", "compare_examples_many", "example_ci",
                                                "register_dataset_metric")]
    + [tfrank.tuners.compare_trials]
)


@pytest.mark.parametrize("function", PUBLIC, ids=lambda f: f.__qualname__)
def test_public_signatures_are_annotated(function):
    hints = typing.get_type_hints(function, localns={"keras_tuner": keras_tuner})
    parameters = [name for name in inspect.signature(function).parameters if name != "self"]
    assert [name for name in parameters if name not in hints] == []
    assert "return" in hints
