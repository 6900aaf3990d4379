"""Tests of the NumPy reference (tfrank.reference), the oracle of every TF metric test.

Three independent checks: hand-worked examples (expected values derived in the comments
from the definitions), trec_eval itself (pytrec_eval) on random lists, and a brute-force
average over every permutation of the items for ``ties="expected"``.
"""

import itertools
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tfrank import reference as ref

LOG2_3 = math.log2(3)

# === Hand-worked examples ===

# One list, scores already in rank order (item i is ranked i + 1); relevant: ranks 1, 3, 5.
SCORES = [[0.9, 0.8, 0.7, 0.6, 0.5]]
LABELS = [[1, 0, 1, 0, 1]]  # n_rel = 3


@pytest.mark.parametrize(
    "function, kwargs, k, expected",
    [
        # P@k = hits@k / k: hits@1 = 1, hits@2 = 1, hits@3 = 2, hits@5 = 3.
        (ref.precision_at_k, {}, 1, 1.0),
        (ref.precision_at_k, {}, 2, 1 / 2),
        (ref.precision_at_k, {}, 3, 2 / 3),
        (ref.precision_at_k, {}, 5, 3 / 5),
        # k = 10 > 5 items: trec_eval still divides by 10; min_k_n divides by min(10, 5).
        (ref.precision_at_k, {}, 10, 3 / 10),
        (ref.precision_at_k, {"denominator": "min_k_n"}, 10, 3 / 5),
        (ref.precision_at_k, {"denominator": "min_k_n"}, 2, 1 / 2),
        # R@k = hits@k / 3.
        (ref.recall_at_k, {}, 1, 1 / 3),
        (ref.recall_at_k, {}, 3, 2 / 3),
        (ref.recall_at_k, {}, 10, 1.0),
        # F1@1: P = 1, R = 1/3 -> 2 * (1/3) / (4/3) = 1/2. F1@3: P = R = 2/3.
        (ref.f1_at_k, {}, 1, 1 / 2),
        (ref.f1_at_k, {}, 3, 2 / 3),
        # F1@10: P = 3/10, R = 1 -> 2 * 0.3 / 1.3.
        (ref.f1_at_k, {}, 10, 0.6 / 1.3),
        (ref.hit_rate_at_k, {}, 1, 1.0),
        (ref.mrr_at_k, {}, 1, 1.0),
        # AP@5: P@1 + P@3 + P@5 = 1 + 2/3 + 3/5, over n_rel = 3.
        (ref.map_at_k, {}, 5, (1 + 2 / 3 + 3 / 5) / 3),
        # AP@2: only rank 1 is relevant: P@1 = 1; n_rel -> 1/3, min(2, 3) -> 1/2, hits@2 = 1 -> 1.
        (ref.map_at_k, {}, 2, 1 / 3),
        (ref.map_at_k, {"normalizer": "min_k_n_rel"}, 2, 1 / 2),
        (ref.map_at_k, {"normalizer": "hits"}, 2, 1.0),
        # AP@3: (1 + 2/3) / 3; hits@3 = 2 -> (1 + 2/3) / 2.
        (ref.map_at_k, {"normalizer": "hits"}, 3, (1 + 2 / 3) / 2),
        # DCG@3 (binary: 2^1 - 1 = 1 = rel): 1/log2(2) + 0 + 1/log2(4) = 1.5.
        (ref.dcg_at_k, {}, 3, 1.5),
        (ref.dcg_at_k, {"gain": "linear"}, 3, 1.5),
        # Ideal DCG@3: the three relevant items first: 1 + 1/log2(3) + 1/2.
        (ref.ndcg_at_k, {}, 3, 1.5 / (1.5 + 1 / LOG2_3)),
        # NDCG@5: DCG = 1 + 1/2 + 1/log2(6); ideal is the same as at 3.
        (ref.ndcg_at_k, {}, 5, (1.5 + 1 / math.log2(6)) / (1.5 + 1 / LOG2_3)),
    ],
)
def test_hand_worked_binary(function, kwargs, k, expected):
    value = function(LABELS, SCORES, k, label_format="dense", **kwargs)
    assert value.dtype == np.float64 and value.shape == (1,)
    np.testing.assert_allclose(value, [expected], rtol=1e-12)


