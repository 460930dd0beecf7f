"""The polynomial fit and the evaluation protocols, against numpy.polynomial, scikit-learn
and the definitions."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.polynomial import polynomial as P

from explorer import fitting, fitting_charts, fitting_protocol, fitting_protocol_charts

# ---- polynomial -------------------------------------------------------------------------


@pytest.mark.parametrize("degree", [0, 1, 2, 3, 5, 8, 10])
def test_fit_equals_numpy_polynomial_least_squares(degree):
    data = fitting.make_data("sine", 30, 0.2, seed=3)
    ours = fitting.fit_polynomial(data.x_train, data.y_train, degree)
    reference = P.polyfit(data.x_train, data.y_train, degree)
    np.testing.assert_allclose(ours, reference, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fitting.predict(ours, data.x_val),
                               P.polyval(data.x_val, reference), atol=1e-8)


def test_noise_free_polynomial_is_recovered_exactly():
    x = np.linspace(-1, 1, 25)
    true = np.array([0.5, -1.0, 0.0, 2.0, 0.25])
    np.testing.assert_allclose(fitting.fit_polynomial(x, P.polyval(x, true), 4), true,
                               atol=1e-10)


def test_mse_is_the_mean_of_squared_residuals():
    assert fitting.mse([1.0, 2.0, 3.0], [1.0, 0.0, 6.0]) == pytest.approx((0 + 4 + 9) / 3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_sine_validation_error_is_lowest_at_a_middle_degree(seed):
    sweep = fitting.degree_sweep(fitting.make_data("sine", 30, 0.2, seed=seed))
    best = fitting.best_degree(sweep)
    assert 3 <= best <= 12
    assert sweep["val_mse"].iloc[0] > 2 * sweep["val_mse"].min()
    assert sweep["val_mse"].iloc[1] > 2 * sweep["val_mse"].min()
    # training error never rises with the degree (nested least-squares models)
    assert np.all(np.diff(sweep["train_mse"]) <= 1e-10)


def test_more_coefficients_than_points_interpolates():
    data = fitting.make_data("sine", 10, 0.2, seed=0)
    coefs = fitting.fit_polynomial(data.x_train, data.y_train, 15)
    np.testing.assert_allclose(fitting.predict(coefs, data.x_train), data.y_train, atol=1e-6)


def test_verdicts_for_the_preset_teaching_moments():
    line = fitting.degree_sweep(fitting.make_data("sine", 20, 0.2))
    assert fitting.verdict(line, 1) == "underfit"
    few = fitting.degree_sweep(fitting.make_data("sine", 10, 0.2))
    assert fitting.verdict(few, 15) == "overfit"
    many = fitting.degree_sweep(fitting.make_data("sine", 200, 0.2))
    assert fitting.verdict(many, 15) == "about right"
    # with 200 points the validation error of degree 15 is close to the noise variance
    assert many["val_mse"].iloc[15] < 1.3 * 0.2**2


def test_data_is_deterministic_and_validation_is_separate():
    a = fitting.make_data("step", 15, 0.1, seed=4)
    b = fitting.make_data("step", 15, 0.1, seed=4)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert len(a.x_val) == fitting.VALIDATION_POINTS
    assert not np.isin(a.x_train, a.x_val).any()
    with pytest.raises(ValueError):
        fitting.make_data("zigzag", 10, 0.1)


def test_sweep_chart_marks_the_degree_and_floors_zero_error():
    sweep = fitting.degree_sweep(fitting.make_data("sine", 10, 0.2))
    spec = fitting_charts.sweep_chart(sweep, 15).to_dict()
    values = [row for data in spec["datasets"].values() for row in data]
    assert any(row.get("label") == "your degree: 15" for row in values)
    shown = [row["shown"] for row in values if "shown" in row]
    assert min(shown) >= fitting_charts.ERROR_FLOOR


# ---- evaluation protocol ---------------------------------------------------------------


@pytest.mark.parametrize("n,k,repeats", [(10, 2, 1), (23, 5, 3), (60, 10, 2), (7, 7, 1)])
def test_kfold_splits_partition_the_rows_once_per_repeat(n, k, repeats):
    splits = fitting_protocol.kfold_splits(n, k, repeats, seed=1)
    assert len(splits) == k * repeats
    for r in range(1, repeats + 1):
        folds = [s.val_idx for s in splits if s.repeat == r]
        assert len(folds) == k
        np.testing.assert_array_equal(np.sort(np.concatenate(folds)), np.arange(n))
        sizes = [len(f) for f in folds]
        assert max(sizes) - min(sizes) <= 1
        for s in (s for s in splits if s.repeat == r):
            train = s.train_idx(n)
            assert len(np.intersect1d(train, s.val_idx)) == 0
            assert len(train) + len(s.val_idx) == n


def test_iterated_kfold_reshuffles_between_repeats():
    splits = fitting_protocol.kfold_splits(40, 4, 2, seed=0)
    first = [tuple(s.val_idx) for s in splits if s.repeat == 1]
    second = [tuple(s.val_idx) for s in splits if s.repeat == 2]
    assert first != second


def test_invalid_k_is_refused():
    with pytest.raises(ValueError):
        fitting_protocol.kfold_splits(5, 1)
    with pytest.raises(ValueError):
        fitting_protocol.kfold_splits(5, 6)


def test_batched_logistic_regression_matches_scikit_learn():
    from sklearn.linear_model import LogisticRegression

    x, y = fitting_protocol.load_penguins_xy()
    x, y = x[:80], y[:80]
    splits = fitting_protocol.kfold_splits(80, 4, 1, seed=2)
    val_masks = fitting_protocol._val_masks(80, [s.val_idx for s in splits])
    xs, beta = fitting_protocol.logistic_fit(x, y, ~val_masks)
    ours = fitting_protocol.split_accuracies(x, y, ~val_masks, val_masks)
    for i, s in enumerate(splits):
        tr = s.train_idx(80)
        mean, std = x[tr].mean(axis=0), x[tr].std(axis=0)
        model = LogisticRegression(C=1.0, tol=1e-10, max_iter=1000).fit((x[tr] - mean) / std,
                                                                        y[tr])
        np.testing.assert_allclose(beta[i, :-1], model.coef_[0], atol=1e-5)
        assert beta[i, -1] == pytest.approx(model.intercept_[0], abs=1e-5)
        assert ours[i] == pytest.approx(model.score((x[s.val_idx] - mean) / std, y[s.val_idx]))


def test_on_a_small_sample_hold_out_moves_more_than_kfold():
    res = fitting_protocol.evaluate(rows=60, k=5, repeats=1, seed=0)
    assert len(res.holdout_scores) == fitting_protocol.HOLDOUT_DRAWS
    assert len(res.kfold_means) == fitting_protocol.HOLDOUT_DRAWS
    assert res.holdout_scores.std() > 2 * res.kfold_means.std()
    assert res.n_reference == 333 - 60
    assert 0.7 < res.reference < 1.0
    assert res.mean == pytest.approx(res.fold_scores["accuracy"].mean())
    # the picture: one hold-out line plus one line per fold, one cell per row
    frame = fitting_protocol_charts.split_frame(res)
    assert frame["line"].nunique() == 1 + 5
    assert len(frame) == 6 * 60
    per_fold = frame[frame["line"] != "hold-out"]
    assert (per_fold["role"] == "validates").sum() == 60


def test_protocol_charts_carry_every_estimate_and_the_fold_statistics():
    res = fitting_protocol.evaluate(rows=60, k=4, repeats=2, seed=1)
    frame = fitting_protocol_charts.comparison_frame(res)
    hold = frame[frame["estimate"] == "one hold-out split"]["accuracy"].to_numpy()
    kfold = frame[frame["estimate"] == "4-fold mean"]["accuracy"].to_numpy()
    np.testing.assert_array_equal(hold, res.holdout_scores)
    np.testing.assert_array_equal(kfold, res.kfold_means)
    spec = fitting_protocol_charts.fold_chart(res).to_dict()
    rows = [r for data in spec["datasets"].values() for r in data]
    scores = np.array([r["accuracy"] for r in rows if "fold" in r])
    assert len(scores) == 4 * 2
    (stats,) = [r for r in rows if "mean" in r]
    assert stats["mean"] == pytest.approx(scores.mean())
    assert stats["hi"] - stats["mean"] == pytest.approx(scores.std(ddof=1))
    # the split picture: the hold-out line, then one line per repeat and fold
    lines = fitting_protocol_charts.split_frame(res)["line"].unique().tolist()
    assert lines[:3] == ["hold-out", "repeat 1 · fold 1", "repeat 1 · fold 2"]
    assert len(lines) == 1 + 4 * 2
