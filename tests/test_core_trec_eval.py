"""Agreement with trec_eval (pytrec_eval) for P_k and recall_k on random lists.

trec_eval is the independent oracle the reference cites. Scores are continuous
(no ties: trec_eval breaks ties by document id, tfrank by index) and every query
has a relevant item (trec_eval only scores queries present in the qrels).
"""

import numpy as np
import pytest
import pytrec_eval

import tfrank


def _trec_eval(labels, scores, measures):
    qrels, run = {}, {}
    for q, (row_labels, row_scores) in enumerate(zip(labels, scores)):
        valid = row_labels >= 0
        qrels[f"q{q}"] = {f"d{i}": int(row_labels[i]) for i in np.flatnonzero(valid)}
        run[f"q{q}"] = {f"d{i}": float(row_scores[i]) for i in np.flatnonzero(valid)}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, measures)
    result = evaluator.evaluate(run)
    return result, [f"q{q}" for q in range(len(labels))]


@pytest.mark.parametrize("seed", range(4))
def test_precision_and_recall_agree_with_trec_eval(seed):
    rng = np.random.default_rng(seed)
    batch, items = 30, 25
    labels = (rng.random((batch, items)) < 0.2).astype(np.int64)
    labels = np.where(rng.random((batch, items)) < 0.1, -1, labels)  # padding: not in qrels/run
    labels[np.arange(batch), rng.integers(0, items, batch)] = 1  # at least one relevant each
    scores = rng.normal(size=(batch, items)).astype(np.float32)
    ks = [1, 3, 5, 10, 30]  # 30 > items: trec_eval still divides P by 30
    cuts = ",".join(map(str, ks))
    result, queries = _trec_eval(labels, scores, {f"P.{cuts}", f"recall.{cuts}"})
    dense = labels.astype(np.float32)
    precision = tfrank.ops.precision_at_k(dense, scores, ks)
    recall = tfrank.ops.recall_at_k(dense, scores, ks)
    for k in ks:
        want_p = [result[q][f"P_{k}"] for q in queries]
        want_r = [result[q][f"recall_{k}"] for q in queries]
        np.testing.assert_allclose(precision[f"precision_at_{k}"].numpy(), want_p, atol=1e-6)
        np.testing.assert_allclose(recall[f"recall_at_{k}"].numpy(), want_r, atol=1e-6)

    # The streaming metric's mean equals trec_eval's mean over queries.
    metric = tfrank.PrecisionAtK(k=5)
    for start in range(0, batch, 7):
        metric.update_state(dense[start : start + 7], scores[start : start + 7])
    assert float(metric.result()) == pytest.approx(np.mean([result[q]["P_5"] for q in queries]), abs=1e-6)
