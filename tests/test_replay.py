"""Export + replay of tfrank's XLA programs on the CPU with jaxlib: the path the GPU figures take.

TensorFlow exports a few tiny programs and one Keras train step; jaxlib compiles and
runs them and must return TensorFlow's values (and TensorFlow's, tfrank.reference's).
A wrong value or regenerated input must be reported, and the replayer must run
where TensorFlow cannot be imported.
"""

import json
import os
import shutil
import subprocess
import sys

import keras
import numpy as np
import pytest

import tfrank_cli
from tfrank.apps import cli
from tfrank import reference
from tfrank.bench import xla, xla_export, xla_inputs, xla_replay, xla_train

SUBSET = ("read_pass", "launch_floor", "top_k_gather", "precision_dense", "precision_ids", "precision_class",
          "precision_ids_topk", "precision_dense_expected", "ranking_metrics_5")
TRAIN = "tiny_classes/tfrank"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("xla") / "bundle")
    programs = [p for p in xla_export.PROGRAMS if p.name in SUBSET]
    manifest = xla.export(path, shapes=("tiny",), train=(TRAIN,), programs=programs, say=lambda _: None)
    keras.backend.clear_session()
    return path, manifest


@pytest.fixture(scope="module")
def replayed(bundle, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("replay"))
    results = xla_replay.replay(bundle[0], out, rounds=2, min_sample=0.001, use_torch=False, say=lambda _: None)
    return out, results


def _instructions(bundle, name):
    with open(os.path.join(bundle, f"{name}-tiny.hlo.pb"), "rb") as hlo:
        module = xla_export.hlo_module_proto().FromString(hlo.read())
    return [i for c in module.computations for i in c.instructions]


def _sorts_over_items(bundle, name):
    """Sort instructions over whole lists (N = 64 items; the ids check sorts [B, R] ids)."""
    items = xla_export.SHAPES["tiny"]["items"]
    return [i for i in _instructions(bundle, name)
            if i.opcode == "sort" and any(t.dimensions[-1] == items for t in i.shape.tuple_shapes)]


def test_the_bundle_holds_the_gpus_ranking_and_the_cpus(bundle):
    """A GPU ranks ids by counting: those programs sort no list; the `_topk` variants keep the top k."""
    path, manifest = bundle
    assert _record(manifest, "precision_ids-tiny")["method"] == "count"
    assert _record(manifest, "precision_ids_topk-tiny")["method"] == "top_k"
    for name in ("precision_ids", "precision_class"):
        assert not _sorts_over_items(path, name), name
    for name in ("precision_ids_topk", "precision_dense", "top_k_gather"):  # dense labels keep the top k
        assert _sorts_over_items(path, name), name


def _record(manifest, name):
    return next(r for r in manifest["programs"] if r["name"] == name)


def test_replayed_values_agree_with_tensorflow(bundle, replayed):
    out, results = replayed
    assert results["failures"] == []
    names = {row["name"] for row in results["rows"]}
    exported = {r["name"] for r in bundle[1]["programs"]}
    assert names == exported == {f"{n}-tiny" for n in SUBSET} | {"train-tiny_classes-tfrank"}
    assert all(row["values"] == "agree" and row["median_s"] > 0 for row in results["rows"])
    read = next(row for row in results["rows"] if row["name"] == "read_pass-tiny")
    assert read["over_base"] == pytest.approx(1.0)
    assert json.loads(open(os.path.join(out, "results.json")).read())["failures"] == []
    assert "Values checked against TensorFlow's: all agree." in open(os.path.join(out, "results.md")).read()


def test_tensorflow_values_in_the_bundle_match_the_reference(bundle):
    path, manifest = bundle
    expected = np.load(os.path.join(path, "expected.npz"))
    size = xla_export.SHAPES["tiny"]
    for fmt in ("dense", "ids", "class"):
        record = _record(manifest, f"precision_{fmt}-tiny")
        y_true, y_pred = (xla_inputs.make(p["recipe"]) for p in record["parameters"])
        want = reference.precision_at_k(y_true, y_pred, size["k"], label_format=None if fmt == "class" else fmt)
        np.testing.assert_allclose(expected[record["outputs"][0]["stored"]], want, rtol=1e-6)


