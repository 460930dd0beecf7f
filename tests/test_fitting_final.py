"""The final model, scored once: the split, the choice on validation, the refit and the one
test score, against the same procedure written with scikit-learn (MinMaxScaler with clip,
PolynomialFeatures, LinearRegression, train_test_split); and the charts' data."""

from __future__ import annotations

import numpy as np
import palmerpenguins
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, PolynomialFeatures

from explorer import fitting_final as final
from explorer import fitting_final_charts as charts


def sklearn_model(degree: int):
    """x scaled to [-1, 1] on the fitted rows (clipped outside them), then least squares on
    the powers of x: the model fitting_final describes, built from scikit-learn's parts."""
    return make_pipeline(MinMaxScaler(feature_range=(-1, 1), clip=True),
                         PolynomialFeatures(degree), LinearRegression(fit_intercept=False))


def sklearn_procedure(x, y, train, val, test, degrees):
    """Fit every degree on train, choose on validation, refit on train + validation, score
    the test rows: (validation RMSEs, chosen degree, test RMSE)."""
    X = x.reshape(-1, 1)
    val_rmse = []
    for d in degrees:
        model = sklearn_model(d).fit(X[train], y[train])
        val_rmse.append(root_mean_squared_error(y[val], model.predict(X[val])))
    chosen = degrees[int(np.argmin(val_rmse))]
    both = np.concatenate([train, val])
    refit = sklearn_model(chosen).fit(X[both], y[both])
    return np.array(val_rmse), chosen, root_mean_squared_error(y[test], refit.predict(X[test]))


def test_the_table_is_the_penguins_with_both_measurements():
    x, y = final.load_penguins_mass()
    df = palmerpenguins.load_penguins()
    both = df[["flipper_length_mm", "body_mass_g"]].dropna()
    assert len(x) == len(y) == len(both) == 342
    np.testing.assert_array_equal(x, both["flipper_length_mm"].to_numpy(float))
    np.testing.assert_array_equal(y, both["body_mass_g"].to_numpy(float))


@pytest.mark.parametrize(("rows", "sizes"), [(20, (10, 5, 5)), (40, (20, 10, 10)),
                                             (30, (15, 8, 7)), (340, (170, 85, 85))])
def test_split_sizes_are_half_a_quarter_and_the_rest(rows, sizes):
    assert final.split_sizes(rows) == sizes


def test_the_three_parts_are_disjoint_and_make_the_sample():
    rng = np.random.default_rng(5)
    for rows in (20, 55, 342):
        train, val, test = final.three_way_split(342, rows, rng)
        together = np.concatenate([train, val, test])
        assert len(together) == len(set(together)) == rows
        assert (len(train), len(val), len(test)) == final.split_sizes(rows)


def test_candidates_stop_where_the_fit_would_not_be_unique():
    ten = np.arange(180.0, 190.0)
    assert final.candidate_degrees(10, ten) == list(range(10))  # 10 x values: 10 weights
    assert final.candidate_degrees(6, np.arange(20.0)) == list(range(7))
    shared = np.array([180.0, 180.0, 185.0, 190.0, 190.0, 195.0])
    assert final.candidate_degrees(10, shared) == [0, 1, 2, 3]  # 4 distinct lengths


@pytest.mark.parametrize(("rows", "max_degree", "seed"), [(20, 10, 0), (40, 6, 3),
                                                          (120, 8, 1), (340, 10, 2)])
def test_one_split_matches_the_same_procedure_in_scikit_learn(rows, max_degree, seed):
    x, y = final.load_penguins_mass()
    run = final.run_once(x, y, rows, max_degree, np.random.default_rng(seed))
    val_rmse, chosen, test_rmse = sklearn_procedure(x, y, run.train, run.val, run.test,
                                                    run.degrees)
    np.testing.assert_allclose(run.val_rmse, val_rmse, rtol=1e-6)
    assert run.chosen == chosen
    assert run.test_rmse == pytest.approx(test_rmse, rel=1e-6)
    # the degree fixed in advance goes through the same steps with no choice
    _, _, fixed_test = sklearn_procedure(x, y, run.train, run.val, run.test,
                                         [final.FIXED_DEGREE])
    assert run.fixed_test == pytest.approx(fixed_test, rel=1e-6)
    assert run.fixed_val == pytest.approx(val_rmse[final.FIXED_DEGREE], rel=1e-6)


def test_outside_the_fitted_range_the_model_keeps_its_edge_value():
    x = np.array([180.0, 190.0, 200.0, 210.0])
    model = final.fit(x, x**2, 2)
    assert model(np.array([150.0]))[0] == pytest.approx(model(np.array([180.0]))[0])
    assert model(np.array([260.0]))[0] == pytest.approx(model(np.array([210.0]))[0])
    assert model(np.array([195.0]))[0] == pytest.approx(195.0**2)


