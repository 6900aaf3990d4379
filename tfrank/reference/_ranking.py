"""Ranking a list by score, with the two tie policies of the reference.

``ties="first"``: equal scores keep index order (a stable sort on the negated scores,
which is also what ``tf.math.top_k`` does). ``+inf`` ranks first and ``-inf`` last.

``ties="expected"``: McSherry & Najork, "Computing Information Retrieval Performance
Measures Efficiently in the Presence of Tied Scores", ECIR 2008. The value of a metric
is its mean over every ordering of the tied (equal-score) items, all equally likely.
The reference computes that mean by plain enumeration rather than by their closed form.

Enumeration detail: a metric here depends on the ranked *labels* only, never on which
item carries them. Within a tie group of n items whose labels have multiplicities
c_1, c_2, ..., each distinct arrangement of the labels comes from exactly
c_1! * c_2! * ... of the n! item orderings, so the distinct label arrangements are
themselves equally likely. Enumerating them (n! / (c_1! c_2! ...) per group, the
multinomial coefficient) gives the same mean as enumerating all item orderings, with
far fewer cases: a tie group whose items all carry the same label has one arrangement.
"""

import itertools
import math
from collections import Counter

import numpy as np

MAX_ORDERINGS = 100_000


def rank_order(scores):
    """Indices of ``scores`` from best to worst; equal scores keep index order."""
    return np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")


def tie_groups(scores, labels):
    """Labels in ranked order, cut into runs of equal score: a list of lists of labels."""
    order = rank_order(scores)
    groups = []
    previous = None
    for index in order:
        score = scores[index]
        if groups and score == previous:
            groups[-1].append(float(labels[index]))
        else:
            groups.append([float(labels[index])])
        previous = score
    return groups


def count_arrangements(values):
    """Number of distinct arrangements of a multiset: n! / (c_1! c_2! ...)."""
    count = math.factorial(len(values))
    for multiplicity in Counter(values).values():
        count //= math.factorial(multiplicity)
    return count


def distinct_arrangements(values):
    """Every distinct ordering of the multiset ``values``, each once (as tuples)."""
    counts = Counter(values)
    keys = sorted(counts)
    prefix = []

    def extend():
        if len(prefix) == len(values):
            yield tuple(prefix)
            return
        for key in keys:
            if counts[key]:
                counts[key] -= 1
                prefix.append(key)
                yield from extend()
                prefix.pop()
                counts[key] += 1

    return list(extend())


def ranked_labels(scores, labels, ties):
    """The label sequences (ranked best first) whose mean metric value is the answer.

    One sequence for ``ties="first"``; for ``ties="expected"``, every distinct
    arrangement of the labels within tie groups, each equally likely.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    if ties == "first":
        return [labels[rank_order(scores)]]
    groups = tie_groups(scores, labels)
    total = 1
    for group in groups:
        total *= count_arrangements(group)
    if total > MAX_ORDERINGS:
        raise ValueError(
            f"ties='expected' in the NumPy reference enumerates orderings of tied items, and this list "
            f"has {total} distinct orderings (more than {MAX_ORDERINGS}); use fewer tied items"
        )
    per_group = [distinct_arrangements(group) for group in groups]
    return [np.array(sum(choice, ()), dtype=np.float64) for choice in itertools.product(*per_group)]
