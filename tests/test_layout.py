"""The package layout: public paths and saved models survive the move into folders, and
imports flow one way (applications -> metrics/losses/retrieval -> engine) with no cycle.

`tests/data/saved_before_layout_move.keras` was saved while tfrank was one flat folder: its
config names the modules ``tfrank.set_metrics``, ``tfrank.rank_metrics``, ``tfrank.metrics``
and ``tfrank.losses.classes``. Keras resolves tfrank's classes by their registered name
(``tfrank>PrecisionAtK``) first, so the file loads although the first two modules are gone.
"""

import ast
import contextlib
import io
import os
import runpy
import sys

import keras
import numpy as np
import pytest

import tfrank
from tfrank import reference

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "tfrank")
LAUNCHER = os.path.join(ROOT, "tfrank_cli")  # the command line, outside the package (no TensorFlow)
SAVED = os.path.join(ROOT, "tests", "data", "saved_before_layout_move")


# === A model saved before the move ===


@pytest.fixture(scope="module")
def saved():
    keras.backend.clear_session()
    model = keras.saving.load_model(SAVED + ".keras")
    with np.load(SAVED + ".npz") as arrays:
        return model, {name: arrays[name] for name in arrays.files}


GONE = ("set_metrics", "rank_metrics")  # modules the saved config names, moved into tfrank/metrics/


def test_saved_model_loads_without_the_modules_its_config_names(saved):
    # The point of the fixture: Keras found the classes by registered name, not by module.
    for name in GONE:
        assert not os.path.exists(os.path.join(PACKAGE, name + ".py")), name
        assert f"tfrank.{name}" not in sys.modules, name


def test_saved_model_loads_and_predicts_the_saved_scores(saved):
    model, data = saved
    assert isinstance(model.loss, tfrank.losses.SoftmaxLoss)
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["scores"], rtol=1e-5, atol=1e-6)


