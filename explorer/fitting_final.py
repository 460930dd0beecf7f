"""The final model, scored once (Chollet's last workflow step): split a real table into
training, validation and test rows; fit every candidate polynomial degree on the training
rows and choose the one with the lowest validation error; retrain that degree on training +
validation rows; score the test rows once. Repeated over many random splits, the chosen
degree's validation error is on average lower than its test error: choosing the best of
several noisy scores picks a lucky one.

The table: Palmer penguins, body mass (g) predicted from flipper length (mm). Pure numpy;
the charts are in fitting_final_charts.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from explorer.fitting import fit_polynomial, predict

FEATURE, TARGET = "flipper_length_mm", "body_mass_g"
FEATURE_WORDS, TARGET_WORDS = "flipper length (mm)", "body mass (g)"
TRAIN_SHARE, VAL_SHARE = 0.5, 0.25  # the rest of the sample is the test set
SPLITS = 200
MAX_DEGREE = 10
# The degree a modeller could fix before looking at any data (a straight line): the same
# protocol without a choice, for comparison.
FIXED_DEGREE = 1


def load_penguins_mass() -> tuple[np.ndarray, np.ndarray]:
    """The 342 penguins with a flipper length and a body mass: x (mm), y (g)."""
    import palmerpenguins

    df = palmerpenguins.load_penguins().dropna(subset=[FEATURE, TARGET])
    return df[FEATURE].to_numpy(float), df[TARGET].to_numpy(float)


def split_sizes(rows: int) -> tuple[int, int, int]:
    """(training, validation, test) row counts for a sample of `rows`: half, a quarter, the
    rest; each at least 2."""
    if rows < 8:
        raise ValueError("A three-way split needs at least 8 rows.")
    n_train = int(round(rows * TRAIN_SHARE))
    n_val = max(int(round(rows * VAL_SHARE)), 2)
    return n_train, n_val, rows - n_train - n_val


def three_way_split(n_total: int, rows: int, rng: np.random.Generator):
    """A random sample of `rows` of the n_total rows, cut into training, validation and test
    row numbers (disjoint)."""
    n_train, n_val, _ = split_sizes(rows)
    sample = rng.permutation(n_total)[:rows]
    return sample[:n_train], sample[n_train:n_train + n_val], sample[n_train + n_val:]


def candidate_degrees(max_degree: int, x_train: np.ndarray) -> list[int]:
    """Degrees 0..max_degree, without those with more coefficients than there are distinct
    x values among the training rows (their fit would not be unique; flipper lengths are
    whole millimetres, so two penguins often share one)."""
    distinct = len(np.unique(x_train))
    return list(range(min(max_degree, distinct - 1) + 1))


@dataclass(frozen=True)
class PolyModel:
    """A polynomial in x rescaled so the fitted rows' x span [-1, 1]. Outside that span the
    model keeps its value at the nearest edge instead of shooting off: a degree-8
    polynomial continued past its data predicts absurd masses."""

    coefs: np.ndarray
    lo: float
    hi: float

    def unit(self, x) -> np.ndarray:
        width = self.hi - self.lo if self.hi > self.lo else 1.0
        return np.clip(2.0 * (np.asarray(x, float) - self.lo) / width - 1.0, -1.0, 1.0)

    def __call__(self, x) -> np.ndarray:
        return predict(self.coefs, self.unit(x))


def fit(x: np.ndarray, y: np.ndarray, degree: int) -> PolyModel:
    """Least-squares polynomial of this degree through the rows (x, y)."""
    x = np.asarray(x, float)
    model = PolyModel(np.zeros(1), float(x.min()), float(x.max()))
    return PolyModel(fit_polynomial(model.unit(x), y, degree), model.lo, model.hi)


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


@dataclass(frozen=True)
class FinalRun:
    """One split, start to end."""

    train: np.ndarray  # row numbers in the table
    val: np.ndarray
    test: np.ndarray
    degrees: list[int]
    train_rmse: np.ndarray  # per candidate degree, fitted on the training rows
    val_rmse: np.ndarray
    chosen: int  # the degree with the lowest validation error
    final: PolyModel  # the chosen degree refitted on training + validation rows
    test_rmse: float  # the final model on the test rows: scored once
    fixed_val: float  # FIXED_DEGREE's validation error (fitted on training rows)
    fixed_test: float  # FIXED_DEGREE refitted on training + validation, on the test rows

    @property
    def chosen_val(self) -> float:
        return float(self.val_rmse[self.degrees.index(self.chosen)])


def run_once(x: np.ndarray, y: np.ndarray, rows: int, max_degree: int,
             rng: np.random.Generator) -> FinalRun:
    """Split, choose the degree on validation, retrain on training + validation, test once."""
    train, val, test = three_way_split(len(x), rows, rng)
    degrees = candidate_degrees(max_degree, x[train])
    models = [fit(x[train], y[train], d) for d in degrees]
    train_rmse = np.array([rmse(y[train], m(x[train])) for m in models])
    val_rmse = np.array([rmse(y[val], m(x[val])) for m in models])
    chosen = degrees[int(np.argmin(val_rmse))]
    both = np.concatenate([train, val])
    final = fit(x[both], y[both], chosen)
    fixed = fit(x[train], y[train], FIXED_DEGREE)
    fixed_final = fit(x[both], y[both], FIXED_DEGREE)
    return FinalRun(train, val, test, degrees, train_rmse, val_rmse, chosen, final,
                    rmse(y[test], final(x[test])), rmse(y[val], fixed(x[val])),
                    rmse(y[test], fixed_final(x[test])))


@dataclass(frozen=True)
class FinalResult:
    rows: int
    max_degree: int
    example: FinalRun  # the first split, shown in detail
    runs: pd.DataFrame  # one row per split: chosen, val, test, gap, fixed_val, fixed_test, ...
    x: np.ndarray  # the whole table, for the picture of the example split
    y: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        return split_sizes(self.rows)

    @property
    def degrees(self) -> list[int]:
        return self.example.degrees

    @property
    def mean_val(self) -> float:
        return float(self.runs["val"].mean())

    @property
    def mean_test(self) -> float:
        return float(self.runs["test"].mean())

    @property
    def mean_gap(self) -> float:
        """Test error minus the chosen degree's validation error, averaged over the splits:
        positive when validation promised more than the test set found."""
        return float(self.runs["gap"].mean())

    @property
    def fixed_gap(self) -> float:
        return float(self.runs["fixed_gap"].mean())

    @property
    def share_worse(self) -> float:
        """The fraction of splits whose test error is above the validation error."""
        return float((self.runs["gap"] > 0).mean())


def evaluate(rows: int, max_degree: int, seed: int = 0, splits: int = SPLITS) -> FinalResult:
    """The whole procedure on `splits` random splits of a random sample of `rows` penguins
    (a fresh sample each time)."""
    x, y = load_penguins_mass()
    rows = min(rows, len(x))
    rng = np.random.default_rng(seed)
    runs = [run_once(x, y, rows, max_degree, rng) for _ in range(splits)]
    table = pd.DataFrame({
        "split": np.arange(1, splits + 1),
        "chosen": [r.chosen for r in runs],
        "val": [r.chosen_val for r in runs],
        "test": [r.test_rmse for r in runs],
        "fixed_val": [r.fixed_val for r in runs],
        "fixed_test": [r.fixed_test for r in runs],
    })
    table["gap"] = table["test"] - table["val"]
    table["fixed_gap"] = table["fixed_test"] - table["fixed_val"]
    return FinalResult(rows, max_degree, runs[0], table, x, y)


# A median gap this many grams beyond the fixed degree's counts as choosing having flattered
# the validation score; below it, the two are called about the same.
FLATTERY_GRAMS = 10.0


def median_gaps(result: FinalResult) -> tuple[float, float]:
    """(chosen degree, fixed degree): the median over the splits of test minus validation
    error. Medians, because a few splits blow up (a wiggly degree crowned by a handful of
    lucky validation rows) and would decide a mean on their own."""
    return float(result.runs["gap"].median()), float(result.runs["fixed_gap"].median())


def gap_words(result: FinalResult) -> str:
    """What the many splits show, in words computed from them."""
    gap, fixed = median_gaps(result)
    n_train, n_val, n_test = result.sizes
    splits = len(result.runs)
    head = (f"Over {splits} random splits ({n_train} training, {n_val} validation and {n_test} "
            f"test penguins each), the chosen degree's test error was {abs(gap):.0f} g "
            f"{'above' if gap >= 0 else 'below'} its validation error (median); for degree "
            f"{FIXED_DEGREE} fixed in advance it was {abs(fixed):.0f} g "
            f"{'above' if fixed >= 0 else 'below'}.")
    flattery = round(gap) - round(fixed)  # as the reader subtracts the shown numbers
    if flattery >= FLATTERY_GRAMS:
        fixed_worse = float((result.runs["fixed_gap"] > 0).mean())
        return (f"{head} The difference, about {flattery:.0f} g, is what choosing on "
                f"validation added: the test set found the chosen model worse than validation "
                f"promised in {result.share_worse:.0%} of the splits (the fixed degree: "
                f"{fixed_worse:.0%}).")
    return (f"{head} The two hardly differ: {n_val} validation rows score each degree "
            f"steadily enough that picking the lowest score flatters it little.")