def test_hand_worked_r_precision():
    # R = n_rel = 3, hits@3 = 2 (ranks 1 and 3).
    np.testing.assert_allclose(ref.r_precision(LABELS, SCORES, label_format="dense"), [2 / 3])


def test_hand_worked_graded_dcg():
    # Scores rank the items 1, 2, 0, carrying labels 2, 0, 3.
    labels, scores = [[3.0, 2.0, 0.0]], [[0.1, 0.3, 0.2]]
    # Exponential gains 3, 0, 7 at discounts 1, 1/log2(3), 1/2: DCG = 3 + 7/2.
    # Ideal order 3, 2, 0: gains 7, 3, 0: 7 + 3/log2(3).
    np.testing.assert_allclose(ref.dcg_at_k(labels, scores, 3), [3 + 7 / 2])
    np.testing.assert_allclose(ref.ndcg_at_k(labels, scores, 3), [(3 + 7 / 2) / (7 + 3 / LOG2_3)])
    # Linear gains: DCG = 2 + 3/2, ideal = 3 + 2/log2(3).
    np.testing.assert_allclose(ref.dcg_at_k(labels, scores, 3, gain="linear"), [2 + 3 / 2])
    np.testing.assert_allclose(ref.ndcg_at_k(labels, scores, 3, gain="linear"), [3.5 / (3 + 2 / LOG2_3)])
    # NDCG@1: item 1 (gain 3) is first, the ideal first has gain 7.
    np.testing.assert_allclose(ref.ndcg_at_k(labels, scores, 1), [3 / 7])


def test_hand_worked_mrr_beyond_cutoff():
    # Scores rank the items 3, 2, 1, 0; the only relevant item (0) is at rank 4.
    labels, scores = [[1, 0, 0, 0]], [[0.1, 0.2, 0.3, 0.4]]
    result = ref.mrr_at_k(labels, scores, [3, 4], label_format="dense")
    assert list(result) == ["mrr_at_3", "mrr_at_4"]
    np.testing.assert_allclose(result["mrr_at_3"], [0.0])
    np.testing.assert_allclose(result["mrr_at_4"], [0.25])
    np.testing.assert_allclose(ref.hit_rate_at_k(labels, scores, 3, label_format="dense"), [0.0])


def test_list_k_returns_dict_in_given_order():
    result = ref.ndcg_at_k(LABELS, SCORES, [5, 1, 3], label_format="dense")
    assert list(result) == ["ndcg_at_5", "ndcg_at_1", "ndcg_at_3"]
    for k in (5, 1, 3):
        np.testing.assert_array_equal(result[f"ndcg_at_{k}"], ref.ndcg_at_k(LABELS, SCORES, k, label_format="dense"))


# === Label formats, padding and masks ===

def test_padding_label_is_not_in_the_list():
    # Item 1 (label -1) has the best score but is padding. Valid ranking: items 0, 3, 2
    # with labels 1, 1, 0. P@1 = 1; P@5 = 2/5; min_k_n: 2 / min(5, 3 valid items).
    labels, scores = [[1, -1, 0, 1]], [[0.5, 0.9, 0.1, 0.3]]
    np.testing.assert_allclose(ref.precision_at_k(labels, scores, 1, label_format="dense"), [1.0])
    np.testing.assert_allclose(ref.precision_at_k(labels, scores, 5, label_format="dense"), [2 / 5])
    np.testing.assert_allclose(
        ref.precision_at_k(labels, scores, 5, label_format="dense", denominator="min_k_n"), [2 / 3])
    # The same list through a mask and through ids, padding item masked out.
    mask = [[True, False, True, True]]
    for y_true in ([[1, 0, 0, 1]], [[0, 3]], [[3, 0, -1]], {"labels": [[0, 3]], "mask": mask}):
        fmt = "dense" if y_true == [[1, 0, 0, 1]] else None
        kwargs = {} if isinstance(y_true, dict) else {"mask": mask}
        for k, expected in ((1, 1.0), (5, 2 / 5)):
            value = ref.precision_at_k(y_true, scores, k, label_format=fmt, **kwargs)
            np.testing.assert_allclose(value, [expected])