def test_saved_model_evaluates_to_the_reference(saved):
    model, data = saved
    x, y, scores = data["x"], data["y"], data["scores"]
    logs = model.evaluate(x, y, batch_size=len(x), verbose=0, return_dict=True)
    mean = reference.weighted_mean
    expected = {
        "precision_at_3": mean(reference.precision_at_k(y, scores, 3)),
        **mean(reference.recall_at_k(y, scores, [1, 3])),
        "ndcg_at_3": mean(reference.ndcg_at_k(y, scores, 3, gain="linear")),
        "mrr_at_2": mean(reference.mrr_at_k(y, scores, 2)),
        "map_at_2": mean(reference.map_at_k(y, scores, 2)),
        "r_precision": mean(reference.r_precision(y, scores)),
        "loss": float(np.mean(reference.softmax_loss(y, scores))),
    }
    assert set(expected) <= set(logs), sorted(logs)
    for name, value in expected.items():
        assert logs[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


# === Public paths ===


def test_every_public_name_resolves_and_keeps_its_saved_name():
    for name in tfrank.__all__:  # the base class RankingMetric is not registered (never saved)
        obj = getattr(tfrank, name)
        if isinstance(obj, type) and issubclass(obj, keras.metrics.Metric) and obj is not tfrank.RankingMetric:
            assert keras.saving.get_registered_name(obj) == f"tfrank>{name}"
            assert keras.saving.get_registered_object(f"tfrank>{name}") is obj
    for cls in (tfrank.losses.SoftmaxLoss, tfrank.losses.ApproxNDCGLoss):
        assert keras.saving.get_registered_name(cls) == f"tfrank>{cls.__name__}"
    assert tfrank.metrics.PrecisionAtK is tfrank.PrecisionAtK  # tfrank.metrics stays a path
    assert callable(tfrank.ops.precision_at_k) and callable(tfrank.reference.precision_at_k)


def test_tuners_module_keeps_its_classes():
    import keras_tuner

    import tfrank.tuners

    comparison = {"compare_trials", "TrialComparison", "TrialRow"}  # the trial comparison beside the tuner classes
    for name in set(tfrank.tuners.__all__) - comparison:
        assert issubclass(getattr(tfrank.tuners, name), getattr(keras_tuner, name))
    assert tfrank.tuners.compare_trials.__module__ == "tfrank.tuning.trials"
    assert {tfrank.tuners.TrialComparison.__module__, tfrank.tuners.TrialRow.__module__} == {"tfrank.tuning.trial_report"}


def test_python_m_tfrank_cli_still_runs_the_command():
    out = io.StringIO()
    argv, imported = sys.argv, sys.modules.pop("tfrank.cli", None)  # as a fresh `python -m` finds it
    sys.argv = ["tfrank.cli", "--help"]
    try:
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as info:
            runpy.run_module("tfrank.cli", run_name="__main__")
    finally:
        sys.argv = argv
        if imported is not None:
            sys.modules["tfrank.cli"] = imported
    assert info.value.code == 0
    assert "usage: tfrank" in out.getvalue() and "{demo,bench}" in out.getvalue()


def test_every_folder_is_a_package_the_wheel_ships():
    # pyproject: [tool.setuptools.packages.find] include = ["tfrank*"] finds only folders
    # with an __init__.py; a folder without one would be left out of the wheel.
    import setuptools

    shipped = set(setuptools.find_packages(ROOT, include=["tfrank*"]))
    folders = {".".join(os.path.relpath(folder, ROOT).split(os.sep))
               for package in (PACKAGE, LAUNCHER)
               for folder, _, files in os.walk(package) if any(f.endswith(".py") for f in files)}
    assert folders == shipped
    assert {"tfrank.engine", "tfrank.metrics", "tfrank.apps", "tfrank.tuning", "tfrank_cli"} <= shipped


# === Imports flow one way, with no cycle ===


def _modules():
    """{module name: path} of every module in tfrank/ and in the command line's package tfrank_cli/."""
    found = {}
    for package in (PACKAGE, LAUNCHER):
        for folder, _, files in os.walk(package):
            for file in files:
                if file.endswith(".py"):
                    parts = os.path.relpath(os.path.join(folder, file[:-3]), ROOT).split(os.sep)
                    found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = os.path.join(folder, file)
    return found


def _dynamic_imports(tree):
    """``(node, name)`` of each ``importlib.import_module("name")`` (or ``import_module("name")``) call."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            named = (isinstance(func, ast.Attribute) and func.attr == "import_module"
                     and isinstance(func.value, ast.Name) and func.value.id == "importlib")
            if (named or isinstance(func, ast.Name) and func.id == "import_module") and isinstance(node.args[0].value, str):
                yield node, node.args[0].value


def _imports(module, path, known):
    """Modules of ``known`` that ``module`` imports anywhere in its file (also inside functions,
    and through ``importlib.import_module`` with a literal name)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    targets = {name for _, name in _dynamic_imports(tree) if name in known and name != module}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x / from ..engine import y
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # "from a import b": the module a.b when it is one, else a itself.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        targets.update(name for name in names if name in known and name != module)
    return targets


def _stale_imports(path, known):
    """``import tfrank.x`` / ``from tfrank.x import y`` in ``path`` whose module is not in the tree."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    stale = [f"{os.path.relpath(path, ROOT)}:{node.lineno} {name}" for node, name in _dynamic_imports(tree)
             if name.split(".")[0] in ("tfrank", "tfrank_cli") and name not in known]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module] if node.module != "tfrank" else [
                f"tfrank.{alias.name}" for alias in node.names if not hasattr(tfrank, alias.name)]
        else:
            continue
        stale += [f"{os.path.relpath(path, ROOT)}:{node.lineno} {name}" for name in names
                  if name.split(".")[0] in ("tfrank", "tfrank_cli") and name not in known]
    return stale


def test_every_import_of_tfrank_names_a_module_of_the_tree():
    # An old path (tfrank.inputs) must fail here, not resolve to another checkout's file
    # through an editable install.
    known = _modules()
    paths = list(known.values())
    for folder in ("tests", "benchmarks", os.path.join("docs", "scripts"), ".ci"):
        for where, _, files in os.walk(os.path.join(ROOT, folder)):
            paths += [os.path.join(where, f) for f in files if f.endswith(".py")]
    stale = [line for path in paths for line in _stale_imports(path, known)]
    assert not stale, stale


def _graph():
    known = _modules()
    return {module: _imports(module, path, known) for module, path in known.items()}


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.fixture(scope="module")
def graph():
    return _graph()


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_known_imports(graph):
    # Guards against a parser that finds nothing (and so no cycle).
    assert "tfrank.engine" in graph["tfrank.metrics.base"]
    assert "tfrank.engine.inputs" in graph["tfrank.engine.ranking"]
    assert {"tfrank.bench.runner", "tfrank.apps.demo", "tfrank_cli"} <= graph["tfrank.apps.cli"]
    assert "tfrank.apps.cli" in graph["tfrank_cli.command"]  # inside main: the command runs after parsing
    assert "tfrank.tuners" in graph["tfrank"]  # importlib.import_module("tfrank.tuners") in __getattr__


def test_the_graph_sees_importlib_imports_and_their_cycles(tmp_path):
    sources = {"a": "import importlib\n\ndef f():\n    return importlib.import_module('b')\n",
               "b": "from importlib import import_module\n\ndef g():\n    import_module('c')\n",
               "c": "import a\nimport importlib\nimportlib.import_module(name_not_literal)\n"}
    for name, text in sources.items():
        (tmp_path / f"{name}.py").write_text(text)
    known = {name: str(tmp_path / f"{name}.py") for name in sources}
    graph = {name: _imports(name, path, known) for name, path in known.items()}
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    assert _cycle(graph) == ["a", "b", "c", "a"]


def test_no_import_cycle(graph):
    assert _cycle(graph) is None, " -> ".join(_cycle(graph))


def _group(module):
    parts = module.split(".")
    if parts[0] == "tfrank_cli":  # the options (standard library only), and the command that runs them
        return "tfrank_cli.command" if module == "tfrank_cli.command" else "tfrank_cli"
    return parts[1] if len(parts) > 1 and parts[0] == "tfrank" else module


# Which groups each group may import (besides itself). "tfrank" is the package root.
BASE = {"_types", "_version", "_backend"}
ALLOWED = {
    "reference": set(),  # written independently: NumPy only
    "engine": {"_types"},
    "metrics": BASE | {"engine"},
    "losses": BASE | {"engine"},
    "retrieval": BASE | {"engine", "metrics"},
    "ops": BASE | {"engine", "ops_extended"},
    "ops_extended": BASE | {"engine"},  # ARP, OPA, alpha-DCG, Precision-IA: re-exported by tfrank.ops
    "tuning": BASE | {"engine", "stats"},
    "stats": BASE | {"engine", "metrics", "reference"},
    "tuners": {"tuning"},
    "bench": {"tfrank", "ops", "retrieval", "reference", "tfrank_cli", "engine", "stats"},  # engine: the XLA export forces the GPU ranking
    "apps": {"tfrank", "engine", "reference", "bench", "tfrank_cli"},
    "cli": {"apps"},
    "tfrank_cli": set(),  # every option and argument type, no tfrank module (so no TensorFlow)
    "tfrank_cli.command": {"tfrank_cli", "apps"},  # parses, then imports tfrank.apps.cli to run
}


@pytest.mark.parametrize("group", sorted(ALLOWED))
def test_imports_flow_one_way(graph, group):
    wrong = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _group(module) == group
        for target in targets
        if _group(target) not in ALLOWED[group] | {group}
    )
    assert not wrong, wrong
