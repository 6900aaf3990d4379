"""ties="expected" (McSherry & Najork, ECIR 2008): exact, without enumeration, in every mode.

Three independent checks: the mean of ties="first" over every permutation of a tiny
list's items (TF against TF, no reference involved), edge cases against the reference's
enumeration in eager, graph and XLA, and large tie groups against exact rational values
computed with math.comb (where no enumeration could go).
"""

import functools
import itertools
import math

import numpy as np
import pytest
import tensorflow as tf
from conftest import METRICS, assert_lists_close, per_list

import tfrank

ALL = list(METRICS)
# Option sets that together cover every option value (RankingMetrics hands each option
# to the metrics that take it).
OPTION_SETS = ({}, {"denominator": "min_k_n", "normalizer": "min_k_n_rel", "gain": "linear"}, {"normalizer": "hits"})
KS = [1, 2, 3, 10]


def _all_metrics(y_true, y_pred, ties, fn=None, ks=KS, metrics=ALL, **kwargs):
    """{log name / option set: per-list values} for every metric and option value."""
    out = {}
    for i, options in enumerate(OPTION_SETS):
        call = fn or tfrank.ops.ranking_metrics
        values = call(y_true, y_pred, ks, metrics=metrics, ties=ties, **options, **kwargs)
        out.update({f"{name}/{i}": np.asarray(v, np.float64) for name, v in values.items()})
    return out


@pytest.mark.parametrize("seed", range(6))
def test_expected_is_the_mean_of_first_over_all_item_permutations(seed):
    # Shuffling the items uniformly and breaking ties by index orders every tie group
    # uniformly at random, so the mean of ties="first" over all N! permutations of the
    # columns is the expected value. One batch holds every permutation.
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 7))
    labels = rng.integers(-1, 4, size=n).astype(np.float32)  # graded, with padding
    labels[rng.integers(n)] = 2.0  # at least one relevant item
    scores = rng.integers(0, 3, size=n).astype(np.float32)  # quantised: heavy ties
    mask = rng.random(n) < 0.85
    mask[labels > 0] = True
    perms = np.array(list(itertools.permutations(range(n))))
    expected = _all_metrics(labels[None], scores[None], "expected", mask=mask[None])
    shuffled = _all_metrics(labels[perms], scores[perms], "first", mask=mask[perms])
    for key, value in expected.items():
        np.testing.assert_allclose(value, [shuffled[key].mean()], atol=2e-6, err_msg=key)


# Lists built to hit every corner of the tie groups: (id, labels, scores); -1 is padding.
EDGE_CASES = [
    ("all_tied", [0, 1, 0, 2, 0, 1, 0], [0.5] * 7),
    ("one_relevant_in_a_big_group", [0] * 9 + [1], [0.1] * 10),
    ("group_straddles_k_with_relevant_below", [0, 1, 0, 0, 1, 1, 0], [0.9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1]),
    ("padding_shares_the_tied_score", [-1, 1, -1, 0, 2, -1], [0.5, 0.5, 0.5, 0.5, 0.9, 0.5]),
    ("singletons_and_pairs", [1, 0, 1, 1, 0, 0, 1], [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.5]),
    ("infinite_scores_tie", [0, 1, 1, 0, 0], [np.inf, np.inf, -np.inf, -np.inf, 0.0]),
    ("signed_zeros_tie", [1, 0, 1, 0], [0.0, -0.0, -0.0, 0.0]),
    ("longer_than_k_everything_relevant", [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2], [1.0] * 11),
    ("no_relevant_item", [0, 0, 0], [0.5, 0.5, 0.5]),
]


def _edge_batch():
    width = max(len(labels) for _, labels, _ in EDGE_CASES)
    labels = np.full((len(EDGE_CASES), width), -1.0, np.float32)  # pad every list to one width
    scores = np.zeros((len(EDGE_CASES), width), np.float32)
    for b, (_, row_labels, row_scores) in enumerate(EDGE_CASES):
        labels[b, : len(row_labels)], scores[b, : len(row_scores)] = row_labels, row_scores
    return labels, scores


@functools.lru_cache(maxsize=2)
def _edge_reference(ks):
    """{(option set, metric): [B, len(ks)]} from the reference's enumeration, computed once per ks."""
    labels, scores = _edge_batch()
    out = {}
    for i, options in enumerate(OPTION_SETS):
        for name in ALL:
            own = {key: value for key, value in options.items() if key in tfrank.engine.definitions.DEFINITIONS[name].options}
            out[i, name] = per_list(name, "ref", labels, scores, list(ks), ties="expected", **own)
    return out


