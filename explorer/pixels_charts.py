"""Chart builders for the pixels page.

Building an Altair chart is slow (schema objects and validation), and this page has seven
charts. So each chart is split in two: a *template* (an alt.Chart on named, empty data,
whose spec depends only on a few settings; the page builds it through `ui.built_chart`,
once per settings for every session) and *frames* (Arrow tables computed on every rerun,
cheap), which the page hands to `ui.chart(template, caption, data={name: frame})`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pyarrow as pa

from explorer import heat_images
from explorer.charts import PALETTE

INK_RANGE = ["#FFFFFF", "#000000"]  # paper white, full ink black
# Zeros (blank paper) in grey so the ink's numbers stand out, still 4.9:1 on white.
ZERO_TEXT = "#707070"
OTHER = "#9AA5B1"


def value_format(scale_name: str) -> str:
    """d3 format of a pixel value on each scale."""
    return {"raw 0–255": "d", "0 to 1": ".2f"}.get(scale_name, ".1f")


def label_chars(scale_name: str, domain: tuple[float, float]) -> int:
    """The longest number a cell has to hold on this scale."""
    lo, hi = domain
    fmt = value_format(scale_name)
    if fmt == "d":
        return 3
    return max(len(f"{v:{fmt}}") for v in (lo, hi))


# ---- the pixel matrix ------------------------------------------------------------------

MIN_FONT = 11  # numbers smaller than this are not drawn
PHONE_SIDE = 300  # the grid's side on a 390-pixel phone (the rest: axis labels, margins)


def big_font(size: int, present: bool = False) -> int:
    """The cell numbers' font size when cells are at their largest."""
    return {28: 11, 14: 16, 8: 20, 7: 22}[size] + (3 if present else 0)


def largest_side(present: bool = False) -> int:
    """The grid's side in pixels on a wide page: it grows with the page up to this."""
    return 800 if present else 728


@dataclass(frozen=True)
class MatrixFit:
    side: float  # the grid's width and height in pixels
    font: int  # the cell numbers' font size
    numbers: bool  # whether the numbers are drawn (they fit at MIN_FONT or more)


def matrix_fit(plot_width: float, size: int, chars: int, present: bool = False) -> MatrixFit:
    """How the matrix is drawn in a plot area `plot_width` pixels wide: the grid as wide as
    the area (120 to largest_side), and the numbers in the largest font up to big_font that
    fits a cell. The chart computes the same in the browser (matrix_chart's params), so one
    chart serves a phone and a projector; this is the rule's statement, for the page's
    words and the tests."""
    side = min(max(plot_width, 120.0), largest_side(present))
    font = min(big_font(size, present), math.floor((side / size - 2) / (chars * 0.56)))
    return MatrixFit(side, font, font >= MIN_FONT)


