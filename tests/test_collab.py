"""explorer.collab_data, collab_model, collab_analysis and collab_planted against independent
references: torch, scikit-learn, closed forms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explorer import collab_analysis as ca
from explorer import collab_data as cd
from explorer import collab_model as cm
from explorer import collab_planted as cp

# ---- shared trained models (trained once for the whole module) -------------------------


@pytest.fixture(scope="module")
def movielens():
    return cd.load_movielens()


@pytest.fixture(scope="module")
def movielens_split(movielens):
    return cd.split(movielens.n_ratings, 0.1, seed=42)


@pytest.fixture(scope="module")
def movielens_model(movielens, movielens_split):
    return cm.train(movielens, cm.Settings(), *movielens_split)


@pytest.fixture(scope="module")
def planted():
    return cp.planted_tastes()


@pytest.fixture(scope="module")
def tiny():
    """A hand-made set: 4 users, 5 items, a few ratings, small factors."""
    frame = pd.DataFrame({"user": [1, 1, 2, 2, 3, 4, 4, 4], "item": list("abcadbce"),
                          "rating": [5, 3, 4, 2, 1, 5, 4, 3],
                          "title": ["A", "B", "C", "A", "D", "B", "C", "E"]})
    ratings = cd.ratings_from_frame(frame, title_col="title", low=1, high=5)
    rng = np.random.default_rng(3)
    model = cm.Model(rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (5, 3)),
                     rng.normal(0, 0.3, 4), rng.normal(0, 0.3, 5), 1.0, 5.5)
    return ratings, model


# ---- data --------------------------------------------------------------------------------


def test_movielens_has_the_documented_shape(movielens):
    assert movielens.n_ratings == 100_004
    assert movielens.n_users == 671
    assert movielens.n_items == 9_066
    assert movielens.density == pytest.approx(100_004 / (671 * 9_066))
    assert (movielens.low, movielens.high) == (0.5, 5.0)


def test_indices_map_back_to_the_original_labels(tiny):
    ratings, _ = tiny
    assert list(ratings.user_ids) == [1, 2, 3, 4]
    assert list(ratings.item_ids) == list("abcde")
    assert list(ratings.user_ids[ratings.user]) == [1, 1, 2, 2, 3, 4, 4, 4]
    assert list(ratings.item_ids[ratings.item]) == list("abcadbce")
    assert list(ratings.item_titles) == ["A", "B", "C", "D", "E"]


def test_split_is_deterministic_disjoint_and_complete():
    a_train, a_valid = cd.split(1000, 0.1, seed=42)
    b_train, b_valid = cd.split(1000, 0.1, seed=42)
    assert np.array_equal(a_train, b_train) and np.array_equal(a_valid, b_valid)
    assert len(a_valid) == 100
    assert not set(a_train) & set(a_valid)
    assert sorted(set(a_train) | set(a_valid)) == list(range(1000))


# ---- the model's arithmetic --------------------------------------------------------------


def test_prediction_matches_torch_embeddings_and_sigmoid(tiny):
    import torch

    ratings, model = tiny
    u, i = ratings.user, ratings.item
    users = torch.nn.functional.embedding(torch.tensor(u), torch.tensor(model.user_factors))
    items = torch.nn.functional.embedding(torch.tensor(i), torch.tensor(model.item_factors))
    score = (users * items).sum(1) + torch.tensor(model.user_bias)[u] + torch.tensor(
        model.item_bias)[i]
    expected = 1.0 + 4.5 * torch.sigmoid(score)
    assert np.allclose(model.predict(u, i), expected.numpy(), atol=1e-12)


def test_squeeze_without_range_is_the_raw_score():
    score = np.array([-3.0, 0.0, 7.5])
    assert np.array_equal(cm.squeeze(score, None, None), score)
    assert cm.squeeze(np.array([0.0]), 0.5, 5.5)[0] == pytest.approx(3.0)


def test_one_hot_times_matrix_is_an_embedding_lookup():
    import torch

    matrix = np.random.default_rng(0).normal(size=(6, 4))
    for index in range(6):
        expected = torch.nn.functional.embedding(torch.tensor([index]),
                                                 torch.tensor(matrix))[0].numpy()
        assert np.allclose(ca.one_hot_lookup(matrix, index), expected)
        assert ca.one_hot(index, 6).sum() == 1.0


def test_crosstab_shows_known_ratings_and_the_models_predictions(tiny):
    ratings, model = tiny
    users, items = ca.crosstab_ids(ratings, n_users=4, n_items=5)
    grid = ca.crosstab(ratings, users, items, model)
    assert len(grid) == 20
    known = grid.dropna(subset=["rating"])
    assert len(known) == ratings.n_ratings
    for row in known.itertuples():
        mask = (ratings.user == row.uidx) & (ratings.item == row.iidx)
        assert row.rating == ratings.rating[mask][0]
    assert np.allclose(grid["predicted"], model.predict(grid["uidx"].to_numpy(),
                                                        grid["iidx"].to_numpy()))


def test_crosstab_picks_the_most_active_users_and_most_rated_items(tiny):
    ratings, _ = tiny
    users, items = ca.crosstab_ids(ratings, n_users=1, n_items=3)
    assert ratings.user_ids[users[0]] == 4  # three ratings
    assert set(ratings.item_ids[items]) == {"a", "b", "c"}  # two ratings each


def test_editing_a_user_moves_only_their_predictions_by_the_dot_product(tiny):
    ratings, model = tiny
    axes = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 2)))[0].T
    items = np.arange(5)
    unchanged = ca.edited_predictions(model, 2, items, axes, (0.0, 0.0))
    assert np.allclose(unchanged["after"], model.predict(np.full(5, 2), items))
    assert np.allclose(unchanged["before"], unchanged["after"])
    moved = ca.edited_predictions(model, 2, items, axes, (1.5, -0.5))
    new_factors = model.user_factors[2] + 1.5 * axes[0] - 0.5 * axes[1]
    score = model.item_factors @ new_factors + model.user_bias[2] + model.item_bias
    assert np.allclose(moved["after"], 1.0 + 4.5 / (1 + np.exp(-score)))


# ---- baselines -----------------------------------------------------------------------------


def test_bias_fit_matches_ridge_regression_normal_equations():
    rng = np.random.default_rng(5)
    n_users, n_items, n = 7, 9, 40
    frame = pd.DataFrame({"user": rng.integers(0, n_users, n), "item": rng.integers(0, n_items, n),
                          "rating": rng.uniform(1, 5, n)})
    ratings = cd.ratings_from_frame(frame)
    reg = 2.0
    mean, bu, bi = cm.fit_biases(ratings, np.arange(n), reg=reg, sweeps=500)
    design = np.zeros((n, ratings.n_users + ratings.n_items))
    design[np.arange(n), ratings.user] = 1
    design[np.arange(n), ratings.n_users + ratings.item] = 1
    target = ratings.rating - ratings.rating.mean()
    solution = np.linalg.solve(design.T @ design + reg * np.eye(design.shape[1]),
                               design.T @ target)
    assert mean == pytest.approx(float(ratings.rating.mean()))
    assert np.allclose(bu, solution[:ratings.n_users], atol=1e-6)
    assert np.allclose(bi, solution[ratings.n_users:], atol=1e-6)


def test_baselines_on_movielens(movielens, movielens_split):
    mean_rmse = cm.global_mean_rmse(movielens, *movielens_split)
    valid = movielens_split[1]
    expected = np.sqrt(np.mean((movielens.rating[valid]
                                - movielens.rating[movielens_split[0]].mean()) ** 2))
    assert mean_rmse == pytest.approx(expected)
    bias_rmse = cm.biases_only_rmse(movielens, *movielens_split)
    assert 0.87 < bias_rmse < 0.91 < mean_rmse


# ---- training quality ----------------------------------------------------------------------


def test_page_defaults_reach_the_target_on_movielens(movielens, movielens_split,
                                                     movielens_model):
    """The issue's bar: validation RMSE at most 0.88 on a seeded random 90/10 split."""
    final = movielens_model.valid_rmse[-1]
    assert final <= 0.88
    assert final < cm.biases_only_rmse(movielens, *movielens_split) - 0.01
    # the numbers reported per epoch are the real ones
    valid = movielens_split[1]
    pred = movielens_model.predict(movielens.user[valid], movielens.item[valid])
    assert cm.rmse(pred, movielens.rating[valid]) == pytest.approx(final, abs=1e-4)
    assert len(movielens_model.train_loss) == cm.Settings().epochs


