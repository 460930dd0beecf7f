"""Chart builders for the convolution page: small grids of numbers drawn as heatmaps.

These return Vega-Lite specs as plain dicts rather than alt.Chart objects. Why: the page
draws up to nine faceted, layered grids per rerun, each shaped by its data (cell widths,
colour ranges), and building them through Altair's schema validation on every control
change cost many times the page's time budget; plain dicts cost next to nothing and
render identically.

Each builder returns a `Figure`: the spec, and apart from it the rows of its named
datasets. The page shows one with `ui.chart(figure.spec, caption, data=figure.data)`,
which converts the rows to Arrow (or takes bytes converted once by `ui.arrow_datasets`)
and merges in the project theme.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from explorer import charts

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
CHANNEL_NAMES = {1: ["grey"], 3: ["red", "green", "blue"]}


class Figure(NamedTuple):
    """A Vega-Lite spec reading named datasets, and those datasets (name -> rows)."""

    spec: dict
    data: dict


def _label(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cells(values: np.ndarray, group: str = "", decimals: int = 2) -> list[dict]:
    """(C,F,F) or (F,F) -> one record per cell: group, channel, row, col, value, label."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 2:
        v = v[None]
    names = CHANNEL_NAMES.get(v.shape[0], [str(i) for i in range(v.shape[0])])
    return [{"group": group, "channel": names[c], "row": r, "col": k,
             "value": float(v[c, r, k]), "label": _label(float(v[c, r, k]), decimals)}
            for c in range(v.shape[0]) for r in range(v.shape[1]) for k in range(v.shape[2])]


def _xy() -> dict:
    return {"x": {"field": "col", "type": "ordinal", "axis": None},
            "y": {"field": "row", "type": "ordinal", "axis": None}}


def _text_layer(dark_test: str, font_size: int) -> dict:
    return {"mark": {"type": "text", "fontSize": font_size},
            "encoding": {"text": {"field": "label", "type": "nominal"},
                         "color": {"condition": {"test": dark_test, "value": "white"},
                                   "value": "black"}}}