def test_the_summary_is_the_runs():
    result = final.evaluate(40, 6, seed=0, splits=30)
    runs = result.runs
    assert len(runs) == 30
    np.testing.assert_allclose(runs["gap"], runs["test"] - runs["val"])
    assert result.mean_gap == pytest.approx(np.mean(runs["test"] - runs["val"]))
    assert final.median_gaps(result) == (pytest.approx(np.median(runs["gap"])),
                                         pytest.approx(np.median(runs["fixed_gap"])))
    assert result.share_worse == pytest.approx(np.mean(runs["test"] > runs["val"]))
    assert result.example.chosen == runs["chosen"].iloc[0]
    # each split's validation score is the lowest of its candidates'
    assert result.example.chosen_val == pytest.approx(result.example.val_rmse.min())


def test_choosing_on_validation_flatters_it_also_with_scikit_learns_splits():
    """The page's headline effect, reproduced with scikit-learn's own random splitting: on 20
    penguins with degrees 0 to 9 to choose from, the chosen degree's test error lies well above
    its validation error; a straight line fixed in advance does not."""
    x, y = final.load_penguins_mass()
    degrees = list(range(10))
    gaps, fixed_gaps = [], []
    for seed in range(60):
        sample, _ = train_test_split(np.arange(len(x)), train_size=20, random_state=seed)
        train, rest = train_test_split(sample, train_size=10, random_state=seed)
        val, test = train_test_split(rest, train_size=5, random_state=seed)
        val_rmse, _, test_rmse = sklearn_procedure(x, y, train, val, test, degrees)
        gaps.append(test_rmse - val_rmse.min())
        fixed_val, _, fixed_test = sklearn_procedure(x, y, train, val, test, [1])
        fixed_gaps.append(fixed_test - fixed_val[0])
    ours_gap, ours_fixed = final.median_gaps(final.evaluate(20, 10, seed=0))
    assert np.median(gaps) > 30 and ours_gap > 30
    assert np.median(fixed_gaps) < 10 and ours_fixed < 10
    assert np.median(gaps) - np.median(fixed_gaps) > 40


# ---- words ---------------------------------------------------------------------------------


def test_gap_words_carry_the_medians_and_pick_the_right_sentence():
    small = final.evaluate(20, 10, seed=0)
    gap, fixed = final.median_gaps(small)
    words = final.gap_words(small)
    assert f"{abs(gap):.0f} g {'above' if gap >= 0 else 'below'}" in words
    assert f"it was {abs(fixed):.0f} g {'above' if fixed >= 0 else 'below'}" in words
    assert f"about {round(gap) - round(fixed):.0f} g, is what choosing" in words
    assert f"in {small.share_worse:.0%} of the splits" in words
    whole = final.evaluate(340, 10, seed=0)
    assert "The two hardly differ: 85 validation rows" in final.gap_words(whole)


# ---- charts --------------------------------------------------------------------------------


def test_example_chart_draws_every_penguin_in_its_role_and_the_final_curve():
    result = final.evaluate(40, 6, seed=1, splits=5)
    frame = charts.example_frame(result)
    counts = frame["role"].value_counts()
    assert (counts["training"], counts["validation"], counts["test"]) == result.sizes
    assert counts["rest of the table"] == 342 - 40
    run = result.example
    assert set(frame.index[frame["role"] == "test"]) == set(run.test)
    curve = charts.curve_frame(result)
    np.testing.assert_allclose(curve["y"], run.final(curve["x"].to_numpy()))
    spec = charts.example_chart(result).to_dict()
    assert len(spec["layer"]) == 3


def test_choice_chart_has_every_candidate_and_the_one_test_score():
    result = final.evaluate(40, 6, seed=1, splits=5)
    frame = charts.choice_frame(result)
    val = frame[frame["set"] == "validation"]
    assert list(val["degree"]) == result.degrees
    np.testing.assert_allclose(val["rmse"], result.example.val_rmse)
    spec = charts.choice_chart(result).to_dict()
    rows = [row for data in spec["datasets"].values() for row in data]
    assert {"degree": result.example.chosen, "rmse": result.example.test_rmse,
            "set": "test, once"} in rows
    assert any(row.get("label") == f"chosen: {result.example.chosen}" for row in rows)


def test_gap_chart_has_one_dot_per_split_and_way_and_the_medians():
    result = final.evaluate(20, 10, seed=0)
    frame = charts.gap_frame(result)
    assert len(frame) == 2 * final.SPLITS
    chosen = frame[frame["how"] == charts.CHOSEN]
    np.testing.assert_allclose(chosen["gap"], result.runs["gap"])
    edge = charts.gap_axis(result)
    assert 200 <= edge <= charts.GAP_AXIS and edge % 100 == 0
    assert frame["shown"].abs().max() <= edge
    inside = frame["gap"].abs() <= edge
    np.testing.assert_allclose(frame.loc[inside, "shown"], frame.loc[inside, "gap"])
    assert inside.mean() >= 0.98
    spec = charts.gap_chart(result).to_dict()
    labels = {row["label"] for data in spec["datasets"].values() for row in data
              if "label" in row}
    gap, fixed = final.median_gaps(result)
    assert labels == {f"median {gap:+.0f} g", f"median {fixed:+.0f} g"}
