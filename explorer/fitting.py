"""Over- and underfitting with polynomials: data from a known curve plus noise, a least-squares
polynomial of any degree, and the training / validation error against the degree.

Pure numpy; chart builders at the bottom return plain alt.Chart objects.
The network tab lives in fitting_network.py, the evaluation protocol in fitting_protocol.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE

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


# ---- charts -----------------------------------------------------------------------------

Y_VIEW = (-2.2, 2.2)
# Error axis floor: a polynomial through every point has training error ~0, which a log
# axis cannot show; it is drawn at this floor and the tooltip gives the true value.
ERROR_FLOOR = 1e-4


def curve_frame(data: PolyData, coefs: np.ndarray, points: int = 300) -> pd.DataFrame:
    x = np.linspace(-1.0, 1.0, points)
    fitted = np.clip(predict(coefs, x), -50.0, 50.0)
    return pd.concat([
        pd.DataFrame({"x": x, "y": TRUTHS[data.truth](x), "curve": "true curve"}),
        pd.DataFrame({"x": x, "y": fitted, "curve": "fitted curve"}),
    ], ignore_index=True)


def fit_chart(data: PolyData, coefs: np.ndarray, height: int = 380) -> alt.Chart:
    """The training points, the validation points, the true curve and the fitted curve."""
    curves = curve_frame(data, coefs)
    points = pd.concat([
        pd.DataFrame({"x": data.x_train, "y": data.y_train, "set": "training point"}),
        pd.DataFrame({"x": data.x_val, "y": data.y_val, "set": "validation point"}),
    ], ignore_index=True)
    x_enc = alt.X("x:Q", scale=alt.Scale(domain=[-1, 1]), title="x")
    y_enc = alt.Y("y:Q", scale=alt.Scale(domain=list(Y_VIEW)), title="y")
    point_layer = alt.Chart(points).mark_circle(clip=True).encode(
        x=x_enc, y=y_enc,
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["training point", "validation point"],
                                        range=[PALETTE[7], "#B8BEC6"])),
        size=alt.Size("set:N", scale=alt.Scale(domain=["training point", "validation point"],
                                               range=[90, 18]), legend=None),
        order=alt.Order("set:N", sort="descending"),
        tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f"), alt.Tooltip("set:N")],
    )
    curve_layer = alt.Chart(curves).mark_line(clip=True).encode(
        x=x_enc, y=y_enc,
        color=alt.Color("curve:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["true curve", "fitted curve"],
                                        range=[PALETTE[2], PALETTE[0]])),
        strokeDash=alt.StrokeDash("curve:N", legend=None,
                                  scale=alt.Scale(domain=["true curve", "fitted curve"],
                                                  range=[[6, 4], [1, 0]])),
    )
    return alt.layer(point_layer, curve_layer).resolve_scale(
        color="independent", size="independent").properties(height=height)


def sweep_frame(sweep: pd.DataFrame) -> pd.DataFrame:
    long = sweep.melt(id_vars="degree", value_vars=["train_mse", "val_mse"],
                      var_name="set", value_name="mse")
    long["set"] = long["set"].map({"train_mse": "training error",
                                   "val_mse": "validation error"})
    long["shown"] = long["mse"].clip(lower=ERROR_FLOOR)
    return long


def sweep_chart(sweep: pd.DataFrame, degree: int, height: int = 380) -> alt.Chart:
    """Training and validation error against degree (log axis), the chosen degree marked."""
    long = sweep_frame(sweep)
    best = best_degree(sweep)
    lines = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("degree:Q", title="polynomial degree", scale=alt.Scale(domain=[0, MAX_DEGREE]),
                axis=alt.Axis(tickMinStep=1, values=list(range(MAX_DEGREE + 1)))),
        y=alt.Y("shown:Q", scale=alt.Scale(type="log"), title="mean squared error (log)"),
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["training error", "validation error"],
                                        range=[PALETTE[0], PALETTE[3]])),
        tooltip=[alt.Tooltip("degree:Q"), alt.Tooltip("set:N"), alt.Tooltip("mse:Q", format=".4g", title="MSE")],
    )
    marks = pd.DataFrame({"degree": [degree, best],
                          "label": [f"your degree: {degree}", f"best on validation: {best}"],
                          "kind": ["yours", "best"]})
    # Constant looks go on the mark, not through alt.value(): encoding a constant costs a
    # schema round trip (tens of ms per chart) on every rerun.
    rules = alt.Chart(marks).mark_rule(strokeWidth=2, color="#555").encode(
        x=alt.X("degree:Q"),
        strokeDash=alt.StrokeDash("kind:N", legend=None,
                                  scale=alt.Scale(domain=["yours", "best"],
                                                  range=[[1, 0], [5, 4]])),
    )

    def label(kind: str, y: int, color: str) -> alt.Chart:
        # labels near the right edge go on the left of their line so they stay inside;
        # both labels filter the rules' data so the chart ships one small dataset, not three
        value = int(marks.loc[marks["kind"] == kind, "degree"].iloc[0])
        right_side = value <= MAX_DEGREE - 5
        return alt.Chart(marks).transform_filter(alt.datum.kind == kind).mark_text(
            align="left" if right_side else "right", dx=5 if right_side else -5,
            baseline="top", fontSize=13, color=color, y=y).encode(
            x=alt.X("degree:Q"), text=alt.Text("label:N"))

    label_yours, label_best = label("yours", 4, "#222"), label("best", 24, "#555")
    return alt.layer(lines, rules, label_yours, label_best).properties(height=height)
