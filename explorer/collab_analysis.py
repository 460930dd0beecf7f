"""Collaborative filtering, what a trained model shows: the table with holes and one gap
worked out, a user's tastes moved, biases, the movie map, neighbours, recommendations and
the cold start.

Pure logic (numpy, pandas); no streamlit, no torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.collab_data import (
    Ratings,
    item_counts,
    most_active_users,
    most_rated_items,
)
from explorer.collab_model import Model, squeeze

# ---- the idea before the training: crosstab, one worked prediction, one-hot --------------


def crosstab_ids(ratings: Ratings, n_users: int = 12, n_items: int = 8) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """The most active users and the most rated items (indices)."""
    return most_active_users(ratings, n_users), most_rated_items(ratings, n_items)


def crosstab(ratings: Ratings, users: np.ndarray, items: np.ndarray,
             model: Model | None = None) -> pd.DataFrame:
    """Long table of the user x item grid: the known rating (or NaN) and the prediction."""
    known = {}
    mask = np.isin(ratings.user, users) & np.isin(ratings.item, items)
    for u, i, r in zip(ratings.user[mask], ratings.item[mask], ratings.rating[mask],
                       strict=True):
        known[(int(u), int(i))] = float(r)
    rows = []
    for u in users:
        for i in items:
            rows.append({"user": f"user {ratings.user_ids[u]}", "uidx": int(u), "iidx": int(i),
                         "movie": str(ratings.item_titles[i]),
                         "rating": known.get((int(u), int(i)), math.nan)})
    frame = pd.DataFrame(rows)
    if model is not None:
        frame["predicted"] = model.predict(frame["uidx"].to_numpy(), frame["iidx"].to_numpy())
    return frame


def one_hot(index: int, size: int) -> np.ndarray:
    vec = np.zeros(size, dtype=np.float64)
    vec[index] = 1.0
    return vec


def one_hot_lookup(matrix: np.ndarray, index: int) -> np.ndarray:
    """Row `index` of the matrix, computed the long way: a one-hot vector times the matrix."""
    return one_hot(index, matrix.shape[0]) @ matrix


def edited_predictions(model: Model, user: int, items: np.ndarray, axes: np.ndarray,
                       shifts: tuple[float, ...]) -> pd.DataFrame:
    """The user's predictions before and after moving their factors along some axes.

    axes: (m, k) unit directions in factor space (e.g. the main axes of the movie map);
    shifts: how far to move along each. New factors = old + sum(shift_j * axis_j).
    """
    old = model.user_factors[user].astype(np.float64)
    new = old + np.asarray(shifts, dtype=np.float64) @ axes[:len(shifts)]
    f_items = model.item_factors[items].astype(np.float64)
    base = model.user_bias[user] + model.item_bias[items]
    before = squeeze(f_items @ old + base, model.low, model.high)
    after = squeeze(f_items @ new + base, model.low, model.high)
    return pd.DataFrame({"iidx": items, "before": before, "after": after})


def user_edit(model: Model, ratings: Ratings, user: int, axes: np.ndarray,
              shifts: tuple[float, ...], n_items: int = 10) -> pd.DataFrame:
    """`edited_predictions` for the n most rated items, with their titles (column movie)."""
    items = most_rated_items(ratings, n_items)
    frame = edited_predictions(model, user, items, axes, shifts)
    frame["movie"] = ratings.item_titles[items].astype(str)
    return frame


@dataclass(frozen=True)
class Worked:
    """One prediction taken apart into the numbers that make it."""

    user_factors: np.ndarray
    item_factors: np.ndarray
    products: np.ndarray  # elementwise, sums to dot
    dot: float
    user_bias: float
    item_bias: float
    score: float  # dot + biases
    prediction: float  # after squeezing (or the score itself)


def worked_prediction(model: Model, user: int, item: int) -> Worked:
    p = model.user_factors[user].astype(np.float64)
    q = model.item_factors[item].astype(np.float64)
    products = p * q
    dot = float(products.sum())
    bu, bi = float(model.user_bias[user]), float(model.item_bias[item])
    score = dot + bu + bi
    prediction = float(squeeze(np.array([score]), model.low, model.high)[0])
    return Worked(p, q, products, dot, bu, bi, score, prediction)


# ---- what the model learned ----------------------------------------------------------------


def bias_extremes(model: Model, ratings: Ratings, n: int = 8,
                  min_count: int = 20) -> pd.DataFrame:
    """The items with the lowest and highest learned bias, among items rated often enough."""
    counts = item_counts(ratings)
    keep = np.flatnonzero(counts >= min_count)
    if len(keep) == 0:
        keep = np.arange(ratings.n_items)
    order = keep[np.argsort(model.item_bias[keep])]
    low, high = order[:n], order[::-1][:n]
    rows = []
    for side, items in (("lowest", low), ("highest", high)):
        for item in items:
            rows.append({"side": side, "title": str(ratings.item_titles[item]),
                         "bias": float(model.item_bias[item]), "ratings": int(counts[item]),
                         "mean rating": float(ratings.rating[ratings.item == item].mean())})
    return pd.DataFrame(rows)


def pca(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates on the first k principal axes, the axes, and the variance share of each.

    With fewer than k columns (or rows) there are fewer axes: the results have
    min(k, rows, columns) of them."""
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:k]
    share = (s ** 2 / max(float(np.sum(s ** 2)), 1e-12))[:k]
    return centred @ axes.T, axes, share


