"""The `tfrank.engine.ranking.Ranked` view of a retrieval batch, built from the corpus top-K.

Every tfrank definition (`tfrank.engine.definitions`) reads the same few fields, so the whole
metric family applies to retrieval unchanged: ``gains`` and ``hits`` of the top K'
positions (from `tfrank.retrieval.scoring.retrieval_top_k`), and per query
``n_relevant`` (relevant candidates left after exclusion) and ``n_valid`` (M minus the
excluded candidates). Under ``ties="expected"`` the tie group that straddles the cut-off
is counted over the whole corpus by a second chunked pass (`scoring.count_ties`).
"""

import tensorflow as tf

from tfrank.engine import ranking
from tfrank.engine.inputs import Lists
from tfrank.retrieval import scoring


def rank_corpus(queries, candidates, labels, depth, *, chunk, ties="first", kinds=ranking.GAINS):
    """`Ranked` view of queries ``[B, d]`` against candidates ``[M, d]`` (float32, static M),
    given their `tfrank.retrieval.inputs.Labels`, keeping the top ``depth`` <= M positions.
    ``kinds``: the gains whose tie-group means ``ties="expected"`` needs (`tfrank.engine.gain_kinds`)."""
    top = scoring.retrieval_top_k(queries, candidates, depth, chunk=chunk, exclude=labels.exclude)
    relevant = labels.relevant
    lists = Lists(
        scores=None,  # never [B, M]: the definitions read the fields below only
        labels=None,
        ids=relevant,
        n_relevant=tf.reduce_sum(tf.cast(relevant >= 0, tf.float32), axis=1),
        n_valid=float(candidates.shape[0]) - labels.n_excluded,
        poisoned=top.poisoned | labels.bad,
        checks=labels.checks,
    )
    gains = ranking.top_gains(lists, top.indices)
    hits = ranking.prefix_sums(tf.cast(gains > 0.0, tf.float32))
    groups = None
    if ties == "expected":

        def whole_corpus(threshold, in_boundary, gains, kinds):
            size, tied_relevant = scoring.count_ties(
                queries, candidates, threshold[:, 0], relevant, depth, chunk=chunk, exclude=labels.exclude
            )
            # Binary labels: each tied relevant candidate gains gain(1).
            return size, tied_relevant, {kind: tied_relevant * ranking.gain(tf.ones([]), kind) for kind in kinds}

        groups = ranking.tie_groups(lists, top.values, gains, kinds, whole_corpus)
    return ranking.Ranked(lists=lists, depth=depth, gains=gains, hits=hits, ties=groups)
