"""The collaborative filtering page's sentences about what a training does, checked against
the training (issue 24): every preset note, the computed sentence under the loss chart, the
overfitting notice and the 'What is going on' claims."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import claims
from explorer import collab_analysis as ca
from explorer import collab_data as cd
from explorer import collab_model as cm
from explorer import collab_planted as cp
from explorer.collab_spec import DEFAULTS, PLANTED, SPEC, settings_from
from tests.helpers import open_app, visible_text

pytestmark = pytest.mark.slow

PAGE = "pages/8_collaborative_filtering.py"


@pytest.fixture(scope="module")
def movielens():
    ratings = cd.load_movielens()
    return ratings, cd.split(ratings.n_ratings, 0.1, seed=42)


@pytest.fixture(scope="module")
def runs(movielens):
    """Each MovieLens preset's training, as the page runs it."""
    ratings, parts = movielens
    return {p.name: cm.train(ratings, settings_from(p.values), *parts)
            for p in SPEC.presets if p.values.get("cf_dataset") != PLANTED}


@pytest.fixture(scope="module")
def baselines(movielens):
    ratings, parts = movielens
    return {"global mean": cm.global_mean_rmse(ratings, *parts),
            "biases only": cm.biases_only_rmse(ratings, *parts)}


def train_rmse(model: cm.Model) -> np.ndarray:
    return np.sqrt(model.train_loss)


def note(name: str) -> str:
    return SPEC.preset(name).note


def test_dot_product_starts_far_off_and_falls_every_epoch_to_above_the_baseline(
        movielens, runs, baselines):
    ratings, (train_idx, _) = movielens
    model = runs["dot_product"]
    assert "first predictions are near 0 for ratings around 3.5" in note("dot_product")
    assert round(float(ratings.rating[train_idx].mean()), 1) == 3.5
    # the starting tables: factors of size 0.01, so every first prediction is close to 0
    rng = np.random.default_rng(DEFAULTS.seed)
    k = settings_from(SPEC.preset("dot_product").values).factors
    users = rng.standard_normal((ratings.n_users, k)) * 0.01
    items = rng.standard_normal((ratings.n_items, k)) * 0.01
    assert np.abs(np.sum(users[ratings.user] * items[ratings.item], axis=1)).max() < 0.05
    assert model.valid_rmse[0] > 2 * baselines["biases only"]  # "starts far off"
    assert "falls at every epoch" in note("dot_product")
    assert claims.falls_every_step(model.valid_rmse)
    assert "ends well above the biases-only line" in note("dot_product")
    assert model.valid_rmse[-1] > baselines["biases only"] + 0.1


def test_with_biases_helps_at_once_then_bottoms_out_and_climbs(runs):
    model, dot = runs["with_biases"], runs["dot_product"]
    text = note("with_biases")
    assert "help at once" in text
    assert model.valid_rmse[0] < dot.valid_rmse[0] / 2
    assert min(model.valid_rmse) < min(dot.valid_rmse) - 0.1
    assert "bottoms out after a few epochs and climbs again" in text
    assert claims.trend(model.valid_rmse) == "bottoms out, then rises"
    assert int(np.argmin(model.valid_rmse)) + 1 <= 4
    assert model.valid_rmse[-1] > min(model.valid_rmse) + 0.05
    assert "training error keeps falling" in text
    assert claims.falls_every_step(train_rmse(model))


def test_with_weight_decay_levels_off_with_smaller_factors_below_both_baselines(
        runs, baselines):
    model, plain = runs["with_wd"], runs["with_biases"]
    text = note("with_wd")
    assert "keeps the factors smaller" in text

    def size(m):
        return np.sum(m.user_factors.astype(float) ** 2) + np.sum(
            m.item_factors.astype(float) ** 2)

    assert size(model) < 0.9 * size(plain)
    assert "levels off at its best instead of climbing (compare With biases)" in text
    best = int(np.argmin(model.valid_rmse))
    assert 0 < best < len(model.valid_rmse) - 1  # it does reach a best and go on
    assert claims.trend(model.valid_rmse[best:]) == "flat"
    assert claims.trend(plain.valid_rmse[int(np.argmin(plain.valid_rmse)):]) == "rises"
    assert "ends below both baselines" in text
    assert model.valid_rmse[-1] < min(baselines.values())