def test_masked_relevant_id_is_not_relevant():
    # Item 1 is relevant but masked out: n_rel = 1 (item 0); ranking: item 2, item 0.
    ids, scores, mask = [[0, 1]], [[0.1, 0.9, 0.5]], [[True, False, True]]
    np.testing.assert_allclose(ref.recall_at_k(ids, scores, 1, mask=mask), [0.0])
    np.testing.assert_allclose(ref.recall_at_k(ids, scores, 2, mask=mask), [1.0])
    np.testing.assert_allclose(ref.precision_at_k(ids, scores, 2, mask=mask), [1 / 2])


@pytest.mark.parametrize(
    "y_true",
    [
        np.array([2, 0]),  # int [B]: class ids
        np.array([[2], [0]]),  # int [B, 1] against N = 3: ids
        np.array([2.0, 0.0]),  # float [B] with N > 1: class ids
        np.array([[2.0], [0.0]]),  # float [B, 1] with N > 1: class ids
        [[2], [0]],  # list of lists, equal lengths: int [B, 1] ids
        [[2, -1], [0]],  # ragged ids
        np.array([[0, 0, 1], [1, 0, 0]], dtype=bool),  # bool: dense
        np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),  # float [B, N]: dense
    ],
)
def test_label_formats_agree(y_true):
    # List 0 ranks items 0, 1, 2 and item 2 is relevant: MRR = 1/3.
    # List 1 ranks items 1, 0, 2 and item 0 is relevant: MRR = 1/2.
    scores = [[0.9, 0.5, 0.1], [0.5, 0.9, 0.1]]
    np.testing.assert_allclose(ref.mrr_at_k(y_true, scores, 3), [1 / 3, 1 / 2])


def test_ragged_ids_with_empty_row_and_forced_formats():
    scores = [[0.9, 0.5, 0.1], [0.5, 0.9, 0.1], [0.1, 0.2, 0.3]]
    # Row 1 is empty (n_rel = 0): skipped. Row 0: relevant items 0 and 2 at ranks 1 and 3.
    np.testing.assert_allclose(ref.recall_at_k([[0, 2], [], [1]], scores, 1), [1 / 2, np.nan, 0.0])
    # int [B, N] is read as dense labels; label_format settles it either way.
    y_true = np.array([[0, 2, -1], [-1, -1, -1], [0, 1, -1]])
    # Dense: row 0 keeps items 0, 1 (labels 0, 2), ranked 0 then 1: R@1 = 0. Row 1 is all
    # padding: skipped. Row 2 keeps items 0, 1, ranked 1 (label 1) first: R@1 = 1.
    np.testing.assert_allclose(ref.recall_at_k(y_true, scores, 1, label_format="dense"), [0.0, np.nan, 1.0])
    np.testing.assert_allclose(ref.recall_at_k(y_true, scores, 1), [0.0, np.nan, 1.0])
    # Ids: row 0 = {0, 2}, item 0 ranked first: R@1 = 1/2. Row 1 = {}: skipped. Row 2 = {0, 1},
    # item 2 ranked first: R@1 = 0.
    np.testing.assert_allclose(ref.recall_at_k(y_true, scores, 1, label_format="ids"), [1 / 2, np.nan, 0.0])


# === Empty lists, NaN and infinite scores ===

@pytest.mark.parametrize("empty, expected", [("skip", np.nan), ("zero", 0.0), ("one", 1.0)])
@pytest.mark.parametrize("function", [ref.precision_at_k, ref.map_at_k, ref.ndcg_at_k, ref.dcg_at_k])
def test_empty_policy(function, empty, expected):
    # List 0: no relevant item. List 1: only padding. List 2: P@1 = AP@1 = NDCG@1 = DCG@1 = 1.
    labels = [[0, 0], [-1, -1], [1, 0]]
    scores = [[0.3, 0.2], [0.3, 0.2], [0.3, 0.2]]
    np.testing.assert_allclose(function(labels, scores, 1, empty=empty, label_format="dense"),
                               [expected, expected, 1.0])


