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
