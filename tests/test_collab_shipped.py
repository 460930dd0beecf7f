"""Collaborative filtering's shipped default results (explorer/data/
collab_movielens_defaults.npz) against a fresh training, and the page's use of them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer import collab_data as cd
from explorer import collab_model as cm
from explorer import collab_shipped as cs
from explorer.collab_spec import DEFAULTS
from tests.helpers import open_app


@pytest.fixture(scope="module")
def movielens():
    ratings = cd.load_movielens()
    train_idx, valid_idx = cd.split(ratings.n_ratings, 0.1, seed=42)  # the page's split
    return ratings, train_idx, valid_idx, cs.fingerprint(ratings, train_idx, valid_idx)


def test_the_shipped_file_holds_plain_arrays():
    with np.load(cs.SHIPPED_FILE, allow_pickle=False) as npz:
        assert all(npz[key].dtype.kind != "O" for key in npz.files)
    assert cs.shipped_settings()[-1] == DEFAULTS  # the comparison's last row: the default


@pytest.mark.parametrize("index", range(4))
def test_every_shipped_result_equals_a_fresh_training(movielens, index):
    """If this fails, the training code or the defaults changed: run
    `make default-results` and commit the new file."""
    ratings, train_idx, valid_idx, fingerprint = movielens
    settings = cs.shipped_settings()[index]
    fresh = cm.train(ratings, settings, train_idx, valid_idx)
    shipped = cs.load(settings, fingerprint)
    assert shipped is not None
    np.testing.assert_allclose(shipped.valid_rmse, fresh.valid_rmse, rtol=1e-6)
    np.testing.assert_allclose(shipped.train_loss, fresh.train_loss, rtol=1e-6)
    assert (shipped.low, shipped.high, shipped.diverged_epoch) == (
        fresh.low, fresh.high, fresh.diverged_epoch)
    if settings == DEFAULTS:
        for name in ("user_factors", "item_factors", "user_bias", "item_bias"):
            np.testing.assert_allclose(getattr(shipped, name), getattr(fresh, name),
                                       rtol=1e-4, atol=1e-6)
        users, items = ratings.user[valid_idx], ratings.item[valid_idx]
        np.testing.assert_allclose(shipped.predict(users, items), fresh.predict(users, items),
                                   atol=1e-4)
    else:
        assert shipped.user_factors.shape == (0, settings.factors)  # curves only


def test_nothing_is_shipped_for_other_settings_or_other_data(movielens, tmp_path):
    ratings, train_idx, valid_idx, fingerprint = movielens
    assert cs.load(dataclasses.replace(DEFAULTS, factors=10), fingerprint) is None
    assert cs.load(dataclasses.replace(DEFAULTS, seed=1), fingerprint) is None
    # another split (or another release of the ratings) has another fingerprint
    other = cs.fingerprint(ratings, *cd.split(ratings.n_ratings, 0.1, seed=7))
    assert other != fingerprint and cs.load(DEFAULTS, other) is None
    assert cs.load(DEFAULTS, fingerprint, path=tmp_path / "missing.npz") is None


def test_save_and_load_keep_what_a_model_says(tmp_path):
    """Round trip on small data, with a range switched off (None) and a divergence."""
    rng = np.random.default_rng(0)
    settings = dataclasses.replace(DEFAULTS, factors=3, y_range=False)
    k = settings.factors
    model = cm.Model(rng.standard_normal((4, k)).astype(np.float32),
                     rng.standard_normal((5, k)).astype(np.float32),
                     np.zeros(4, np.float32), np.zeros(5, np.float32), None, None,
                     [1.5, 1.2], [1.4, 1.3], 2)
    default = dataclasses.replace(model, low=0.25, high=5.25, diverged_epoch=None)
    path = tmp_path / "shipped.npz"
    cs.save(path, {settings: model, DEFAULTS: default}, "abc")
    curves = cs.load(settings, "abc", path=path)
    assert (curves.low, curves.high, curves.diverged_epoch) == (None, None, 2)
    assert curves.valid_rmse == [1.4, 1.3] and curves.train_loss == [1.5, 1.2]
    assert curves.user_factors.shape == (0, k)
    full = cs.load(DEFAULTS, "abc", path=path)
    np.testing.assert_array_equal(full.item_factors, default.item_factors)
    assert (full.low, full.high, full.diverged_epoch) == (0.25, 5.25, None)
    assert cs.load(DEFAULTS, "another", path=path) is None


def test_the_default_view_trains_nothing(monkeypatch):
    """A fresh server's first visitor gets the default view from the shipped file: with
    training made to fail, the page still draws it, with the shipped numbers."""
    def no_training(*args, **kwargs):
        raise AssertionError("the default view trained a model")

    monkeypatch.setattr(cm, "train", no_training)
    at = open_app("pages/8_collaborative_filtering.py")
    assert not at.exception
    shipped = cs.load(DEFAULTS, cs.fingerprint(cd.load_movielens(),
                                               *cd.split(100_004, 0.1, seed=42)))
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert f"{shipped.valid_rmse[-1]:.3f}" in text