def test_empty_error_names_the_list():
    with pytest.raises(ValueError, match="list 0 has no relevant item"):
        ref.recall_at_k([[0, 0]], [[0.1, 0.2]], 1, label_format="dense", empty="error")


def test_nan_score_wins_over_everything():
    labels = [[1, 0, 0], [0, 0, 0], [1, 0, -1]]
    scores = [[np.nan, 1.0, 2.0], [np.nan, 1.0, 2.0], [1.0, 0.5, np.nan]]
    # Lists 0 and 1 have a valid NaN score -> NaN even with empty="zero" or "error".
    # List 2's NaN sits on a padding item, which is not in the list: P@1 = 1.
    for empty in ("zero", "error"):
        value = ref.precision_at_k(labels, scores, 1, label_format="dense", empty=empty)
        np.testing.assert_allclose(value, [np.nan, np.nan, 1.0])


def test_infinite_scores():
    # +inf first, -inf last: ranking 0, 2, 1, so the relevant item 1 is at rank 3.
    np.testing.assert_allclose(ref.mrr_at_k([[0, 1, 0]], [[np.inf, -np.inf, 0.0]], 3, label_format="dense"), [1 / 3])
    # Two +inf tie: index order for "first" (item 0 then 1), half and half for "expected".
    np.testing.assert_allclose(ref.mrr_at_k([[0, 1]], [[np.inf, np.inf]], 2, label_format="dense"), [1 / 2])
    np.testing.assert_allclose(
        ref.mrr_at_k([[0, 1]], [[np.inf, np.inf]], 2, label_format="dense", ties="expected"), [3 / 4])


# === Ties ===

def test_expected_ties_hand_worked():
    # Two tied items, one relevant: it is at rank 1 or 2 with probability 1/2 each.
    labels, scores = [[1, 0]], [[0.5, 0.5]]
    kwargs = {"label_format": "dense", "ties": "expected"}
    # P@1: (1 + 0) / 2. AP@2 = MRR@2: (1 + 1/2) / 2. NDCG@2: (1 + 1/log2(3)) / 2.
    np.testing.assert_allclose(ref.precision_at_k(labels, scores, 1, **kwargs), [1 / 2])
    np.testing.assert_allclose(ref.map_at_k(labels, scores, 2, **kwargs), [3 / 4])
    np.testing.assert_allclose(ref.mrr_at_k(labels, scores, 2, **kwargs), [3 / 4])
    np.testing.assert_allclose(ref.ndcg_at_k(labels, scores, 2, **kwargs), [(1 + 1 / LOG2_3) / 2])
    # ties="first" keeps index order: the relevant item 0 is first.
    np.testing.assert_allclose(ref.precision_at_k(labels, scores, 1, label_format="dense"), [1.0])


def test_expected_ties_straddling_the_cutoff():
    # Item 0 (not relevant) is first; rank 2 goes to one of the three tied items 1, 2, 3,
    # of which only item 1 is relevant: P@2 = (1/3) / 2. With "first", item 1 takes rank 2.
    labels, scores = [[0, 1, 0, 0]], [[0.9, 0.5, 0.5, 0.5]]
    np.testing.assert_allclose(
        ref.precision_at_k(labels, scores, 2, label_format="dense", ties="expected"), [1 / 6])
    np.testing.assert_allclose(ref.precision_at_k(labels, scores, 2, label_format="dense"), [1 / 2])
    # Graded, all four tied: E[DCG@4] = (sum of gains) * (mean discount) since each item is
    # equally likely at each rank: (0 + 1 + 0 + 0) * (1 + 1/log2(3) + 1/2 + 1/log2(5)) / 4.
    mean_discount = (1 + 1 / LOG2_3 + 1 / 2 + 1 / math.log2(5)) / 4
    np.testing.assert_allclose(
        ref.dcg_at_k(labels, [[1.0] * 4], 4, label_format="dense", ties="expected"), [mean_discount])


