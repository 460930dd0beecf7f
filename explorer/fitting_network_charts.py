"""Charts of the network tab: the decision boundary over the plane, and the loss per epoch.
Plain data in (a trained explorer.fitting_network.NetResult), alt.Chart out."""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import DIVERGING, PALETTE
from explorer.fitting_network import NetResult

CLASS_COLORS = [PALETTE[0], PALETTE[1]]
# The loss axis stops here: a net that diverges or grows very sure of its mistakes would
# otherwise squash the curves worth reading into the bottom of the chart.
LOSS_AXIS_CAP = 3.0


def boundary_chart(result: NetResult, use_best: bool = False, height: int = 420,
                   title: str | None = None) -> alt.Chart:
    """P(class 1) on a grid as a heatmap, with training points (filled) and validation
    points (hollow) on top."""
    probs = result.grid_best if use_best else result.grid_final
    gx, gy = result.grid_x, result.grid_y
    dx, dy = gx[1] - gx[0], gy[1] - gy[0]
    xx, yy = np.meshgrid(gx, gy)
    # cells overlap by 2% so no hairline gaps show between them
    cells = pd.DataFrame({"x": xx.ravel() - 0.51 * dx, "x2": xx.ravel() + 0.51 * dx,
                          "y": yy.ravel() - 0.51 * dy, "y2": yy.ravel() + 0.51 * dy,
                          "p": np.round(probs.ravel().astype(float), 3)})
    points = pd.concat([
        pd.DataFrame({"x": result.x_train[:, 0], "y": result.x_train[:, 1],
                      "label": result.y_train.astype(int).astype(str), "set": "training"}),
        pd.DataFrame({"x": result.x_val[:, 0], "y": result.x_val[:, 1],
                      "label": result.y_val.astype(int).astype(str), "set": "validation"}),
    ], ignore_index=True)
    xs = alt.Scale(domain=[float(gx[0] - dx / 2), float(gx[-1] + dx / 2)], nice=False)
    ys = alt.Scale(domain=[float(gy[0] - dy / 2), float(gy[-1] + dy / 2)], nice=False)
    heat = alt.Chart(cells).mark_rect(opacity=0.55).encode(
        x=alt.X("x:Q", scale=xs, title=None), x2=alt.X2("x2:Q"),
        y=alt.Y("y:Q", scale=ys, title=None), y2=alt.Y2("y2:Q"),
        color=alt.Color("p:Q", scale=alt.Scale(scheme=DIVERGING, domain=[0, 1], reverse=False),
                        title="P(orange)",
                        legend=alt.Legend(orient="bottom", gradientLength=140)),
    )
    dots = alt.Chart(points).mark_point(filled=True, size=55, strokeWidth=1.5,
                                        stroke="white").encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
        color=alt.Color("label:N", scale=alt.Scale(domain=["0", "1"], range=CLASS_COLORS),
                        legend=None),
        shape=alt.Shape("set:N", scale=alt.Scale(domain=["training", "validation"],
                                                 range=["circle", "triangle-up"]),
                        title=None, legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("set:N"), alt.Tooltip("label:N"), alt.Tooltip("x:Q", format=".2f"),
                 alt.Tooltip("y:Q", format=".2f")],
    )
    chart = alt.layer(heat, dots).resolve_scale(color="independent").properties(
        height=height)
    if title:
        chart = chart.properties(title=title)
    return chart


def shared_loss_top(results: Iterable[NetResult]) -> float:
    """One loss axis for charts drawn side by side: the highest loss any of them reached,
    capped at LOSS_AXIS_CAP and at least 0.1."""
    highest = max(r.history[["train_loss", "val_loss"]].max().max() for r in results)
    return float(max(min(highest, LOSS_AXIS_CAP), 0.1))


def loss_chart(result: NetResult, height: int = 320, title: str | None = None,
               y_max: float | None = None) -> alt.Chart:
    """Training and validation loss per epoch, with the best validation epoch marked."""
    hist = result.history
    long = hist.melt(id_vars="epoch", value_vars=["train_loss", "val_loss"], var_name="set",
                     value_name="loss")
    long["set"] = long["set"].map({"train_loss": "training loss",
                                   "val_loss": "validation loss"})
    top = y_max if y_max is not None else float(min(long["loss"].max(), LOSS_AXIS_CAP))
    long["loss"] = long["loss"].clip(upper=top)
    lines = alt.Chart(long).mark_line().encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("loss:Q", title="cross-entropy loss", scale=alt.Scale(domain=[0, top])),
        color=alt.Color("set:N", title=None,
                        scale=alt.Scale(domain=["training loss", "validation loss"],
                                        range=[PALETTE[0], PALETTE[3]])),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("set:N"),
                 alt.Tooltip("loss:Q", format=".3f")],
    )
    best = pd.DataFrame({"epoch": [result.best_epoch],
                         "loss": [float(result.best["val_loss"])],
                         "label": [f"best epoch {result.best_epoch}"]})
    rule = alt.Chart(best).mark_rule(strokeDash=[5, 4], color="#555").encode(
        x=alt.X("epoch:Q"))
    dot = alt.Chart(best).mark_point(filled=True, size=120, color=PALETTE[3]).encode(
        x=alt.X("epoch:Q"), y=alt.Y("loss:Q"))
    text = alt.Chart(best).mark_text(align="left", dx=6, dy=-10, fontSize=13).encode(
        x=alt.X("epoch:Q"), y=alt.Y("loss:Q"), text=alt.Text("label:N"))
    chart = alt.layer(lines, rule, dot, text).properties(height=height).configure_legend(
        orient="bottom")
    if title:
        chart = chart.properties(title=title)
    return chart
