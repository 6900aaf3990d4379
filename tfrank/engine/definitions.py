"""Per-list metric definitions on a `tfrank.engine.ranking.Ranked` batch.

Each definition takes ``(ranked, ks, **options)`` and returns ``[B, len(ks)]`` values
(``ks`` is ``(None,)`` for R-precision, which has no cut-off). Positions are 0-based
here; the formulas in docstrings count ranks from 1.

What they read: under ``ties="first"``, ``ranked.gains`` ``[B, K']``, ``ranked.hits``
``[B, K' + 1]``, ``ranked.depth``, and from ``ranked.lists`` the counts ``n_relevant`` and
``n_valid`` and, for NDCG's ideal ordering, ``labels`` (dense) — nothing else, so any
producer of those fields serves every metric. R-precision needs K' = N. Under
``ties="expected"`` they read ``ranked.ties`` instead of ``gains``/``hits`` (see
`tfrank.engine.ties` for the derivations).
"""

import dataclasses

import tensorflow as tf

from tfrank.engine import fastrank, ranking, ties, validation, weights

# === Per-position quantities, under either tie policy ===


def _hits(ranked):
    """``[B, K' + 1]`` (expected) relevant items among the top i."""
    return ranked.hits if ranked.ties is None else ranked.ties.hits


def _gains(ranked, kind):
    """``[B, K']`` (expected) gain at each position."""
    if ranked.ties is None:
        return ranking.gain(ranked.gains, kind)
    return ranked.ties.mean_gain[kind]


def _miss_factors(ranked):
    """``[B, K']`` P(no relevant item at position i | none above it in its group)."""
    if ranked.ties is None:
        return 1.0 - tf.cast(ranked.gains > 0.0, tf.float32)  # every "group" is one item
    return ties.miss_factors(ranked)


def _pair_terms(ranked):
    """``[B, K']`` (expected) rel_i * hits@(i+1), AP's numerator before the 1/rank."""
    if ranked.ties is None:
        return tf.cast(ranked.gains > 0.0, tf.float32) * ranked.hits[:, 1:]
    return ties.pair_terms(ranked)


def _item_weighted(ranked, metric):
    """True when per-item weights enter the metric's formula (`tfrank.engine.weights`)."""
    if ranked.weights is None:
        return False
    if ranked.ties is not None:
        raise validation.unsupported_item_weights(f"{metric} with ties='expected'")
    return True


def _per_rank(values):
    """``[B, K']`` values divided by their 1-based rank."""
    return values / tf.cast(tf.range(1, tf.shape(values)[1] + 1), tf.float32)[None, :]


def _discounted(values, discount="log2"):
    """``[B, K']`` values times the discount of their 1-based rank r: 1 / log2(r + 1)
    (``"log2"``), 1 / r (``"reciprocal"``) or ``discount(r)`` for a function."""
    ranks = tf.cast(tf.range(1, tf.shape(values)[1] + 1), tf.float32)
    if discount == "log2":
        factor = tf.math.log(2.0) / tf.math.log1p(ranks)
    elif discount == "reciprocal":
        factor = 1.0 / ranks
    else:
        factor = tf.cast(discount(ranks), tf.float32)
    return values * factor[None, :]


def _cutoffs(ks):
    """``[1, len(ks)]`` the nominal cut-offs as floats (P@K divides by K even past the list's end)."""
    return tf.constant([float(k) for k in ks])[None, :]


def _at(prefix, ranked, ks):
    """``[B, len(ks)]``: a ``[B, K' + 1]`` prefix read at each cut-off (clamped to the list)."""
    return tf.stack([prefix[:, ranking.clamp(k, ranked.depth)] for k in ks], axis=1)


# === Definitions ===


def precision(ranked, ks, *, denominator="k"):
    """hits@K / K, or / min(K, valid items) for ``denominator="min_k_n"`` (tf-ranking, keras-rs)."""
    hits = _at(_hits(ranked), ranked, ks)
    if denominator == "k":
        return hits / _cutoffs(ks)
    return tf.math.divide_no_nan(hits, tf.minimum(_cutoffs(ks), ranked.lists.n_valid[:, None]))


def recall(ranked, ks):
    """hits@K / n_rel."""
    return tf.math.divide_no_nan(_at(_hits(ranked), ranked, ks), ranked.lists.n_relevant[:, None])


def f1(ranked, ks):
    """2PR / (P + R) with P = hits@K / K and R = hits@K / n_rel, i.e. 2 hits@K / (K + n_rel): linear in hits."""
    return 2.0 * _at(_hits(ranked), ranked, ks) / (_cutoffs(ks) + ranked.lists.n_relevant[:, None])


def hit_rate(ranked, ks):
    """1 - P(no relevant item in the top K): 1 or 0 under ties="first"."""
    misses = _miss_factors(ranked)
    no_hit = tf.pad(tf.math.cumprod(misses, axis=1), [[0, 0], [1, 0]], constant_values=1.0)
    return 1.0 - _at(no_hit, ranked, ks)


def mrr(ranked, ks):
    """sum_{i <= K} P(the first relevant item is at rank i) / i."""
    misses = _miss_factors(ranked)
    first_hit = tf.math.cumprod(misses, axis=1, exclusive=True) * (1.0 - misses)  # P(first hit at i)
    return _at(ranking.prefix_sums(_per_rank(first_hit)), ranked, ks)


