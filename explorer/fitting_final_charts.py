"""Charts of "the final model, scored once": one split's rows and final curve, the choice of
degree on validation with the test score next to it, and the gap between validation and test
over many splits. Plain data in (an explorer.fitting_final.FinalResult), alt.Chart out."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE
from explorer.fitting_final import FEATURE_WORDS, FIXED_DEGREE, TARGET_WORDS, FinalResult

ROLES = ("training", "validation", "test", "rest of the table")
ROLE_COLORS = (PALETTE[0], PALETTE[1], PALETTE[3], "#C9CED6")
ROLE_SHAPES = ("circle", "square", "diamond", "circle")
# The gap chart's axis ends at most here; a split past it (a wiggly degree chosen on a few
# lucky validation rows) is drawn at the edge and its tooltip gives the true value.
GAP_AXIS = 1000.0
CHOSEN = "chosen on validation"
FIXED = "fixed in advance"


def example_frame(result: FinalResult) -> pd.DataFrame:
    """Every penguin of the table with its role in the example split."""
    run = result.example
    role = np.full(len(result.x), ROLES[3], dtype=object)
    role[run.train], role[run.val], role[run.test] = ROLES[0], ROLES[1], ROLES[2]
    return pd.DataFrame({"x": result.x, "y": result.y, "role": role})


def curve_frame(result: FinalResult, points: int = 200) -> pd.DataFrame:
    lo, hi = float(result.x.min()), float(result.x.max())
    x = np.linspace(lo, hi, points)
    return pd.DataFrame({"x": x, "y": result.example.final(x)})


def example_chart(result: FinalResult, height: int = 360) -> alt.Chart:
    """The table's penguins (the sample's by role), and the final model's curve."""
    frame = example_frame(result)
    ys = alt.Scale(domain=[float(result.y.min()) - 200, float(result.y.max()) + 200],
                   nice=False)
    xs = alt.Scale(zero=False, nice=False,
                   domain=[float(result.x.min()) - 2, float(result.x.max()) + 2])
    color = alt.Color("role:N", title=None, legend=alt.Legend(orient="bottom"),
                      scale=alt.Scale(domain=list(ROLES), range=list(ROLE_COLORS)))
    shape = alt.Shape("role:N", scale=alt.Scale(domain=list(ROLES), range=list(ROLE_SHAPES)))
    size = alt.Size("role:N", legend=None,
                    scale=alt.Scale(domain=list(ROLES), range=[70, 70, 90, 14]))
    tooltip = [alt.Tooltip("x:Q", title=FEATURE_WORDS), alt.Tooltip("y:Q", title=TARGET_WORDS),
               alt.Tooltip("role:N")]

    def dots(rows: pd.DataFrame) -> alt.Chart:
        return alt.Chart(rows).mark_point(filled=True, clip=True).encode(
            x=alt.X("x:Q", title=FEATURE_WORDS, scale=xs),
            y=alt.Y("y:Q", title=TARGET_WORDS, scale=ys),
            color=color, shape=shape, size=size, tooltip=tooltip)

    # the rest of the table underneath, the sample on top
    outside = frame["role"] == ROLES[3]
    background, sample = dots(frame[outside]), dots(frame[~outside])
    curve = alt.Chart(curve_frame(result)).mark_line(color=PALETTE[7], strokeWidth=2.5,
                                                     clip=True).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys))
    return alt.layer(background, sample, curve).properties(height=height)


def choice_frame(result: FinalResult) -> pd.DataFrame:
    run = result.example
    return pd.concat([
        pd.DataFrame({"degree": run.degrees, "rmse": run.train_rmse, "set": "training"}),
        pd.DataFrame({"degree": run.degrees, "rmse": run.val_rmse, "set": "validation"}),
    ], ignore_index=True)


