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


# ---- the replay: training as a film, scrubbed in the browser -------------------------------
#
# One compound chart (the numbers of the frame, the output over the plane, the network drawn
# neuron by neuron, the loss curves) shares one Vega param, `snap`, the frame number, bound to
# a range slider; a second param, `play`, is bound to a "Play" checkbox that the page kit's
# player script (explorer.ui.browser_player) drives. Every frame's pictures are columns of the
# datasets (p0, p1, ... for the output; a0, a1, ... for the neurons; w0, w1, ... for the
# weights) and a calculate transform picks column `snap`: scrubbing costs the server nothing.
#
# The chart is a template (named datasets, per-run numbers as params), built once per layout
# and filled with each run's datasets (`replay_datasets`, `replay_params`).

FRAME_PARAM = "snap"
PLAY_PARAM = "play"
PLAY_LABEL = "Play "
FRAME_LABEL = "Snapshot (drag me) "
# The network diagram is laid out in these units; its view keeps their aspect ratio.
DIAGRAM_W, DIAGRAM_H = 400.0, 320.0
DIAGRAM_TOP = 40.0  # room for the layer titles
DIAGRAM_LEFT = 58.0  # room for the input features' names
# The output on the big grid is stored as 0..PROB_STEPS (P(orange), or the height mapped
# from -1..1); neuron activations as -ACT_STEPS..ACT_STEPS of their largest absolute value.
PROB_STEPS = 250
ACT_STEPS = 127
EDGE_MAX_PX = 6.0
NOW_COLOUR = PALETTE[3]
TEXT_COLOUR = "#222222"
SUBTLE_TEXT = "#4d4d4d"  # 8.6:1 on white


def diagram_layout(feature_names: tuple[str, ...], hidden: tuple[int, ...]):
    """Where each drawn node sits in the diagram (DIAGRAM_W x DIAGRAM_H units, y down).

    Returns (nodes, labels): nodes has n (id), layer (0 inputs, 1.. hidden, last output),
    unit, x, y (top-left corner), s (side); labels has x, y, text, align."""
    from explorer.fitting_network import MAX_DRAWN_UNITS

    columns = [len(feature_names)] + [min(u, MAX_DRAWN_UNITS) for u in hidden] + [1]
    n_cols, rows = len(columns), max(columns)
    height = DIAGRAM_H - DIAGRAM_TOP - 4
    width = DIAGRAM_W - DIAGRAM_LEFT - 24  # room on the right for the title "output"
    side = min(height / (rows + 0.35 * (rows - 1)), width / (n_cols + 1.6 + 1.3 * (n_cols - 1)),
               46.0)
    out_side = min(1.6 * side, 64.0)  # the output, drawn larger
    pitch_x = (width - out_side) / max(n_cols - 1, 1)
    nodes, labels = [], []
    n = 0
    for layer, count in enumerate(columns):
        x = DIAGRAM_LEFT + layer * pitch_x
        s = out_side if layer == n_cols - 1 else side
        gap = min(0.35 * s, (height - count * s) / max(count - 1, 1))
        span = count * s + (count - 1) * gap
        top = DIAGRAM_TOP + (height - span) / 2
        for unit in range(count):
            nodes.append({"n": n, "layer": layer, "unit": unit, "x": x,
                          "y": top + unit * (s + gap), "s": s})
            if layer == 0:
                labels.append({"x": x - 4, "y": top + unit * (s + gap) + s / 2,
                               "text": feature_names[unit], "align": "right"})
            n += 1
        centre = x + s / 2
        if layer == 0:
            title, sub = "inputs", ""
        elif layer == n_cols - 1:
            title, sub = "output", ""
        else:
            units = hidden[layer - 1]
            title = f"layer {layer}"
            sub = (f"{units} units" if units <= MAX_DRAWN_UNITS
                   else f"{MAX_DRAWN_UNITS} of {units}")
        labels.append({"x": centre, "y": 10, "text": title, "align": "center"})
        if sub:
            labels.append({"x": centre, "y": 25, "text": sub, "align": "center"})
    return pd.DataFrame(nodes), pd.DataFrame(labels)


