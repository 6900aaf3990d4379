"""`tfrank demo --task retrieval`: the search's recorded scores, its data (digits, MovieLens mocked offline)."""

import json
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from demo_checks import check_comparison, check_drawn

from tfrank import cli, reference
from tfrank.apps import report, retrieval_data, retrieval_demo

MOVIELENS = retrieval_data.MOVIELENS


@pytest.fixture(scope="module", autouse=True)
def _fresh_keras():
    keras.backend.clear_session()
    yield


# === The search on digits: results.json holds what the restored best model scores ===


def test_search_records_the_recall_of_its_best_model_over_the_whole_catalogue(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    argv = ["demo", "--task", "retrieval", "--max-trials", "2", "--epochs", "1", "--k", "20", "--out", str(out)]
    figures = []
    draw = report.figure
    monkeypatch.setattr(report, "figure", lambda *args, **kwargs: figures.append(draw(*args, **kwargs)) or figures[-1])
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "[bayesian] trial 1 (2 of 2)" in printed and "| val_recall_at_20 | best so far |" in printed

    results = json.loads((out / "results.json").read_text())
    assert results["task"] == "retrieval" and results["objective"] == "val_recall_at_20"
    assert results["direction"] == "max" and results["k"] == 20 and results["epochs"] == 1
    scores = [trial["score"] for trial in results["trials"]]
    assert len(scores) == 2 and results["best_score"] == max(scores)
    assert set(results["best_hyperparameters"]) == {"embedding_dim", "units", "l2_normalize", "temperature",
                                                    "learning_rate"}
    assert (out / "search.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The trial comparison: recall over the whole catalogue, each trial on its own candidate tower.
    check_comparison(results, printed, metric="recall_at_20", unit="lists", test="randomization", n=359)
    check_drawn(figures[0].axes[1], results)

    # Reload the finished search and score its best model with the brute-force NumPy reference:
    # every validation query against all gallery images, in float64, no chunks, no streaming.
    data = retrieval_data.load_digits(seed=0)
    _, tuner = retrieval_demo.search(data, k=20, max_trials=2, epochs=1, out=str(out), resume=True)
    with warnings.catch_warnings():  # the checkpoint holds the optimizer's state too; weights suffice
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = tuner.get_best_models(1)[0]
    queries = model.query_tower(data.x_val).numpy().astype(np.float64)
    catalogue = model.candidate_tower(data.candidates).numpy().astype(np.float64)
    relevant = data.y_val[:, : -data.exclude_columns]
    expected = reference.retrieval_metrics(relevant, queries, catalogue, 20, metrics=["recall"])["recall_at_20"]
    assert results["best_score"] == pytest.approx(float(np.mean(expected)), abs=1e-5)

    # A perfect ranking recalls min(K, R) / R: about 20 / 143 with ~143 relevant images per query.
    n_rel = (relevant >= 0).sum(axis=1)
    assert results["ceiling"] == pytest.approx(np.mean(np.minimum(20, n_rel) / n_rel))
    # The plot draws that ceiling as a labelled line.
    (ceiling,) = [line for line in figures[0].axes[0].get_lines() if line.get_label().startswith(report.CEILING_LABEL)]
    assert list(ceiling.get_ydata()) == pytest.approx([results["ceiling"]] * 2)
    assert ceiling.get_label() == f"{report.CEILING_LABEL}: {results['ceiling']:.3f}"
    assert results["baselines"]["random scores (expected)"] == pytest.approx(20 / len(data.candidates), rel=1e-5)


def _synthetic_queries():
    """Over M = 6 candidates: R = 3, R = 1, R = 0 (left out), and 2 relevant of which 1 excluded (R = 1)."""
    y_val = np.array([[0, 1, 2, -1, -1], [4, -1, -1, 5, -1], [-1, -1, -1, 0, 1], [3, 5, -1, 5, 2]], np.int32)
    return retrieval_data.RetrievalData("synthetic", "", None, None, None, y_val, np.zeros((6, 1)), 2, "dense")


@pytest.mark.parametrize("dataset, k", [("synthetic", 1), ("synthetic", 2), ("synthetic", 5), ("digits", 20),
                                        ("digits", 200)])
def test_ceiling_is_the_recall_of_a_perfect_ranking(dataset, k):
    data = _synthetic_queries() if dataset == "synthetic" else retrieval_data.load_digits(seed=0)
    relevant, exclude = data.y_val[:, : -data.exclude_columns], data.y_val[:, -data.exclude_columns :]
    # A perfect ranking: one-hot candidates, each query the multi-hot of its relevant candidates.
    catalogue = np.eye(len(data.candidates))
    queries = np.zeros((len(relevant), len(data.candidates)))
    for query, row in zip(queries, relevant):
        query[row[row >= 0]] = 1.0
    best = reference.retrieval_metrics(relevant, queries, catalogue, k, metrics=["recall"], exclude=exclude)
    assert retrieval_demo.ceiling(data, k) == pytest.approx(np.nanmean(best[f"recall_at_{k}"]))


def test_digits_queries_rank_the_gallery_of_all_other_images():
    data = retrieval_data.load_digits(seed=1)
    assert len(data.x_val) + len(data.candidates) == 1797 and data.x_train.shape == data.candidates.shape
    relevant_val = data.y_val[:, : -data.exclude_columns]
    # Training queries are gallery rows, each excluded from its own ranking and not its own relevant item.
    assert np.all(data.y_train[:, -data.exclude_columns] == np.arange(len(data.x_train)))
    relevant_train = data.y_train[:, : -data.exclude_columns]
    assert np.all(relevant_train.max(axis=1) < len(data.candidates))
    assert not np.any(relevant_train == np.arange(len(data.x_train))[:, None])
    # Relevance is the digit: every relevant row's image and the query image share a class,
    # checked through the images themselves (each query equals one scikit-learn image).
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels = {bytes((image / 16.0).astype(np.float32)): label for image, label in zip(bunch.data, bunch.target)}
    gallery_class = np.array([pixels[bytes(image)] for image in data.candidates])
    for query, row in zip(data.x_val[:20], relevant_val[:20]):
        rows = row[row >= 0]
        assert set(rows) == set(np.flatnonzero(gallery_class == pixels[bytes(query)]))


def test_training_loss_is_the_softmax_over_the_catalogue_without_excluded_candidates():
    candidates = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.5]], np.float32)
    queries = np.array([[0.5, 2.0], [1.0, -1.0]], np.float32)
    # [R = 2 relevant | E = 1 excluded]; query 1's relevant candidate 1 is excluded: it counts for neither.
    y = np.array([[0, 2, 1], [3, 1, 1]], np.int32)
    identity = keras.layers.Identity()
    model = retrieval_demo.TwoTower(identity, identity, candidates, exclude_columns=1, temperature=0.5)
    loss = float(model.compute_loss(y=y, y_pred=queries))

    expected = []
    for query, (*relevant, excluded) in zip(queries, y):
        logits = {c: float(query @ candidates[c]) / 0.5 for c in range(4) if c != excluded}
        log_norm = np.log(sum(np.exp(v) for v in logits.values()))
        counted = [c for c in relevant if c != excluded]
        expected.append(-np.mean([logits[c] - log_norm for c in counted]))
    assert loss == pytest.approx(np.mean(expected), rel=1e-5)


