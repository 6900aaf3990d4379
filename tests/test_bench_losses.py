"""benchmarks/bench_losses.py, tiny: the ids and dense steps it times compute the same loss and metrics."""

from benchmarks import bench_losses
from tfrank.bench import timing


def test_ids_and_dense_steps_agree_and_are_timed():
    limits = timing.Limits(repeats=1, min_sample=0.0, budget=0.01)
    rows = bench_losses.run({64: 2}, losses=("PairwiseLogisticLoss",), limits=limits, say=lambda _: None)
    assert [row["loss"] for row in rows] == ["PairwiseLogisticLoss"]
    for row in rows:
        assert row["agree"] is True  # same loss value and P@10, R@10 from [B, R] ids and from [B, N] labels
        assert row["ids"] > 0 and row["dense"] > 0 and row["ids_over_dense"] == row["ids"] / row["dense"]


def test_pairwise_loss_section_agrees_and_reads_the_pair_tensor():
    from tfrank.bench import pair_losses

    limits = timing.Limits(repeats=1, min_sample=0.0, budget=0.01)
    rows = pair_losses.run("/CPU:0", limits, quick=True, say=lambda _: None, sizes={16: 2},
                           losses=("PairwiseHingeLoss", "PairwiseMSELoss"))
    assert [(row["loss"], row["lambda_weight"]) for row in rows] == [
        ("PairwiseHingeLoss", None), ("PairwiseHingeLoss", "NDCG@10"), ("PairwiseMSELoss", None),
        ("PairwiseMSELoss", "NDCG@10")]
    mib = 2.0**20
    for row in rows:
        assert row["agree"] is True  # dense [B, N] labels and ids [B, 5] give the same loss
        dense, ids = row["largest_tensor_mib"]["dense"], row["largest_tensor_mib"]["ids"]
        pairs = row["loss"] != "PairwiseMSELoss" or row["lambda_weight"]
        # The pair tensor: [B, N, N] for dense labels, [B, R, N] for ids; none for the MSE without a lambda weight.
        assert dense == (2 * 16 * 16 * 4 / mib if pairs else 2 * 16 * 4 / mib)
        assert ids == (2 * 5 * 16 * 4 / mib if pairs else 2 * 16 * 4 / mib)
