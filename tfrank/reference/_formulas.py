"""Per-list metric formulas on one ranked list of labels.

Each function takes ``ranked``: the labels (>= 0) of a list's valid items, best-scored
first, and a cutoff ``k``. Items beyond the end of the list simply do not exist, so a
cutoff larger than the list needs no special case. "Relevant" means label > 0, and
``n_rel`` (the number of relevant items) is read off ``ranked`` itself, since it holds
every valid item. Callers handle lists with n_rel == 0 (the ``empty=`` policy) before
calling these, so no function here divides by zero.

Positions are 1-based in the comments and formulas, as in the papers.
"""

import math

import numpy as np


def n_relevant(ranked):
    return sum(1 for label in ranked if label > 0)


def hits(ranked, k):
    """Relevant items among the top k."""
    return sum(1 for label in ranked[:k] if label > 0)


def precision(ranked, k, denominator="k"):
    """trec_eval ``P_k``: hits@k / k, even when the list has fewer than k items.

    ``denominator="min_k_n"``: hits@k / min(k, n_valid) (tf-ranking, keras-rs).
    """
    if denominator == "k":
        return hits(ranked, k) / k
    return hits(ranked, k) / min(k, len(ranked))


def recall(ranked, k):
    """trec_eval ``recall_k``: hits@k / n_rel."""
    return hits(ranked, k) / n_relevant(ranked)


def f1(ranked, k):
    """Harmonic mean of P = hits@k / k and R = hits@k / n_rel; 0 when both are 0."""
    p = hits(ranked, k) / k
    r = hits(ranked, k) / n_relevant(ranked)
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def hit_rate(ranked, k):
    """1 if any relevant item is in the top k, else 0."""
    return 1.0 if hits(ranked, k) > 0 else 0.0


def reciprocal_rank(ranked, k):
    """1 / (position of the first relevant item), if it is within the top k; else 0.

    trec_eval ``recip_rank`` is the same quantity without a cutoff (k >= n_valid).
    """
    for position, label in enumerate(ranked[:k], start=1):
        if label > 0:
            return 1.0 / position
    return 0.0


def average_precision(ranked, k, normalizer="n_rel"):
    """Sum of P@i over the positions i <= k holding a relevant item, normalised.

    ``normalizer="n_rel"``: divide by n_rel (trec_eval ``map_cut_k``);
    ``"min_k_n_rel"``: by min(k, n_rel); ``"hits"``: by hits@k (0 when hits@k is 0).
    """
    total = 0.0
    found = 0
    for position, label in enumerate(ranked[:k], start=1):
        if label > 0:
            found += 1
            total += found / position
    if normalizer == "n_rel":
        return total / n_relevant(ranked)
    if normalizer == "min_k_n_rel":
        return total / min(k, n_relevant(ranked))
    return 0.0 if found == 0 else total / found


def gain_of(label, gain):
    """2^rel - 1 (``"exponential"``, Burges et al. 2005), rel (``"linear"``, trec_eval), or
    ``gain(rel)`` for a function; a non-relevant item (label 0) gains 0 whatever the function."""
    if callable(gain):
        return float(np.asarray(gain(np.float32(label)))) if label > 0 else 0.0
    return 2.0 ** label - 1.0 if gain == "exponential" else float(label)


def discount_of(rank, discount):
    """Discount of the 1-based ``rank``: 1 / log2(rank + 1) (``"log2"``), 1 / rank
    (``"reciprocal"``, keras-rs' example of a custom discount), or ``discount(rank)``."""
    if callable(discount):
        return float(np.asarray(discount(np.float32(rank))))
    return 1.0 / math.log2(rank + 1) if discount == "log2" else 1.0 / rank


def dcg(ranked, k, gain="exponential", discount="log2"):
    """Järvelin & Kekäläinen (2002) DCG@k = sum_{i <= k} g(rel_i) * discount(i)."""
    return sum(gain_of(label, gain) * discount_of(position, discount)
               for position, label in enumerate(ranked[:k], start=1))


def ndcg(ranked, k, gain="exponential", discount="log2"):
    """DCG@k / ideal DCG@k, the ideal being the same labels sorted descending (trec_eval ``ndcg_cut_k``)."""
    ideal = dcg(sorted(ranked, reverse=True), k, gain, discount)
    return dcg(ranked, k, gain, discount) / ideal


def r_precision(ranked, k=None):
    """trec_eval ``Rprec``: hits@R / R with R = n_rel. The cutoff ``k`` is unused."""
    r = n_relevant(ranked)
    return hits(ranked, r) / r