# With a largest k of 10 < N = 11 (and no R-precision, which ranks whole lists) a tie group
# at position 10 goes on below it, so tfrank reads the labels of the whole list; with
# k = 11 = N every group lies in the top K', and tfrank takes the other branch of its
# tf.cond, which reads the top K' alone.
EDGE_VARIANTS = {
    "group_below_top": (tuple(KS), tuple(name for name in ALL if name != "r_precision")),
    "groups_within_top": ((1, 2, 3, 11), tuple(ALL)),
}


@pytest.mark.parametrize("ks, metrics", EDGE_VARIANTS.values(), ids=EDGE_VARIANTS.keys())
@pytest.mark.parametrize("mode", ["eager", "graph", "xla"])
def test_edge_cases_match_the_reference_enumeration(mode, ks, metrics):
    labels, scores = _edge_batch()
    fn = tfrank.ops.ranking_metrics
    if mode != "eager":
        fn = tf.function(fn, jit_compile=mode == "xla")
    got = _all_metrics(tf.constant(labels), tf.constant(scores), "expected", fn=fn, ks=list(ks), metrics=list(metrics))
    for (i, name), want in _edge_reference(ks).items():
        if name not in metrics:
            continue
        keys = [f"r_precision/{i}"] * len(ks) if name == "r_precision" else [f"{name}_at_{k}/{i}" for k in ks]
        assert_lists_close(np.stack([got[key] for key in keys], axis=1), want, atol=2e-6)


def test_hand_worked_two_tied_items():
    # One relevant item tied with one other: rank 1 or 2, probability 1/2 each.
    values = tfrank.ops.ranking_metrics([[1.0, 0.0]], [[0.5, 0.5]], [1, 2], metrics=ALL, ties="expected")
    got = {name: round(float(v[0]), 6) for name, v in values.items()}
    assert got["precision_at_1"] == got["hit_rate_at_1"] == got["r_precision"] == 0.5
    assert got["mrr_at_2"] == got["map_at_2"] == 0.75  # (1 + 1/2) / 2
    assert got["ndcg_at_2"] == round((1 + 1 / math.log2(3)) / 2, 6)
    assert got["f1_at_1"] == 0.5  # 2 * (1/2) / (1 + 1)


def _exact_all_tied(n, r, k):
    """Exact expectations for n tied items, r relevant, cut-off k (rational arithmetic in float64)."""
    pmf = [math.comb(r, h) * math.comb(n - r, k - h) / math.comb(n, k) for h in range(k + 1)]
    hit_rate = 1 - pmf[0]
    # P(first relevant at rank i) = C(n-r, i-1) / C(n, i-1) * r / (n - i + 1).
    mrr = sum(math.comb(n - r, i - 1) / math.comb(n, i - 1) * r / (n - i + 1) / i for i in range(1, k + 1))
    # Given h relevant among the k top positions (uniform), E[rel_i hits@i | h] = h/k + (i-1) h(h-1) / (k(k-1)).
    harmonic = sum(1 / i for i in range(1, k + 1))
    by_hits = sum(p * (harmonic / k + (h - 1) / (k * (k - 1)) * (k - harmonic)) for h, p in enumerate(pmf) if h)
    return {"precision": r / n, "hit_rate": hit_rate, "mrr": mrr, "map_hits": by_hits}


@pytest.mark.parametrize("n, r, k", [(20_000, 40, 10), (5_000, 3, 25), (300, 150, 20)])
def test_large_tie_groups_are_exact_in_float32(n, r, k):
    labels = np.zeros((1, n), np.float32)
    labels[0, np.random.default_rng(n).choice(n, r, replace=False)] = 1.0
    scores = np.zeros((1, n), np.float32)  # e.g. an untrained model's constant output
    got = tfrank.ops.ranking_metrics(labels, scores, k, metrics=["precision", "hit_rate", "mrr"], ties="expected")
    by_hits = tfrank.ops.map_at_k(labels, scores, k, normalizer="hits", ties="expected")
    want = _exact_all_tied(n, r, k)
    for name in ("precision", "hit_rate", "mrr"):
        assert float(got[f"{name}_at_{k}"][0]) == pytest.approx(want[name], rel=2e-5), name
    assert float(by_hits[0]) == pytest.approx(want["map_hits"], rel=2e-5)
