"""Collaborative filtering on ratings made from two known tastes: does training find them?

Learned factors are defined only up to a rotation and a scale, so "found" is measured by
canonical correlations, and shown by the best straight-line read-out of the learned
factors.

Pure logic (numpy, pandas); no streamlit, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.collab_analysis import pca
from explorer.collab_data import Ratings, ratings_from_frame
from explorer.collab_model import Model

PLANTED_TASTES = ("action ↔ romance", "light ↔ serious")


@dataclass(frozen=True)
class Planted:
    ratings: Ratings
    user_tastes: np.ndarray  # (n_users, 2) the factors the ratings were made from
    item_traits: np.ndarray  # (n_items, 2)
    noise: float


def planted_tastes(n_users: int = 400, n_items: int = 240, density: float = 0.25,
                   noise: float = 0.3, seed: int = 0) -> Planted:
    """Ratings made from two known tastes, so we can check training finds them.

    Each user has a taste vector t_u and each movie a trait vector m_i (two numbers each);
    rating = 0.5 + 4.5 * sigmoid(t_u · m_i + b_u + b_i) + noise, for a random quarter of
    the pairs. The model never sees t or m.
    """
    rng = np.random.default_rng(seed)
    tastes = rng.normal(0.0, 1.0, (n_users, 2))
    traits = rng.normal(0.0, 1.0, (n_items, 2))
    user_b = rng.normal(0.0, 0.3, n_users)
    item_b = rng.normal(0.3, 0.4, n_items)
    n_obs = int(round(density * n_users * n_items))
    pairs = rng.choice(n_users * n_items, size=n_obs, replace=False)
    u, i = pairs // n_items, pairs % n_items
    clean = 0.5 + 4.5 / (1.0 + np.exp(-(np.sum(tastes[u] * traits[i], axis=1)
                                         + user_b[u] + item_b[i])))
    rating = clean + rng.normal(0.0, noise, n_obs)
    kind = np.where(traits[:, 0] > 0, "action", "romance")
    tone = np.where(traits[:, 1] > 0, "serious", "light")
    frame = pd.DataFrame({
        "user": u, "item": i, "rating": rating.astype(np.float32),
        "title": [f"Movie {k + 1} ({kind[k]}, {tone[k]})" for k in i],
        "genre": [f"{kind[k]}, {tone[k]}" for k in i]})
    ratings = ratings_from_frame(frame, title_col="title", genre_col="genre", low=0.5,
                                 high=5.0, name="planted tastes")
    # Every user and item appears (density 0.25 of 240 x 400), so indices equal the labels.
    return Planted(ratings, tastes[ratings.user_ids], traits[ratings.item_ids], noise)


def canonical_correlations(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Canonical correlations between two sets of variables (rows are observations).

    The cosines of the principal angles between the column spaces of the centred x and y:
    1.0 means some linear mix of x's columns matches a mix of y's exactly. Learned factors
    are only defined up to a rotation and scale, so this is the fair test of "recovered".
    """
    qx, _ = np.linalg.qr(x - x.mean(axis=0))
    qy, _ = np.linalg.qr(y - y.mean(axis=0))
    corr = np.linalg.svd(qx.T @ qy, compute_uv=False)
    return np.clip(corr[:min(x.shape[1], y.shape[1])], 0.0, 1.0)


def best_linear_match(learned: np.ndarray, planted: np.ndarray) -> np.ndarray:
    """Least-squares map of learned factors (with intercept) onto the planted ones."""
    design = np.column_stack([learned, np.ones(len(learned))])
    coef, *_ = np.linalg.lstsq(design, planted, rcond=None)
    return design @ coef


@dataclass(frozen=True)
class Recovery:
    """How well a model trained on planted ratings found the planted tastes."""

    item_correlations: np.ndarray  # canonical correlations, items' learned vs planted
    user_correlations: np.ndarray  # the same for users
    items: pd.DataFrame  # per movie and taste: planted trait, best linear read-out


def recovery(model: Model, planted: Planted) -> Recovery:
    """Compare the two main directions of the learned factors with the planted ones."""
    learned_items, _, _ = pca(model.item_factors.astype(np.float64), 2)
    learned_users, _, _ = pca(model.user_factors.astype(np.float64), 2)
    recovered = best_linear_match(learned_items, planted.item_traits)
    frame = pd.concat([pd.DataFrame({"taste": name, "planted": planted.item_traits[:, j],
                                     "recovered": recovered[:, j]})
                       for j, name in enumerate(PLANTED_TASTES)])
    return Recovery(canonical_correlations(learned_items, planted.item_traits),
                    canonical_correlations(learned_users, planted.user_tastes), frame)
