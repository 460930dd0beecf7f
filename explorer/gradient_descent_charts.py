"""Chart data and Altair chart builders for the gradient descent page (no streamlit).

The main picture is ONE compound chart (data + fitted line, loss surface + path, loss per
step, the gradient three ways) sharing one Vega param, `step`, bound to a range slider: the
browser scrubs through the precomputed trajectory with no server rerun.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from explorer import gradient_descent as gd
from explorer import gradient_descent_surfaces as gs
from explorer import heat_images
from explorer.charts import PALETTE, SEQUENTIAL

STEP_PARAM = "step"
GRADIENT_METHODS = ("analytic formula", "torch autograd", "finite difference")
MINI_BATCH_ROW = "this mini-batch only"  # no quote marks: it goes into a Vega expression
PATH_COLOUR = "#000000"
NOW_COLOUR = PALETTE[3]      # vermillion: the current step everywhere
TRUE_COLOUR = PALETTE[2]     # bluish green: the true line / parameters
MIN_COLOUR = "#FFFFFF"


@dataclass(frozen=True)
class LineView:
    """Everything the main chart draws, as plain tables."""

    points: pd.DataFrame     # x, y
    path: pd.DataFrame       # one row per drawn step: step, epoch, a1, a2, loss, gradients
    lines: pd.DataFrame      # step, x, yhat: two rows per drawn step (the fitted line)
    surface: pd.DataFrame    # one row: the log10 loss picture (url) and its extent
    minimum: np.ndarray      # where the loss is smallest
    true_params: tuple[float, float]
    stride: int              # steps between drawn frames
    last_step: int


SURFACE_SHADES = 12  # bands of log10 loss on the surface picture
RACE_SHADES = 10     # bands of the race surface's rank


def surface_picture(values: np.ndarray, resolution: int, x_range: tuple[float, float],
                    y_range: tuple[float, float], scheme: str, shades: int,
                    names: tuple[str, str] = ("x", "y"), reverse: bool = False
                    ) -> pd.DataFrame:
    """A surface sampled on a resolution x resolution grid (flattened row by row from the
    lowest y, as np.meshgrid lays it out) as one picture: a one-row table with its data:
    URL and the extent it covers on the axes (each sample the centre of its pixel). One
    image mark instead of a rect per cell (see explorer/heat_images.py)."""
    picture = np.asarray(values, dtype=np.float64).reshape(resolution, resolution)[::-1]
    half_x = (x_range[1] - x_range[0]) / (resolution - 1) / 2
    half_y = (y_range[1] - y_range[0]) / (resolution - 1) / 2
    x, y = names
    return pd.DataFrame({
        "url": [heat_images.quantized_image_url(picture, scheme, shades, reverse)],
        x: [x_range[0] - half_x], f"{x}_end": [x_range[1] + half_x],
        y: [y_range[0] - half_y], f"{y}_end": [y_range[1] + half_y]})


def line_view(data: gd.LineData, traj: gd.Trajectory, loss: str,
              true_params: tuple[float, float], max_frames: int = 1000,
              resolution: int = 160) -> LineView:
    X, y = data.X, data.y
    idx = gd.thin_steps(traj.steps, max_frames)
    params = traj.params[idx]
    analytic = gd.gradient(X, y, params, loss)
    autograd = gd.gradient_autograd(X, y, params, loss)
    finite = gd.gradient_finite_difference(X, y, params, loss)
    path = pd.DataFrame({
        "step": idx, "epoch": traj.epoch[idx] + 1, "a1": params[:, 0], "a2": params[:, 1],
        "loss": traj.losses[idx],
        # A log axis cannot show 0: the smallest loss drawn is 1e-12.
        "loss_plot": np.maximum(traj.losses[idx], 1e-12),
        "g_analytic_a1": analytic[:, 0], "g_analytic_a2": analytic[:, 1],
        "g_autograd_a1": autograd[:, 0], "g_autograd_a2": autograd[:, 1],
        "g_fd_a1": finite[:, 0], "g_fd_a2": finite[:, 1],
        "g_step_a1": traj.step_grads[idx, 0], "g_step_a2": traj.step_grads[idx, 1],
    })
    finite_rows = np.isfinite(path.to_numpy(dtype=float)).all(axis=1)
    path = path[finite_rows].reset_index(drop=True)

    x_lo, x_hi = float(data.x.min()), float(data.x.max())
    lines = pd.DataFrame({
        "step": np.repeat(path["step"].to_numpy(), 2),
        "x": np.tile([x_lo, x_hi], len(path)),
    })
    a1s, a2s = np.repeat(path["a1"].to_numpy(), 2), np.repeat(path["a2"].to_numpy(), 2)
    lines["yhat"] = a1s * lines["x"] + a2s

    minimum = gd.loss_minimum(X, y, loss)
    a1_range, a2_range = gd.view_window(path[["a1", "a2"]].to_numpy(), minimum,
                                        traj.params[0])
    _, _, gl = gd.surface_grid(X, y, loss, a1_range, a2_range, resolution)
    surface = surface_picture(np.log10(np.maximum(gl, 1e-12)), resolution, a1_range, a2_range,
                              SEQUENTIAL, SURFACE_SHADES, names=("a1", "a2"))
    stride = int(idx[1] - idx[0]) if len(idx) > 1 else 1
    return LineView(points=pd.DataFrame({"x": data.x, "y": data.y}), path=path, lines=lines,
                    surface=surface, minimum=minimum, true_params=true_params, stride=stride,
                    last_step=int(path["step"].iloc[-1]))


def _param(name: str, value=None, **kw) -> alt.Parameter:
    return alt.param(name=name, value=value, **kw)


def main_chart(loss: str, width: int = 520, height: int = 380,
               mini_batch: bool = False, stacked: bool = False) -> alt.VConcatChart:
    """Data + fitted line | loss surface + path, over loss per step | the gradient 3 ways;
    stacked: the four panels one under the other (for narrow screens).

    A template: the data are named datasets and the numbers that change with the data
    (axis domains, the step slider's range) are params, so one template serves every
    setting and filling it in (`main_spec`) costs no Altair work. Building the Altair
    chart itself takes most of a second, too slow to redo on every control change.
    """
    # With thinned frames the slider moves by the stride; "the frame at or before the
    # slider" is the one drawn as now.
    step = _param(STEP_PARAM, 0, bind=alt.binding_range(min=0, max=1, step=1,
                                                        name="Step (drag me) "))
    now = f"datum.step <= {STEP_PARAM} && datum.step > {STEP_PARAM} - stride"
    scalars = [_param("stride", 1), _param("dom_y", [0, 1]), _param("dom_a1", [0, 1]),
               _param("dom_a2", [0, 1])]

    def named(name):
        return alt.Chart(alt.Data(name=name))

    # (a) the data and the line at the current step
    y_scale = alt.Scale(domain={"expr": "dom_y"}, nice=False, zero=False)
    dots = named("points").mark_circle(size=45, opacity=0.55, color=PALETTE[0]).encode(
        x=alt.X("x:Q", title="x", scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title="y", scale=y_scale))
    true_line = named("truth").mark_line(strokeDash=[6, 4], color=TRUE_COLOUR,
                                         strokeWidth=2).encode(x="x:Q", y="y:Q")
    fitted = named("lines").mark_line(color=NOW_COLOUR, strokeWidth=4, clip=True).encode(
        x="x:Q", y=alt.Y("yhat:Q", scale=y_scale)).transform_filter(now)
    data_view = (dots + true_line + fitted).properties(
        width=width, height=height,
        title=_title("The data, the true line (dashed) and the line at this step", width))

    # (b) the loss surface with the path
    sx = alt.Scale(domain={"expr": "dom_a1"}, nice=False, zero=False)
    sy = alt.Scale(domain={"expr": "dom_a2"}, nice=False, zero=False)
    # The log10 loss in SURFACE_SHADES bands of the sequential scheme, as one picture.
    surface = named("surface").mark_image(aspect=False, clip=True).encode(
        x=alt.X("a1:Q", scale=sx, title="a1 (slope)"), x2="a1_end:Q",
        y=alt.Y("a2:Q", scale=sy, title="a2 (intercept)"), y2="a2_end:Q", url="url:N")
    trail = named("path").mark_line(color=PATH_COLOUR, strokeWidth=2, clip=True,
                                    point=alt.OverlayMarkDef(size=14, color=PATH_COLOUR)
                                    ).encode(x=alt.X("a1:Q", scale=sx),
                                             y=alt.Y("a2:Q", scale=sy), order="step:Q"
                                             ).transform_filter(f"datum.step <= {STEP_PARAM}")
    here = named("path").mark_point(shape="circle", filled=True, size=260, color=NOW_COLOUR,
                                    stroke="white", strokeWidth=2, opacity=1, clip=True
                                    ).encode(x=alt.X("a1:Q", scale=sx), y=alt.Y("a2:Q", scale=sy),
                                             tooltip=["step:Q", alt.Tooltip("a1:Q", format=".4f"),
                                                      alt.Tooltip("a2:Q", format=".4f"),
                                                      alt.Tooltip("loss:Q", format=".4f")]
                                             ).transform_filter(now)
    best = named("best").mark_point(shape="cross", size=300, filled=True, color=MIN_COLOUR,
                                    stroke="black", strokeWidth=1).encode(
        x=alt.X("a1:Q", scale=sx), y=alt.Y("a2:Q", scale=sy), tooltip=["what:N"])
    surface_view = (surface + trail + here + best).properties(
        width=width, height=height,
        title=_title(f"The {loss} loss over (a1, a2): path so far, now (dot), lowest loss "
                     "(cross)", width))

    # (c) the loss per step
    loss_line = named("path").mark_line(color=PALETTE[0]).encode(
        x=alt.X("step:Q", title="step"),
        y=alt.Y("loss_plot:Q", title=f"{loss} (log scale)", scale=alt.Scale(type="log")))
    loss_rule = named("path").mark_rule(color=NOW_COLOUR, strokeWidth=2).encode(
        x="step:Q").transform_filter(now)
    loss_dot = named("path").mark_circle(color=NOW_COLOUR, size=120, opacity=1).encode(
        x="step:Q", y="loss_plot:Q").transform_filter(now)
    loss_text = named("path").mark_text(align="left", baseline="bottom", dy=-8,
                                        fontSize=16, color="#222").encode(
        x=alt.value(0), y=alt.value(0),
        text=alt.Text("label:N")).transform_filter(now).transform_calculate(
        # A text mark past the plot's edge widens the whole chart: as long as the panel.
        label=(f"'Step ' + datum.step + ':  {loss} ' + format(datum.loss, '.4f')" if stacked
               else f"'Loss after step ' + datum.step + ' (epoch ' + datum.epoch + '):  {loss} '"
               " + format(datum.loss, '.4f')" if width < 520
               else f"'Loss after step ' + datum.step + ' (epoch ' + datum.epoch + '):  {loss} '"
               " + format(datum.loss, '.4f') + '   a1 = ' + format(datum.a1, '.4f') + "
               "',  a2 = ' + format(datum.a2, '.4f')"))
    # No title: the text line above the plot is the title, and it follows the slider.
    loss_view = (loss_line + loss_rule + loss_dot + loss_text).properties(
        width=width, height=int(height * 0.62))

    # (d) the gradient three ways at the current step, 4 decimals
    # With mini-batches a fourth row: the gradient this step actually used, from its batch
    # alone; it differs from the full-data gradient, which is what makes SGD noisy.
    methods = ["analytic", "autograd", "fd"] + (["step"] if mini_batch else [])
    names = dict(zip(methods, [*GRADIENT_METHODS, MINI_BATCH_ROW], strict=False))
    folds = [f"g_{m}_{p}" for m in methods for p in ("a1", "a2")]
    method_name = "{" + ", ".join(f"'{k}': '{v}'" for k, v in names.items()) + "}"
    table = named("path").transform_filter(now).transform_fold(
        folds, as_=["key", "value"]).transform_calculate(
        method=f"{method_name}[split(datum.key, '_')[1]]",
        wrt="'∂L/∂' + split(datum.key, '_')[2]",
    ).mark_text(fontSize=17 if stacked else 20, font="monospace", align="right",
                dx=45 if stacked else 60).encode(
        x=alt.X("wrt:N", title=None, axis=alt.Axis(orient="top", labelFontSize=16,
                                                  labelAngle=0, ticks=False, domain=False),
                sort=["∂L/∂a1", "∂L/∂a2"]),
        y=alt.Y("method:N", title=None, sort=list(names.values()),
                axis=alt.Axis(labelFontSize=16, ticks=False, domain=False)),
        text=alt.Text("value:Q", format=".4f"))
    table_view = table.properties(width=width, height=int(height * 0.62),
                                  title=_title("The gradient at this step, three ways",
                                               width))

    if stacked:
        layout = alt.vconcat(data_view, surface_view, loss_view, table_view, spacing=30)
    else:
        layout = alt.vconcat(
            alt.hconcat(data_view, surface_view, spacing=40),
            alt.hconcat(loss_view, table_view, spacing=40),
            spacing=30,
        )
    return layout.add_params(step, *scalars).resolve_scale(color="independent")


def _title(text: str, width: int) -> str | list[str]:
    """A chart title, as lines no longer than the panel is wide (Vega-Lite does not wrap
    titles, and a long one widens the whole chart, past a phone's or a projector's screen).
    About 11 px a character: the title's size in presentation mode."""
    chars = max(16, width // 11)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= chars:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def main_datasets(view: LineView) -> dict[str, pd.DataFrame]:
    x_lo, x_hi = float(view.points["x"].min()), float(view.points["x"].max())
    a1t, a2t = view.true_params
    return {
        "points": view.points, "path": view.path, "lines": view.lines,
        "surface": view.surface,
        "truth": pd.DataFrame({"x": [x_lo, x_hi], "y": [a1t * x_lo + a2t, a1t * x_hi + a2t]}),
        "best": pd.DataFrame({"a1": [float(view.minimum[0])], "a2": [float(view.minimum[1])],
                              "what": ["lowest loss"]}),
    }


def main_param_values(view: LineView) -> dict[str, object]:
    top = int(np.ceil(view.last_step / view.stride) * view.stride)
    x_lo, x_hi = float(view.points["x"].min()), float(view.points["x"].max())
    a1t, a2t = view.true_params
    y_all = np.concatenate([view.points["y"], [a1t * x_lo + a2t, a1t * x_hi + a2t]])
    pad = 0.15 * max(float(np.ptp(y_all)), 1.0)
    return {
        STEP_PARAM: {"value": top, "bind": {"input": "range", "min": 0, "max": max(top, 1),
                                            "step": view.stride, "name": "Step (drag me) "}},
        "stride": {"value": view.stride},
        "dom_y": {"value": [float(y_all.min() - pad), float(y_all.max() + pad)]},
        "dom_a1": {"value": [float(view.surface["a1"][0]), float(view.surface["a1_end"][0])]},
        "dom_a2": {"value": [float(view.surface["a2"][0]), float(view.surface["a2_end"][0])]},
    }


def fill_spec(template: dict, datasets: dict[str, pd.DataFrame],
              params: dict[str, dict] | None = None) -> dict:
    """A fresh spec from a template dict: its named datasets and param values set."""
    spec = copy.deepcopy({k: v for k, v in template.items() if k != "datasets"})
    for p in spec.get("params", []):
        if params and p.get("name") in params:
            p.update(params[p["name"]])
    spec["datasets"] = dict(datasets)
    return spec


# ---- second view: optimizers on harder surfaces --------------------------------------------


def race_frames(surface: gs.Surface, races: list[gs.Race], max_points: int = 600
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(paths, grid) tables for the race chart; long paths thinned for drawing."""
    rows = []
    for r in races:
        idx = gd.thin_steps(len(r.path) - 1, max_points)
        rows.append(pd.DataFrame({"optimizer": r.optimizer, "step": idx,
                                  "x": r.path[idx, 0], "y": r.path[idx, 1],
                                  "f": r.values[idx]}))
    paths = pd.concat(rows, ignore_index=True)
    return paths, race_picture(surface)


def race_picture(surface: gs.Surface, resolution: int = 160) -> pd.DataFrame:
    """The race surface as one picture (surface_picture's table): darker is lower."""
    _, _, gf = gs.grid(surface, resolution)
    # Rank-based shade (percentile of f) shows the valleys whatever the range of f.
    rank = np.argsort(np.argsort(gf)) / (len(gf) - 1)
    return surface_picture(rank, resolution, surface.x_range, surface.y_range, "greys",
                           RACE_SHADES, reverse=True)


RACE_TITLE_WIDTH = 440  # lines of about 40 characters: about 300 px at the normal size


def race_chart(surface: gs.Surface, height: int = 460) -> alt.LayerChart:
    """A template (named datasets: grid, paths, minima, start); fill with race_datasets.
    As wide as its column (draw it with width="stretch"): one chart for a phone and a
    projector; the title is wrapped for a phone's width."""
    sx = alt.Scale(domain=list(surface.x_range), nice=False, zero=False)
    sy = alt.Scale(domain=list(surface.y_range), nice=False, zero=False)

    def named(name):
        return alt.Chart(alt.Data(name=name))

    # Dark valleys: the rank of f in RACE_SHADES greys, as one picture.
    heat = named("grid").mark_image(aspect=False, clip=True).encode(
        x=alt.X("x:Q", scale=sx, title="x"), x2="x_end:Q",
        y=alt.Y("y:Q", scale=sy, title="y"), y2="y_end:Q", url="url:N")
    colours = alt.Scale(domain=list(gs.SURFACE_OPTIMIZERS), range=PALETTE[:3])
    lines = named("paths").mark_line(strokeWidth=3, clip=True, opacity=0.95).encode(
        x=alt.X("x:Q", scale=sx), y=alt.Y("y:Q", scale=sy), order="step:Q",
        color=alt.Color("optimizer:N", scale=colours, title="optimizer",
                        legend=alt.Legend(orient="bottom")),
        tooltip=["optimizer:N", "step:Q", alt.Tooltip("f:Q", format=".4f")])
    ends = named("paths").transform_window(
        rank="rank()", sort=[alt.SortField("step", order="descending")], groupby=["optimizer"]
    ).transform_filter("datum.rank == 1").mark_point(filled=True, size=160, clip=True,
                                                     stroke="white", opacity=1).encode(
        x=alt.X("x:Q", scale=sx), y=alt.Y("y:Q", scale=sy),
        color=alt.Color("optimizer:N", scale=colours, legend=None))
    best = named("minima").mark_point(shape="cross", size=300, filled=True, color="white",
                                      stroke="black", strokeWidth=1).encode(
        x=alt.X("x:Q", scale=sx), y=alt.Y("y:Q", scale=sy))
    begin = named("start").mark_point(shape="square", size=160, filled=True,
                                      color="black", opacity=1).encode(
        x=alt.X("x:Q", scale=sx), y=alt.Y("y:Q", scale=sy))
    return (heat + lines + ends + best + begin).properties(
        height=height,
        title=_title(f"{surface.name}: start (square), minimum (cross), where each stopped "
                     "(dot)", RACE_TITLE_WIDTH))


def race_datasets(surface: gs.Surface, paths: pd.DataFrame, grid: pd.DataFrame
                  ) -> dict[str, pd.DataFrame]:
    return {"paths": paths, "grid": grid,
            "minima": pd.DataFrame({"x": [m[0] for m in surface.minima],
                                    "y": [m[1] for m in surface.minima]}),
            "start": pd.DataFrame({"x": [surface.start[0]], "y": [surface.start[1]]})}


def race_table(races: list[gs.Race], lrs: dict[str, float], steps: int) -> pd.DataFrame:
    rows = []
    for r in races:
        if r.diverged_at is not None:
            reached = f"diverged at step {r.diverged_at}"
        elif r.steps_to_tolerance is None:
            reached = f"not within {steps} steps"
        else:
            reached = str(r.steps_to_tolerance)
        rows.append({"optimizer": r.optimizer, "lr": f"{lrs[r.optimizer]:g}",
                     "steps to arrive": reached,
                     "f at the end": f"{float(r.values[-1]):.4f}"})
    return pd.DataFrame(rows)


def design_head(data: gd.LineData, rows: int = 6) -> pd.DataFrame:
    """The first rows of the design matrix X (x and its column of ones) beside y."""
    X = data.X[:rows]
    return pd.DataFrame({"x (column 1 of X)": X[:, 0].round(4),
                         "1 (column 2 of X)": X[:, 1].astype(int),
                         "y": data.y[:rows].round(4)})


def race_chart_for(surface_name: str, height: int) -> alt.LayerChart:
    """race_chart by surface name (a name can be a cache key; a Surface holds functions)."""
    return race_chart(gs.SURFACES[surface_name], height)
