"""Chart builders for the pixels page.

Building an Altair chart is slow (schema objects and validation), and this page has seven
charts. So each chart is split in two: a *template* (an alt.Chart on named, empty data,
whose spec depends only on a few settings; the page builds it through `ui.built_chart`,
once per settings for every session) and *frames* (Arrow tables computed on every rerun,
cheap), which the page hands to `ui.chart(template, caption, data={name: frame})`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pyarrow as pa

from explorer.charts import PALETTE

INK_RANGE = ["#FFFFFF", "#000000"]  # paper white, full ink black
ZERO_TEXT = "#B8BEC6"  # zeros in light grey so the ink's numbers stand out
OTHER = "#9AA5B1"


def value_format(scale_name: str) -> str:
    """d3 format of a pixel value on each scale."""
    return {"raw 0–255": "d", "0 to 1": ".2f"}.get(scale_name, ".1f")


# ---- the pixel matrix ------------------------------------------------------------------


def matrix_frame(values: np.ndarray, *, domain: tuple[float, float],
                 scale_name: str) -> pa.Table:
    """One row per pixel: row, column, value, the text shown in the cell and its colour."""
    values = np.asarray(values, dtype=float)
    rows, cols = np.divmod(np.arange(values.size), values.shape[1])
    flat = values.ravel()
    fmt = value_format(scale_name)
    lo, hi = domain
    mid = lo + 0.5 * (hi - lo)
    colour = np.where(flat > mid, "white", np.where(np.isclose(flat, lo), ZERO_TEXT, "black"))
    if fmt == "d":
        labels = np.rint(flat).astype(np.int64).astype(str)
    else:
        decimals = int(fmt[1])
        labels = np.char.mod(f"%{fmt}", np.round(flat, decimals) + 0.0)  # no "-0.0"
    return pa.table({"row": rows, "column": cols, "value": flat, "label": labels,
                     "text_colour": colour})


def _ticks(n: int) -> list[int]:
    return list(range(n)) if n <= 10 else list(range(0, n, 3))


def matrix_chart(*, size: int, domain: tuple[float, float], scale_name: str,
                 show_numbers: bool, height: int, font_size: int = 11) -> alt.LayerChart:
    """Template: heatmap of the pixel matrix (white = no ink, black = ink), cell numbers."""
    fmt = value_format(scale_name)
    base = alt.Chart(alt.NamedData(name="matrix")).encode(
        x=alt.X("column:O", title="column",
                axis=alt.Axis(labelAngle=0, values=_ticks(size), orient="top")),
        y=alt.Y("row:O", title="row", axis=alt.Axis(values=_ticks(size))),
    )
    cells = base.mark_rect(stroke="#E3E6EA", strokeWidth=0.5).encode(
        color=alt.Color("value:Q", title=scale_name,
                        scale=alt.Scale(range=INK_RANGE, domain=list(domain), clamp=True),
                        legend=alt.Legend(orient="right", gradientLength=max(120, height - 80),
                                          format=fmt)),
        tooltip=[alt.Tooltip("row:O"), alt.Tooltip("column:O"),
                 alt.Tooltip("value:Q", format=fmt)],
    )
    layers = [cells]
    if show_numbers:
        layers.append(base.mark_text(fontSize=font_size).encode(
            text="label:N", color=alt.Color("text_colour:N", scale=None)))
    # The text layer's colours are literal (scale=None): keep its scale apart from the
    # cells' quantitative one, or Vega-Lite cannot merge them and draws nothing.
    return alt.layer(*layers).resolve_scale(color="independent").properties(
        width=height, height=height)


# ---- the flattened vector --------------------------------------------------------------


def strip_frames(vector: np.ndarray, row_length: int) -> dict[str, pa.Table]:
    vector = np.asarray(vector, dtype=float)
    n = len(vector)
    idx = np.arange(n)
    cells = pa.table({"position": idx, "end": idx + 1, "value": vector,
                      "row": idx // row_length, "column": idx % row_length})
    starts = pa.table({"position": np.arange(0, n + 1, row_length)})
    return {"strip": cells, "row_starts": starts}


def strip_chart(*, length: int, row_length: int, domain: tuple[float, float],
                scale_name: str, height: int = 70) -> alt.LayerChart:
    """Template: the flattened image as one long strip; orange ticks where rows start."""
    fmt = value_format(scale_name)
    x_scale = alt.Scale(domain=[0, length], nice=False, zero=True)
    every = row_length * max(1, row_length // 7)
    cells = alt.Chart(alt.NamedData(name="strip")).mark_rect().encode(
        x=alt.X("position:Q", title=f"position in the vector (0 … {length - 1})",
                scale=x_scale, axis=alt.Axis(values=list(range(0, length + 1, every)),
                                             grid=False)),
        x2="end:Q",
        color=alt.Color("value:Q", scale=alt.Scale(range=INK_RANGE, domain=list(domain),
                                                   clamp=True), legend=None),
        tooltip=[alt.Tooltip("position:Q"), alt.Tooltip("row:Q"), alt.Tooltip("column:Q"),
                 alt.Tooltip("value:Q", format=fmt)],
    )
    rules = alt.Chart(alt.NamedData(name="row_starts")).mark_rule(
        color=PALETTE[1], strokeWidth=1, opacity=0.8).encode(x=alt.X("position:Q",
                                                                   scale=x_scale))
    return alt.layer(cells, rules).properties(height=height)


# ---- ten outputs -----------------------------------------------------------------------

PREDICTION = "prediction (argmax)"


def output_frame(probs: np.ndarray, logits: np.ndarray) -> pa.Table:
    probs = np.asarray(probs, dtype=float)
    winner = int(np.argmax(probs))
    return pa.table({
        "digit": [str(d) for d in range(10)],
        "probability": probs,
        "logit": np.asarray(logits, dtype=float),
        "is_prediction": [PREDICTION if d == winner else "other digits" for d in range(10)],
        "label": [f"{p:.0%}" if p >= 0.005 else "" for p in probs],
        "logit_label": [f"{v:.1f}" for v in np.asarray(logits, dtype=float)],
    })


def probability_chart(*, height: int) -> alt.LayerChart:
    """Template: ten softmax probabilities, the largest (the argmax) in orange."""
    base = alt.Chart(alt.NamedData(name="outputs")).encode(
        x=alt.X("digit:N", title="digit", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar(cornerRadiusTopLeft=3, cornerRadiusTopRight=3).encode(
        y=alt.Y("probability:Q", title="probability", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("is_prediction:N", title=None,
                        scale=alt.Scale(domain=[PREDICTION, "other digits"],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("digit:N"),
                 alt.Tooltip("logit:Q", title="last-layer activation (logit)", format=".2f"),
                 alt.Tooltip("probability:Q", format=".1%")],
    )
    labels = base.mark_text(dy=-10, fontWeight="bold").encode(
        y="probability:Q", text="label:N")
    return alt.layer(bars, labels).properties(height=height)


def logit_chart(*, height: int) -> alt.LayerChart:
    """Template: the ten raw outputs (logits) before softmax, any real numbers."""
    base = alt.Chart(alt.NamedData(name="outputs")).encode(
        x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("logit:Q", title="last-layer activation (logit)"),
        color=alt.Color("is_prediction:N", scale=alt.Scale(
            domain=[PREDICTION, "other digits"], range=[PALETTE[1], OTHER]), legend=None),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("logit:Q", format=".2f")])
    text = base.mark_text(dy=-8).encode(y="logit:Q", text="logit_label:N")
    return alt.layer(bars, text).properties(height=height)


def hidden_frame(hidden: np.ndarray) -> pa.Table:
    hidden = np.asarray(hidden, dtype=float)
    return pa.table({"unit": np.arange(len(hidden)), "activation": hidden})


def hidden_chart(*, height: int) -> alt.Chart:
    """Template: the hidden layer's activations after ReLU, one bar per unit."""
    return alt.Chart(alt.NamedData(name="hidden")).mark_bar(color=PALETTE[2]).encode(
        x=alt.X("unit:O", title="hidden unit", axis=alt.Axis(labelAngle=0, values=list(
            range(0, 64, 8)))),
        y=alt.Y("activation:Q", title="activation (after ReLU)"),
        tooltip=[alt.Tooltip("unit:O"), alt.Tooltip("activation:Q", format=".2f")],
    ).properties(height=height)


