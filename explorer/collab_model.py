"""Collaborative filtering, the model: latent factors learned from ratings alone.

Every user and every item gets a short vector of numbers (its factors) and, optionally, a
bias. A predicted rating is the dot product of the two vectors plus the two biases,
optionally squeezed into the rating range by a scaled sigmoid. Training is plain gradient
descent (Adam) on the squared error of the known ratings, with weight decay (an L2 penalty)
keeping the factors small so they generalise to the ratings we did not see. Also here: the
two baselines any factor model has to beat, and the staged comparison's settings.

Pure logic (numpy, torch imported lazily); no streamlit here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from explorer.collab_data import Ratings

RANGE_HEADROOM = 0.5  # sigmoid never reaches its ends: widen the range so 5 stays reachable


def rmse(pred: np.ndarray, target: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(pred, np.float64) - target) ** 2)))


# ---- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Everything that decides a training run (the cache key)."""

    factors: int = 50
    epochs: int = 10
    lr: float = 0.01
    wd: float = 0.1
    bias: bool = True
    y_range: bool = True
    batch_size: int = 4096
    seed: int = 0


@dataclass
class Model:
    """The learned numbers, as numpy arrays, and how training went."""

    user_factors: np.ndarray  # (n_users, k)
    item_factors: np.ndarray  # (n_items, k)
    user_bias: np.ndarray  # (n_users,) zeros when biases are off
    item_bias: np.ndarray  # (n_items,)
    low: float | None  # range squeezing ends; None when off
    high: float | None
    train_loss: list[float] = field(default_factory=list)  # mean squared error per epoch
    valid_rmse: list[float] = field(default_factory=list)
    diverged_epoch: int | None = None

    def raw_score(self, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        """Dot product plus biases, before any squeezing."""
        return (np.sum(self.user_factors[user] * self.item_factors[item], axis=-1)
                + self.user_bias[user] + self.item_bias[item])

    def predict(self, user: np.ndarray, item: np.ndarray) -> np.ndarray:
        return squeeze(self.raw_score(user, item), self.low, self.high)


def squeeze(score: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """A scaled sigmoid into (low, high), or the score itself when there is no range."""
    if low is None or high is None:
        return np.asarray(score, dtype=np.float64)
    return low + (high - low) / (1.0 + np.exp(-np.asarray(score, dtype=np.float64)))


def squeeze_range(ratings: Ratings) -> tuple[float, float]:
    """The range the sigmoid maps into: the rating range with headroom at the top."""
    return ratings.low - 0.0, ratings.high + RANGE_HEADROOM


def train(ratings: Ratings, settings: Settings, train_idx: np.ndarray, valid_idx: np.ndarray,
          progress: Callable[[int, int], None] | None = None) -> Model:
    """Fit factors (and biases) by Adam on mean squared error plus weight decay.

    Weight decay here is an L2 penalty wd * (sum of squared factors and biases of the rows
    in the batch) / batch size, the classic matrix-factorisation regulariser: a row is
    pulled towards zero each time it is used, so rarely rated movies keep small factors.
    """
    import torch

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(settings.seed)
    k = settings.factors
    user_f = torch.nn.Parameter(torch.randn(ratings.n_users, k, generator=gen) * 0.01)
    item_f = torch.nn.Parameter(torch.randn(ratings.n_items, k, generator=gen) * 0.01)
    user_b = torch.nn.Parameter(torch.zeros(ratings.n_users))
    item_b = torch.nn.Parameter(torch.zeros(ratings.n_items))
    params = [user_f, item_f] + ([user_b, item_b] if settings.bias else [])
    opt = torch.optim.Adam(params, lr=settings.lr)
    low, high = squeeze_range(ratings) if settings.y_range else (None, None)

    u_all = torch.from_numpy(np.array(ratings.user, dtype=np.int64))
    i_all = torch.from_numpy(np.array(ratings.item, dtype=np.int64))
    r_all = torch.from_numpy(np.array(ratings.rating, dtype=np.float32))
    tr = torch.from_numpy(np.asarray(train_idx, dtype=np.int64))
    va = torch.from_numpy(np.asarray(valid_idx, dtype=np.int64))

    def forward(u, i):
        score = (user_f[u] * item_f[i]).sum(-1)
        if settings.bias:
            score = score + user_b[u] + item_b[i]
        if low is not None:
            score = low + (high - low) * torch.sigmoid(score)
        return score

    model = Model(user_f.detach().numpy(), item_f.detach().numpy(), user_b.detach().numpy(),
                  item_b.detach().numpy(), low, high)
    bs = settings.batch_size
    for epoch in range(settings.epochs):
        perm = tr[torch.randperm(len(tr), generator=gen)]
        total, count = 0.0, 0
        for start in range(0, len(perm), bs):
            batch = perm[start:start + bs]
            u, i, r = u_all[batch], i_all[batch], r_all[batch]
            pred = forward(u, i)
            mse = torch.mean((pred - r) ** 2)
            loss = mse
            if settings.wd > 0:
                penalty = (user_f[u] ** 2).sum() + (item_f[i] ** 2).sum()
                if settings.bias:
                    penalty = penalty + (user_b[u] ** 2).sum() + (item_b[i] ** 2).sum()
                loss = loss + settings.wd * penalty / len(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(mse.detach()) * len(batch)
            count += len(batch)
        train_mse = total / max(count, 1)
        with torch.no_grad():
            valid = float(torch.sqrt(torch.mean((forward(u_all[va], i_all[va]) - r_all[va]) ** 2))) \
                if len(va) else math.nan
        if not math.isfinite(train_mse) or not math.isfinite(valid) and len(va):
            model.diverged_epoch = epoch + 1
            break
        model.train_loss.append(train_mse)
        model.valid_rmse.append(valid)
        if progress is not None:
            progress(epoch + 1, settings.epochs)
    model.user_factors = user_f.detach().numpy().copy()
    model.item_factors = item_f.detach().numpy().copy()
    model.user_bias = user_b.detach().numpy().copy() if settings.bias else np.zeros(ratings.n_users, np.float32)
    model.item_bias = item_b.detach().numpy().copy() if settings.bias else np.zeros(ratings.n_items, np.float32)
    return model


# ---- baselines ---------------------------------------------------------------------------


def global_mean_rmse(ratings: Ratings, train_idx: np.ndarray, valid_idx: np.ndarray) -> float:
    """Predict every rating as the training mean."""
    mean = float(np.mean(ratings.rating[train_idx]))
    return rmse(np.full(len(valid_idx), mean), ratings.rating[valid_idx])


def fit_biases(ratings: Ratings, train_idx: np.ndarray, reg: float = 5.0,
               sweeps: int = 15) -> tuple[float, np.ndarray, np.ndarray]:
    """Mean + user bias + item bias, by alternating ridge regression (closed form per row).

    Each sweep sets every item bias to the shrunk mean of its residuals, then every user
    bias likewise: sum(residual) / (count + reg). No factors at all: the baseline any
    factor model has to beat.
    """
    u, i, r = ratings.user[train_idx], ratings.item[train_idx], ratings.rating[train_idx]
    mean = float(np.mean(r))
    bu = np.zeros(ratings.n_users)
    bi = np.zeros(ratings.n_items)
    n_u = np.bincount(u, minlength=ratings.n_users)
    n_i = np.bincount(i, minlength=ratings.n_items)
    for _ in range(sweeps):
        bi = np.bincount(i, r - mean - bu[u], minlength=ratings.n_items) / (n_i + reg)
        bu = np.bincount(u, r - mean - bi[i], minlength=ratings.n_users) / (n_u + reg)
    return mean, bu, bi


def biases_only_rmse(ratings: Ratings, train_idx: np.ndarray, valid_idx: np.ndarray) -> float:
    mean, bu, bi = fit_biases(ratings, train_idx)
    u, i = ratings.user[valid_idx], ratings.item[valid_idx]
    pred = np.clip(mean + bu[u] + bi[i], ratings.low, ratings.high)
    return rmse(pred, ratings.rating[valid_idx])


# ---- the staged comparison ----------------------------------------------------------------

STAGES: tuple[tuple[str, str, dict], ...] = (
    ("dot product", "user factors · movie factors, nothing else",
     {"bias": False, "y_range": False, "wd": 0.0}),
    ("+ range", "squeezed into the rating range by a sigmoid",
     {"bias": False, "y_range": True, "wd": 0.0}),
    ("+ biases", "plus one number per user and per movie",
     {"bias": True, "y_range": True, "wd": 0.0}),
    ("+ weight decay", "factors kept small by an L2 penalty",
     {"bias": True, "y_range": True}),
)


def stage_settings(base: Settings) -> list[tuple[str, str, Settings]]:
    """The four settings of the staged comparison, built on the given factors/epochs/lr/wd."""
    out = []
    for name, words, change in STAGES:
        out.append((name, words, replace(base, **change)))
    return out