def test_train_step_donates_its_variables_and_is_checked_after_several_steps(bundle):
    path, manifest = bundle
    record = _record(manifest, "train-tiny_classes-tfrank")
    assert record["logs"] == ["loss", "precision_at_5", "recall_at_5"]
    assert len(record["aliases"]) >= 4  # two kernels, two biases at least
    assert {p for _, p in record["aliases"]} <= set(range(2, len(record["parameters"])))
    expected = np.load(os.path.join(path, "expected.npz"))
    first, last = (expected[entries[0]["stored"]] for entries in (record["outputs"], record["outputs_after_steps"]))
    assert abs(float(first) - float(last)) > 1e-4  # the check after 3 steps sees the fed-back weights


def test_copy_instructions_are_rewritten(bundle):
    path, manifest = bundle
    record = _record(manifest, "train-tiny_classes-tfrank")
    assert record["copies_rewritten"] > 0
    with open(os.path.join(path, record["hlo"]), "rb") as hlo:
        module = xla_export.hlo_module_proto().FromString(hlo.read())
    assert "copy" not in {i.opcode for c in module.computations for i in c.instructions}


def test_a_wrong_value_fails_the_replay(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle[0], copy)
    stored = dict(np.load(copy / "expected.npz"))
    stored["precision_dense-tiny/0"] = stored["precision_dense-tiny/0"] + 0.125
    np.savez(copy / "expected.npz", **stored)
    code = xla_replay.main([str(copy), "--out", str(tmp_path / "out"), "--quick", "--only", "precision_dense-tiny",
                            "--no-torch"])
    assert code == 1
    failures = json.loads((tmp_path / "out" / "results.json").read_text())["failures"]
    assert len(failures) == 1 and failures[0].startswith("precision_dense-tiny: output 0: max |difference| 0.125")