def choice_chart(result: FinalResult, height: int = 360) -> alt.Chart:
    """Training and validation error of every candidate degree (fitted on the training rows,
    log axis), the chosen degree marked, and the final model's one test score."""
    run = result.example
    frame = choice_frame(result)
    lines = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("degree:Q", title="polynomial degree",
                scale=alt.Scale(domain=[0, max(run.degrees[-1], 1)]),
                axis=alt.Axis(values=run.degrees, format="d")),
        y=alt.Y("rmse:Q", title="root mean squared error, g (log)",
                scale=alt.Scale(type="log")),
        color=alt.Color("set:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["training", "validation", "test, once"],
                                        range=[PALETTE[0], PALETTE[1], PALETTE[3]])),
        tooltip=[alt.Tooltip("degree:Q"), alt.Tooltip("set:N"),
                 alt.Tooltip("rmse:Q", format=".0f", title="RMSE (g)")],
    )
    test = pd.DataFrame({"degree": [run.chosen], "rmse": [run.test_rmse],
                         "set": ["test, once"]})
    test_dot = alt.Chart(test).mark_point(shape="diamond", filled=True, size=190,
                                          opacity=1).encode(
        x=alt.X("degree:Q"), y=alt.Y("rmse:Q"), color=alt.Color("set:N"),
        tooltip=[alt.Tooltip("set:N"), alt.Tooltip("rmse:Q", format=".0f", title="RMSE (g)")])
    right_side = run.chosen < 0.6 * run.degrees[-1]
    chosen = pd.DataFrame({"degree": [run.chosen], "label": [f"chosen: {run.chosen}"]})
    rule = alt.Chart(chosen).mark_rule(color="#555", strokeDash=[5, 4], strokeWidth=2).encode(
        x=alt.X("degree:Q"))
    words = alt.Chart(chosen).mark_text(
        align="left" if right_side else "right", dx=6 if right_side else -6, baseline="top",
        y=4, fontSize=13, color="#222").encode(x=alt.X("degree:Q"), text=alt.Text("label:N"))
    return alt.layer(lines, rule, words, test_dot).properties(height=height)


def gap_axis(result: FinalResult) -> float:
    """Half the width of the gap chart's axis: wide enough for 98% of the dots of both rows,
    in whole hundreds of grams, between 200 and 1,000 g."""
    gaps = np.concatenate([result.runs["gap"], result.runs["fixed_gap"]])
    reach = max(abs(np.quantile(gaps, 0.01)), abs(np.quantile(gaps, 0.99)))
    return float(min(max(np.ceil(reach / 100.0) * 100.0, 200.0), GAP_AXIS))


def gap_frame(result: FinalResult) -> pd.DataFrame:
    """Test error minus validation error per split, for the chosen degree and the fixed one;
    `shown` is the gap clipped to the axis."""
    runs = result.runs
    frame = pd.concat([
        pd.DataFrame({"how": CHOSEN, "split": runs["split"], "gap": runs["gap"],
                      "validation": runs["val"], "test": runs["test"],
                      "degree": runs["chosen"]}),
        pd.DataFrame({"how": FIXED, "split": runs["split"], "gap": runs["fixed_gap"],
                      "validation": runs["fixed_val"], "test": runs["fixed_test"],
                      "degree": FIXED_DEGREE}),
    ], ignore_index=True)
    edge = gap_axis(result)
    frame["shown"] = frame["gap"].clip(-edge, edge)
    return frame


def gap_chart(result: FinalResult, height: int = 240) -> alt.Chart:
    """One dot per split and way of choosing: how much worse the test score was than the
    validation score (right of 0: validation promised too much); a tick at the median."""
    frame = gap_frame(result)
    frame["jitter"] = np.random.default_rng(0).uniform(-0.3, 0.3, len(frame))
    order = [CHOSEN, FIXED]
    colors = alt.Scale(domain=order, range=[PALETTE[3], PALETTE[0]])
    edge = gap_axis(result)
    x_scale = alt.Scale(domain=[-edge, edge], nice=False)
    dots = alt.Chart(frame).mark_circle(size=45, opacity=0.55).encode(
        x=alt.X("shown:Q", scale=x_scale,
                title="test error − validation error (g)"),
        y=alt.Y("how:N", title=None, sort=order, axis=alt.Axis(labelLimit=160)),
        yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
        color=alt.Color("how:N", legend=None, scale=colors),
        tooltip=[alt.Tooltip("how:N", title="how"), alt.Tooltip("split:Q"),
                 alt.Tooltip("degree:Q"),
                 alt.Tooltip("validation:Q", format=".0f", title="validation RMSE (g)"),
                 alt.Tooltip("test:Q", format=".0f", title="test RMSE (g)"),
                 alt.Tooltip("gap:Q", format="+.0f", title="gap (g)")],
    )
    medians = frame.groupby("how", sort=False)["gap"].median().reset_index()
    medians["label"] = [f"median {g:+.0f} g" for g in medians["gap"]]
    medians["shown"] = medians["gap"].clip(-edge, edge)
    ticks = alt.Chart(medians).mark_tick(thickness=4, size=38, color="#222").encode(
        x=alt.X("shown:Q", scale=x_scale), y=alt.Y("how:N", sort=order))
    labels = alt.Chart(medians).mark_text(align="left", dx=6, dy=-20, fontSize=13,
                                          color="#222").encode(
        x=alt.X("shown:Q", scale=x_scale), y=alt.Y("how:N", sort=order),
        text=alt.Text("label:N"))
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#555", strokeDash=[4, 3]) \
        .encode(x=alt.X("x:Q", scale=x_scale))
    return alt.layer(zero, dots, ticks, labels).properties(height=height)