def _all_metric_calls(k):
    """(name, function of (y_true, y_pred, **kw)) for every metric and option at cutoff k."""
    calls = [
        ("precision", lambda y, s, **kw: ref.precision_at_k(y, s, k, **kw)),
        ("precision_min", lambda y, s, **kw: ref.precision_at_k(y, s, k, denominator="min_k_n", **kw)),
        ("recall", lambda y, s, **kw: ref.recall_at_k(y, s, k, **kw)),
        ("f1", lambda y, s, **kw: ref.f1_at_k(y, s, k, **kw)),
        ("hit_rate", lambda y, s, **kw: ref.hit_rate_at_k(y, s, k, **kw)),
        ("mrr", lambda y, s, **kw: ref.mrr_at_k(y, s, k, **kw)),
        ("r_precision", lambda y, s, **kw: ref.r_precision(y, s, **kw)),
    ]
    for normalizer in ("n_rel", "min_k_n_rel", "hits"):
        calls.append((f"map_{normalizer}",
                      lambda y, s, n=normalizer, **kw: ref.map_at_k(y, s, k, normalizer=n, **kw)))
    for gain in ("exponential", "linear"):
        calls.append((f"ndcg_{gain}", lambda y, s, g=gain, **kw: ref.ndcg_at_k(y, s, k, gain=g, **kw)))
        calls.append((f"dcg_{gain}", lambda y, s, g=gain, **kw: ref.dcg_at_k(y, s, k, gain=g, **kw)))
    return calls


@pytest.mark.parametrize("seed", range(12))
def test_expected_ties_match_brute_force_over_item_permutations(seed):
    # Independent of the reference's enumeration: shuffling the items uniformly and then
    # breaking ties by index gives a uniformly random order within each tie group, so the
    # mean of ties="first" over all N! column permutations is the expected value.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    labels = rng.integers(-1, 3, size=n).astype(float)  # graded, with some padding
    labels[rng.integers(n)] = 1.0  # at least one relevant item
    scores = rng.integers(0, 3, size=n).astype(float)  # quantised: many ties
    mask = rng.random(n) < 0.9
    mask[labels > 0] = True
    perms = np.array(list(itertools.permutations(range(n))))
    for k in (1, 2, 3, 10):
        for name, call in _all_metric_calls(k):
            expected = call(labels[None], scores[None], mask=mask[None], label_format="dense", ties="expected")
            brute = call(labels[perms], scores[perms], mask=mask[perms], label_format="dense")
            np.testing.assert_allclose(expected, [brute.mean()], rtol=1e-12, err_msg=f"{name}@{k}")


def test_expected_ties_limit():
    # Nine tied items with distinct labels: 9! = 362880 distinct orderings > 100000.
    with pytest.raises(ValueError, match="362880 distinct orderings"):
        ref.ndcg_at_k([list(range(9))], [[0.0] * 9], 3, label_format="dense", ties="expected")
    # Many tied items with few distinct labels are fine: C(20, 3) = 1140 arrangements.
    # Each of the 3 relevant items is in the top 5 with probability 5/20: E[hits@5] = 3/4.
    labels = [[1] * 3 + [0] * 17]
    np.testing.assert_allclose(
        ref.precision_at_k(labels, [[0.0] * 20], 5, label_format="dense", ties="expected"), [3 / 4 / 5])


# === trec_eval (pytrec_eval) on random lists ===

def _random_batch(rng, batch=60, max_items=12):
    """Graded labels 0..3 with padding (-1), distinct scores (trec_eval breaks ties by docno)."""
    n = max_items
    labels = rng.integers(0, 4, size=(batch, n)) * (rng.random((batch, n)) < 0.5)
    labels = np.where(rng.random((batch, n)) < 0.15, -1, labels)
    lengths = rng.integers(1, n + 1, size=batch)
    labels = np.where(np.arange(n)[None, :] < lengths[:, None], labels, -1)
    scores = rng.permutation(batch * n).reshape(batch, n) / (batch * n) - 0.5
    return labels, scores