def test_the_target_is_reached_with_another_initialisation(movielens, movielens_split):
    model = cm.train(movielens, cm.Settings(seed=1), *movielens_split)
    assert model.valid_rmse[-1] <= 0.88


def test_without_weight_decay_many_factors_overfit(movielens, movielens_split):
    model = cm.train(movielens, cm.Settings(factors=100, epochs=12, wd=0.0),
                     *movielens_split)
    train_rmse = np.sqrt(model.train_loss)
    assert train_rmse[-1] < 0.4  # memorised the training ratings
    assert model.valid_rmse[-1] > min(model.valid_rmse) + 0.05  # and got worse on new ones
    assert model.valid_rmse[-1] > 0.95


def test_planted_tastes_are_recovered(planted):
    ratings = planted.ratings
    model = cm.train(ratings, cm.Settings(epochs=30, wd=0.05), *cd.split(ratings.n_ratings))
    found = cp.recovery(model, planted)
    assert found.item_correlations.min() > 0.97
    assert found.user_correlations.min() > 0.97
    assert model.valid_rmse[-1] < planted.noise * 1.3
    # The read-out is a least-squares fit of each planted trait on the learned factors'
    # two main directions (scikit-learn's linear regression as the reference).
    from sklearn.linear_model import LinearRegression

    learned, _, _ = ca.pca(model.item_factors.astype(float), 2)
    for j, taste in enumerate(cp.PLANTED_TASTES):
        rows = found.items[found.items.taste == taste]
        fit = LinearRegression().fit(learned, planted.item_traits[:, j])
        assert np.allclose(rows["planted"], planted.item_traits[:, j])
        assert np.allclose(rows["recovered"], fit.predict(learned), atol=1e-8)
        assert np.corrcoef(rows["planted"], rows["recovered"])[0, 1] > 0.95


