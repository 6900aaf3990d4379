"""Agreement with independent implementations: trec_eval (pytrec_eval), ranx and sklearn.

trec_eval: P_k, recall_k, map_cut_k, ndcg_cut_k (linear gain), Rprec, success_k (hit
rate) and recip_rank (reciprocal rank with no cut-off). ranx: mrr@k, hit_rate@k, f1@k
and ndcg_burges@k (exponential gain). sklearn: ndcg_score (linear gain), which averages
over tied scores by default: ties="expected".

How each oracle's conventions map to tfrank's options (checked in their sources):
* trec_eval scores a query judged with no relevant document 0 (empty="zero") and does
  not score a query absent from the qrels (empty="skip"); it breaks ties by document
  id (descending), so the trec_eval and ranx tests use distinct scores.
* ranx and sklearn score a query without relevant items 0 and average it in:
  empty="zero". ranx clamps k to the run's length for hit_rate, mrr and ndcg, but
  divides precision (and so f1) by the nominal k, as trec_eval and tfrank do.
* Padding items (label -1) are left out of the qrels and of the run.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import pytrec_eval

import tfrank


def _graded_lists(seed, batch=30, items=25, levels=3, empty_lists=0):
    """Graded labels 0..levels with padding (-1), distinct scores, every list with a relevant item
    except the first ``empty_lists``."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(1, levels + 1, size=(batch, items)) * (rng.random((batch, items)) < 0.2)
    labels = np.where(rng.random((batch, items)) < 0.1, -1, labels)  # padding: not in qrels/run
    labels[np.arange(batch), rng.integers(0, items, batch)] = 1  # at least one relevant each
    labels[:empty_lists] = np.where(labels[:empty_lists] > 0, 0, labels[:empty_lists])
    scores = (rng.permutation(batch * items).reshape(batch, items) / (batch * items)).astype(np.float32)
    return labels.astype(np.float32), scores


def _qrels_and_run(labels, scores):
    qrels, run = {}, {}
    for q, (row_labels, row_scores) in enumerate(zip(labels, scores)):
        valid = np.flatnonzero(row_labels >= 0)
        qrels[f"q{q:03d}"] = {f"d{i}": int(row_labels[i]) for i in valid}  # ranx sorts query ids
        run[f"q{q:03d}"] = {f"d{i}": float(row_scores[i]) for i in valid}
    return qrels, run


# === trec_eval ===

KS = [1, 3, 5, 10, 30]  # 30 > items: trec_eval still divides P by 30


@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_trec_eval(seed):
    labels, scores = _graded_lists(seed)
    qrels, run = _qrels_and_run(labels, scores)
    cuts = ",".join(map(str, KS))
    measures = {f"P.{cuts}", f"recall.{cuts}", f"map_cut.{cuts}", f"ndcg_cut.{cuts}", f"success.{cuts}"}
    result = pytrec_eval.RelevanceEvaluator(qrels, measures | {"Rprec", "recip_rank"}).evaluate(run)
    queries = [f"q{q:03d}" for q in range(len(labels))]
    ours = tfrank.ops.ranking_metrics(
        labels, scores, KS, metrics=["precision", "recall", "map", "ndcg", "hit_rate"], gain="linear"
    )
    for measure, base in (("P", "precision"), ("recall", "recall"), ("map_cut", "map"), ("ndcg_cut", "ndcg"), ("success", "hit_rate")):
        for k in KS:
            want = [result[q][f"{measure}_{k}"] for q in queries]
            np.testing.assert_allclose(ours[f"{base}_at_{k}"].numpy(), want, atol=1e-6, err_msg=f"{measure}_{k}")
    np.testing.assert_allclose(tfrank.ops.r_precision(labels, scores).numpy(), [result[q]["Rprec"] for q in queries], atol=1e-6)
    recip_rank = tfrank.ops.mrr_at_k(labels, scores, labels.shape[1])  # no cut-off: k >= N
    np.testing.assert_allclose(recip_rank.numpy(), [result[q]["recip_rank"] for q in queries], atol=1e-6)

    # The streaming metrics' means equal trec_eval's means over queries.
    metric = tfrank.RankingMetrics(k=5, metrics=["precision", "map", "r_precision"])
    for start in range(0, len(labels), 7):
        metric.update_state(labels[start : start + 7], scores[start : start + 7])
    for name, measure in (("precision_at_5", "P_5"), ("map_at_5", "map_cut_5"), ("r_precision", "Rprec")):
        assert float(metric.result()[name]) == pytest.approx(np.mean([result[q][measure] for q in queries]), abs=1e-6)


