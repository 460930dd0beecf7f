"""Over- and underfitting with polynomials: data from a known curve plus noise, a least-squares
polynomial of any degree, and the training / validation error against the degree.

Pure numpy; the charts are in fitting_charts.py. The network tab lives in fitting_network.py,
the evaluation protocol in fitting_protocol.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The true curves, all on x in [-1, 1] with values roughly in [-1, 1].
TRUTHS = {
    "sine": lambda x: np.sin(np.pi * x),
    "cubic": lambda x: 2.0 * x**3 - 1.2 * x,
    "step": lambda x: np.where(x > 0.0, 0.8, -0.8),
}
TRUTH_NAMES = tuple(TRUTHS)
MAX_DEGREE = 15
VALIDATION_POINTS = 200
# Verdict thresholds: within this factor of the best validation error counts as "about right".
ABOUT_RIGHT_FACTOR = 1.25


@dataclass(frozen=True)
class PolyData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    truth: str
    noise: float


def make_data(truth: str, n: int, noise: float, seed: int = 0,
              n_val: int = VALIDATION_POINTS) -> PolyData:
    """n training points and n_val validation points, x uniform on [-1, 1], y = f(x) + noise.

    The validation points come from the same curve and noise but a different random draw:
    the model never sees them while fitting.
    """
    if truth not in TRUTHS:
        raise ValueError(f"unknown truth {truth!r}")
    rng = np.random.default_rng(seed)
    f = TRUTHS[truth]
    x_train = np.sort(rng.uniform(-1.0, 1.0, n))
    y_train = f(x_train) + noise * rng.standard_normal(n)
    x_val = np.sort(rng.uniform(-1.0, 1.0, n_val))
    y_val = f(x_val) + noise * rng.standard_normal(n_val)
    return PolyData(x_train, y_train, x_val, y_val, truth, float(noise))


def fit_polynomial(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares polynomial coefficients c[0] + c[1] x + ... + c[degree] x^degree.

    Solved on a Vandermonde matrix whose columns are scaled to unit length, which keeps the
    solve well conditioned up to degree 15 on [-1, 1]. With more coefficients than points the
    fit is not unique; lstsq then returns the smallest (scaled) coefficients that pass through
    every point.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    vander = np.vander(x, degree + 1, increasing=True)
    scale = np.linalg.norm(vander, axis=0)
    scale[scale == 0] = 1.0
    scaled_coefs, *_ = np.linalg.lstsq(vander / scale, y, rcond=None)
    return scaled_coefs / scale


def predict(coefs: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.polynomial.polynomial.polyval(np.asarray(x, dtype=float), coefs)


def mse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))


def degree_sweep(data: PolyData, max_degree: int = MAX_DEGREE) -> pd.DataFrame:
    """Training and validation mean squared error for every degree 0..max_degree."""
    rows = []
    for degree in range(max_degree + 1):
        coefs = fit_polynomial(data.x_train, data.y_train, degree)
        rows.append({
            "degree": degree,
            "train_mse": mse(data.y_train, predict(coefs, data.x_train)),
            "val_mse": mse(data.y_val, predict(coefs, data.x_val)),
        })
    return pd.DataFrame(rows)


def best_degree(sweep: pd.DataFrame) -> int:
    return int(sweep.loc[sweep["val_mse"].idxmin(), "degree"])


def verdict(sweep: pd.DataFrame, degree: int) -> str:
    """'underfit', 'about right' or 'overfit' for this degree, judged on validation error.

    About right: validation error within 25% of the best degree's. Otherwise underfit when
    the degree is below the best one (too simple), overfit when above (too flexible).
    """
    best = best_degree(sweep)
    best_val = float(sweep["val_mse"].min())
    val = float(sweep.loc[sweep["degree"] == degree, "val_mse"].iloc[0])
    if val <= ABOUT_RIGHT_FACTOR * best_val:
        return "about right"
    return "underfit" if degree < best else "overfit"


def n_coefficients(degree: int, inputs: int = 1) -> int:
    """The number of weights of a full polynomial of this degree in this many inputs: one per
    term x1^a1 ... xk^ak with a1 + ... + ak <= degree, which is C(degree + inputs, inputs)
    (degree + 1 for one input)."""
    from math import comb

    if degree < 0 or inputs < 1:
        raise ValueError("degree >= 0 and at least one input")
    return comb(degree + inputs, inputs)


def _row(sweep: pd.DataFrame, degree: int) -> pd.Series:
    return sweep.loc[sweep["degree"] == degree].iloc[0]


def _error(value: float) -> str:
    """An error as the sentences print it: 3 significant digits, 0 below the metrics' 0.0001."""
    return "0" if value < 5e-5 else f"{value:.3g}"


def _percent(fraction: float) -> str:
    return f"{fraction:.0%}" if fraction >= 0.01 else f"{fraction:.1%}"


def verdict_reason(sweep: pd.DataFrame, degree: int) -> str:
    """Why `verdict` says what it says for this degree, with this sweep's numbers."""
    best = best_degree(sweep)
    mine, top = _row(sweep, degree), _row(sweep, best)
    t, v = _error(mine["train_mse"]), _error(mine["val_mse"])
    bt, bv = _error(top["train_mse"]), _error(top["val_mse"])
    ratio = mine["val_mse"] / top["val_mse"]
    kind = verdict(sweep, degree)
    if kind == "about right":
        if degree == best:
            return f"this degree has the lowest validation error ({bv})."
        return (f"its validation error, {v}, is within {_percent(ratio - 1)} of the best "
                f"degree's ({bv} at degree {best}).")
    if kind == "underfit":
        if mine["train_mse"] > 1.05 * top["train_mse"]:
            return (f"too simple to follow the pattern: training error {t} and validation "
                    f"error {v} are both higher than degree {best}'s ({bt} and {bv}).")
        return (f"too simple: its validation error, {v}, is {ratio:.1f} times degree "
                f"{best}'s ({bv}).")
    return (f"too flexible: training error is down to {t} (degree {best}: {bt}), but "
            f"validation error is {ratio:,.1f} times degree {best}'s ({v} against {bv}): the "
            "curve follows the noise of the training points.")


def validation_words(sweep: pd.DataFrame) -> str:
    """What the validation curve does over the degrees, from its numbers: falls then rises
    again (the U), or falls and then stays near its lowest."""
    val = sweep["val_mse"].to_numpy()
    degrees = sweep["degree"].to_numpy()
    best = best_degree(sweep)
    lowest, last = float(val.min()), int(degrees[-1])
    if best == last:
        return (f"Validation error is lowest at the biggest degree, {best} ({lowest:.3g}): no "
                "degree here is flexible enough to overfit.")
    start = (f"Validation error falls from {val[0]:.3g} at degree 0 to {lowest:.3g} at "
             f"degree {best}" if best > 0 else
             f"Validation error is lowest at degree 0 ({lowest:.3g})")
    after = degrees >= best
    worst = float(val[after].max())
    worst_degree = int(degrees[after][np.argmax(val[after])])
    if worst > ABOUT_RIGHT_FACTOR * lowest:
        return (f"{start}, then rises again, to {worst:.4g} at degree {worst_degree}: the U "
                "that tells you where underfitting ends and overfitting begins.")
    return (f"{start} and then stays within {worst / lowest - 1:.0%} of that up to degree "
            f"{last}: here even the most flexible degree barely overfits.")
