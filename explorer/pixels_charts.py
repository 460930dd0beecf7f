"""Chart builders for the pixels page (plain alt.Chart objects; the look comes from
explorer.charts.themed via ui.chart)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE

GREYS = "greys"
ZERO_TEXT = "#B8BEC6"  # zeros in light grey so the ink's numbers stand out


def value_format(scale_name: str) -> str:
    """d3 format of a pixel value on each scale."""
    return {"raw 0–255": "d", "0 to 1": ".2f"}.get(scale_name, ".1f")


def matrix_frame(values: np.ndarray) -> pd.DataFrame:
    h, w = values.shape
    rows, cols = np.mgrid[0:h, 0:w]
    return pd.DataFrame({"row": rows.ravel(), "column": cols.ravel(),
                         "value": np.asarray(values, dtype=float).ravel()})


def matrix_chart(values: np.ndarray, *, domain: tuple[float, float], scale_name: str,
                 show_numbers: bool, height: int, font_size: int = 11) -> alt.Chart:
    """A heatmap of the pixel matrix: white = no ink, black = full ink, each cell's number."""
    df = matrix_frame(values)
    h, w = values.shape
    fmt = value_format(scale_name)
    df["label"] = [format(v, fmt) if fmt != "d" else str(int(round(v))) for v in df["value"]]
    lo, hi = domain
    mid = lo + 0.5 * (hi - lo)
    df["text_colour"] = np.where(df["value"] > mid, "white",
                                 np.where(np.isclose(df["value"], lo), ZERO_TEXT, "black"))
    x = alt.X("column:O", title="column", axis=alt.Axis(labelAngle=0, labelOverlap=True,
                                                           values=_ticks(w)))
    y = alt.Y("row:O", title="row", axis=alt.Axis(labelOverlap=True, values=_ticks(h)))
    base = alt.Chart(df).encode(x=x, y=y)
    cells = base.mark_rect(stroke="#E3E6EA", strokeWidth=0.5).encode(
        color=alt.Color("value:Q", title=scale_name,
                        scale=alt.Scale(scheme=GREYS, domain=[lo, hi], clamp=True),
                        legend=alt.Legend(orient="right", gradientLength=max(120, height - 80),
                                          format=fmt if fmt != "d" else "d")),
        tooltip=[alt.Tooltip("row:O"), alt.Tooltip("column:O"),
                 alt.Tooltip("value:Q", format=fmt)],
    )
    layers = [cells]
    if show_numbers:
        layers.append(base.mark_text(fontSize=font_size).encode(
            text="label:N", color=alt.Color("text_colour:N", scale=None)))
    return alt.layer(*layers).properties(height=height)


def _ticks(n: int) -> list[int]:
    step = 1 if n <= 10 else (3 if n <= 20 else 3)
    return list(range(0, n, step))