def average_precision(ranked, ks, *, normalizer="n_rel"):
    """sum_{i <= K} rel_i hits@i / i, over n_rel, min(K, n_rel) or hits@K (``normalizer``).

    Per-item weights: sum_{i <= K} w_i rel_i hits@i / i over sum_i w_i rel_i (the whole
    list for ``"n_rel"``, the top K for ``"hits"``).
    """
    if _item_weighted(ranked, "map"):
        if normalizer == "min_k_n_rel":
            raise validation.unsupported_item_weights("map with normalizer='min_k_n_rel'")
        relevant = ranked.weights * tf.cast(ranked.gains > 0.0, tf.float32)
        numerator = _at(ranking.prefix_sums(_per_rank(relevant * ranked.hits[:, 1:])), ranked, ks)
        if normalizer == "n_rel":
            return tf.math.divide_no_nan(numerator, weights.relevant_weight(ranked.lists)[:, None])
        return tf.math.divide_no_nan(numerator, _at(ranking.prefix_sums(relevant), ranked, ks))
    numerator = ranking.prefix_sums(_per_rank(_pair_terms(ranked)))
    n_rel = ranked.lists.n_relevant[:, None]
    if normalizer == "n_rel":
        return tf.math.divide_no_nan(_at(numerator, ranked, ks), n_rel)
    if normalizer == "min_k_n_rel":
        return tf.math.divide_no_nan(_at(numerator, ranked, ks), tf.minimum(_cutoffs(ks), n_rel))
    if ranked.ties is None:  # "hits"
        return tf.math.divide_no_nan(_at(numerator, ranked, ks), _at(ranked.hits, ranked, ks))
    return tf.stack([ties.average_precision_by_hits(ranked, numerator, k) for k in ks], axis=1)


def _weighted_dcg(ranked, ks, gain, discount):
    """sum_{i <= K} w_i gain(rel_i) discount(i), or the unweighted DCG without per-item weights."""
    gains = _gains(ranked, gain)
    if _item_weighted(ranked, "dcg and ndcg"):
        gains = gains * ranked.weights
    return _at(ranking.prefix_sums(_discounted(gains, discount)), ranked, ks)


def dcg(ranked, ks, *, gain="exponential", discount="log2"):
    """sum_{i <= K} gain(rel_i) discount(i) (per-item weights: sum w_i gain_i discount(i) / w_list)."""
    value = _weighted_dcg(ranked, ks, gain, discount)
    if ranked.weights is None:
        return value
    return tf.math.divide_no_nan(value, weights.list_weight(ranked.lists, gain)[:, None])


def _ideal_labels(ranked):
    """``[B, K']`` the list's valid labels sorted descending (ids: 1 for the first n_rel)."""
    lists = ranked.lists
    if lists.labels is not None:
        return fastrank.top_k(lists.labels, ranked.depth).values  # tf.math.top_k's values, faster
    positions = tf.cast(tf.range(tf.shape(ranked.gains)[1]), tf.float32)[None, :]
    return tf.cast(positions < lists.n_relevant[:, None], tf.float32)


def ndcg(ranked, ks, *, gain="exponential", discount="log2"):
    """DCG@K over the DCG@K of the list's labels sorted descending (per-item weights: sorted by w_i g_i)."""
    if ranked.weights is None:
        ideal_gains = ranking.gain(_ideal_labels(ranked), gain)
    else:
        ideal_gains = weights.ideal_weighted_gains(ranked.lists, ranked.depth, gain)
    ideal = _at(ranking.prefix_sums(_discounted(ideal_gains, discount)), ranked, ks)
    return tf.math.divide_no_nan(_weighted_dcg(ranked, ks, gain, discount), ideal)


def r_precision(ranked, ks):
    """hits@R / R with R = n_rel, which varies per list: the ranking holds the whole list."""
    n_rel = ranked.lists.n_relevant
    cut = tf.minimum(tf.cast(n_rel, tf.int32), tf.shape(ranked.gains)[1])  # n_rel <= N unless ids repeat
    hits = tf.gather(_hits(ranked), cut[:, None], batch_dims=1)
    return tf.math.divide_no_nan(hits, n_rel[:, None])


# === The table the engine reads ===

# Option values; "gain" and "discount" also take a registered Keras serializable function.
GAIN_CHOICES = ("exponential", "linear")
DISCOUNT_CHOICES = ("log2", "reciprocal")
FUNCTION_OPTIONS = ("gain", "discount")
NUMBER_OPTIONS = ("alpha",)  # a float in [0, 1]; its "choices" hold only the default


@dataclasses.dataclass(frozen=True)
class Definition:
    """fn: the per-list definition. options: {option: valid values, default first}.
    cutoff: False for R-precision, ARP and OPA, which take no k and rank the whole list.
    ties: the tie policies the definition supports.
    countable: ``countable(lists)`` ``[B]`` bool, the lists it can score; None: those with
        a relevant item (the empty-list policy applies to the others).
    subtopics: True when it also takes subtopic labels ``[B, N, S]`` (`tfrank.engine.diversity`).
    ``fn`` may return ``(values, mass)``: then ``mass`` ``[B]`` is the list's weight under
    ``average="micro"`` (`tfrank.engine.positions`)."""

    fn: object
    options: dict
    cutoff: bool = True
    ties: tuple = validation.TIES
    countable: object = None
    subtopics: bool = False


DEFINITIONS = {
    "precision": Definition(precision, {"denominator": ("k", "min_k_n")}),
    "recall": Definition(recall, {}),
    "f1": Definition(f1, {}),
    "hit_rate": Definition(hit_rate, {}),
    "mrr": Definition(mrr, {}),
    "map": Definition(average_precision, {"normalizer": ("n_rel", "min_k_n_rel", "hits")}),
    "ndcg": Definition(ndcg, {"gain": GAIN_CHOICES, "discount": DISCOUNT_CHOICES}),
    "dcg": Definition(dcg, {"gain": GAIN_CHOICES, "discount": DISCOUNT_CHOICES}),
    "r_precision": Definition(r_precision, {}, cutoff=False),
}