@dataclass(frozen=True)
class MovieMap:
    """The most rated items placed by the two main directions of their factors."""

    frame: pd.DataFrame  # one row per item: title, pc1, pc2, genre, ratings, bias
    items: np.ndarray  # the items' indices, row by row (most rated first)
    axes: np.ndarray  # (2, k): the two main directions in factor space, unit rows; a
    #                   direction the factors do not have (k = 1) is a row of zeros
    share: np.ndarray  # the share of the spread along each direction the factors have


def movie_map(model: Model, ratings: Ratings, n: int = 300) -> MovieMap:
    """The n most-rated items placed by PCA of their factors (one SVD)."""
    counts = item_counts(ratings)
    top = most_rated_items(ratings, n)
    coords, axes, share = pca(model.item_factors[top].astype(np.float64), 2)
    missing = 2 - coords.shape[1]
    if missing:
        coords = np.column_stack([coords, np.zeros((len(top), missing))])
        axes = np.vstack([axes, np.zeros((missing, axes.shape[1]))])
    genres = pd.Series(ratings.item_genres[top])
    common = genres.value_counts().index[:7]
    frame = pd.DataFrame({
        "title": ratings.item_titles[top].astype(str), "pc1": coords[:, 0], "pc2": coords[:, 1],
        "genre": genres.where(genres.isin(common), "other").to_numpy(),
        "ratings": counts[top], "bias": model.item_bias[top].astype(float)})
    return MovieMap(frame, top, axes, share)


def cosine_neighbours(model: Model, ratings: Ratings, item: int, n: int = 10,
                      min_count: int = 20) -> pd.DataFrame:
    """The items whose factor vectors point the most the same way as this one's."""
    f = model.item_factors.astype(np.float64)
    norms = np.linalg.norm(f, axis=1)
    sims = f @ f[item] / np.maximum(norms * norms[item], 1e-12)
    counts = item_counts(ratings)
    candidates = np.flatnonzero((counts >= min_count) & (np.arange(len(f)) != item))
    best = candidates[np.argsort(-sims[candidates], kind="stable")[:n]]
    return pd.DataFrame({"title": ratings.item_titles[best].astype(str),
                         "cosine similarity": sims[best], "ratings": counts[best]})


def recommend(model: Model, ratings: Ratings, user: int, n: int = 10,
              min_count: int = 10) -> pd.DataFrame:
    """The highest predicted items for a user, leaving out what they already rated."""
    counts = item_counts(ratings)
    seen = np.zeros(ratings.n_items, bool)
    seen[ratings.item[ratings.user == user]] = True
    candidates = np.flatnonzero(~seen & (counts >= min_count))
    pred = model.predict(np.full(len(candidates), user), candidates)
    order = np.argsort(-pred, kind="stable")[:n]
    best = candidates[order]
    return pd.DataFrame({"title": ratings.item_titles[best].astype(str),
                         "predicted rating": pred[order], "ratings": counts[best]})


def cold_start(model: Model, ratings: Ratings, n: int = 5, min_count: int = 10) -> pd.DataFrame:
    """What the model predicts for a user it has never seen: zero factors, zero bias.

    The dot product is then 0 for every item, so all that is left is the item's bias: the
    model can only recommend what is liked in general.
    """
    counts = item_counts(ratings)
    candidates = np.flatnonzero(counts >= min_count)
    score = squeeze(model.item_bias[candidates], model.low, model.high)
    order = np.argsort(-score, kind="stable")[:n]
    return pd.DataFrame({"title": ratings.item_titles[candidates[order]].astype(str),
                         "predicted rating": score[order]})