def strip_chart(vector: np.ndarray, row_length: int, *, domain: tuple[float, float],
                scale_name: str, height: int = 70) -> alt.Chart:
    """The flattened image as one long strip; thin orange ticks mark where each row starts."""
    vector = np.asarray(vector, dtype=float)
    n = len(vector)
    df = pd.DataFrame({"index": np.arange(n), "end": np.arange(n) + 1, "value": vector,
                       "row": np.arange(n) // row_length, "column": np.arange(n) % row_length})
    fmt = value_format(scale_name)
    x_scale = alt.Scale(domain=[0, n], nice=False, zero=True)
    cells = alt.Chart(df).mark_rect().encode(
        x=alt.X("index:Q", title=f"position in the vector (0 … {n - 1})", scale=x_scale,
                axis=alt.Axis(values=list(range(0, n + 1, row_length * max(1, row_length // 7))),
                              grid=False)),
        x2="end:Q",
        color=alt.Color("value:Q", scale=alt.Scale(scheme=GREYS, domain=list(domain),
                                                   clamp=True), legend=None),
        tooltip=[alt.Tooltip("index:Q", title="position"), "row:Q", "column:Q",
                 alt.Tooltip("value:Q", format=fmt)],
    )
    starts = pd.DataFrame({"index": np.arange(0, n + 1, row_length)})
    rules = alt.Chart(starts).mark_rule(color=PALETTE[1], strokeWidth=1, opacity=0.8).encode(
        x=alt.X("index:Q", scale=x_scale))
    return alt.layer(cells, rules).properties(height=height)


def probability_chart(probs: np.ndarray, logits: np.ndarray, *, height: int,
                      title: str = "") -> alt.Chart:
    """Ten softmax probabilities, the largest (the argmax) in orange with its value."""
    probs = np.asarray(probs, dtype=float)
    winner = int(np.argmax(probs))
    df = pd.DataFrame({
        "digit": [str(d) for d in range(10)],
        "probability": probs,
        "logit": np.asarray(logits, dtype=float),
        "is_prediction": ["prediction (argmax)" if d == winner else "other digits"
                          for d in range(10)],
        "label": [f"{p:.0%}" if p >= 0.005 else "" for p in probs],
    })
    base = alt.Chart(df).encode(x=alt.X("digit:N", title="digit", sort=None,
                                        axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        y=alt.Y("probability:Q", title="probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("is_prediction:N", title=None,
                        scale=alt.Scale(domain=["prediction (argmax)", "other digits"],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="top")),
        tooltip=["digit:N", alt.Tooltip("logit:Q", title="last-layer activation (logit)",
                                         format=".2f"),
                 alt.Tooltip("probability:Q", format=".1%")],
    )
    labels = base.mark_text(dy=-9, fontWeight="bold").encode(
        y="probability:Q", text="label:N")
    chart = alt.layer(bars, labels).properties(height=height)
    return chart.properties(title=title) if title else chart


def logit_chart(logits: np.ndarray, *, height: int) -> alt.Chart:
    """The ten raw outputs (logits) before softmax: any real numbers."""
    logits = np.asarray(logits, dtype=float)
    winner = int(np.argmax(logits))
    df = pd.DataFrame({"digit": [str(d) for d in range(10)], "logit": logits,
                       "label": [f"{v:.1f}" for v in logits],
                       "is_prediction": ["largest" if d == winner else "other"
                                         for d in range(10)]})
    base = alt.Chart(df).encode(x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("logit:Q", title="last-layer activation"),
        color=alt.Color("is_prediction:N", scale=alt.Scale(domain=["largest", "other"],
                                                           range=[PALETTE[1], "#9AA5B1"]),
                        legend=None),
        tooltip=["digit:N", alt.Tooltip("logit:Q", format=".2f")])
    text = base.mark_text(dy=-8).encode(
        y=alt.Y("logit:Q"), text="label:N")
    rule = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#555").encode(y="zero:Q")
    return alt.layer(bars, text, rule).properties(height=height)


def means_chart(means: np.ndarray, *, nearest: int | None, distances: np.ndarray | None,
                cell: int = 9) -> alt.Chart:
    """The mean image of each class side by side, titled with its distance; ◀ = nearest."""
    frames = []
    for digit, mean in enumerate(means):
        df = matrix_frame(mean)
        df["digit"] = digit
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    size = means.shape[1]
    px = max(3, int(round(cell * 28 / size / 2.2)))
    titles = {d: (f"{d}  ·  {distances[d]:.1f}" if distances is not None else str(d))
              + (" ◀" if d == nearest else "") for d in range(10)}
    df["title"] = df["digit"].map(titles)
    heat = alt.Chart(df).mark_rect().encode(
        x=alt.X("column:O", axis=None), y=alt.Y("row:O", axis=None),
        color=alt.Color("value:Q", scale=alt.Scale(scheme=GREYS, domain=[0, 1]), legend=None),
        tooltip=["digit:N", "row:O", "column:O", alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=px * size, height=px * size)
    facet_sort = [titles[d] for d in range(10)]
    return heat.facet(
        facet=alt.Facet("title:N", sort=facet_sort, title=None,
                        header=alt.Header(labelFontWeight="bold")), columns=10,
    ).resolve_scale(color="shared")


def distance_chart(distances: np.ndarray, *, height: int) -> alt.Chart:
    """Pixel distance from the image to each class mean; the shortest bar is the prediction."""
    distances = np.asarray(distances, dtype=float)
    winner = int(np.argmin(distances))
    df = pd.DataFrame({"digit": [str(d) for d in range(10)], "distance": distances,
                       "label": [f"{v:.2f}" for v in distances],
                       "is_prediction": ["nearest (prediction)" if d == winner else "other"
                                         for d in range(10)]})
    base = alt.Chart(df).encode(x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("distance:Q", title="distance to the class mean"),
        color=alt.Color("is_prediction:N",
                        scale=alt.Scale(domain=["nearest (prediction)", "other"],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=["digit:N", alt.Tooltip("distance:Q", format=".3f")])
    text = base.mark_text(dy=-8).encode(y="distance:Q", text="label:N")
    return alt.layer(bars, text).properties(height=height)