@pytest.mark.parametrize("seed", range(5))
def test_matches_trec_eval(seed):
    import pytrec_eval  # a test dependency: missing, the test fails (it never skips)
    rng = np.random.default_rng(seed)
    labels, scores = _random_batch(rng)
    cutoffs = [1, 2, 3, 5, 10, 20]
    qrel, run = {}, {}
    for b in range(len(labels)):
        valid = np.flatnonzero(labels[b] >= 0)
        if (labels[b, valid] > 0).any():
            qrel[f"q{b}"] = {f"d{i}": int(labels[b, i]) for i in valid}
            run[f"q{b}"] = {f"d{i}": float(scores[b, i]) for i in valid}
    cut = ",".join(map(str, cutoffs))
    measures = {f"P.{cut}", f"recall.{cut}", f"map_cut.{cut}", f"ndcg_cut.{cut}", "Rprec", "recip_rank"}
    trec = pytrec_eval.RelevanceEvaluator(qrel, measures).evaluate(run)
    assert len(trec) > 20
    ours = {
        "P": ref.precision_at_k(labels, scores, cutoffs, label_format="dense"),
        "recall": ref.recall_at_k(labels, scores, cutoffs, label_format="dense"),
        "map_cut": ref.map_at_k(labels, scores, cutoffs, label_format="dense"),
        "ndcg_cut": ref.ndcg_at_k(labels, scores, cutoffs, label_format="dense", gain="linear"),
    }
    rprec = ref.r_precision(labels, scores, label_format="dense")
    mrr = ref.mrr_at_k(labels, scores, labels.shape[1], label_format="dense")
    for qid, values in trec.items():
        b = int(qid[1:])
        for measure, per_k in ours.items():
            for k, key in zip(cutoffs, per_k):
                assert per_k[key][b] == pytest.approx(values[f"{measure}_{k}"], abs=1e-9), (qid, measure, k)
        assert rprec[b] == pytest.approx(values["Rprec"], abs=1e-9)
        assert mrr[b] == pytest.approx(values["recip_rank"], abs=1e-9)
    # Lists without a relevant item are the ones trec_eval leaves out, and the ones skipped here.
    skipped = {b for b in range(len(labels)) if np.isnan(rprec[b])}
    assert skipped == {b for b in range(len(labels)) if f"q{b}" not in trec}


# === Properties (hypothesis) ===

@st.composite
def binary_lists(draw, max_items=8):
    n = draw(st.integers(1, max_items))
    batch = draw(st.integers(1, 4))
    labels = draw(st.lists(st.lists(st.sampled_from([-1, 0, 0, 1]), min_size=n, max_size=n),
                           min_size=batch, max_size=batch))
    scores = draw(st.lists(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, -2.0]), min_size=n, max_size=n),
                           min_size=batch, max_size=batch))
    return np.array(labels, dtype=float), np.array(scores)


@settings(max_examples=60, deadline=None)
@given(binary_lists(), st.integers(1, 10), st.sampled_from(["first", "expected"]))
def test_properties(data, k, ties):
    labels, scores = data
    kw = {"label_format": "dense", "ties": ties}
    n_rel = (labels > 0).sum(axis=1)
    p = ref.precision_at_k(labels, scores, k, **kw)
    r = ref.recall_at_k(labels, scores, k, **kw)
    # Exactly the lists without a relevant item are skipped.
    np.testing.assert_array_equal(np.isnan(p), n_rel == 0)
    counted = n_rel > 0
    # Both count the same (expected) hits@k.
    np.testing.assert_allclose((p * k)[counted], (r * n_rel)[counted], atol=1e-12)
    for function in (ref.f1_at_k, ref.hit_rate_at_k, ref.mrr_at_k, ref.map_at_k, ref.ndcg_at_k):
        values = function(labels, scores, k, **kw)[counted]
        assert ((values >= -1e-12) & (values <= 1 + 1e-12)).all(), function.__name__
    # mrr <= hit rate, and hit rate is 1 exactly when precision is positive (for "first").
    mrr = ref.mrr_at_k(labels, scores, k, **kw)[counted]
    hit = ref.hit_rate_at_k(labels, scores, k, **kw)[counted]
    assert (mrr <= hit + 1e-12).all()
    if ties == "first":
        np.testing.assert_array_equal(hit, (p[counted] > 0).astype(float))
    # Ids give the same values as binary dense labels, padding turned into a mask.
    ids = [list(np.flatnonzero(row > 0)) for row in labels]
    mask = labels >= 0
    ids_p = ref.precision_at_k(ids, scores, k, mask=mask, ties=ties, label_format="ids")
    np.testing.assert_allclose(ids_p, p)