def test_training_is_deterministic(planted):
    ratings = planted.ratings
    parts = cd.split(ratings.n_ratings)
    settings = cm.Settings(epochs=2)
    a, b = cm.train(ratings, settings, *parts), cm.train(ratings, settings, *parts)
    assert a.valid_rmse == b.valid_rmse
    assert np.array_equal(a.item_factors, b.item_factors)


def test_progress_is_reported_per_epoch(planted):
    ratings = planted.ratings
    calls = []
    cm.train(ratings, cm.Settings(epochs=3), *cd.split(ratings.n_ratings),
             progress=lambda e, n: calls.append((e, n)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_a_huge_learning_rate_without_range_is_flagged_not_crashed(planted):
    ratings = planted.ratings
    model = cm.train(ratings, cm.Settings(lr=1e6, y_range=False, epochs=5),
                     *cd.split(ratings.n_ratings))
    assert model.diverged_epoch is not None or all(np.isfinite(model.valid_rmse))


def test_staged_settings_add_one_idea_at_a_time():
    stages = cm.stage_settings(cm.Settings(wd=0.2))
    flags = [(s.y_range, s.bias, s.wd) for _, _, s in stages]
    assert flags == [(False, False, 0.0), (True, False, 0.0), (True, True, 0.0),
                     (True, True, 0.2)]


# ---- what the model learned ------------------------------------------------------------------


def test_pca_matches_scikit_learn():
    from sklearn.decomposition import PCA

    x = np.random.default_rng(2).normal(size=(50, 6)) @ np.diag([5, 3, 1, 1, 0.5, 0.1])
    coords, axes, share = ca.pca(x, 2)
    reference = PCA(n_components=2).fit(x)
    assert np.allclose(share, reference.explained_variance_ratio_)
    assert np.allclose(np.abs(coords), np.abs(reference.transform(x)))
    assert np.allclose(np.abs(axes), np.abs(reference.components_))


def test_cosine_neighbours_match_scikit_learn(movielens, movielens_model):
    from sklearn.metrics.pairwise import cosine_similarity

    item = int(np.argmax(cd.item_counts(movielens)))
    near = ca.cosine_neighbours(movielens_model, movielens, item, n=5, min_count=20)
    sims = cosine_similarity(movielens_model.item_factors[[item]],
                             movielens_model.item_factors)[0]
    counts = cd.item_counts(movielens)
    sims[(counts < 20) | (np.arange(len(sims)) == item)] = -np.inf
    best = np.argsort(-sims)[:5]
    assert list(near["title"]) == list(movielens.item_titles[best])
    assert np.allclose(near["cosine similarity"], sims[best], atol=1e-5)


def test_recommendations_leave_out_what_the_user_rated(movielens, movielens_model):
    user = 0
    recs = ca.recommend(movielens_model, movielens, user, n=10)
    rated = set(movielens.item_titles[movielens.item[movielens.user == user]])
    assert not set(recs["title"]) & rated
    assert list(recs["predicted rating"]) == sorted(recs["predicted rating"], reverse=True)
    # nothing unrated (with enough ratings) scores higher than the last pick
    counts = cd.item_counts(movielens)
    seen = np.isin(np.arange(movielens.n_items), movielens.item[movielens.user == user])
    pool = np.flatnonzero(~seen & (counts >= 10))
    assert movielens_model.predict(np.full(len(pool), user), pool).max() == pytest.approx(
        recs["predicted rating"].iloc[0])


def test_cold_start_ranks_by_item_bias_alone(tiny):
    ratings, model = tiny
    cold = ca.cold_start(model, ratings, n=5, min_count=1)
    expected = 1.0 + 4.5 / (1 + np.exp(-model.item_bias))
    assert np.allclose(cold["predicted rating"], np.sort(expected)[::-1])


def test_bias_extremes_are_the_lowest_and_highest(movielens, movielens_model):
    table = ca.bias_extremes(movielens_model, movielens, n=3, min_count=20)
    counts = cd.item_counts(movielens)
    keep = np.flatnonzero(counts >= 20)
    ordered = keep[np.argsort(movielens_model.item_bias[keep])]
    assert list(table[table.side == "lowest"]["title"]) == list(
        movielens.item_titles[ordered[:3]])
    assert list(table[table.side == "highest"]["title"]) == list(
        movielens.item_titles[ordered[::-1][:3]])


def test_movie_map_has_finite_coordinates_and_genres(movielens, movielens_model):
    movies = ca.movie_map(movielens_model, movielens, n=300)
    frame, share = movies.frame, movies.share
    assert len(frame) == 300 and frame["title"].is_unique
    assert np.isfinite(frame[["pc1", "pc2"]].to_numpy()).all()
    assert 0 < share[1] <= share[0] < 1
    assert frame["genre"].nunique() <= 8


def test_movie_map_items_and_axes_are_the_most_rated_and_their_principal_axes(
        movielens, movielens_model):
    from sklearn.decomposition import PCA

    movies = ca.movie_map(movielens_model, movielens, n=300)
    counts = cd.item_counts(movielens)
    # the 300 most rated, most rated first (ties by index)
    order = sorted(range(movielens.n_items), key=lambda i: (-counts[i], i))[:300]
    assert list(movies.items) == order
    assert list(movies.frame["title"]) == list(movielens.item_titles[order])
    reference = PCA(n_components=2).fit(movielens_model.item_factors[order].astype(float))
    assert np.allclose(np.abs(movies.axes), np.abs(reference.components_), atol=1e-6)
    # the map's coordinates are the factors projected on those same axes
    centred = movielens_model.item_factors[order] - movielens_model.item_factors[order].mean(0)
    assert np.allclose(movies.frame[["pc1", "pc2"]].to_numpy(), centred @ movies.axes.T,
                       atol=1e-5)


def test_movie_map_of_one_factor_has_a_zero_second_axis(tiny):
    ratings, model = tiny
    one = cm.Model(model.user_factors[:, :1], model.item_factors[:, :1], model.user_bias,
                   model.item_bias, model.low, model.high)
    movies = ca.movie_map(one, ratings, n=5)
    assert movies.axes.shape == (2, 1)
    assert abs(movies.axes[0, 0]) == pytest.approx(1.0) and movies.axes[1, 0] == 0.0
    assert (movies.frame["pc2"] == 0).all()
    # moving along the missing second axis changes nothing
    moved = ca.edited_predictions(one, 0, np.arange(5), movies.axes, (0.0, 2.0))
    assert np.allclose(moved["after"], moved["before"])


def test_user_edit_is_edited_predictions_for_the_most_rated_with_titles(tiny):
    ratings, model = tiny
    axes = np.linalg.qr(np.random.default_rng(1).normal(size=(3, 2)))[0].T
    frame = ca.user_edit(model, ratings, 1, axes, (0.5, 1.0), n_items=3)
    items = cd.most_rated_items(ratings, 3)
    expected = ca.edited_predictions(model, 1, items, axes, (0.5, 1.0))
    assert np.allclose(frame["after"], expected["after"])
    assert list(frame["movie"]) == list(ratings.item_titles[items])
    assert set(ratings.item_ids[items]) == {"a", "b", "c"}  # two ratings each, the most


# ---- canonical correlation ---------------------------------------------------------------------


def test_canonical_correlations_match_the_eigenvalue_definition():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 3))
    y = np.column_stack([x[:, 0] + 0.5 * rng.normal(size=200), rng.normal(size=200)])
    xc, yc = x - x.mean(0), y - y.mean(0)
    sxx, syy, sxy = xc.T @ xc, yc.T @ yc, xc.T @ yc
    m = np.linalg.solve(syy, sxy.T) @ np.linalg.solve(sxx, sxy)
    expected = np.sqrt(np.sort(np.linalg.eigvals(m).real)[::-1])
    assert np.allclose(cp.canonical_correlations(x, y), expected)


