"""Charts of the evaluation protocol tab: which rows validate in each split, each fold's
score, and many hold-out estimates against many K-fold estimates. Plain data in (an
explorer.fitting_protocol.ProtocolResult), alt.Chart out."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE
from explorer.fitting_protocol import ProtocolResult

ROLE_COLORS = {"trains": "#D9DEE4", "validates": PALETTE[1]}


def split_frame(result: ProtocolResult) -> pd.DataFrame:
    """One cell per (protocol line, row): whether that row trains or validates."""
    lines = [("hold-out", result.holdout_val)]
    for s in result.splits:
        name = (f"fold {s.fold}" if result.repeats == 1
                else f"repeat {s.repeat} · fold {s.fold}")
        lines.append((name, s.val_idx))
    frames = []
    for order, (name, val) in enumerate(lines):
        role = np.full(result.rows, "trains", dtype=object)
        role[val] = "validates"
        frames.append(pd.DataFrame({"line": name, "order": order, "row": np.arange(result.rows),
                                    "role": role}))
    return pd.concat(frames, ignore_index=True)


def split_chart(result: ProtocolResult, height: int | None = None) -> alt.Chart:
    frame = split_frame(result)
    n_lines = frame["line"].nunique()
    height = height or min(40 + 22 * n_lines, 700)
    return alt.Chart(frame).mark_rect(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("row:O", title=f"the {result.rows} rows of the sample",
                axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("line:N", title=None, sort=alt.SortField("order")),
        color=alt.Color("role:N", title="this row",
                        scale=alt.Scale(domain=list(ROLE_COLORS),
                                        range=list(ROLE_COLORS.values()))),
        tooltip=[alt.Tooltip("line:N"), alt.Tooltip("row:O"), alt.Tooltip("role:N")],
    ).properties(height=height)


def fold_chart(result: ProtocolResult, height: int = 300) -> alt.Chart:
    """Each fold's validation accuracy, with the mean and one standard deviation either side."""
    df = result.fold_scores.copy()
    df["repeat"] = "repeat " + df["repeat"].astype(str)
    points = alt.Chart(df).mark_circle(size=110, opacity=0.85).encode(
        x=alt.X("fold:O", title="fold", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("accuracy:Q", title="validation accuracy",
                scale=alt.Scale(zero=False), axis=alt.Axis(format="%")),
        color=alt.Color("repeat:N", title=None,
                        legend=alt.Legend(orient="bottom") if result.repeats > 1 else None),
        xOffset=alt.XOffset("repeat:N"),
        tooltip=[alt.Tooltip("repeat:N"), alt.Tooltip("fold:O"),
                 alt.Tooltip("accuracy:Q", format=".1%")],
    )
    stats = pd.DataFrame({"mean": [result.mean], "lo": [result.mean - result.spread],
                          "hi": [result.mean + result.spread],
                          "label": [f"mean {result.mean:.1%} ± {result.spread:.1%}"]})
    band = alt.Chart(stats).mark_rect(opacity=0.12, color=PALETTE[7]).encode(
        y=alt.Y("lo:Q"), y2=alt.Y2("hi:Q"))
    rule = alt.Chart(stats).mark_rule(color=PALETTE[7], strokeWidth=2).encode(y=alt.Y("mean:Q"))
    text = alt.Chart(stats).mark_text(align="left", x=5, dy=-9, fontSize=13).encode(
        y=alt.Y("mean:Q"), text=alt.Text("label:N"))
    return alt.layer(band, rule, points, text).properties(height=height)


def comparison_frame(result: ProtocolResult) -> pd.DataFrame:
    hold = "one hold-out split"
    return pd.concat([
        pd.DataFrame({"estimate": hold, "accuracy": result.holdout_scores,
                      "draw": np.arange(1, len(result.holdout_scores) + 1)}),
        pd.DataFrame({"estimate": f"{result.k}-fold mean", "accuracy": result.kfold_means,
                      "draw": np.arange(1, len(result.kfold_means) + 1)}),
    ], ignore_index=True)


def comparison_chart(result: ProtocolResult, height: int = 260) -> alt.Chart:
    """50 random hold-out estimates against 50 K-fold estimates (each on a fresh shuffle),
    with the accuracy on the rows outside the sample as the reference line."""
    df = comparison_frame(result)
    order = list(dict.fromkeys(df["estimate"]))
    jitter = np.random.default_rng(0).uniform(-0.3, 0.3, len(df))
    df["jitter"] = jitter
    dots = alt.Chart(df).mark_circle(size=70, opacity=0.6).encode(
        x=alt.X("accuracy:Q", title="estimated accuracy", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False, padding=12)),
        y=alt.Y("estimate:N", title=None, sort=order),
        yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
        color=alt.Color("estimate:N", legend=None,
                        scale=alt.Scale(domain=order, range=[PALETTE[3], PALETTE[0]])),
        tooltip=[alt.Tooltip("estimate:N"), alt.Tooltip("draw:Q"),
                 alt.Tooltip("accuracy:Q", format=".1%")],
    )
    ref = pd.DataFrame({"accuracy": [result.reference],
                        "label": [f"on the {result.n_reference} rows left out: "
                                  f"{result.reference:.1%}"]})
    rule = alt.Chart(ref).mark_rule(strokeDash=[6, 4], color=PALETTE[7], strokeWidth=2).encode(
        x=alt.X("accuracy:Q"))
    text = alt.Chart(ref).mark_text(align="left", dx=5, y=-8, fontSize=13).encode(
        x=alt.X("accuracy:Q"), text=alt.Text("label:N"))
    return alt.layer(dots, rule, text).properties(height=height)