def _frame_columns(prefix: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """(F, rows) -> {prefix0: row values of frame 0, ...}."""
    return {f"{prefix}{k}": values[k] for k in range(values.shape[0])}


def _scaled(acts: np.ndarray) -> np.ndarray:
    """Activations (F, units, g, g) -> int8 of each unit's largest |value| in that frame."""
    top = np.abs(acts).max(axis=(2, 3), keepdims=True)
    top[top == 0] = 1.0
    return np.round(acts / top * ACT_STEPS).astype(np.int8)


def frame_label(result, row: dict, last_epoch: int, stacked: bool = False) -> list[str]:
    """The numbers of one frame as the chart prints them: one line, or three when stacked."""
    score = "R²" if result.regression else "accuracy"
    fmt = (lambda v: f"{v:.2f}") if result.regression else (lambda v: f"{v:.0%}")
    epoch = f"Epoch {row['epoch']} of {last_epoch}"
    loss = f"loss {row['train_loss']:.3f} training, {row['val_loss']:.3f} validation"
    acc = f"{score} {fmt(row['train_acc'])} training, {fmt(row['val_acc'])} validation"
    if stacked:
        return [epoch, loss, acc]
    return [f"{epoch} · {loss} · {acc}"]


def replay_datasets(result, replay) -> dict[str, pd.DataFrame]:
    """The named datasets of the replay chart, every frame in its own columns."""
    from explorer.fitting_network import GRID_SIZE, NEURON_GRID

    frames = replay.frames
    # the output over the plane: cell (i, j) of the big grid, one column per frame
    g = GRID_SIZE
    jj, ii = np.meshgrid(np.arange(g), np.arange(g), indexing="ij")
    if result.regression:
        levels = (np.clip(replay.outputs, -1, 1) + 1) / 2
    else:
        levels = replay.outputs
    levels = np.round(levels.reshape(frames, -1) * PROB_STEPS).astype(np.uint8)
    cells = pd.DataFrame({"i": ii.ravel().astype(np.uint8), "j": jj.ravel().astype(np.uint8),
                          **_frame_columns("p", levels)})
    # the data points
    regression = result.regression

    def point_rows(x, y, name):
        frame = pd.DataFrame({"x": x[:, 0], "y": x[:, 1], "set": name})
        if regression:
            frame["target"] = np.round(y.astype(float), 3)
        else:
            frame["label"] = y.astype(int).astype(str)
        return frame

    points = pd.concat([point_rows(result.x_train, result.y_train, "training"),
                        point_rows(result.x_val, result.y_val, "validation")],
                       ignore_index=True)
    # the loss curves (epoch 0 from the first frame) and the numbers of each frame
    stats = replay.stats
    top = loss_top(result, replay)
    first = stats.iloc[[0]][["epoch", "train_loss", "val_loss"]]
    hist = pd.concat([first, result.history[["epoch", "train_loss", "val_loss"]]],
                     ignore_index=True)
    long = hist.melt(id_vars="epoch", var_name="set", value_name="loss")
    long["set"] = long["set"].map({"train_loss": "training loss",
                                   "val_loss": "validation loss"})
    long["loss"] = long["loss"].clip(upper=top)
    last_epoch = int(stats["epoch"].iloc[-1])
    rows = stats.to_dict("records")
    numbers = pd.DataFrame({
        "frame": stats["frame"], "epoch": stats["epoch"],
        "train_loss": stats["train_loss"].clip(upper=top),
        "val_loss": stats["val_loss"].clip(upper=top),
        "label": [frame_label(result, r, last_epoch)[0] for r in rows],
        **{f"line{k + 1}": [frame_label(result, r, last_epoch, True)[k] for r in rows]
           for k in range(3)},
    })
    best_row = stats.iloc[replay.best_frame]
    best = pd.DataFrame({"epoch": [int(best_row["epoch"])],
                         "loss": [float(min(best_row["val_loss"], top))],
                         "label": [f"best epoch {int(best_row['epoch'])}"],
                         # late in training the label goes left of its line, inside the plot
                         "late": [bool(best_row["epoch"] > 0.6 * last_epoch)]})
    # the network: nodes, their pictures, the edges
    config = result.config
    nodes, labels = diagram_layout(config.features, config.hidden)
    gs = NEURON_GRID
    sj, si = np.meshgrid(np.arange(gs), np.arange(gs), indexing="ij")
    si, sj = si.ravel().astype(np.uint8), sj.ravel().astype(np.uint8)
    n_inputs = len(config.features)
    inputs = replay.inputs.reshape(n_inputs, -1)
    top_in = np.abs(inputs).max(axis=1, keepdims=True)
    top_in[top_in == 0] = 1.0
    icells = pd.DataFrame({
        "n": np.repeat(np.arange(n_inputs), gs * gs).astype(np.uint8),
        "i": np.tile(si, n_inputs), "j": np.tile(sj, n_inputs),
        "v": np.round(inputs / top_in * ACT_STEPS).astype(np.int8).ravel()})
    per_node = [_scaled(acts) for acts in replay.hidden]  # (F, units, g, g) each
    if regression:
        out = np.clip(replay.small_outputs, -1, 1)
    else:
        out = replay.small_outputs * 2 - 1
    per_node.append(np.round(out * ACT_STEPS).astype(np.int8)[:, None])
    stacked_nodes = np.concatenate(per_node, axis=1)  # (F, drawn nodes, g, g)
    n_drawn = stacked_nodes.shape[1]
    ncells = pd.DataFrame({
        "n": (n_inputs + np.repeat(np.arange(n_drawn), gs * gs)).astype(np.uint8),
        "i": np.tile(si, n_drawn), "j": np.tile(sj, n_drawn),
        **_frame_columns("a", stacked_nodes.reshape(frames, -1))})
    edges = replay_edges(nodes, replay.weights)
    return {"cells": cells, "points": points, "hist": long, "frames": numbers, "best": best,
            "nodes": nodes[["n", "x", "y", "s"]], "labels": labels, "icells": icells,
            "ncells": ncells, "edges": edges}


def replay_edges(nodes: pd.DataFrame, weights: list) -> pd.DataFrame:
    """One row per drawn connection: from the right side of its source node to the left
    side of its target, and its weight in each frame (w0, w1, ...)."""
    parts = []
    for k in range(len(weights[0])):
        src = nodes[nodes["layer"] == k].sort_values("unit")
        dst = nodes[nodes["layer"] == k + 1].sort_values("unit")
        d_idx, s_idx = np.meshgrid(np.arange(len(dst)), np.arange(len(src)), indexing="ij")
        d_idx, s_idx = d_idx.ravel(), s_idx.ravel()
        part = pd.DataFrame({
            "x": (src["x"].to_numpy() + src["s"].to_numpy())[s_idx],
            "y": (src["y"].to_numpy() + src["s"].to_numpy() / 2)[s_idx],
            "x2": dst["x"].to_numpy()[d_idx],
            "y2": (dst["y"].to_numpy() + dst["s"].to_numpy() / 2)[d_idx]}).astype(np.float32)
        # weight matrices are (out, in): row = target unit, column = source unit
        w = np.stack([frame[k][0][d_idx, s_idx] for frame in weights], axis=1)
        parts.append(pd.concat([part, pd.DataFrame(w.astype(np.float32),
                                                   columns=[f"w{f}" for f in range(len(weights))])],
                               axis=1))
    return pd.concat(parts, ignore_index=True)


def loss_top(result, replay) -> float:
    """The loss axis' top: the highest loss of the run, capped at LOSS_AXIS_CAP."""
    highest = max(float(replay.stats[["train_loss", "val_loss"]].max().max()),
                  float(result.history[["train_loss", "val_loss"]].max().max())
                  if len(result.history) else 0.0)
    return float(max(min(highest, LOSS_AXIS_CAP), 0.1))


def replay_params(result, replay, datasets: dict, frame: int | None = None) -> dict:
    """The per-run values of the template's params: the frame shown first (the last one,
    unless `frame` says otherwise), the slider's range, the axes' domains."""
    gx, gy = result.grid_x, result.grid_y
    dx, dy = gx[1] - gx[0], gy[1] - gy[0]
    weights = datasets["edges"][[c for c in datasets["edges"] if c.startswith("w")]]
    top_w = float(np.abs(weights.to_numpy()).max()) if weights.size else 1.0
    last = replay.frames - 1
    return {
        FRAME_PARAM: {"value": last if frame is None else int(frame),
                      "bind": {"input": "range", "min": 0, "max": max(last, 1), "step": 1,
                               "name": FRAME_LABEL}},
        "dom_x": {"value": [float(gx[0] - dx / 2), float(gx[-1] + dx / 2)]},
        "dom_y": {"value": [float(gy[0] - dy / 2), float(gy[-1] + dy / 2)]},
        "dom_w": {"value": [0.0, max(top_w, 1e-6)]},
        "loss_top": {"value": [0.0, loss_top(result, replay)]},
    }


def replay_layout(width: int, stacked: bool) -> dict[str, int]:
    """Pixel sizes of the replay chart's panels for a total width."""
    if stacked:
        return {"plane": min(width, 360), "diagram_w": width,
                "diagram_h": int(width * DIAGRAM_H / DIAGRAM_W),
                "loss_w": width, "loss_h": 150, "numbers_h": 58}
    plane = int(width * 0.43)
    diagram_w = width - plane - 30
    return {"plane": plane, "diagram_w": diagram_w,
            "diagram_h": int(diagram_w * DIAGRAM_H / DIAGRAM_W),
            "loss_w": width, "loss_h": 160, "numbers_h": 20}


def replay_chart(regression: bool, width: int = 680, stacked: bool = False) -> alt.VConcatChart:
    """The replay template: the numbers of the frame; the output over the plane with the
    points beside the network diagram (stacked: under it); the loss curves with the frame's
    epoch marked. Fill with `replay_datasets` and `replay_params`."""
    from explorer.fitting_network import GRID_SIZE, NEURON_GRID

    size = replay_layout(width, stacked)
    snap = alt.param(name=FRAME_PARAM, value=0,
                     bind=alt.binding_range(min=0, max=1, step=1, name=FRAME_LABEL))
    play = alt.param(name=PLAY_PARAM, value=False, bind=alt.binding_checkbox(name=PLAY_LABEL))
    scalars = [alt.param(name=name, value=[0, 1])
               for name in ("dom_x", "dom_y", "dom_w", "loss_top")]
    now = f"datum.frame == {FRAME_PARAM}"

    def named(name):
        return alt.Chart(alt.Data(name=name))

    # (a) the numbers of this frame
    if stacked:
        numbers = alt.layer(*[
            named("frames").transform_filter(now).mark_text(
                align="left", baseline="top", fontSize=14, color=TEXT_COLOUR).encode(
                x=alt.value(0), y=alt.value(2 + 19 * k), text=alt.Text(f"{field}:N"))
            for k, field in enumerate(("line1", "line2", "line3"))])
    else:
        numbers = named("frames").transform_filter(now).mark_text(
            align="left", baseline="top", fontSize=15, color=TEXT_COLOUR).encode(
            x=alt.value(0), y=alt.value(2), text=alt.Text("label:N"))
    numbers = numbers.properties(width=size["loss_w"], height=size["numbers_h"])

    # (b) the output over the plane, with the points
    xs = alt.Scale(domain={"expr": "dom_x"}, nice=False, zero=False)
    ys = alt.Scale(domain={"expr": "dom_y"}, nice=False, zero=False)
    colour_domain = [-1, 1] if regression else [0, 1]
    value = (f"datum['p' + {FRAME_PARAM}] / {PROB_STEPS / 2} - 1" if regression
             else f"datum['p' + {FRAME_PARAM}] / {PROB_STEPS}")
    cw = f"(dom_x[1] - dom_x[0]) / {GRID_SIZE}"
    ch = f"(dom_y[1] - dom_y[0]) / {GRID_SIZE}"
    heat = named("cells").transform_calculate(
        v=value, x=f"dom_x[0] + datum.i * {cw}", x2=f"dom_x[0] + (datum.i + 1.02) * {cw}",
        y=f"dom_y[0] + datum.j * {ch}", y2=f"dom_y[0] + (datum.j + 1.02) * {ch}",
    ).mark_rect(opacity=0.55).encode(
        x=alt.X("x:Q", scale=xs, title="x1"), x2="x2:Q",
        y=alt.Y("y:Q", scale=ys, title="x2"), y2="y2:Q",
        color=alt.Color("v:Q", scale=alt.Scale(scheme=DIVERGING, domain=colour_domain),
                        title="prediction" if regression else "P(orange)",
                        legend=alt.Legend(orient="bottom", gradientLength=120)))
    shape = alt.Shape("set:N", scale=alt.Scale(domain=["training", "validation"],
                                               range=["circle", "triangle-up"]),
                      title=None, legend=alt.Legend(orient="bottom"))
    if regression:
        dot_colour = alt.Color("target:Q", scale=alt.Scale(scheme=DIVERGING,
                                                           domain=colour_domain), legend=None)
        tip = alt.Tooltip("target:Q", format=".2f")
    else:
        dot_colour = alt.Color("label:N", scale=alt.Scale(domain=["0", "1"],
                                                          range=CLASS_COLORS), legend=None)
        tip = alt.Tooltip("label:N")
    dots = named("points").mark_point(filled=True, size=40, strokeWidth=1.2, stroke="white",
                                      opacity=1).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), color=dot_colour, shape=shape,
        tooltip=[alt.Tooltip("set:N"), tip, alt.Tooltip("x:Q", format=".2f"),
                 alt.Tooltip("y:Q", format=".2f")])
    plane = alt.layer(heat, dots).resolve_scale(color="independent").properties(
        width=size["plane"], height=size["plane"])

    # (c) the network, neuron by neuron
    dxs = alt.Scale(domain=[0, DIAGRAM_W], nice=False, zero=False)
    dys = alt.Scale(domain=[0, DIAGRAM_H], nice=False, zero=False, reverse=True)
    g = NEURON_GRID
    act_scale = alt.Scale(scheme=DIVERGING, domain=[-1, 1])

    def node_cells(source: str, value_expr: str):
        return named(source).transform_lookup(
            lookup="n", from_=alt.LookupData(data=alt.Data(name="nodes"), key="n",
                                             fields=["x", "y", "s"])
        ).transform_calculate(
            v=value_expr, cx=f"datum.x + datum.i * datum.s / {g}",
            cx2=f"datum.x + (datum.i + 1.04) * datum.s / {g}",
            cy=f"datum.y + ({g - 1} - datum.j) * datum.s / {g}",
            cy2=f"datum.y + ({g} + 0.04 - datum.j) * datum.s / {g}",
        ).mark_rect().encode(
            x=alt.X("cx:Q", scale=dxs, axis=None), x2="cx2:Q",
            y=alt.Y("cy:Q", scale=dys, axis=None), y2="cy2:Q",
            color=alt.Color("v:Q", scale=act_scale, legend=None))

    edges = named("edges").transform_calculate(
        w=f"datum['w' + {FRAME_PARAM}]", aw="abs(datum.w)",
        sign="datum.w >= 0 ? 'positive' : 'negative'",
    ).mark_rule(opacity=0.8).encode(
        x=alt.X("x:Q", scale=dxs, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=dys, axis=None), y2="y2:Q",
        strokeWidth=alt.StrokeWidth("aw:Q", scale=alt.Scale(domain={"expr": "dom_w"},
                                                            range=[0, EDGE_MAX_PX]),
                                    legend=None),
        color=alt.Color("sign:N", scale=alt.Scale(domain=["negative", "positive"],
                                                  range=[PALETTE[0], PALETTE[1]]),
                        legend=None))
    frames_of_nodes = named("nodes").transform_calculate(
        x2="datum.x + datum.s", y2="datum.y + datum.s").mark_rect(
        fill=None, stroke="#6b6b6b", strokeWidth=0.8).encode(
        x=alt.X("x:Q", scale=dxs, axis=None), x2="x2:Q",
        y=alt.Y("y:Q", scale=dys, axis=None), y2="y2:Q")
    texts = [named("labels").transform_filter(f"datum.align == '{align}'").mark_text(
        fontSize=11, color=SUBTLE_TEXT, baseline="middle", align=align).encode(
        x=alt.X("x:Q", scale=dxs, axis=None), y=alt.Y("y:Q", scale=dys, axis=None),
        text="text:N") for align in ("right", "center")]
    diagram = alt.layer(
        edges, node_cells("icells", f"datum.v / {ACT_STEPS}"),
        node_cells("ncells", f"datum['a' + {FRAME_PARAM}] / {ACT_STEPS}"),
        frames_of_nodes, *texts,
    ).resolve_scale(color="independent").properties(
        width=size["diagram_w"], height=size["diagram_h"])

    # (d) the loss curves, this frame's epoch marked
    loss_title = "mean squared error" if regression else "cross-entropy loss"
    ly = alt.Scale(domain={"expr": "loss_top"}, nice=False)
    lines = named("hist").mark_line().encode(
        x=alt.X("epoch:Q", title="epoch", axis=alt.Axis(tickCount=6, labelOverlap=True)),
        y=alt.Y("loss:Q", title=loss_title, scale=ly),
        color=alt.Color("set:N", title=None,
                        scale=alt.Scale(domain=["training loss", "validation loss"],
                                        range=[PALETTE[0], PALETTE[3]]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("epoch:Q"), alt.Tooltip("set:N"),
                 alt.Tooltip("loss:Q", format=".3f")])
    best_rule = named("best").mark_rule(strokeDash=[5, 4], color="#555").encode(
        x=alt.X("epoch:Q"))
    best_text = [named("best").transform_filter(f"{'' if late else '!'}datum.late").mark_text(
        align="right" if late else "left", dx=-5 if late else 5, dy=-8, fontSize=12,
        color=SUBTLE_TEXT).encode(x=alt.X("epoch:Q"), y=alt.Y("loss:Q", scale=ly),
                                  text="label:N")
        for late in (False, True)]
    now_rule = named("frames").transform_filter(now).mark_rule(
        color=TEXT_COLOUR, strokeWidth=2).encode(x=alt.X("epoch:Q"))
    now_dots = named("frames").transform_filter(now).transform_fold(
        ["train_loss", "val_loss"], as_=["which", "at"]).mark_point(
        filled=True, size=70, opacity=1, stroke="white", strokeWidth=1).encode(
        x=alt.X("epoch:Q"), y=alt.Y("at:Q", scale=ly),
        color=alt.Color("which:N", scale=alt.Scale(domain=["train_loss", "val_loss"],
                                                   range=[PALETTE[0], PALETTE[3]]),
                        legend=None))
    losses = alt.layer(lines, best_rule, *best_text, now_rule, now_dots).resolve_scale(
        color="independent").properties(width=size["loss_w"], height=size["loss_h"])

    if stacked:
        layout = alt.vconcat(numbers, plane, diagram, losses, spacing=14)
    else:
        layout = alt.vconcat(numbers, alt.hconcat(plane, diagram, spacing=30), losses,
                             spacing=14)
    return layout.add_params(snap, play, *scalars).resolve_scale(color="independent")


def fill_spec(template: dict, datasets: dict, params: dict[str, dict]) -> dict:
    """A fresh spec from a template dict: its named datasets and param values set."""
    import copy

    spec = copy.deepcopy({k: v for k, v in template.items() if k != "datasets"})
    for p in spec.get("params", []):
        if p.get("name") in params:
            p.update(params[p["name"]])
    spec["datasets"] = dict(datasets)
    return spec
