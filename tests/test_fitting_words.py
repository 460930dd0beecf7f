"""The over/underfitting page's sentences about its results, checked against the numbers the
page computes: the preset notes, the verdict, the error curve's caption, the protocol
comparison, and the final model scored once."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import fitting, fitting_final, fitting_protocol
from explorer.fitting_spec import SPEC
from tests.helpers import open_app, visible_text

PAGE = "pages/6_over_underfitting.py"


def values(preset: str | None = None) -> dict:
    defaults = {p.key: p.default for p in SPEC.params}
    return defaults | (SPEC.preset(preset).values if preset else {})


def sweep_of(preset: str | None = None):
    v = values(preset)
    data = fitting.make_data(v["truth"], v["fit_n"], v["fit_noise"], seed=0)
    return v, data, fitting.degree_sweep(data)


def row(sweep, degree: int):
    return sweep.loc[sweep["degree"] == degree].iloc[0]


# ---- polynomial tab -------------------------------------------------------------------------


def test_underfit_note_both_errors_high():
    v, _, sweep = sweep_of("underfit_line")
    assert "training and validation error are both high" in SPEC.preset("underfit_line").note
    mine, best = row(sweep, v["degree"]), row(sweep, fitting.best_degree(sweep))
    assert fitting.verdict(sweep, v["degree"]) == "underfit"
    noise_floor = v["fit_noise"] ** 2
    assert mine["train_mse"] > 4 * noise_floor and mine["val_mse"] > 4 * noise_floor
    assert mine["train_mse"] > 5 * best["train_mse"] and mine["val_mse"] > 5 * best["val_mse"]


def test_overfit_note_zero_training_error_huge_validation_wild_swings():
    v, data, sweep = sweep_of("overfit_15")
    note = SPEC.preset("overfit_15").note
    assert "training error 0, validation error huge" in note
    mine = row(sweep, v["degree"])
    assert mine["train_mse"] < 1e-6
    assert mine["val_mse"] > 100 * sweep["val_mse"].min()
    # "passes through every training point and swings wildly between them"
    coefs = fitting.fit_polynomial(data.x_train, data.y_train, v["degree"])
    np.testing.assert_allclose(fitting.predict(coefs, data.x_train), data.y_train, atol=1e-6)
    between = fitting.predict(coefs, np.linspace(data.x_train.min(), data.x_train.max(), 400))
    assert np.abs(between).max() > 3 * np.abs(data.y_train).max()


def test_the_tour_step_on_overfit_names_the_presets_numbers():
    from explorer import tours

    v, _, sweep = sweep_of("overfit_15")
    steps = [s for t in tours.TOURS for s in t.steps if s.preset == "overfit_15"]
    assert steps
    for step in steps:
        assert f"Degree {v['degree']} through {v['fit_n']} points." == step.look
        assert f"fitted to {v['fit_n']} noisy points" in step.predict.prompt
        assert v["degree"] + 1 > v["fit_n"]  # "more coefficients than points"
        mine = row(sweep, v["degree"])
        assert mine["train_mse"] < mine["val_mse"]  # the answer: training error is lower
        assert step.predict.options[step.predict.answer] == "Training error"


def test_more_data_note_and_caption_say_flat_not_a_u():
    """Issue 24: the caption said validation error 'bottoms out, then rises' where the page's
    numbers were 0.0421 at degree 6 and 0.0445 at degree 15. The words now come from the
    sweep, and the preset's note is checked here."""
    v, _, sweep = sweep_of("more_data")
    note = SPEC.preset("more_data").note
    assert "validation error comes down to the noise level" in note
    assert "no room left to chase the noise" in note
    at15 = row(sweep, 15)["val_mse"]
    assert at15 <= fitting.ABOUT_RIGHT_FACTOR * v["fit_noise"] ** 2
    assert fitting.verdict(sweep, 15) == "about right"
    words = fitting.validation_words(sweep)
    assert "rises" not in words and "stays within" in words
    lowest = sweep["val_mse"].min()
    assert sweep.loc[sweep["degree"] >= fitting.best_degree(sweep), "val_mse"].max() \
        <= fitting.ABOUT_RIGHT_FACTOR * lowest
    at = open_app(PAGE, preset="more_data")
    caption = next(c.value for c in at.caption if c.value.startswith("Training and validation"))
    assert "stays within 6% of that up to degree 15" in caption
    assert "bottoms out" not in caption and "rises" not in caption