def _luminance(grey: np.ndarray) -> np.ndarray:
    """WCAG relative luminance of a grey sRGB level (0..255)."""
    c = np.asarray(grey, dtype=float) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def cell_grey(values: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """The grey level (0..255) each cell is painted with: white at the low end of the
    domain, black at the high end, linear in between (the scale interpolates in RGB)."""
    lo, hi = domain
    fraction = np.clip((np.asarray(values, dtype=float) - lo) / (hi - lo), 0.0, 1.0)
    return 255.0 * (1.0 - fraction)


def contrast(grey_a: np.ndarray, grey_b: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio between two grey levels."""
    la, lb = _luminance(grey_a), _luminance(grey_b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def text_colours(values: np.ndarray, domain: tuple[float, float]) -> np.ndarray:
    """Black or white, whichever reads better on each cell (at least 4.5:1 on any grey);
    blank paper gets the grey ZERO_TEXT."""
    grey = cell_grey(values, domain)
    on_black = contrast(grey, np.zeros_like(grey))
    on_white = contrast(grey, np.full_like(grey, 255.0))
    colour = np.where(on_white > on_black, "white", "black")
    return np.where(np.isclose(np.asarray(values, dtype=float), domain[0]), ZERO_TEXT, colour)


def matrix_frame(values: np.ndarray, *, domain: tuple[float, float],
                 scale_name: str) -> pa.Table:
    """One row per pixel: row, column, value, the text shown in the cell and its colour."""
    values = np.asarray(values, dtype=float)
    rows, cols = np.divmod(np.arange(values.size), values.shape[1])
    flat = values.ravel()
    fmt = value_format(scale_name)
    if fmt == "d":
        labels = np.rint(flat).astype(np.int64).astype(str)
    else:
        decimals = int(fmt[1])
        labels = np.char.mod(f"%{fmt}", np.round(flat, decimals) + 0.0)  # no "-0.0"
    return pa.table({"row": rows, "column": cols, "value": flat, "label": labels,
                     "text_colour": text_colours(flat, domain)})


def _ticks(n: int) -> list[int]:
    return list(range(n)) if n <= 10 else list(range(0, n, 3))


def matrix_chart(*, size: int, domain: tuple[float, float], scale_name: str,
                 present: bool = False) -> alt.LayerChart:
    """Template: heatmap of the pixel matrix (white = no ink, black = ink), cell numbers.

    One chart for every width (draw it with width="stretch"): the grid is as wide as the
    plot area up to largest_side, and square. Vega-Lite sizes a view's height by itself,
    not by its width, so the view is 1 pixel high and the cells are placed on scales whose
    range is [0, side] in both directions. Autosize "fit-x" makes `width` the plot area's
    width and, in y, pads: the chart grows to hold the cells and the legend below them. The numbers' font and whether they are
    drawn follow matrix_fit, computed in the browser (params `side`, `font`, `numbers`).
    """
    fmt = value_format(scale_name)
    chars = label_chars(scale_name, domain)
    side = alt.param(name="side", expr=f"clamp(width, 120, {largest_side(present)})")
    font = alt.param(name="font", expr=f"min({big_font(size, present)}, "
                                       f"floor((side / {size} - 2) / ({chars} * 0.56)))")
    numbers = alt.param(name="numbers", expr=f"font >= {MIN_FONT}")
    ticks = [t + 0.5 for t in _ticks(size)]  # cell centres, labelled with the cell index

    def position(title: str, orient: str) -> dict:
        return dict(scale=alt.Scale(domain=[0, size], range=[0, alt.expr("side")],
                                    nice=False, zero=False),
                    title=title, axis=alt.Axis(values=ticks, labelExpr="datum.value - 0.5",
                                               grid=False, orient=orient,
                                               # else Vega thins given values to
                                               # height / 40 of them: 1 here
                                               tickCount=len(ticks)))

    cells = alt.Chart().mark_rect(stroke="#E3E6EA", strokeWidth=0.5).encode(
        x=alt.X("column:Q", **position("column", "top")), x2="column_end:Q",
        y=alt.Y("row:Q", **position("row", "left")), y2="row_end:Q",
        color=alt.Color("value:Q", title=scale_name,
                        scale=alt.Scale(range=INK_RANGE, domain=list(domain), clamp=True,
                                        interpolate="rgb"),
                        legend=alt.Legend(orient="bottom", direction="horizontal", format=fmt,
                                          gradientLength=alt.expr("max(120, side - 40)"),
                                          offset=alt.expr("side + 8"))),
        tooltip=[alt.Tooltip("row:O"), alt.Tooltip("column:O"),
                 alt.Tooltip("value:Q", format=fmt)],
    )
    # Filtered, not made transparent: a phone draws no text marks at all.
    text = alt.Chart().mark_text(fontSize=alt.expr("font")).transform_filter("numbers").encode(
        x=alt.X("column_centre:Q", scale=alt.Scale(domain=[0, size],
                                                   range=[0, alt.expr("side")])),
        y=alt.Y("row_centre:Q", scale=alt.Scale(domain=[0, size],
                                                range=[0, alt.expr("side")])),
        text="label:N", color=alt.Color("text_colour:N", scale=None))
    # The text layer's colours are literal (scale=None): keep its scale apart from the
    # cells' quantitative one, or Vega-Lite cannot merge them and draws nothing.
    # Drawn on a canvas: up to 1,568 marks; as SVG elements they were a fifth of a visit.
    return alt.layer(cells, text, data=alt.NamedData(name="matrix")).transform_calculate(
        column_end="datum.column + 1", row_end="datum.row + 1",
        column_centre="datum.column + 0.5", row_centre="datum.row + 0.5",
    ).add_params(side, font, numbers).resolve_scale(color="independent").properties(
        height=1, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
        usermeta={"embedOptions": {"renderer": "canvas"}})


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
    # One mark per number (784 at 28×28): drawn on a canvas, as the matrix is.
    return alt.layer(cells, rules).properties(
        height=height, usermeta={"embedOptions": {"renderer": "canvas"}})


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


def hidden_chart(*, units: int, height: int) -> alt.Chart:
    """Template: the hidden layer's activations after ReLU, one bar per unit."""
    return alt.Chart(alt.NamedData(name="hidden")).mark_bar(color=PALETTE[2]).encode(
        x=alt.X("unit:O", title="hidden unit", axis=alt.Axis(labelAngle=0, values=list(
            range(0, units, 16 if units > 64 else 8)))),
        y=alt.Y("activation:Q", title="activation (after ReLU)"),
        tooltip=[alt.Tooltip("unit:O"), alt.Tooltip("activation:Q", format=".2f")],
    ).properties(height=height)


# ---- the baseline ----------------------------------------------------------------------


MEAN_PICTURE_PX = 112  # each mean image's picture: enough pixels to stay sharp when shown


def mean_picture_url(mean: np.ndarray) -> str:
    """One mean image (values 0 = paper .. 1 = ink) as a grey PNG data: URL, 0 white and 1
    black like the matrix charts, each pixel repeated into a block so the browser's
    smoothing does not blur the pixels."""
    ink = np.rint(np.clip(np.nan_to_num(np.asarray(mean, dtype=float)), 0, 1) * 255)
    repeat = max(1, MEAN_PICTURE_PX // ink.shape[0])
    blocks = np.kron(ink, np.ones((repeat, repeat))).astype(np.uint8)
    greys = np.repeat(np.arange(255, -1, -1, dtype=np.uint8)[:, None], 3, axis=1)
    return heat_images.palette_png_url(blocks, greys)


def mean_pictures(means: np.ndarray) -> tuple[str, ...]:
    """Each mean image as a picture (mean_picture_url). Encoding ten takes about 7 ms:
    the page does it once per baseline, not on every run."""
    return tuple(mean_picture_url(m) for m in np.asarray(means, dtype=float))


def means_frame(pictures: tuple[str, ...], distances: np.ndarray,
                classes: tuple[int, ...] = tuple(range(10))) -> pa.Table:
    """The mean images, one row each in the classes' order (`slot` places it in the grid):
    its digit, its title (digit and distance) and its picture (from mean_pictures).
    Pictures, not a rect per pixel: 7,840 rects took the browser most of a second to draw
    (see explorer/heat_images.py)."""
    nearest = int(np.argmin(distances))
    n = len(pictures)
    titles = [f"{classes[k]}  ·  {distances[k]:.3f}" + ("  ◀" if k == nearest else "")
              for k in range(n)]
    return pa.table({"slot": np.arange(n), "digit": np.asarray(classes[:n]),
                     "title": titles, "url": list(pictures)})


MEANS_GAP = 8  # pixels between two columns, and under each row's pictures


def means_sizes(panels: int, present: bool = False) -> tuple[int, int, int]:
    """(largest picture, least column width, title font) of the means grid, in pixels. A
    column is never narrower than its title ("3 · 0.196 ◀" in bold)."""
    title_font = 18 if present else 13
    least_column = 96 if present else 64
    if panels <= 2:
        return (150 if present else 130), least_column, title_font
    return (84 if present else 70), least_column, title_font


@dataclass(frozen=True)
class MeansFit:
    columns: int  # pictures side by side
    column: float  # a column's width in pixels (the picture centred in it)
    picture: float  # a picture's side in pixels


def means_fit(plot_width: float, panels: int, present: bool = False) -> MeansFit:
    """How the mean images are laid out in a plot area `plot_width` pixels wide: as many
    columns as fit at their least width, then the rows evened out (ten pictures: 10, else
    5 + 5, else 4 + 4 + 2, ...), each column up to the largest picture wide. The chart
    computes the same in the browser (means_chart's params), so one chart serves a phone
    and a projector; this is the rule's statement, for the tests."""
    largest, least_column, _ = means_sizes(panels, present)
    fit = max(1, math.floor((plot_width + MEANS_GAP) / (least_column + MEANS_GAP)))
    rows = math.ceil(panels / fit)
    columns = math.ceil(panels / rows)
    column = min(max((plot_width + MEANS_GAP) / columns - MEANS_GAP, least_column),
                 max(largest, least_column))
    return MeansFit(columns, column, min(largest, column))


def means_chart(*, panels: int, present: bool = False) -> alt.LayerChart:
    """Template: the mean image of each class in a grid (0 = white, 1 = black), each titled
    with its digit and distance.

    One chart for every width (draw it with width="stretch"): the grid's columns, their
    width and the pictures' side follow means_fit, computed in the browser (params
    `columns`, `column`, `picture`). Marks are placed in pixels (scale=None) on a view 1
    pixel high that autosize pads to hold them, as matrix_chart does."""
    largest, least_column, title_font = means_sizes(panels, present)
    gap = MEANS_GAP
    fit = alt.param(name="fit", expr=f"max(1, floor((width + {gap}) / ({least_column + gap})))")
    columns = alt.param(name="columns", expr=f"ceil({panels} / ceil({panels} / fit))")
    column = alt.param(name="column", expr=f"min(max((width + {gap}) / columns - {gap}, "
                                           f"{least_column}), {max(largest, least_column)})")
    picture = alt.param(name="picture", expr=f"min({largest}, column)")
    title_px = round(title_font * 1.6)
    base = alt.Chart().transform_calculate(
        left=f"(datum.slot % columns) * (column + {gap})",
        top=f"floor(datum.slot / columns) * ({title_px} + picture + {gap})",
    ).transform_calculate(
        centre="datum.left + column / 2",
        image_left="datum.left + (column - picture) / 2",
        image_right="datum.left + (column + picture) / 2",
        image_top=f"datum.top + {title_px}",
        image_bottom=f"datum.top + {title_px} + picture",
    )
    pictures = base.mark_image(aspect=False).encode(
        x=alt.X("image_left:Q", scale=None, axis=None), x2="image_right:Q",
        y=alt.Y("image_top:Q", scale=None, axis=None), y2="image_bottom:Q", url="url:N",
        tooltip=[alt.Tooltip("title:N", title="digit · distance")],
    )
    titles = base.mark_text(fontWeight="bold", fontSize=title_font, baseline="bottom",
                            dy=-4).encode(
        x=alt.X("centre:Q", scale=None, axis=None),
        y=alt.Y("image_top:Q", scale=None, axis=None), text="title:N")
    return alt.layer(pictures, titles, data=alt.NamedData(name="means")).add_params(
        fit, columns, column, picture).properties(
        height=1, autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))


def distance_frame(distances: np.ndarray,
                   classes: tuple[int, ...] = tuple(range(10))) -> pa.Table:
    distances = np.asarray(distances, dtype=float)
    winner = int(np.argmin(distances))
    return pa.table({"digit": [str(d) for d in classes], "distance": distances,
                     "label": [f"{v:.3f}" for v in distances],
                     "is_prediction": ["nearest (prediction)" if k == winner else "other"
                                       for k in range(len(classes))]})


def distance_chart(*, height: int) -> alt.LayerChart:
    """Template: distance to each class mean; the shortest bar is the prediction."""
    base = alt.Chart(alt.NamedData(name="distances")).encode(
        x=alt.X("digit:N", sort=None, axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("distance:Q", title="distance to the class mean"),
        color=alt.Color("is_prediction:N",
                        scale=alt.Scale(domain=["nearest (prediction)", "other"],
                                        range=[PALETTE[1], PALETTE[0]]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("distance:Q", format=".4f")])
    text = base.mark_text(dy=-8).encode(y="distance:Q", text="label:N")
    return alt.layer(bars, text).properties(height=height)
