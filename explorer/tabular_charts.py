"""Chart builders for the tabular page: each takes plain data and returns an alt.Chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE

NET_NAME = "neural network"


def loss_curves(history: pd.DataFrame, loss_name: str, height: int = 320) -> alt.Chart:
    """Training and validation loss per epoch."""
    return alt.Chart(history).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("loss:Q", title=loss_name, scale=alt.Scale(zero=False)),
        color=alt.Color("split:N", title=None,
                        scale=alt.Scale(domain=["training", "validation"],
                                        range=PALETTE[:2]),
                        legend=alt.Legend(orient="top")),
        tooltip=["epoch:Q", "split:N", alt.Tooltip("loss:Q", format=".4f")],
    ).properties(height=height, title="Loss per epoch")


def comparison_bars(table: pd.DataFrame, metric: str, height: int = 260) -> alt.Chart:
    """One bar per model on the chosen metric; the network in its own colour."""
    data = table[["model", metric]].rename(columns={metric: "value"}).copy()
    data["kind"] = np.where(data["model"] == NET_NAME, "network", "baseline")
    data["label"] = data["value"].map(lambda v: f"{v:.3f}")
    base = alt.Chart(data).encode(
        y=alt.Y("model:N", title=None, sort=list(data["model"])),
        x=alt.X("value:Q", title=f"validation {metric}"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("kind:N", title=None, legend=None,
                        scale=alt.Scale(domain=["network", "baseline"],
                                        range=[PALETTE[1], PALETTE[0]])),
        tooltip=["model:N", alt.Tooltip("value:Q", format=".4f")])
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + text).properties(height=height, title=f"Validation {metric}, same split")


def confusion_chart(matrix: np.ndarray, classes: list[str], height: int = 320) -> alt.Chart:
    """Counts of (actual, predicted) class pairs, with the numbers written in."""
    rows = [{"actual": a, "predicted": p, "rows": int(matrix[i, j])}
            for i, a in enumerate(classes) for j, p in enumerate(classes)]
    data = pd.DataFrame(rows)
    top = max(int(matrix.max()), 1)
    base = alt.Chart(data).encode(
        x=alt.X("predicted:N", sort=classes, title="predicted",
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("actual:N", sort=classes, title="actual"))
    cells = base.mark_rect().encode(
        color=alt.Color("rows:Q", scale=alt.Scale(scheme="blues", domain=[0, top]),
                        legend=None),
        tooltip=["actual:N", "predicted:N", "rows:Q"])
    text = base.mark_text(fontSize=18).encode(
        text="rows:Q",
        color=alt.condition(alt.datum.rows > top / 2, alt.value("white"), alt.value("black")))
    return (cells + text).properties(height=height, title="Confusion matrix (validation rows)")


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, target: str,
                        height: int = 360, max_points: int = 2000, seed: int = 0) -> alt.Chart:
    """Each validation row as a dot; on the diagonal the prediction is exact."""
    n = len(actual)
    keep = np.sort(np.random.default_rng(seed).permutation(n)[:max_points])
    data = pd.DataFrame({"actual": np.asarray(actual, float)[keep],
                         "predicted": np.asarray(predicted, float)[keep]})
    lo = float(data.min().min())
    hi = float(data.max().max())
    dots = alt.Chart(data).mark_circle(size=18, opacity=0.45, color=PALETTE[0]).encode(
        x=alt.X("actual:Q", title=f"actual {target}", scale=alt.Scale(domain=[lo, hi])),
        y=alt.Y("predicted:Q", title=f"predicted {target}", scale=alt.Scale(domain=[lo, hi])),
        tooltip=[alt.Tooltip("actual:Q", format=".3f"),
                 alt.Tooltip("predicted:Q", format=".3f")])
    line = alt.Chart(pd.DataFrame({"actual": [lo, hi], "predicted": [lo, hi]})).mark_line(
        color=PALETTE[3], strokeDash=[6, 4]).encode(x="actual:Q", y="predicted:Q")
    shown = f"{len(keep):,} of {n:,}" if len(keep) < n else f"all {n:,}"
    return (dots + line).properties(
        height=height, title=f"Predicted against actual ({shown} validation rows)")


def importance_bars(table: pd.DataFrame, metric: str, height: int = 260) -> alt.Chart:
    """Permutation importance per column, biggest first."""
    data = table.copy()
    data["label"] = data["importance"].map(lambda v: f"{v:+.3f}")
    base = alt.Chart(data).encode(
        y=alt.Y("column:N", sort=list(data["column"]), title=None),
        x=alt.X("importance:Q", title=f"{metric} lost when the column is shuffled"))
    bars = base.mark_bar(color=PALETTE[2]).encode(
        tooltip=["column:N", alt.Tooltip("importance:Q", format=".4f")])
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + text).properties(height=height, title="Permutation importance")


def embedding_scatter(table: pd.DataFrame, column: str, height: int = 320) -> alt.Chart:
    """Each category of one column as a point at its learned vector (2D projection)."""
    dims = int(table["dims"].iloc[0])
    x_title = f"direction 1 ({table['share_x'].iloc[0]:.0%} of the spread)"
    y_title = f"direction 2 ({table['share_y'].iloc[0]:.0%} of the spread)"
    y_scale = alt.Scale(zero=False, padding=30)
    if float(table["share_y"].iloc[0]) == 0.0:
        # Two categories: one direction separates them; draw them on a line.
        y_title, y_scale = "(one direction is enough for two categories)", alt.Scale(
            domain=[-1, 1])
    base = alt.Chart(table).encode(
        x=alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False, padding=30)),
        y=alt.Y("y:Q", title=y_title, scale=y_scale))
    points = base.mark_circle(color=PALETTE[4], opacity=0.9).encode(
        size=alt.Size("rows:Q", title="training rows", scale=alt.Scale(range=[80, 600]),
                      legend=None),
        tooltip=["category:N", "rows:Q", alt.Tooltip("x:Q", format=".3f"),
                 alt.Tooltip("y:Q", format=".3f")])
    labels = base.mark_text(dy=-16, fontSize=15).encode(text="category:N")
    return (points + labels).properties(
        height=height, title=f"Learned embedding of '{column}' ({dims} numbers per category)")


def probability_bars(classes: list[str], probs: np.ndarray, height: int = 200) -> alt.Chart:
    data = pd.DataFrame({"class": classes, "probability": np.asarray(probs, float)})
    data["label"] = data["probability"].map(lambda v: f"{v:.1%}")
    base = alt.Chart(data).encode(
        y=alt.Y("class:N", title=None, sort=classes),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1]), title="probability",
                axis=alt.Axis(format="%")))
    bars = base.mark_bar(color=PALETTE[0]).encode(tooltip=["class:N", "label:N"])
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return (bars + text).properties(height=height, title="Predicted probabilities")