def test_the_default_caption_describes_the_u_it_shows():
    _, _, sweep = sweep_of()
    words = fitting.validation_words(sweep)
    best = fitting.best_degree(sweep)
    worst = sweep.loc[sweep["degree"] >= best, "val_mse"].max()
    assert f"to {sweep['val_mse'].min():.3g} at degree {best}, then rises again" in words
    assert worst > 100 * sweep["val_mse"].min()
    at = open_app(PAGE)
    assert words in visible_text(at)


@pytest.mark.parametrize("truth", fitting.TRUTH_NAMES)
@pytest.mark.parametrize(("n", "noise"), [(10, 0.2), (20, 0.2), (20, 0.5), (60, 0.1),
                                          (200, 0.2), (30, 0.0)])
def test_every_verdict_sentence_matches_its_numbers(truth, n, noise):
    sweep = fitting.degree_sweep(fitting.make_data(truth, n, noise, seed=0))
    best = fitting.best_degree(sweep)
    top = row(sweep, best)
    for degree in range(fitting.MAX_DEGREE + 1):
        mine = row(sweep, degree)
        words = fitting.verdict_reason(sweep, degree)
        kind = fitting.verdict(sweep, degree)
        if "both higher" in words:
            assert kind == "underfit"
            assert mine["train_mse"] > top["train_mse"] and mine["val_mse"] > top["val_mse"]
        if words.startswith("too flexible"):
            assert kind == "overfit" and degree > best
            assert mine["train_mse"] <= top["train_mse"] + 1e-9  # "down to"
            assert mine["val_mse"] > fitting.ABOUT_RIGHT_FACTOR * top["val_mse"]
        if kind == "about right":
            assert mine["val_mse"] <= fitting.ABOUT_RIGHT_FACTOR * top["val_mse"]
        # training error never goes up with the degree, as the caption says
    assert np.all(np.diff(sweep["train_mse"]) <= 1e-9)


@pytest.mark.parametrize("preset", [None, "underfit_line", "overfit_15", "more_data"])
def test_no_validation_error_far_below_the_noise_variance(preset):
    """'The noise alone costs σ² (its variance): no model can have a validation error much
    below that.'"""
    v, _, sweep = sweep_of(preset)
    assert sweep["val_mse"].min() >= 0.9 * v["fit_noise"] ** 2


# ---- evaluation protocol tab ----------------------------------------------------------------


def test_holdout_note_wide_range_and_kfold_much_steadier():
    v = values("holdout_noisy")
    note = SPEC.preset("holdout_noisy").note
    assert "With 60 rows" in note and "averages five" in note
    res = fitting_protocol.evaluate(v["rows"], v["k"], v["repeats"], seed=v["split_seed"])
    assert (v["rows"], v["k"]) == (60, 5)
    assert res.holdout_scores.max() - res.holdout_scores.min() >= 0.2  # "a wide range"
    assert res.holdout_scores.std() >= 3 * res.kfold_means.std()  # "moves much less"


@pytest.mark.parametrize(("rows", "k"), [(60, 5), (60, 2), (30, 2), (120, 10), (300, 3)])
def test_the_spread_sentence_carries_the_charts_spreads(rows, k):
    res = fitting_protocol.evaluate(rows, k, 1, seed=0)
    words = fitting_protocol.spread_words(res)
    hold, kfold = res.holdout_scores.std(), res.kfold_means.std()
    assert f"± {kfold:.1%} against ± {hold:.1%}" in words
    if "about the same" in words:
        assert hold / kfold < 1.25
    else:
        assert hold / kfold >= 1.25


def final_of(preset: str | None):
    v = values(preset)
    return fitting_final.evaluate(v["final_rows"], v["final_degrees"], seed=v["final_seed"])


def test_few_rows_note_chosen_degree_flattered_fixed_line_not():
    note = SPEC.preset("few_rows").note
    v = values("few_rows")
    assert "Twenty penguins, five of them validating" in note
    assert fitting_final.split_sizes(v["final_rows"]) == (10, 5, 5)
    assert "as ten training rows allow" in note and v["final_degrees"] == fitting_final.MAX_DEGREE
    result = final_of("few_rows")
    gap, fixed = fitting_final.median_gaps(result)
    assert gap >= 40 and gap >= 0.1 * result.runs["val"].median()  # "well above"
    assert fixed <= 0  # "the straight line fixed in advance does not"
    default_gap, default_fixed = fitting_final.median_gaps(final_of(None))
    assert gap - fixed > 2 * (default_gap - default_fixed)  # it makes the gap large


