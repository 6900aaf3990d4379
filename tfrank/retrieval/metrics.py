"""`RetrievalMetrics`: the tfrank metric family over a whole candidate corpus (two-tower models).

A thin streaming wrapper: the state is `tfrank.metrics.RankingMetric`'s (weighted sums
and weight totals per log name) plus the candidate index, a non-trainable ``[M, d]``
float32 variable that is not part of the saved metric state (it is recomputed).
"""

import keras
import numpy as np
import tensorflow as tf

from tfrank import engine
from tfrank.engine import validation
from tfrank.engine import inputs as list_inputs
from tfrank.metrics.base import RankingMetrics
from tfrank.retrieval import functional, index, scoring

_DEFAULT_NAME = "retrieval_metrics"


@keras.saving.register_keras_serializable(package="tfrank")
class RetrievalMetrics(RankingMetrics):
    """Ranking metrics of each query against every candidate of a corpus: exact, streaming, chunked.

    ``y_pred`` holds query embeddings ``[B, d]``; the metric scores them against its index
    of M candidate embeddings ``[M, d]`` (``score = q . c``, or cosine), takes the exact
    top K over all M candidates (equal scores: lower candidate index first, as
    ``tf.math.top_k`` over the whole corpus) and reports every requested metric at every
    k, e.g. ``recall_at_100 = |relevant in the top 100| / |relevant|`` per query, a
    ``sample_weight``-weighted mean over queries. ``y_true`` holds the relevant
    candidates: class ids ``[B]`` / ``[B, 1]``, ids ``[B, R]`` padded with -1, or ragged.

    NOTE: memory is O(B (K + chunk)) beyond the index: the corpus is scored ``[B, chunk]``
    at a time and a running top-K is merged (never ``[B, M]``); every compared score comes
    from the same chunk matmul. Exclusion ids ``[B, E]`` (padded with -1) remove
    candidates from both the ranking and the relevant set: keyword ``exclude=``, or in
    ``fit`` (no keyword reaches a metric there) the last ``exclude_columns`` columns
    of ``y_true``. The index is recomputed from
    ``candidate_model`` at every ``reset_state()`` (Keras resets metrics at the start of
    each evaluation and each epoch), so ``val_`` values use the current candidate tower.
    ``empty``, ``ties`` (``"expected"`` adds a second pass over the corpus), NaN (a NaN
    score poisons the query) and bad-input rules are those of every tfrank metric.
    The candidates and their ids are not part of ``get_config()``: a loaded model's
    metric holds a zero index until ``set_candidates`` (or a candidate model) fills it.

    Args:
        candidates: embeddings ``[M, d]`` (array or ``tf.data.Dataset`` of batches), or
            with ``candidate_model`` the candidates' features. None only with
            ``num_candidates`` and ``dim`` (then call `set_candidates` before use).
        k: cut-off, a positive int <= M or a list of them.
        metrics: names from precision, recall, f1, hit_rate, mrr, map, ndcg, dcg.
        candidate_model: optional tower mapping candidate features to embeddings.
        candidate_ids: optional ``[M]`` distinct int ids of the rows; labels then use them.
        similarity: ``"dot"`` (default) or ``"cosine"``.
        chunk: candidates scored at a time (default 32768; raised to k, need not divide M).
        batch_size: batch size for running ``candidate_model`` over array features.
        exclude_columns: E > 0: ``y_true`` is ``[B, R + E]``, its last E columns the
            exclusion ids (the way to pass them through ``model.fit``).
        name: default ``"retrieval_metrics"`` (log names unprefixed); another name
            prefixes every log name.
        stderr: True adds ``{log name}_stderr`` after each log name
            (``recall_at_100_stderr``), the standard error of that mean over queries
            (`tfrank.RankingMetric`; NaN before two countable queries).
        empty, ties, dtype, and the options denominator, normalizer, gain: as in
            `tfrank.RankingMetrics`.

    Example (3 candidates; query 0 scores them 0, 1, 2 and ranks candidate 1 second;
    query 1 scores them 1, 1, 0: equal scores, lower index first, so 1 ranks second):

    >>> import numpy as np, tfrank
    >>> candidates = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    >>> m = tfrank.RetrievalMetrics(candidates, k=[1, 2], metrics=["recall", "hit_rate"])
    >>> m.update_state([1, 1], [[0.0, 1.0], [1.0, 0.0]])
    >>> {name: float(v) for name, v in m.result().items()}
    {'recall_at_1': 0.0, 'recall_at_2': 1.0, 'hit_rate_at_1': 0.0, 'hit_rate_at_2': 1.0}

    In a model: ``model.compile(..., metrics=[tfrank.RetrievalMetrics(candidates,
    k=[10, 100], metrics=["recall", "ndcg"], candidate_model=candidate_tower)])`` logs
    ``val_recall_at_100``, for ``tfrank.objective("val_recall_at_100")``.
    """

    def __init__(
        self,
        candidates=None,
        k=100,
        metrics=("recall",),
        *,
        candidate_model=None,
        candidate_ids=None,
        similarity="dot",
        chunk=scoring.DEFAULT_CHUNK,
        batch_size=4096,
        num_candidates=None,
        dim=None,
        with_candidate_ids=False,
        exclude_columns=0,
        name=None,
        dtype=None,
        empty="skip",
        ties="first",
        stderr=False,
        **options,
    ):
        validation.check_choice("similarity", similarity, scoring.SIMILARITIES)
        if not isinstance(exclude_columns, int) or isinstance(exclude_columns, bool) or exclude_columns < 0:
            raise validation.invalid("exclude_columns", exclude_columns, "a non-negative int (columns of y_true)")
        functional.check_chunk(chunk)
        functional.check_metrics(metrics)
        self._source = None if candidates is None else index.CandidateSource(candidates, candidate_model, batch_size)
        embeddings = None
        if self._source is not None:
            embeddings = self._source.embed()
            index.check_embeddings(embeddings)
            num_candidates, dim = embeddings.shape
        elif num_candidates is None or dim is None:
            raise validation.invalid("candidates", candidates, "candidate embeddings [M, d] or features (or pass num_candidates and dim)")
        functional.check_k(k, num_candidates)
        super().__init__(k, metrics, name=name or _DEFAULT_NAME, dtype=dtype, label_format="ids", empty=empty, ties=ties,
                         stderr=stderr, **options)
        self.similarity, self.chunk, self.batch_size = similarity, chunk, batch_size
        self.exclude_columns = exclude_columns
        self._shape = (int(num_candidates), int(dim))
        # A plain tf.Variable: read by the compiled update, not part of the saved metric state.
        self._index = tf.Variable(tf.zeros(self._shape), trainable=False, name="candidate_index")
        self._lookup, self._filled = None, False
        if candidate_ids is not None or with_candidate_ids:
            rows = np.arange(num_candidates, dtype=np.int64)
            self._lookup = (tf.Variable(rows, trainable=False), tf.Variable(rows, trainable=False))
        if embeddings is not None:
            self.set_candidates(embeddings, candidate_ids=candidate_ids)

    # === The index ===

    def set_candidates(self, embeddings, *, candidate_ids=None):
        """Replaces the index by ``embeddings`` ``[M, d]`` (same M and d), and its ids if given."""
        embeddings = tf.convert_to_tensor(embeddings)
        index.check_embeddings(embeddings, self._shape)
        self._index.assign(scoring.embeddings(embeddings, self.similarity))
        self._filled = True
        if candidate_ids is not None:
            if self._lookup is None:
                raise validation.invalid("candidate_ids", candidate_ids, "None for a metric built without candidate_ids")
            for variable, value in zip(self._lookup, index.id_lookup(candidate_ids, self._shape[0])):
                variable.assign(value)

    def refresh(self):
        """Recomputes the index from the candidate model (no-op for fixed embeddings)."""
        if self._source is not None and self._source.model is not None:
            self.set_candidates(self._source.embed())

    def reset_state(self):
        super().reset_state()
        self.refresh()

    # === Streaming ===

    def update_state(self, y_true, y_pred, sample_weight=None, exclude=None):
        self._accumulate(*self.per_list(y_true, y_pred, sample_weight, exclude=exclude))

    def per_list(self, y_true, y_pred, sample_weight=None, exclude=None):
        """``(values, weights)`` ``[B, C]`` of each query, as `tfrank.RankingMetric.per_list`."""
        if not self._filled:  # e.g. restored from a config: never a silent number from a zero index
            raise ValueError(
                f"{self.name} holds no candidates yet: call set_candidates(embeddings) first "
                "(candidates are not saved with the metric's config)"
            )
        per_list, checks = list_inputs.list_weights(sample_weight, y_pred)
        with tf.control_dependencies(checks):
            values, countable, lists = functional.compute(
                self._requests,
                y_true,
                y_pred,
                tf.ensure_shape(tf.convert_to_tensor(self._index), self._shape),
                exclude=exclude,
                exclude_columns=self.exclude_columns,
                lookup=self._lookup,
                similarity=self.similarity,
                chunk=self.chunk,
                empty=self.empty,
                ties=self.ties,
            )
        return engine.weigh(self._requests, values, countable, lists, per_list, self.empty_weight)

    def result_names(self):
        names = engine.log_names(self._requests)
        return names if self.name == _DEFAULT_NAME else [f"{self.name}_{name}" for name in names]

    def get_config(self):
        config = super().get_config()
        del config["label_format"]
        config.update(
            similarity=self.similarity,
            chunk=self.chunk,
            batch_size=self.batch_size,
            num_candidates=self._shape[0],
            dim=self._shape[1],
            with_candidate_ids=self._lookup is not None,
            exclude_columns=self.exclude_columns,
        )
        return config