# === MovieLens through tfds.testing.mock_data: users query all movies ===

# (user, movie, rating, timestamp): u1 holds out its last 2 ratings (m8 liked, m9 not),
# u2 its last 1 (m1, liked), u3 its last 1 (rated 2: no validation query for u3).
RATINGS = (
    [("u1", f"m{i}", 5.0 if i == 8 else 3.0, i) for i in range(10)]
    + [("u2", m, 4.0, t) for t, m in enumerate(["m2", "m4", "m6", "m8", "m1"])]
    + [("u3", m, 2.0, t) for t, m in enumerate(["m0", "m3", "m5", "m7", "m9"])]
)


def _ratings(self, *args, **kwargs):
    users, movies, ratings, times = zip(*RATINGS)
    return tf.data.Dataset.from_tensor_slices({
        "user_id": list(users), "movie_id": list(movies), "user_rating": np.float32(ratings),
        "timestamp": np.int64(times)})


def test_movielens_loader_excludes_each_users_training_movies(tmp_path):
    with tfds.testing.mock_data(as_dataset_fn=_ratings):
        data = retrieval_data.load(f"tfds:{MOVIELENS}", data_dir=str(tmp_path))
    movie = {f"m{i}": i for i in range(10)}  # rows in sorted id order
    assert data.kind == "ids" and data.n_queries == 3 and np.array_equal(data.candidates, np.arange(10))
    assert data.x_train.tolist() == [0, 1, 2] and data.x_val.tolist() == [0, 1]
    e = data.exclude_columns
    rel_val, exc_val = data.y_val[:, :-e], data.y_val[:, -e:]
    assert [sorted(r[r >= 0]) for r in rel_val] == [[movie["m8"]], [movie["m1"]]]
    assert [sorted(x[x >= 0]) for x in exc_val] == [list(range(8)), sorted(movie[m] for m in ("m2", "m4", "m6", "m8"))]
    # u2 rated m8 in training: m8 is excluded from u2's ranking, never among its relevant movies.
    for rel, exc in zip(rel_val, exc_val):
        assert not set(rel[rel >= 0]) & set(exc[exc >= 0])
    assert data.y_val.max() < len(data.candidates) and data.y_train.max() < len(data.candidates)
    assert [sorted(r[r >= 0]) for r in data.y_train[:, :-e]] == [
        list(range(8)), sorted(movie[m] for m in ("m2", "m4", "m6", "m8")), sorted(movie[m] for m in ("m0", "m3", "m5", "m7"))]
    assert np.all(data.y_train[:, -e:] == -1)


