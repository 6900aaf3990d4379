"""ranx: its metric tests run with recording low-level metric functions."""

import os
import types

import numpy as np

from _recording import plain


RANX_FUNCTIONS = {  # ranx.metrics function: (tfrank metric, tfrank options)
    "hit_rate": ("hit_rate", {}), "precision": ("precision", {}), "recall": ("recall", {}),
    "f1": ("f1", {}), "average_precision": ("map", {}), "reciprocal_rank": ("mrr", {}),
    "r_precision": ("r_precision", {}), "dcg": ("dcg", {"gain": "linear"}), "ndcg": ("ndcg", {"gain": "linear"}),
    "dcg_burges": ("dcg", {"gain": "exponential"}), "ndcg_burges": ("ndcg", {"gain": "exponential"}),
}
RANX_FILES = ("tests/unit/ranx/metrics_test.py", "tests/unit/ranx/metrics/f1_test.py")
DEPEND_ON_K = ("precision", "f1", "r_precision")  # beyond the retrieved documents, the value still changes


def ranx_query(qrels, run, k, metric):
    """One query as a tfrank list: ``({"labels", "k"}, None)`` or ``(None, why not)``.

    The run's documents, in its order (ranx takes runs sorted by score), carry their qrels
    label; relevant documents the run does not retrieve follow, since ranx still counts
    them in n_rel. Those must stay out of the top k: where k reaches them, metrics whose
    value stops changing after the retrieved documents use k = the number retrieved.
    """
    rel = {int(doc): float(label) for doc, label in qrels}
    retrieved = [int(doc) for doc, _ in run]
    if len(set(d for d in retrieved if rel.get(d, 0) >= 1)) < sum(1 for d in retrieved if rel.get(d, 0) >= 1):
        return None, "a relevant document appears twice in the run"
    missing = [doc for doc, label in rel.items() if label >= 1 and doc not in retrieved]
    k = k or len(retrieved)  # ranx's k = 0: every retrieved document
    labels = [max(rel.get(d, 0.0), 0.0) if rel.get(d, 0.0) >= 1 else 0.0 for d in retrieved]
    labels += [rel[d] for d in missing]
    n_rel = sum(1 for label in labels if label > 0)
    reach = {"r_precision": n_rel}.get(metric, k)
    if missing and reach > len(retrieved):
        if metric in DEPEND_ON_K or (metric == "ndcg" and n_rel > len(retrieved)):
            return None, (f"k = {reach} goes past the {len(retrieved)} retrieved documents, and ranx counts "
                          "relevant documents it never ranks; a tfrank list ranks every item it holds")
        k = len(retrieved)
    return {"labels": labels, "k": k}, None


def extract_ranx(source):
    import ranx.metrics as real

    cases = []
    for relpath in RANX_FILES:
        notes = []

        def recorder(name):
            function = getattr(real, name)

            def record(qrels, run, k=0, *args, **kwargs):
                output = function(qrels, run, k, *args, **kwargs)
                qrels_rows, run_rows = _renumbered([np.asarray(q).tolist() for q in qrels], [np.asarray(r).tolist() for r in run])
                notes.append({"function": name, "qrels": qrels_rows, "run": run_rows, "k": int(k), "output": plain(output)})
                return output

            return record

        proxy = types.SimpleNamespace(**{name: recorder(name) for name in RANX_FUNCTIONS},
                                      hits=getattr(real, "hits"))
        namespace = {"__name__": "ranx_" + os.path.basename(relpath)[:-3]}
        exec(compile(source.read(relpath), relpath, "exec"), namespace)  # noqa: S102
        namespace["rm"] = proxy
        for name in RANX_FUNCTIONS:
            if name in namespace:
                namespace[name] = getattr(proxy, name)
        for test, function in [(n, f) for n, f in namespace.items() if n.startswith("test_") and callable(f)]:
            start = len(notes)
            try:
                function(**{arg: _fixture(namespace, arg) for arg in function.__code__.co_varnames[: function.__code__.co_argcount]})
            except Exception as error:  # noqa: BLE001 (kept as a case with its reason)
                cases.append(source.case(relpath, test, metric=test, expressible=False, reason=f"not recorded: {error!r}"))
                continue
            for n, note in enumerate(notes[start:]):
                cases.append(_ranx_case(source, relpath, test + (f"#{n}" if n else ""), note))
    return cases


def _renumbered(qrels, run):
    """Document ids as 0, 1, ... in order of appearance, per query (ranx compares ids only for
    equality; its Qrels/Run hash string ids with a per-process seed, which would make the data
    change from one extraction to the next)."""
    out_qrels, out_run = [], []
    for q, r in zip(qrels, run):
        ids = {}
        out_qrels.append([[float(ids.setdefault(doc, len(ids))), label] for doc, label in q])
        out_run.append([[float(ids.setdefault(doc, len(ids))), score] for doc, score in r])
    return out_qrels, out_run


def _fixture(namespace, name):
    """A pytest fixture's value, its own fixtures resolved the same way."""
    fixture = namespace[name]
    function = getattr(fixture, "_fixture_function", None) or getattr(fixture, "__wrapped__", fixture)
    code = function.__code__
    return function(**{arg: _fixture(namespace, arg) for arg in code.co_varnames[: code.co_argcount]})


def _ranx_case(source, relpath, test, note):
    metric, options = RANX_FUNCTIONS[note["function"]]
    queries, reasons = [], []
    for qrels, run in zip(note["qrels"], note["run"]):
        query, reason = ranx_query(qrels, run, note["k"], metric)
        queries.append(query)
        if reason:
            reasons.append(reason)
    fields = {"function": note["function"], "k": note["k"], "qrels": note["qrels"], "run": note["run"],
              "expected": note["output"]}
    if reasons:
        return source.case(relpath, test, metric=metric, **fields, expressible=False, reason=reasons[0])
    return source.case(relpath, test, metric=metric, **fields, queries=queries, tfrank_options=options)
