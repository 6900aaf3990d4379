"""Keras 3 losses over `tfrank.losses.listwise`: smooth ranks, ListMLE, NeuralSort."""

import numbers

import keras

from tfrank.engine import validation
from tfrank.losses import lambdas, listwise
from tfrank.losses.base import RankingLoss


class _TemperatureLoss(RankingLoss):
    default_temperature = 1.0

    def __init__(self, temperature=None, **kwargs):
        temperature = self.default_temperature if temperature is None else temperature
        self.temperature = validation.check_temperature(temperature)
        super().__init__(**kwargs)

    def _options(self):
        return {"temperature": self.temperature}


@keras.saving.register_keras_serializable(package="tfrank")
class ApproxNDCGLoss(_TemperatureLoss):
    """ApproxNDCG: minus NDCG computed with smooth ranks (Qin, Liu & Li 2010; TF-Ranking).

    Per list: ``−Σ_i (2**y_i − 1) / log2(1 + r_i) / IDCG`` with the smooth rank
    ``r_i = 1 + Σ_{j valid, j≠i} σ((s_j − s_i) / temperature)``; values lie in [−1, 0].

    NOTE: dense labels build ``[B, N, N]``, ids ``[B, R, N]``. A list with no relevant item
    gives 0. Lower temperatures track the true NDCG more closely and give steeper gradients.
    Per-item weights multiply a list's value by ``Σ w_i y_i / Σ y_i`` (TF-Ranking's rule).

    Args:
        temperature: positive float, default 0.1 (TF-Ranking's ``alpha = 1 / temperature = 10``).

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.ApproxNDCGLoss(temperature=1.0)
    >>> # r_0 = 1 + σ(-1) = 1.2689 for the relevant item 0: -(1 / log2(2.2689)) / 1
    >>> round(float(loss([[0]], [[1.0, 0.0]])), 4)
    -0.846

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.ApproxNDCGLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = listwise.approx_ndcg_loss
    default_temperature = 0.1


@keras.saving.register_keras_serializable(package="tfrank")
class ApproxMRRLoss(_TemperatureLoss):
    """ApproxMRR: minus the reciprocal rank computed with smooth ranks (Qin, Liu & Li 2010;
    TF-Ranking's ``ApproxMRRLoss``).

    Per list: ``−Σ_i y_i / r_i / Σ_i y_i`` with the smooth ranks of `ApproxNDCGLoss` (for
    ids: the mean of ``1 / r_i`` over the relevant ids), in [−1, 0).

    NOTE: every relevant item counts, weighted by its label (not only the first one, as in
    MRR@K). Dense labels build ``[B, N, N]``, ids ``[B, R, N]``. A list with no relevant
    item gives 0.

    Args:
        temperature: positive float, default 0.1 (TF-Ranking's).

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.ApproxMRRLoss(temperature=1.0)
    >>> # r_0 = 1 + σ(-1) = 1.2689 for the relevant item 0: -1 / 1.2689
    >>> round(float(loss([[0]], [[1.0, 0.0]])), 4)
    -0.7881

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.ApproxMRRLoss(),
    metrics=[tfrank.MRRAtK(k=10)])``.
    """

    fn = listwise.approx_mrr_loss
    default_temperature = 0.1


@keras.saving.register_keras_serializable(package="tfrank")
class GumbelApproxNDCGLoss(_TemperatureLoss):
    """Gumbel ApproxNDCG (Bruch et al. 2020; TF-Ranking's ``GumbelApproxNDCGLoss``):
    ApproxNDCG averaged over ``sample_size`` Gumbel perturbations of the scores.

    Per list: the mean over the draws of `ApproxNDCGLoss` on
    ``log softmax((s + g) / gumbel_temperature)``, ``g`` standard Gumbel noise.

    NOTE: each call draws new noise from a ``keras.random.SeedGenerator(seed)``, so a
    training run is deterministic given ``seed`` (None: a random seed, as TF-Ranking's
    default). TF-Ranking's ``sample_size``, ``gumbel_temperature`` and ``seed`` keep their
    meaning, but its numbers come from TensorFlow's stateful random ops and cannot be
    reproduced draw for draw. ``reduction="sum"`` sums the per-list means, where
    TF-Ranking sums the ``B · sample_size`` sampled lists. Memory: ``sample_size`` times
    ApproxNDCG's.

    Args:
        sample_size: positive int, default 8: draws per list.
        gumbel_temperature: positive float, default 1.0.
        seed: None or an int.
        temperature: positive float, default 0.1 (ApproxNDCG's).

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.GumbelApproxNDCGLoss(seed=1)
    >>> value = float(loss([[0]], [[1.0, 0.0]]))
    >>> -1.0 <= value < 0.0, value != float(loss([[0]], [[1.0, 0.0]]))  # new noise each call
    (True, True)

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.GumbelApproxNDCGLoss(seed=0),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = listwise.gumbel_approx_ndcg_loss
    default_temperature = 0.1

    def __init__(self, sample_size=8, gumbel_temperature=1.0, seed=None, temperature=None, **kwargs):
        self.sample_size = validation.check_positive_int("sample_size", sample_size)
        self.gumbel_temperature = validation.check_temperature(gumbel_temperature, "gumbel_temperature")
        if seed is not None and not (isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0):
            raise validation.invalid("seed", seed, "None or a non-negative int", TypeError)
        self.seed = seed
        self._seeds = keras.random.SeedGenerator(seed)
        super().__init__(temperature, **kwargs)

    def _options(self):
        return {"sample_size": self.sample_size, "gumbel_temperature": self.gumbel_temperature,
                "seed": self.seed, "temperature": self.temperature}

    def _values(self, y_true, y_pred, item_weights):
        options = {**self._options(), "seed": self._seeds.next()}
        return listwise.gumbel_approx_ndcg_loss(y_true, y_pred, label_format=self.label_format,
                                                sample_weight=item_weights, **options)


@keras.saving.register_keras_serializable(package="tfrank")
class ListMLELoss(_TemperatureLoss):
    """ListMLE (Xia et al. 2008; TF-Ranking's ``ListMLELoss``): minus the log Plackett-Luce
    likelihood of the items in label order.

    Per list: ``Σ_{k=1}^{n} D(k) (log Σ_{m ≥ k} e^{s_π(m)} − s_π(k))``, π the valid items sorted
    by label, descending; D = 1, or the discount of a `ListMLELambdaWeight`.

    NOTE: items of equal label are ordered by score, descending (the most likely order the
    labels allow): deterministic, where TF-Ranking shuffles them at random. Padding and
    masked items leave the list (TF-Ranking keeps m padded items at the end, which adds
    ``log m!``). A list with no relevant item gives 0. Memory ``[B, N]``: two sorts.

    Args:
        lambda_weight: None or a `ListMLELambdaWeight`.
        temperature: positive float, default 1.0: the logits are divided by it.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import math, tfrank
    >>> loss = tfrank.losses.ListMLELoss()
    >>> # order by label: items 1, 2, 0 with e^s = 3, 2, 1: -ln(3/6) - ln(2/3) - ln(1/1)
    >>> s = [[0.0, math.log(3.0), math.log(2.0)]]
    >>> round(float(loss([[0.0, 2.0, 1.0]], s)), 4), round(-math.log(3 / 6) - math.log(2 / 3), 4)
    (1.0986, 1.0986)

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.ListMLELoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = listwise.list_mle_loss
    lambda_weights = (lambdas.ListMLELambdaWeight,)

    def __init__(self, lambda_weight=None, temperature=1.0, **kwargs):
        self._set_lambda_weight(lambda_weight)
        super().__init__(temperature, **kwargs)

    def _options(self):
        return {"lambda_weight": self.lambda_weight, "temperature": self.temperature}


@keras.saving.register_keras_serializable(package="tfrank")
class NeuralSortCrossEntropyLoss(_TemperatureLoss):
    """NeuralSort cross-entropy (Grover et al. 2019; TF-Ranking's ``NeuralSortCrossEntropyLoss``):
    the relaxed sort of the scores against the relaxed sort of the labels.

    Per list: ``Σ_{r ≤ n} Σ_j −P_y[r, j] log(P_s[r, j] + 1e-20) / n``, where row r of
    ``P_x = softmax_j((n + 1 − 2r) x_j − Σ_m |x_j − x_m|)`` over the n valid items relaxes
    "item j is at rank r" (labels at temperature 1, scores divided by ``temperature``).

    NOTE: memory ``[B, N, N]`` for every label form (ids become labels 1 on the relevant
    ids). A list with no relevant item gives 0. TF-Ranking has this loss in its
    ``losses_impl`` only (no Keras class); the definition is that one.

    Args:
        temperature: positive float, default 1.0.

    Keyword Args:
        label_format: as in `RankingLoss`.
        reduction: as in `RankingLoss`.
        name: as in `RankingLoss`.
        dtype: as in `RankingLoss`.

    Example:

    >>> import tfrank
    >>> loss = tfrank.losses.NeuralSortCrossEntropyLoss()
    >>> bool(loss([[1.0, 0.0]], [[3.0, -3.0]]) < loss([[1.0, 0.0]], [[-3.0, 3.0]]))
    True

    In a model: ``model.compile(optimizer="adam", loss=tfrank.losses.NeuralSortCrossEntropyLoss(),
    metrics=[tfrank.NDCGAtK(k=10)])``.
    """

    fn = listwise.neural_sort_cross_entropy_loss