@settings(max_examples=40, deadline=None)
@given(binary_lists(max_items=6), st.integers(1, 7))
def test_padding_is_the_same_as_deleting_the_item(data, k):
    labels, scores = data
    for b in range(len(labels)):
        keep = labels[b] >= 0
        for function in (ref.ndcg_at_k, ref.map_at_k, ref.precision_at_k):
            padded = function(labels[b:b + 1], scores[b:b + 1], k, label_format="dense", empty="zero")
            if keep.any():
                deleted = function(labels[b:b + 1, keep], scores[b:b + 1, keep], k, label_format="dense", empty="zero")
                np.testing.assert_allclose(padded, deleted)
            else:
                np.testing.assert_allclose(padded, [0.0])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 8), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_distinct_scores_make_tie_policies_agree(n, k, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, size=(3, n)).astype(float)
    scores = rng.permutation(3 * n).reshape(3, n).astype(float)
    for name, call in _all_metric_calls(k):
        first = call(labels, scores, label_format="dense")
        expected = call(labels, scores, label_format="dense", ties="expected")
        np.testing.assert_allclose(first, expected, err_msg=name)


# === weighted_mean ===

def test_weighted_mean():
    # NaN (skipped) entries leave the mean: (1 * 0.5 + 3 * 1.0) / (1 + 3).
    assert ref.weighted_mean([0.5, np.nan, 1.0], [1.0, 5.0, 3.0]) == pytest.approx(3.5 / 4)
    assert ref.weighted_mean([0.5, np.nan, 1.0], [[1.0], [5.0], [3.0]]) == pytest.approx(3.5 / 4)
    assert ref.weighted_mean([0.5, np.nan, 1.0]) == pytest.approx(0.75)
    # Nothing countable: 0.0, never NaN.
    assert ref.weighted_mean([np.nan, np.nan]) == 0.0
    assert ref.weighted_mean(np.zeros(0)) == 0.0
    assert ref.weighted_mean([0.5, 1.0], [0.0, 0.0]) == 0.0
    # A dict from a list k gives a dict of means.
    assert ref.weighted_mean({"precision_at_1": [1.0, 0.0], "precision_at_2": [0.5, np.nan]}) == {
        "precision_at_1": 0.5, "precision_at_2": 0.5}


# === Bad input ===