def test_canonical_correlation_ignores_rotation_and_scale():
    x = np.random.default_rng(6).normal(size=(100, 2))
    mixed = x @ np.array([[2.0, -1.0], [0.5, 3.0]]) + 7.0
    assert np.allclose(cp.canonical_correlations(x, mixed), [1.0, 1.0])


# ---- the uploaded CSV ---------------------------------------------------------------------------


def _csv(rows: int = 60, header: str = "user,item,rating") -> bytes:
    lines = [header] + [f"u{k % 7},i{k % 11},{1 + k % 5}" for k in range(rows)]
    return "\n".join(lines).encode()


def test_a_good_csv_is_read(planted):
    ratings, notes = cd.parse_ratings_csv(cd.ratings_to_csv(planted.ratings).encode())
    assert ratings.n_ratings == planted.ratings.n_ratings
    assert notes == []
    assert ratings.item_titles[0].startswith("Movie")
    assert ratings.low == pytest.approx(float(planted.ratings.rating.min()))


def test_duplicates_are_averaged_with_a_note():
    data = _csv(60) + b"\nu0,i0,5\nu0,i0,1"
    ratings, notes = cd.parse_ratings_csv(data)
    assert any("averaged" in n for n in notes)
    assert len(set(zip(ratings.user, ratings.item, strict=True))) == ratings.n_ratings


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a text file"),
    ("user,item,rating\nü,1,2".encode("latin-1"), "not UTF-8"),
    (b"who,what,score\n1,2,3\n", "Missing column(s): user, item, rating"),
    (_csv(60) + b"\nu1,i1,great", "not numbers"),
    (_csv(60) + b"\nu1,,3", "empty user, item or rating"),
    (b"user,item,rating\n" + b"\n".join(f"u{k},i{k},3".encode() for k in range(60)),
     "nothing to learn"),
    (_csv(60) + b"\nu1,i1,5000", "span"),
    (_csv(10), "at least 50"),
    (b"user,item,rating\n" + b"1,1,1\n" * (cd.MAX_UPLOAD_BYTES // 6 + 10), "limit"),
    (_csv(60) + b"\nu1,i1,inf", "infinite"),
    (b"user,item,rating\n" + b"\n".join(f"u,i{k},{k % 5}".encode() for k in range(60)),
     "two users"),
])
def test_each_bad_csv_gets_its_message(data, message):
    with pytest.raises(cd.UploadError, match=None) as caught:
        cd.parse_ratings_csv(data)
    assert message.lower() in str(caught.value).lower(), str(caught.value)


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(cd, "MAX_ROWS", 100)
    with pytest.raises(cd.UploadError, match="more than 100 rows"):
        cd.parse_ratings_csv(_csv(150))