def test_memorising_preset_overfits_on_its_own_chart(runs):
    model = runs["overfit"]
    text = note("overfit")
    values = SPEC.preset("overfit").values
    assert text.startswith(f"{values['factors']} factors, {values['cf_epochs']} epochs, no "
                           "weight decay")
    assert values["cf_wd"] == 0.0
    assert "training error falls to under a tenth of where it started" in text
    train = train_rmse(model)
    assert train[-1] < train[0] / 10
    assert "validation error climbs after its best epoch" in text
    assert claims.trend(model.valid_rmse) == "bottoms out, then rises"
    assert model.valid_rmse[-1] > min(model.valid_rmse) + 0.05
    # The label blames the missing weight decay, not the number of factors: without
    # weight decay, 10 factors end about as far above their best as 100 do.
    assert "factors" not in SPEC.preset("overfit").label


def test_planted_preset_lines_up_with_the_planted_tastes():
    planted = cp.planted_tastes()
    ratings = planted.ratings
    model = cm.train(ratings, settings_from(SPEC.preset("planted").values),
                     *cd.split(ratings.n_ratings, 0.1, seed=42))
    found = cp.recovery(model, planted)
    assert "line up with them" in note("planted")
    assert found.item_correlations.min() > 0.95 and found.user_correlations.min() > 0.95


def test_weight_decay_pulls_hardest_on_the_often_rated(movielens):
    """'What is going on': the pull comes each time a row is in a batch, so it shrinks the
    factors of often-rated movies far more than those of movies with one or two ratings."""
    ratings, parts = movielens
    counts = cd.item_counts(ratings, parts[0])
    with_wd = cm.train(ratings, DEFAULTS, *parts)
    without = cm.train(ratings, settings_from({"cf_wd": 0.0}), *parts)

    def median_length(model, mask):
        return float(np.median(np.linalg.norm(model.item_factors[mask], axis=1)))

    often, rare = counts >= 50, (counts >= 1) & (counts <= 2)
    shrink_often = median_length(without, often) / median_length(with_wd, often)
    shrink_rare = median_length(without, rare) / median_length(with_wd, rare)
    assert shrink_often > 1.3 and shrink_often > shrink_rare


# ---- the computed sentences ------------------------------------------------------------


@pytest.mark.parametrize(("valid", "words"), [
    ([0.98, 0.90, 0.88, 0.87], "falls at every epoch, from 0.980 to 0.870"),
    ([0.98, 0.88, 0.90, 0.95], "bottoms out at epoch 2 (0.880), then rises to 0.950"),
    ([0.98, 0.870, 0.871, 0.872], "to its lowest, 0.870 at epoch 2, then stays within 0.002"),
    ([1.0, 1.002, 1.001], "stays within 0.002 of 1.000"),
    ([0.9, 1.2, 1.5], "is lowest at the first epoch (0.900) and ends at 1.500"),
])
def test_describe_curves_says_what_the_numbers_do(valid, words):
    sentence = ca.describe_curves([1.0, 0.8, 0.6, 0.5][:len(valid)], valid)
    assert words in sentence
    assert "training error falls at every epoch" in sentence


@pytest.mark.parametrize("preset", ["dot_product", "with_biases", "with_wd", "overfit"])
def test_each_presets_page_describes_its_own_curves(runs, preset):
    at = open_app(PAGE, preset=preset)
    assert not at.exception
    model = runs[preset]
    sentence = ca.describe_curves(train_rmse(model), model.valid_rmse)
    text = visible_text(at)
    assert SPEC.preset(preset).note in text
    assert sentence in text
    overfitting = "while training error fell from" in text
    assert overfitting == (preset in {"with_biases", "overfit"})