def test_movielens_demo_runs_on_mock_data_and_its_random_baseline_respects_exclusions(tmp_path):
    out = tmp_path / "ml"
    argv = ["demo", "--task", "retrieval", "--dataset", f"tfds:{MOVIELENS}", "--data-dir", str(tmp_path),
            "--max-trials", "1", "--epochs", "1", "--k", "5", "--out", str(out)]
    with tfds.testing.mock_data(as_dataset_fn=_ratings):
        assert cli.main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["dataset"] == f"tfds:{MOVIELENS}" and 0.0 <= results["best_score"] <= 1.0
    # Random order over what is left: u1 keeps 2 of 10 movies (k=5 finds its 1 liked), u2 keeps
    # 6, so its liked movie is in the top 5 with probability 5/6. Mean: (1 + 5/6) / 2.
    assert results["baselines"]["random scores (expected)"] == pytest.approx((1 + 5 / 6) / 2, rel=1e-5)
    assert results["ceiling"] == 1.0


def test_k_beyond_the_catalogue_exits_1_with_a_clear_message(tmp_path, capsys):
    argv = ["demo", "--task", "retrieval", "--k", "1439", "--out", str(tmp_path)]
    assert cli.main(argv) == 1
    assert "--k must be at most the catalogue's 1438 candidates, got 1439" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()


@pytest.mark.parametrize("dataset, message", [
    (f"tfds:{MOVIELENS}", f"TFDS data set '{MOVIELENS}' is not prepared in"),
    ("tfds:mslr_web/10k_fold1", "dataset must be 'digits' or 'tfds:movielens/100k-ratings' for the retrieval demo"),
])
def test_unavailable_retrieval_data_gives_a_clear_error(dataset, message, tmp_path):
    with pytest.raises(retrieval_data.DataError) as info:
        retrieval_data.load(dataset, data_dir=str(tmp_path))
    assert message in str(info.value)