def test_worked_prediction_adds_up_to_the_models_prediction(tiny):
    ratings, model = tiny
    for user in range(4):
        for item in range(5):
            worked = ca.worked_prediction(model, user, item)
            assert worked.dot == pytest.approx(float(model.user_factors[user]
                                                     @ model.item_factors[item]))
            assert worked.score == pytest.approx(worked.dot + worked.user_bias
                                                 + worked.item_bias)
            assert worked.prediction == pytest.approx(model.predict(np.array([user]),
                                                                    np.array([item]))[0])


def test_main_genre_prefers_the_telling_one():
    assert cd.main_genre("Adventure|Animation|Children|Comedy") == "Animation"
    assert cd.main_genre("Action|Drama") == "Action"
    assert cd.main_genre("Film-Noir") == "Film-Noir"
    assert cd.main_genre("(no genres listed)") == "unknown"
    assert cd.main_genre("action, light") == "action, light"


def test_repeated_titles_are_made_unique():
    frame = pd.DataFrame({"user": [1, 2, 3], "item": [10, 11, 12],
                          "rating": [1.0, 2.0, 3.0], "title": ["Heat", "Heat", "Up"]})
    ratings = cd.ratings_from_frame(frame, title_col="title")
    assert list(ratings.item_titles) == ["Heat [10]", "Heat [11]", "Up"]
