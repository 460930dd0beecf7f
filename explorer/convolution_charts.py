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


def width_of(spec: dict) -> int:
    """About how wide a number_grid draws, in pixels: its cells and, for a colour grid,
    the channel names on the left."""
    inner = spec.get("spec", spec)
    return int(inner["width"]) + (60 if "facet" in spec else 0)


def filter_bank(weights: np.ndarray, title: str, cell: int = 30,
                with_numbers: bool = True, names: list[str] | None = None,
                columns: int | None = None, bound: float | None = None) -> Figure:
    """K single-channel filters (K,F,F) side by side on one shared diverging scale.

    columns: wrap after this many filters (a phone shows 3 or 4 a row); None: one row.
    bound: the weight drawn at full colour (default the largest |weight|)."""
    w = np.asarray(weights, dtype=np.float64)
    names = names or [f"filter {k + 1}" for k in range(w.shape[0])]
    records = [rec for k in range(w.shape[0]) for rec in cells(w[k], names[k], 1)]
    bound = float(bound if bound is not None else np.max(np.abs(w))) or 1.0
    f = w.shape[-1]
    layers = [{"mark": {"type": "rect", "stroke": "#888", "strokeWidth": 0.5},
               "encoding": {"color": {
                   "field": "value", "type": "quantitative",
                   "scale": {"scheme": charts.DIVERGING, "domain": [-bound, bound]},
                   "legend": {"title": "weight", "orient": "bottom"}}}}]
    if with_numbers:
        layers.append(_text_layer(f"abs(datum.value) > {0.6 * bound}", max(8, cell // 3)))
    header = {"field": "group", "type": "nominal", "title": None, "sort": names}
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "cells"},
            "spacing": 8,
            "spec": {"width": cell * f, "height": cell * f,
                     "encoding": {**_xy(), "tooltip": [
                         {"field": "group", "type": "nominal"},
                         {"field": "value", "type": "quantitative", "format": ".3f"}]},
                     "layer": layers}}
    if columns is None:
        spec["facet"] = {"column": header}
    else:
        spec["facet"] = header
        spec["columns"] = columns
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


def logits(values: np.ndarray, title: str, height: int = 160) -> Figure:
    """Ten bars, one per digit, for scores that can be negative (a dense layer's logits)."""
    v = np.asarray(values, dtype=np.float64)
    records = [{"digit": str(i), "score": float(x)} for i, x in enumerate(v)]
    spec = {"$schema": SCHEMA, "title": title, "data": {"name": "scores"}, "height": height,
            "mark": "bar",
            "encoding": {
                "x": {"field": "digit", "type": "nominal", "title": "digit",
                      "axis": {"labelAngle": 0}},
                "y": {"field": "score", "type": "quantitative", "title": "score (logit)"},
                "color": {"condition": {"test": "datum.score < 0",
                                        "value": charts.PALETTE[0]},
                          "value": charts.PALETTE[1]},
                "tooltip": [{"field": "digit", "type": "nominal"},
                            {"field": "score", "type": "quantitative", "format": ".3f"}]}}
    return Figure(spec, {"scores": records})


# ---- the tiny CNN learning: every frame in the browser -----------------------------------

FRAME_PARAM = "frame"


def replay_data(history, maps: np.ndarray, map_urls: list[list[str]]) -> dict:
    """The named datasets of `training_replay`: one row per frame, per filter cell and per
    feature-map picture. history: explorer.convolution_cnn.History; maps (F, K, H, W) the
    followed digit's maps at each frame; map_urls[f][k] their pictures (data: URLs)."""
    import pandas as pd

    n_frames, k = history.conv1_weight.shape[:2]
    frames = pd.DataFrame({
        "frame": np.arange(n_frames, dtype=np.int16),
        "step": history.steps.astype(np.int32),
        "epoch": np.round(history.epochs, 2).astype(np.float32),
        "accuracy": history.held_out_accuracy.astype(np.float32),
        "loss": history.held_out_loss.astype(np.float32),
        "top": maps.reshape(n_frames, -1).max(axis=1).astype(np.float32),
    })
    w = history.conv1_weight[:, :, 0]  # (F, K, 3, 3)
    f_idx, k_idx, r_idx, c_idx = np.indices(w.shape).reshape(4, -1)
    filters = pd.DataFrame({
        "frame": f_idx.astype(np.int16), "filter": (k_idx + 1).astype(np.int8),
        "row": r_idx.astype(np.int8), "col": c_idx.astype(np.int8),
        "value": w.reshape(-1).astype(np.float32)})
    pictures = pd.DataFrame({
        "frame": np.repeat(np.arange(n_frames), k).astype(np.int16),
        "filter": np.tile(np.arange(1, k + 1), n_frames).astype(np.int8),
        "url": [url for row in map_urls for url in row]})
    return {"frames": frames, "filters": filters, "maps": pictures}


def training_replay(n_frames: int, total_steps: int, bound: float, *, columns: int = 8,
                    block: int = 84, gap: int = 12, filters: int = 8,
                    two_lines: bool = False, font: int = 12) -> dict:
    """One chart that replays the tiny CNN's training in the browser: a range slider (the
    Vega param `frame`) picks a moment; the text, the held-out accuracy curve's marker,
    the 8 filters and the followed digit's 8 feature maps all show that moment. Nothing
    goes back to the server while it moves.

    A template (named datasets from `replay_data`): the layout (columns a row, block: the
    side of one filter and one map in pixels) is baked in, so a phone and a desktop get
    two of them (ui.by_width). bound: the weight drawn at full colour, the same for every
    frame so growing weights look stronger. font: the filters' names in px (the moment's
    text is 1.25 times as big)."""
    rows = -(-filters // columns)
    width = columns * block + (columns - 1) * gap
    now = f"datum.frame == {FRAME_PARAM}"
    slot_x = f"((datum.filter - 1) % {columns}) * {block + gap}"
    label_h = font + 4
    slot_y = f"floor((datum.filter - 1) / {columns}) * {block + gap + label_h} + {label_h}"
    cell = block / 3
    if two_lines:
        label = ("['Step ' + format(datum.step, ',') + ' of ' + format("
                 f"{total_steps}, ',') + ' (epoch ' + format(datum.epoch, '.1f') + ')', "
                 "'held-out accuracy ' + format(datum.accuracy, '.1%') + ', loss ' + "
                 "format(datum.loss, '.3f')]")
    else:
        label = ("'Step ' + format(datum.step, ',') + ' of ' + format("
                 f"{total_steps}, ',') + ' (epoch ' + format(datum.epoch, '.1f') + '):  "
                 "held-out accuracy ' + format(datum.accuracy, '.1%') + ',  loss ' + "
                 "format(datum.loss, '.3f')")
    header = {
        "data": {"name": "frames"}, "width": width,
        "height": (2 if two_lines else 1) * round(font * 1.7),
        "transform": [{"filter": now}, {"calculate": label, "as": "label"}],
        "mark": {"type": "text", "align": "left", "baseline": "top",
                 "fontSize": round(font * 1.25), "lineHeight": round(font * 1.7)},
        "encoding": {"x": {"value": 0}, "y": {"value": 0},
                     "text": {"field": "label", "type": "nominal"}}}
    x_step = {"field": "step", "type": "quantitative", "title": "training step",
              "scale": {"domain": [0, total_steps]}}
    curve = {
        "data": {"name": "frames"}, "width": width, "height": 110,
        "layer": [
            {"mark": {"type": "line", "color": charts.PALETTE[0], "point": True},
             "encoding": {"x": x_step,
                          "y": {"field": "accuracy", "type": "quantitative",
                                "title": "held-out accuracy",
                                "scale": {"domain": [0, 1]}, "axis": {"format": "%",
                                                                       "tickCount": 3}},
                          "tooltip": [{"field": "step", "type": "quantitative"},
                                      {"field": "accuracy", "type": "quantitative",
                                       "format": ".1%"}]}},
            {"transform": [{"filter": now}],
             "mark": {"type": "rule", "color": charts.PALETTE[3], "strokeWidth": 2},
             "encoding": {"x": x_step}},
        ]}
    placed = [{"calculate": f"{slot_x} + datum.col * {cell}", "as": "x"},
              {"calculate": f"datum.x + {cell}", "as": "x2"},
              {"calculate": f"{slot_y} + datum.row * {cell}", "as": "y"},
              {"calculate": f"datum.y + {cell}", "as": "y2"}]
    height = rows * (block + gap + label_h)
    names = {"data": {"name": "frames"}, "transform": [{"filter": now}, {
        "calculate": f"sequence(1, {filters + 1})", "as": "filter"}, {"flatten": ["filter"]},
        {"calculate": f"{slot_x}", "as": "x"},
        {"calculate": f"{slot_y} - 4", "as": "y"},
        {"calculate": "'filter ' + datum.filter", "as": "name"}],
        "mark": {"type": "text", "align": "left", "baseline": "bottom", "fontSize": font},
        "encoding": {"x": {"field": "x", "type": "quantitative", "scale": None},
                     "y": {"field": "y", "type": "quantitative", "scale": None},
                     "text": {"field": "name", "type": "nominal"}}}
    weights = {
        "width": width, "height": height,
        "layer": [
            {"data": {"name": "filters"}, "transform": [{"filter": now}, *placed],
             "mark": {"type": "rect", "stroke": "#888", "strokeWidth": 0.5},
             "encoding": {
                 "x": {"field": "x", "type": "quantitative", "scale": None},
                 "x2": {"field": "x2"},
                 "y": {"field": "y", "type": "quantitative", "scale": None},
                 "y2": {"field": "y2"},
                 "color": {"field": "value", "type": "quantitative", "legend": None,
                           "scale": {"scheme": charts.DIVERGING, "domain": [-bound, bound],
                                     "clamp": True}},
                 "tooltip": [{"field": "filter", "type": "ordinal"},
                             {"field": "value", "type": "quantitative", "format": ".3f",
                              "title": "weight"}]}},
            names,
        ]}
    pictures = {
        "width": width, "height": height,
        "layer": [
            {"data": {"name": "maps"},
             "transform": [{"filter": now}, {"calculate": slot_x, "as": "x"},
                           {"calculate": slot_y, "as": "y"}],
             "mark": {"type": "image", "width": block, "height": block, "align": "left",
                      "baseline": "top", "smooth": False},
             "encoding": {"x": {"field": "x", "type": "quantitative", "scale": None},
                          "y": {"field": "y", "type": "quantitative", "scale": None},
                          "url": {"field": "url", "type": "nominal"}}},
            names,
        ]}
    return {"$schema": SCHEMA,
            "params": [{"name": FRAME_PARAM, "value": n_frames - 1,
                        "bind": {"input": "range", "min": 0, "max": n_frames - 1, "step": 1,
                                 "name": "Training moment (drag me) "}}],
            "vconcat": [header, curve, weights, pictures], "spacing": 14}
