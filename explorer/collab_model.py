"""Collaborative filtering, the model: latent factors learned from ratings alone.

Every user and every item gets a short vector of numbers (its factors) and, optionally, a
bias. A predicted rating is the dot product of the two vectors plus the two biases,
optionally squeezed into the rating range by a scaled sigmoid. Training is plain gradient
descent (sparse Adam) on the squared error of the known ratings, with weight decay (an L2 penalty)
keeping the factors small so they generalise to the ratings we did not see. Also here: the
two baselines any factor model has to beat, and the staged comparison's settings.

Pure logic (numpy, scipy); no streamlit, no torch.
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
    epochs: int = 5
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

    def curves_only(self) -> Model:
        """How training went, without the learned tables (for results kept only for their
        curves, like the staged comparison's: an upload's tables can be large)."""
        k = self.user_factors.shape[1]
        return Model(np.zeros((0, k), np.float32), np.zeros((0, k), np.float32),
                     np.zeros(0, np.float32), np.zeros(0, np.float32), self.low, self.high,
                     list(self.train_loss), list(self.valid_rmse), self.diverged_epoch)


def n_parameters(n_users: int, n_items: int, factors: int, bias: bool) -> int:
    """How many numbers training learns: a factor vector per user and per item, and one
    bias each when biases are on."""
    return (n_users + n_items) * (factors + (1 if bias else 0))


def squeeze(score: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """A scaled sigmoid into (low, high), or the score itself when there is no range."""
    if low is None or high is None:
        return np.asarray(score, dtype=np.float64)
    return low + (high - low) / (1.0 + np.exp(-np.asarray(score, dtype=np.float64)))


def squeeze_range(ratings: Ratings) -> tuple[float, float]:
    """The range the sigmoid maps into: the rating range with headroom at the top."""
    return ratings.low - 0.0, ratings.high + RANGE_HEADROOM


def _rows_and_sums(index: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows named in `index` (sorted) and, for each, the sum of the `values`
    rows that name it: a batch's gradient for the rows it touched, and nothing for the rest
    of the table. One sort and a sparse matrix product, so the cost grows with the batch,
    not with the table."""
    import scipy.sparse as sp

    order = np.argsort(index)
    ordered = index[order]
    first = np.empty(len(index), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    group = np.empty(len(index), dtype=np.int64)
    group[order] = np.cumsum(first) - 1
    rows = ordered[first]
    # batch position -> group: one 1 per row of the (batch x groups) indicator matrix
    indicator = sp.csr_matrix((np.ones(len(index), dtype=values.dtype), group,
                               np.arange(len(index) + 1)), shape=(len(index), len(rows)))
    return rows, np.asarray(indicator.T @ values)


class _RowAdam:
    """Adam that updates only the rows a batch touched ("lazy" or sparse Adam, the update of
    torch.optim.SparseAdam): each row keeps its own running means of the gradient and of its
    square, and a row no rating in the batch names is left exactly as it is."""

    def __init__(self, table: np.ndarray, lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        self.table = table
        # np.zeros, not zeros_like: the memory is only touched (and paid for) row by row,
        # as batches reach the rows.
        self.mean = np.zeros(table.shape, dtype=table.dtype)
        self.square = np.zeros(table.shape, dtype=table.dtype)
        self.lr, (self.beta1, self.beta2), self.eps = lr, betas, eps

    def step(self, rows: np.ndarray, grad: np.ndarray, step: int) -> None:
        mean = self.beta1 * self.mean[rows] + (1 - self.beta1) * grad
        square = self.beta2 * self.square[rows] + (1 - self.beta2) * grad * grad
        self.mean[rows] = mean
        self.square[rows] = square
        size = self.lr * math.sqrt(1 - self.beta2 ** step) / (1 - self.beta1 ** step)
        self.table[rows] -= (size * mean / (np.sqrt(square) + self.eps)).astype(
            self.table.dtype)


def train(ratings: Ratings, settings: Settings, train_idx: np.ndarray, valid_idx: np.ndarray,
          progress: Callable[[int, int], None] | None = None) -> Model:
    """Fit factors (and biases) by sparse Adam on mean squared error plus weight decay.

    Weight decay here is an L2 penalty wd * (sum of squared factors and biases of the rows
    in the batch) / batch size, the classic matrix-factorisation regulariser: a row is
    pulled towards zero each time it is used. Each step computes the gradient by hand for
    the rows the batch touched and updates only those (see _RowAdam), so a step costs the
    same whether the tables have a thousand rows or a million: training time grows with
    the number of ratings, not with the numbers of users and items. numpy only (no torch);
    tests check it against torch's autograd and SparseAdam.
    """
    rng = np.random.default_rng(settings.seed)
    k = settings.factors
    # One table per side: k factor columns, then the bias column (left at zero, and never
    # moved, when biases are off: its gradient is then zero and so is Adam's step).
    users = np.zeros((ratings.n_users, k + 1), dtype=np.float32)
    items = np.zeros((ratings.n_items, k + 1), dtype=np.float32)
    users[:, :k] = rng.standard_normal((ratings.n_users, k), dtype=np.float32) * 0.01
    items[:, :k] = rng.standard_normal((ratings.n_items, k), dtype=np.float32) * 0.01
    user_opt, item_opt = _RowAdam(users, settings.lr), _RowAdam(items, settings.lr)
    low, high = squeeze_range(ratings) if settings.y_range else (None, None)
    train_idx = np.asarray(train_idx, dtype=np.int64)
    valid_idx = np.asarray(valid_idx, dtype=np.int64)

    def score(pu: np.ndarray, qi: np.ndarray) -> np.ndarray:
        """Dot product of the factor columns plus the two bias columns, in float64."""
        return (np.einsum("ij,ij->i", pu[:, :k], qi[:, :k], dtype=np.float64)
                + pu[:, k] + qi[:, k])

    model = Model(users[:, :k], items[:, :k], users[:, k], items[:, k], low, high)
    bs, wd, step = settings.batch_size, settings.wd, 0
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(settings.epochs):
            order = train_idx[rng.permutation(len(train_idx))]
            total = 0.0
            for start in range(0, len(order), bs):
                batch = order[start:start + bs]
                n, step = len(batch), step + 1
                u, i, r = ratings.user[batch], ratings.item[batch], ratings.rating[batch]
                pu, qi = users[u], items[i]  # (n, k + 1) copies, biases last
                s = score(pu, qi)
                if low is not None:
                    sig = 1.0 / (1.0 + np.exp(-s))
                    pred = low + (high - low) * sig
                else:
                    pred = s
                err = pred - r
                total += float(err @ err)
                # d(mean squared error)/d(score), one number per rating
                g = (2.0 / n) * err
                if low is not None:
                    g = g * (high - low) * sig * (1.0 - sig)
                g = g.astype(np.float32)[:, None]
                # d/d(user row) = g * item row (the bias column: g * 1), and vice versa
                grad_u = g * qi
                grad_i = g * pu
                grad_u[:, k] = g[:, 0]
                grad_i[:, k] = g[:, 0]
                if not settings.bias:
                    grad_u[:, k] = grad_i[:, k] = 0.0
                if wd > 0:
                    grad_u += np.float32(2 * wd / n) * pu
                    grad_i += np.float32(2 * wd / n) * qi
                user_opt.step(*_rows_and_sums(u, grad_u), step)
                item_opt.step(*_rows_and_sums(i, grad_i), step)
            train_mse = total / max(len(train_idx), 1)
            valid = rmse(squeeze(score(users[ratings.user[valid_idx]],
                                       items[ratings.item[valid_idx]]),
                                 low, high), ratings.rating[valid_idx]) \
                if len(valid_idx) else math.nan
            if not math.isfinite(train_mse) or not math.isfinite(valid) and len(valid_idx):
                model.diverged_epoch = epoch + 1
                break
            model.train_loss.append(train_mse)
            model.valid_rmse.append(valid)
            if progress is not None:
                progress(epoch + 1, settings.epochs)
    return model  # its arrays are views of the two tables: no copies of big tables


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