Y, S = [[1, 0, 0]], [[0.1, 0.2, 0.3]]
D = {"label_format": "dense"}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ref.precision_at_k(Y, S, 0, **D), ValueError, r"k must be a positive int .* got k=0 \(int\)"),
        (lambda: ref.precision_at_k(Y, S, -3, **D), ValueError, r"got k=-3 \(int\)"),
        (lambda: ref.precision_at_k(Y, S, True, **D), TypeError, r"got k=True \(bool\)"),
        (lambda: ref.precision_at_k(Y, S, 2.0, **D), TypeError, r"got k=2.0 \(float\)"),
        (lambda: ref.precision_at_k(Y, S, "5", **D), TypeError, r"got k='5' \(str\)"),
        (lambda: ref.precision_at_k(Y, S, None, **D), TypeError, r"got k=None"),
        (lambda: ref.precision_at_k(Y, S, [], **D), ValueError, r"got k=\[\] \(list\)"),
        (lambda: ref.precision_at_k(Y, S, [1, 0], **D), ValueError, r"got k=\[1, 0\] \(list\)"),
        (lambda: ref.precision_at_k(Y, S, [1, True], **D), TypeError, r"got k=\[1, True\]"),
        (lambda: ref.precision_at_k(Y, S, [2, 2], **D), ValueError, r"must not repeat"),
        (lambda: ref.precision_at_k(Y, S, 1, empty="ignore", **D), ValueError, r"empty must be one of .*'skip'.* got empty='ignore'"),
        (lambda: ref.precision_at_k(Y, S, 1, ties="random", **D), ValueError, r"ties must be one of .* got ties='random'"),
        (lambda: ref.precision_at_k(Y, S, 1, denominator="n", **D), ValueError, r"denominator must be one of .*'min_k_n'"),
        (lambda: ref.map_at_k(Y, S, 1, normalizer="k", **D), ValueError, r"normalizer must be one of .*'hits'"),
        (lambda: ref.ndcg_at_k(Y, S, 1, gain="exp", **D), ValueError, r"gain must be one of .*'linear'"),
        (lambda: ref.dcg_at_k(Y, S, 1, gain=None, **D), ValueError, r"got gain=None \(NoneType\)"),
        (lambda: ref.recall_at_k(Y, S, 1, label_format="sparse"), ValueError, r"label_format must be one of"),
        (lambda: ref.recall_at_k([1], [0.1, 0.2], 1), ValueError, r"y_pred must have rank 2 .* shape \(2,\)"),
        (lambda: ref.recall_at_k(Y, [[[0.1]]], 1), ValueError, r"y_pred must have rank 2"),
        (lambda: ref.recall_at_k(Y, [["a", "b", "c"]], 1), TypeError, r"y_pred must hold real-valued scores"),
        (lambda: ref.recall_at_k([[5]], S, 1), ValueError, r"in \[0, 3\) or -1 .* got id=5"),
        (lambda: ref.recall_at_k([[-2]], S, 1), ValueError, r"got id=-2"),
        (lambda: ref.recall_at_k([[0, 0]], S, 1), ValueError, r"must not repeat within a row"),
        (lambda: ref.recall_at_k([[0, 1], [0, 0]], S * 2, 1), ValueError, r"row 1"),
        (lambda: ref.recall_at_k(np.array([1.5]), S, 1), ValueError, r"whole-number item ids"),
        (lambda: ref.recall_at_k([[1, 0, 0, 0]], S, 1, **D), ValueError, r"dense y_true must have the shape"),
        (lambda: ref.recall_at_k([[1.0, np.nan, 0.0]], S, 1), ValueError, r"finite labels"),
        (lambda: ref.recall_at_k([1, 2], S, 1), ValueError, r"batch size 2 .* has 1"),
        (lambda: ref.recall_at_k([["a"]], S, 1), TypeError, r"y_true must be"),
        (lambda: ref.recall_at_k(Y, S, 1, mask=[[True, False]], **D), ValueError, r"mask must have the shape"),
        (lambda: ref.recall_at_k(Y, S, 1, mask=[[2, 0, 1]], **D), TypeError, r"mask must be bool"),
        (lambda: ref.recall_at_k({"label": Y}, S, 1), ValueError, r"key 'labels'"),
        (lambda: ref.recall_at_k({"labels": Y, "mask": [[True] * 3]}, S, 1, mask=[[True] * 3], **D),
         ValueError, r"mask given twice"),
        (lambda: ref.recall_at_k([[0, 1], [2]], S * 2, 1, label_format="dense"), ValueError, r"ragged"),
        (lambda: ref.recall_at_k(np.array([[True]]), S, 1, label_format="ids"), TypeError, r"ids must be ints"),
        (lambda: ref.weighted_mean([0.5, 1.0], [1.0]), ValueError, r"sample_weight must have shape"),
        (lambda: ref.weighted_mean([[0.5, 1.0]]), ValueError, r"values must be per-list values"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


# === Independence from TensorFlow ===

def test_reference_does_not_import_tensorflow():
    # Load tfrank.reference under a bare stand-in for the tfrank package, so that the
    # package's own __init__ (which imports TensorFlow) does not run.
    package_dir = pathlib.Path(ref.__file__).resolve().parent.parent
    code = (
        "import sys, types\n"
        "pkg = types.ModuleType('tfrank'); pkg.__path__ = [sys.argv[1]]; sys.modules['tfrank'] = pkg\n"
        "import tfrank.reference\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TF imported'\n"
    )
    subprocess.run([sys.executable, "-c", code, str(package_dir)], check=True)
