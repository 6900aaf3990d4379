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
