"""Charts of the polynomial tab: the fitted curve over the data, and the training /
validation error against the degree. Plain data in (explorer.fitting), alt.Chart out."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE
from explorer.fitting import MAX_DEGREE, TRUTHS, PolyData, best_degree, predict

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
        tooltip=[alt.Tooltip("x:Q", format=".2f"), alt.Tooltip("y:Q", format=".2f"),
                 alt.Tooltip("set:N")],
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
        tooltip=[alt.Tooltip("degree:Q"), alt.Tooltip("set:N"),
                 alt.Tooltip("mse:Q", format=".4g", title="MSE")],
    )
    marks = pd.DataFrame({"degree": [degree, best],
                          "label": [f"your degree: {degree}", f"best on validation: {best}"],
                          "kind": ["yours", "best"]})
    # Constant looks go on the mark, not through alt.value(): encoding a constant costs a
    # schema round trip on every build.
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
