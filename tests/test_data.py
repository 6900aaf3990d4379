"""Demo data: the bundled digit-retrieval lists and the TFDS ranking loader (offline, mocked)."""

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfrank.apps import cli, data
from tfrank import reference

MSLR = "mslr_web/10k_fold1"


@pytest.fixture(scope="module")
def digits():
    return data.load_digits(seed=0)


def test_digits_lists(digits):
    n = data.DIGITS_CANDIDATES
    assert digits.x_train.shape == (1078, n, 128) and digits.x_val.shape == (719, n, 128)
    assert digits.y_train.shape == (1078, n) and digits.y_val.shape == (719, n)
    for y in (digits.y_train, digits.y_val):
        assert set(np.unique(y)) == {0.0, 1.0}
        n_rel = y.sum(axis=1)
        assert n_rel.min() == data.DIGITS_MIN_RELEVANT and n_rel.max() == data.DIGITS_MAX_RELEVANT
    # Features are q * c and |q - c| for pixels q, c in [0, 1]: both lie in [0, 1], and
    # q + c = sqrt(|q - c|^2 + 4 qc) can be at most 2.
    product, distance = digits.x_val[..., :64], digits.x_val[..., 64:]
    assert product.min() >= 0 and distance.min() >= 0 and product.max() <= 1 and distance.max() <= 1
    assert np.all(np.sqrt(distance**2 + 4 * product) <= 2 + 1e-6)


def test_digits_precision_at_3_is_1_for_a_perfect_ranking(digits):
    perfect = reference.precision_at_k(digits.y_val, digits.y_val, 3, label_format="dense")
    assert np.all(perfect == 1.0)
    # Random scores: expected P@3 is the share of relevant candidates, mean(n_rel) / 20.
    noise = np.random.default_rng(0).random(digits.y_val.shape)
    chance = reference.weighted_mean(reference.precision_at_k(digits.y_val, noise, 3, label_format="dense"))
    assert chance == pytest.approx(digits.y_val.sum(axis=1).mean() / data.DIGITS_CANDIDATES, abs=0.03)


def test_digits_are_deterministic_per_seed():
    a, b, c = (data.load_digits(seed=s, max_lists=50) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.y_val, c.y_val)
    assert a.x_train.shape[0] == 50


def _mock_examples(split, data_dir):
    ds = tfds.load(MSLR, split=split, download=False, data_dir=data_dir)
    return list(ds.as_numpy_iterator())


def test_tfds_ranking_builder_maps_graded_labels_to_y_true(tmp_path):
    with tfds.testing.mock_data(num_examples=6):
        loaded = data.load(f"tfds:{MSLR}", data_dir=str(tmp_path), max_items=30)
        raw = {split: _mock_examples(split, str(tmp_path)) for split in ("train", "vali")}
    for x, y, examples in ((loaded.x_train, loaded.y_train, raw["train"]), (loaded.x_val, loaded.y_val, raw["vali"])):
        assert x.shape[0] == y.shape[0] == 6 and x.shape[2] == 136 and y.shape[1] <= 30
        assert x.dtype == y.dtype == np.float32
        for row, example in enumerate(examples):
            n = min(len(example["float_features"]), len(example["label"]), 30)
            np.testing.assert_allclose(y[row, :n], example["label"][:n], rtol=1e-6)
            assert np.all(y[row, n:] == -1.0)  # padding: left out by every tfrank metric
            assert np.all(x[row, n:] == 0.0)
    assert loaded.name == f"tfds:{MSLR}"
    # Standardised with the training items' statistics.
    train_items = loaded.x_train[loaded.y_train >= 0]
    np.testing.assert_allclose(train_items.mean(axis=0), 0.0, atol=1e-4)


def test_demo_runs_on_a_tfds_builder(tmp_path, capsys):
    argv = ["demo", "--dataset", f"tfds:{MSLR}", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"),
            "--max-trials", "1", "--epochs", "1", "--k", "5"]
    with tfds.testing.mock_data(num_examples=8):
        assert cli.main(argv) == 0
    assert "best val_precision_at_5" in capsys.readouterr().out
    assert (tmp_path / "run" / "results.json").exists()


@pytest.mark.parametrize(
    "dataset, message",
    [
        ("tfds:mnist", "tfds:mnist is not supported: --dataset tfds:NAME takes a TFDS ranking builder (mslr_web"),
        ("tfds:mslr_web/no_such_config", "TFDS has no data set 'mslr_web/no_such_config'"),
        ("mnist", "dataset must be 'digits' or 'tfds:NAME'"),
        (f"tfds:{MSLR}", "python -c \"import tensorflow_datasets as tfds; tfds.load('mslr_web/10k_fold1', data_dir="),
    ],
)
def test_unavailable_data_gives_a_clear_error(dataset, message, tmp_path):
    with pytest.raises(data.DataError) as info:
        data.load(dataset, data_dir=str(tmp_path))
    assert message in str(info.value)