# ---- the baseline ----------------------------------------------------------------------


def means_frame(means: np.ndarray, distances: np.ndarray) -> pa.Table:
    """All ten mean images in one long table, each titled with its distance."""
    means = np.asarray(means, dtype=float)
    n, h, w = means.shape
    digit, rows, cols = np.mgrid[0:n, 0:h, 0:w]
    nearest = int(np.argmin(distances))
    titles = [f"{d}  ·  {distances[d]:.1f}" + ("  ◀" if d == nearest else "")
              for d in range(n)]
    return pa.table({"digit": digit.ravel(), "row": rows.ravel(), "column": cols.ravel(),
                     "value": means.ravel(),
                     "title": np.asarray(titles)[digit.ravel()]})


def means_chart(*, size: int, panel_px: int) -> alt.FacetChart:
    """Template: the mean image of each class side by side (0 = white, 1 = black)."""
    heat = alt.Chart().mark_rect().encode(
        x=alt.X("column:O", axis=None), y=alt.Y("row:O", axis=None),
        color=alt.Color("value:Q", scale=alt.Scale(range=INK_RANGE, domain=[0, 1]), legend=None),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("row:O"), alt.Tooltip("column:O"),
                 alt.Tooltip("value:Q", format=".2f")],
    ).properties(width=panel_px, height=panel_px)
    return alt.FacetChart(
        data=alt.NamedData(name="means"), spec=heat,
        facet=alt.Facet("title:N", sort=alt.EncodingSortField("digit", op="min"), title=None,
                        header=alt.Header(labelFontWeight="bold")),
        columns=10, spacing=8,
    )


def distance_frame(distances: np.ndarray) -> pa.Table:
    distances = np.asarray(distances, dtype=float)
    winner = int(np.argmin(distances))
    return pa.table({"digit": [str(d) for d in range(10)], "distance": distances,
                         "label": [f"{v:.2f}" for v in distances],
                         "is_prediction": ["nearest (prediction)" if d == winner else "other"
                                           for d in range(10)]})


def distance_chart(*, height: int) -> alt.LayerChart:
    """Template: pixel distance to each class mean; the shortest bar is the prediction."""
    base = alt.Chart(alt.NamedData(name="distances")).encode(
        x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("distance:Q", title="distance to the class mean"),
        color=alt.Color("is_prediction:N",
                        scale=alt.Scale(domain=["nearest (prediction)", "other"],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("distance:Q", format=".3f")])
    text = base.mark_text(dy=-8).encode(y="distance:Q", text="label:N")
    return alt.layer(bars, text).properties(height=height)