def test_regenerated_inputs_are_checked_against_the_exporters(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle[0], copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    _record(manifest, "read_pass-tiny")["parameters"][0]["checksum"][0] += 1.0
    (copy / "manifest.json").write_text(json.dumps(manifest))
    results = xla_replay.replay(str(copy), str(tmp_path / "out"), rounds=1, only=["read_pass", "precision_ids-"],
                                say=lambda _: None)
    assert len(results["failures"]) == 1
    assert results["failures"][0].startswith("read_pass-tiny: not run: RuntimeError: read_pass-tiny: regenerated "
                                              "input differs from the exporter's")
    assert [row["name"] for row in results["rows"]] == ["precision_ids-tiny"]  # the others still run


def test_the_replayer_in_the_bundle_runs_without_tensorflow(bundle, tmp_path):
    path = bundle[0]
    script = (f"import sys; sys.modules['tensorflow'] = None; sys.modules['tfrank'] = None; "
              f"sys.path.insert(0, {path!r}); import xla_replay; "
              f"sys.exit(xla_replay.main(['--out', {str(tmp_path)!r}, '--quick', '--no-torch', "
              "'--only', 'read_pass,precision_ids']))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "read_pass-tiny: compiled in" in run.stdout and "precision_ids-tiny: compiled in" in run.stdout
    assert "0 value mismatches" in run.stdout


def test_inputs_are_regenerated_identically_and_have_the_promised_form():
    recipes = xla_inputs.ranking_recipes(batch=6, items=50, relevant=3, top=10, seed=4)
    scores, ids, dense, classes = (xla_inputs.make(recipes[p]) for p in ("scores", "ids", "dense", "class"))
    np.testing.assert_array_equal(np.sort(scores, axis=1), np.broadcast_to(np.arange(50, dtype=np.float32), (6, 50)))
    rank = (scores[:, None, :] > np.take_along_axis(scores, ids, axis=1)[:, :, None]).sum(axis=2)
    assert rank.max() < 10 and all(len(set(row)) == 3 for row in ids)
    np.testing.assert_array_equal(dense.sum(axis=1), 3)
    np.testing.assert_array_equal(classes, ids[:, 0])
    np.testing.assert_array_equal(xla_inputs.make(recipes["scores"]), scores)
    assert xla_inputs.make({**recipes["scores"], "seed": 5}).tolist() != scores.tolist()


@pytest.mark.parametrize("recipe, message", [
    ({"kind": "uniform"}, r"recipe kind must be one of ranking, normal, integers, zeros, const, got kind='uniform'"),
    ({**xla_inputs.ranking_recipes(2, 5, 1, 2, 0)["ids"], "part": "labels"},
     r"recipe part must be one of scores, ids, dense, class, got part='labels'"),
])
def test_bad_recipes_are_refused(recipe, message):
    with pytest.raises(ValueError, match=message):
        xla_inputs.make(recipe)


def test_xla_is_an_opt_in_section_of_tfrank_bench():
    from tfrank.bench import runner
    from tfrank_cli.bench import DEFAULT_SECTIONS

    parser = tfrank_cli.parser()
    assert parser.parse_args(["bench"]).sections == DEFAULT_SECTIONS and "xla" not in DEFAULT_SECTIONS
    args = parser.parse_args(["bench", "--sections", "xla", "--out", "o"])
    assert args.sections == ("xla",) and runner.command_line(args) == "tfrank bench --sections xla --out o"
    assert set(xla_train.SETUPS) >= {"multihot", "classes"}
    device = next(a for a in tfrank_cli.parser()._subparsers._group_actions[0].choices["bench"]._actions
                  if a.dest == "device")
    assert "untested so far on a GPU" in device.help  # TensorFlow's GPU runtime, kept for users who have it


class _FakeTorch:
    """Just enough of torch, in NumPy, to run the replayer's torch.topk + gather baseline here."""

    __version__ = "fake"

    class cuda:  # noqa: N801 - torch's spelling
        @staticmethod
        def is_available():
            return False

    class Tensor:
        def __init__(self, array):
            self.array = np.asarray(array)

        def to(self, where):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.array

        def amax(self, dim):
            return _FakeTorch.Tensor(self.array.max(axis=dim))

        def sum(self, dim):
            return _FakeTorch.Tensor(self.array.sum(axis=dim))

        def __truediv__(self, other):
            return _FakeTorch.Tensor(self.array / other)

    @staticmethod
    def from_numpy(array):
        return _FakeTorch.Tensor(array)

    @staticmethod
    def topk(tensor, k, dim):
        indices = np.argsort(-tensor.array, axis=dim, kind="stable")[:, :k]
        return type("TopK", (), {"indices": _FakeTorch.Tensor(indices)})

    @staticmethod
    def gather(tensor, dim, index):
        return _FakeTorch.Tensor(np.take_along_axis(tensor.array, index.array, axis=dim))


def test_torch_baseline_joins_the_rounds_and_is_checked(bundle, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", _FakeTorch)
    results = xla_replay.replay(bundle[0], str(tmp_path), rounds=1, min_sample=0.001,
                                only=["read_pass", "top_k_gather"], say=lambda _: None)
    assert results["failures"] == [] and results["environment"]["torch"] == "torch fake on cpu"
    rows = {row["name"]: row for row in results["rows"]}
    assert set(rows) == {"read_pass-tiny", "top_k_gather-tiny", "torch_read_pass", "torch_topk_gather"}
    assert rows["torch_topk_gather"]["values"] == rows["torch_read_pass"]["values"] == "agree"
    assert rows["torch_topk_gather"]["over_base"] > 0


def test_a_wrong_torch_baseline_is_reported(bundle, tmp_path, monkeypatch):
    class Reversed(_FakeTorch):
        @staticmethod
        def topk(tensor, k, dim):  # the k lowest scores: the wrong items
            return type("TopK", (), {"indices": _FakeTorch.Tensor(np.argsort(tensor.array, axis=dim)[:, :k])})

    monkeypatch.setitem(sys.modules, "torch", Reversed)
    results = xla_replay.replay(bundle[0], str(tmp_path), rounds=1, min_sample=0.001,
                                only=["read_pass", "top_k_gather"], say=lambda _: None)
    assert [f.split(":")[0] for f in results["failures"]] == ["torch_topk_gather-tiny"]


def test_tfrank_bench_sections_xla_reports_the_replay_and_fails_on_a_mismatch(tmp_path, monkeypatch):
    summary = {"bundle": str(tmp_path / "xla-bundle"), "programs": 2, "mib": 0.25, "replay": "r", "jaxlib": "0.10.2",
               "replay_seconds": 1.0, "failures": ["precision_dense-tiny: output 0: max |difference| 0.125"]}
    calls = []
    monkeypatch.setattr(xla, "run", lambda out, **options: calls.append((out, options)) or summary)
    code = cli.main(["bench", "--sections", "xla", "--quick", "--out", str(tmp_path)])
    assert code == 1
    assert [(out, options["quick"], options["seed"]) for out, options in calls] == [(str(tmp_path), True, 0)]
    table = (tmp_path / "results.md").read_text()
    assert "2 programs exported to" in table and "1 MISMATCHES" in table
    assert json.loads((tmp_path / "results.json").read_text())["xla"]["programs"] == 2


def test_retrieval_programs_replay_with_tensorflows_values(tmp_path):
    """The retrieval programs (floor, exact chunked top K, Recall@K) replay at a tiny corpus whose
    chunk does not divide M, and their values equal TensorFlow's and the NumPy reference's."""
    path = str(tmp_path / "bundle")
    programs = [p for p in xla_export.PROGRAMS if p.name.startswith("retrieval_")]
    manifest = xla.export(path, shapes=("retrieval_tiny",), train=(), programs=programs, say=lambda _: None)
    assert sorted(r["program"] for r in manifest["programs"]) == sorted(p.name for p in programs)
    results = xla_replay.replay(path, str(tmp_path / "out"), rounds=2, min_sample=0.001, use_torch=False,
                                say=lambda _: None)
    rows = {row["program"]: row for row in results["rows"]}
    assert all(rows[p.name]["values"] == "agree" for p in programs), rows
    assert rows["retrieval_recall"]["base"].startswith("retrieval_floor")

    size = xla_export.SHAPES["retrieval_tiny"]
    recipes = xla_export.retrieval_recipes("retrieval_tiny", manifest["seed"])
    queries, candidates, relevant = (xla_inputs.make(recipes[n]) for n in ("queries", "candidates", "relevant"))
    scores = queries.astype(np.float64) @ candidates.T.astype(np.float64)
    expected = reference.retrieval_metrics(relevant, queries, candidates, size["k"], metrics=("recall",))
    stored = np.load(os.path.join(path, "expected.npz"))
    record = next(r for r in manifest["programs"] if r["program"] == "retrieval_recall")
    np.testing.assert_allclose(stored[record["outputs"][0]["stored"]], expected[f"recall_at_{size['k']}"], atol=1e-6)
    floor = next(r for r in manifest["programs"] if r["program"] == "retrieval_floor")
    np.testing.assert_allclose(stored[floor["outputs"][0]["stored"]], scores.max(axis=1), rtol=1e-5)
    assert 0.0 < expected[f"recall_at_{size['k']}"].mean() < 1.0  # some queries find their candidate, some not


def test_every_full_size_program_has_input_recipes():
    """The full export (minutes, not run in tests) draws each program's inputs from recipes
    that must exist for every shape it is exported at."""
    recipes = {None: xla_export.ranking_recipes, "retrieval": xla_export.retrieval_recipes}
    exported = 0
    for shape in xla_export.FULL_SHAPES:
        for program in xla_export.PROGRAMS:
            if shape in program.shapes:
                drawn = recipes[program.recipes](shape, 0)
                assert set(program.inputs) <= set(drawn), (program.name, shape)
                exported += 1
    assert exported > len(xla_export.PROGRAMS)