def test_whole_table_note_both_gaps_a_few_grams():
    note = SPEC.preset("whole_table").note
    v = values("whole_table")
    assert "340 penguins, 85 of them validating, and degrees 0 to 10" in note
    assert fitting_final.split_sizes(v["final_rows"])[1] == 85
    result = final_of("whole_table")
    assert result.degrees == list(range(11))
    gap, fixed = fitting_final.median_gaps(result)
    assert abs(gap) <= 10 and abs(fixed) <= 10
    assert round(gap) - round(fixed) < fitting_final.FLATTERY_GRAMS
    assert "hardly differ" in fitting_final.gap_words(result)


def test_the_final_model_sentences_on_the_page_are_the_computed_ones():
    at = open_app(PAGE, preset="few_rows")
    text = visible_text(at)
    result = final_of("few_rows")
    run = result.example
    gap, fixed = fitting_final.median_gaps(result)
    assert fitting_final.gap_words(result) in text
    assert f"Validation error is lowest at degree {run.chosen} ({run.chosen_val:.0f} g)" in text
    worse = "worse" if run.test_rmse > run.chosen_val else "better"
    assert f"{run.test_rmse:.0f} g, {worse} than validation promised" in text
    assert f"median {gap:+.0f} g" in text and f"median {fixed:+.0f} g" in text
    runs = result.runs
    assert (f"the mean gaps are {np.mean(runs['test'] - runs['val']):+.0f} g and "
            f"{np.mean(runs['fixed_test'] - runs['fixed_val']):+.0f} g") in text


# ---- network tab presets (the notes only; the tab's code is not touched here) ---------------


def trained(preset: str):
    from explorer import fitting_network as net
    from explorer.fitting_spec import FULL_BATCH, OPTIMIZERS

    v = values(preset)
    config = net.NetConfig(
        dataset=v["fit_dataset"], noise=float(v["net_noise"]), n_points=int(v["points"]),
        hidden=net.parse_hidden(v["hidden"]), activation=v["activation"],
        optimizer=OPTIMIZERS[v["optimizer"]], lr=float(v["fit_lr"]),
        epochs=int(v["fit_epochs"]),
        batch_size=0 if v["fit_batch"] == FULL_BATCH else int(v["fit_batch"]),
        wd=float(v["fit_wd"]), l1=float(v["l1"]), dropout=float(v["fit_dropout"]),
        augment=int(v["augment"]), seed=int(v["fit_seed"]))
    return net.train(config)


@pytest.fixture(scope="module")
def big_net():
    return trained("big_net")


def test_big_net_note_training_to_zero_validation_climbing_after_an_early_best(big_net):
    assert SPEC.preset("big_net").note.startswith(
        "Training loss goes to almost 0 while validation loss climbs after an early best epoch")
    final, best = big_net.final, big_net.best
    assert final["train_loss"] < 0.01
    assert big_net.best_epoch <= len(big_net.history) // 4  # early
    assert final["val_loss"] > 3 * best["val_loss"]  # climbs
    after = big_net.history.loc[big_net.history["epoch"] >= big_net.best_epoch, "val_loss"]
    assert after.iloc[-1] == pytest.approx(after.max(), rel=0.05)  # still climbing at the end


def boundary_wiggle(result) -> float:
    """How much the predicted probability changes between neighbouring grid cells, summed:
    a smoother boundary changes less."""
    grid = result.grid_final
    return float(np.abs(np.diff(grid, axis=0)).sum() + np.abs(np.diff(grid, axis=1)).sum())


def test_weight_decay_note_smoother_boundary_much_smaller_gap(big_net):
    from explorer import fitting_network as net

    assert "a smoother boundary and a much smaller gap" in SPEC.preset("weight_decay").note
    decayed = trained("weight_decay")
    assert net.gap(decayed) < net.gap(big_net) / 4
    assert boundary_wiggle(decayed) < boundary_wiggle(big_net)