def number_grid(values: np.ndarray, title: str, *, kind: str = "pixels", cell: int = 44,
                decimals: int = 2, bound: float | None = None) -> Figure:
    """A small grid with each value written in its cell; colour channels stacked as rows.

    kind='pixels': grey scale, 0 black to 255 white (input values);
    kind='signed': diverging around 0 (weights, products), +-bound (default: the largest
    magnitude in the grid).
    """
    v = np.asarray(values, dtype=np.float64)
    records = cells(v, decimals=decimals)
    n_rows, n_cols = v.shape[-2], v.shape[-1]
    if kind == "pixels":
        scale = {"domain": [0, 255], "range": ["black", "white"], "clamp": True}
        dark = "datum.value < 128"
    else:
        b = float(bound if bound is not None else np.max(np.abs(v))) or 1.0
        scale = {"scheme": charts.DIVERGING, "domain": [-b, b], "clamp": True}
        dark = f"abs(datum.value) > {0.6 * b}"
    encoding = {**_xy(), "tooltip": [
        {"field": "channel", "type": "nominal"}, {"field": "row", "type": "ordinal"},
        {"field": "col", "type": "ordinal"},
        {"field": "value", "type": "quantitative", "format": ".4g"}]}
    # Cells widen for long numbers (e.g. 1486.8) so no label spills into its neighbour.
    longest = max(len(r["label"]) for r in records)
    cell_w = max(cell, int(longest * cell * 0.2) + 10)
    inner = {
        "width": cell_w * n_cols, "height": cell * n_rows, "encoding": encoding,
        "layer": [
            {"mark": {"type": "rect", "stroke": "#888", "strokeWidth": 0.5},
             "encoding": {"color": {"field": "value", "type": "quantitative",
                                    "scale": scale, "legend": None}}},
            _text_layer(dark, max(9, min(16, cell // 3))),
        ]}
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "cells"}}
    if v.ndim == 3 and v.shape[0] > 1:
        spec["facet"] = {"row": {"field": "channel", "type": "nominal", "title": None,
                                 "sort": CHANNEL_NAMES.get(v.shape[0]),
                                 "header": {"labelAngle": 0, "labelAlign": "left"}}}
        spec["spec"] = inner
        spec["spacing"] = 6
    else:
        spec.update(inner)
    return Figure(spec, {"cells": records})


def filter_bank(weights: np.ndarray, title: str, cell: int = 30,
                with_numbers: bool = True, names: list[str] | None = None) -> Figure:
    """K single-channel filters (K,F,F) side by side on one shared diverging scale."""
    w = np.asarray(weights, dtype=np.float64)
    names = names or [f"filter {k + 1}" for k in range(w.shape[0])]
    records = [rec for k in range(w.shape[0]) for rec in cells(w[k], names[k], 1)]
    bound = float(np.max(np.abs(w))) or 1.0
    f = w.shape[-1]
    layers = [{"mark": {"type": "rect", "stroke": "#888", "strokeWidth": 0.5},
               "encoding": {"color": {
                   "field": "value", "type": "quantitative",
                   "scale": {"scheme": charts.DIVERGING, "domain": [-bound, bound]},
                   "legend": {"title": "weight", "orient": "right"}}}}]
    if with_numbers:
        layers.append(_text_layer(f"abs(datum.value) > {0.6 * bound}", max(8, cell // 3)))
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "cells"},
            "facet": {"column": {"field": "group", "type": "nominal", "title": None,
                                 "sort": names}},
            "spacing": 8,
            "spec": {"width": cell * f, "height": cell * f,
                     "encoding": {**_xy(), "tooltip": [
                         {"field": "group", "type": "nominal"},
                         {"field": "value", "type": "quantitative", "format": ".3f"}]},
                     "layer": layers}}
    return Figure(spec, {"cells": records})


def map_bank(maps: np.ndarray, title: str, cell: int = 12,
             names: list[str] | None = None) -> Figure:
    """K feature maps (K,H,W) side by side as heatmaps on one shared sequential scale."""
    m = np.asarray(maps, dtype=np.float64)
    names = names or [f"map {k + 1}" for k in range(m.shape[0])]
    records = [rec for k in range(m.shape[0]) for rec in cells(m[k], names[k], 2)]
    top = float(m.max()) or 1.0
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "cells"},
            "facet": {"column": {"field": "group", "type": "nominal", "title": None,
                                 "sort": names}},
            "spacing": 8,
            "spec": {"width": cell * m.shape[2], "height": cell * m.shape[1],
                     "mark": "rect",
                     "encoding": {**_xy(),
                                  "color": {"field": "value", "type": "quantitative",
                                            "scale": {"scheme": charts.SEQUENTIAL,
                                                      "domain": [0, top]},
                                            "legend": {"title": "activation",
                                                       "orient": "right"}},
                                  "tooltip": [{"field": "group", "type": "nominal"},
                                              {"field": "value", "type": "quantitative",
                                               "format": ".3f"}]}}}
    return Figure(spec, {"cells": records})


def probabilities(probs: np.ndarray, title: str, height: int = 160) -> Figure:
    """Ten bars: a classifier's probability for each digit."""
    records = [{"digit": str(i), "p": float(p)} for i, p in enumerate(probs)]
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "probs"}, "height": height,
            "mark": {"type": "bar", "color": charts.PALETTE[0]},
            "encoding": {
                "x": {"field": "digit", "type": "nominal", "title": "digit",
                      "axis": {"labelAngle": 0}},
                "y": {"field": "p", "type": "quantitative", "title": "probability",
                      "scale": {"domain": [0, 1]}},
                "tooltip": [{"field": "digit", "type": "nominal"},
                            {"field": "p", "type": "quantitative", "format": ".3f"}]}}
    return Figure(spec, {"probs": records})