def test_queries_without_relevant_items_as_in_trec_eval():
    """trec_eval scores a query judged but with no relevant document 0 and averages it in
    (empty="zero"); a query absent from the qrels is not scored at all (empty="skip")."""
    labels, scores = _graded_lists(7, batch=12, empty_lists=4)
    qrels, run = _qrels_and_run(labels, scores)
    measures = {"P.5", "ndcg_cut.5", "map_cut.5", "recip_rank", "Rprec"}
    judged = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    absent = {q: docs for q, docs in qrels.items() if any(docs.values())}
    scored = pytrec_eval.RelevanceEvaluator(absent, measures).evaluate({q: run[q] for q in absent})
    assert len(judged) == 12 and len(scored) == 8
    metrics = ["precision", "ndcg", "map", "mrr", "r_precision"]
    names = ["precision_at_5", "ndcg_at_5", "map_at_5", "mrr_at_25", "r_precision"]
    for empty, result in (("zero", judged), ("skip", scored)):
        metric = tfrank.RankingMetrics(k=[5, 25], metrics=metrics, gain="linear", empty=empty)
        metric.update_state(labels, scores)
        for name, measure in zip(names, ("P_5", "ndcg_cut_5", "map_cut_5", "recip_rank", "Rprec")):
            want = np.mean([r[measure] for r in result.values()])
            assert float(metric.result()[name]) == pytest.approx(want, abs=1e-6), (empty, name)


# === ranx ===

# ranx's metrics are numba functions whose first compile takes ~30 s on a fresh install;
# NUMBA_DISABLE_JIT runs the same Python source uncompiled, in a subprocess so that the
# setting stays out of this test session.
_RANX = """
import json, sys, warnings
warnings.simplefilter("ignore")
import ranx
qrels, run, names = json.load(sys.stdin)
result = ranx.evaluate(qrels, run, names, return_mean=False)
json.dump({name: list(map(float, values)) for name, values in result.items()}, sys.stdout)
"""


def _ranx(qrels, run, names):
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _RANX], input=json.dumps([qrels, run, names]), capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_agrees_with_ranx():
    labels, scores = _graded_lists(10, batch=40, items=12, empty_lists=3)
    qrels, run = _qrels_and_run(labels, scores)
    ks = [1, 4, 20]  # 20 > items
    names = [f"{m}@{k}" for m in ("mrr", "hit_rate", "f1", "ndcg_burges") for k in ks]
    result = _ranx(qrels, run, names)
    ours = tfrank.ops.ranking_metrics(labels, scores, ks, metrics=["mrr", "hit_rate", "f1", "ndcg"], empty="zero")
    for name in names:
        metric, k = name.split("@")
        base = "ndcg" if metric == "ndcg_burges" else metric
        np.testing.assert_allclose(ours[f"{base}_at_{k}"].numpy(), result[name], atol=1e-6, err_msg=name)


# === sklearn ===


@pytest.mark.parametrize("k", [1, 3, 8, None])
def test_ndcg_agrees_with_sklearn_including_tied_scores(k):
    from sklearn.metrics import ndcg_score

    rng = np.random.default_rng(k or 0)
    labels = (rng.integers(0, 4, size=(40, 8)) * (rng.random((40, 8)) < 0.4)).astype(np.float32)
    labels[:3] = 0.0  # lists with no relevant item: sklearn scores them 0
    scores = (rng.integers(0, 4, size=(40, 8)) / 4).astype(np.float32)  # quantised: many ties
    want = [ndcg_score(labels[b : b + 1], scores[b : b + 1], k=k) for b in range(len(labels))]
    got = tfrank.ops.ndcg_at_k(labels, scores, k or 8, gain="linear", ties="expected", empty="zero")
    np.testing.assert_allclose(got.numpy(), want, atol=1e-6)
    assert ndcg_score(labels, scores, k=k) == pytest.approx(float(np.mean(got)), abs=1e-6)
    metric = tfrank.NDCGAtK(k=k or 8, gain="linear", ties="expected", empty="zero")
    metric.update_state(labels, scores)
    assert float(metric.result()) == pytest.approx(ndcg_score(labels, scores, k=k), abs=1e-6)
