"""Chart builders for the activation functions page (no streamlit).

Every chart here is a template: its data comes by name (`alt.Data(name=...)`, or
`{"data": {"name": ...}}` in a dict), and a `*_datasets` function beside each builder
gives the frames to fill it with. The page builds a template once per layout
(`ui.built_chart`) and fills it per setting (`ui.chart(..., data=...)`).

The function view and softmax, whose layout changes on every click, are written directly
as Vega-Lite dicts, which cost next to nothing to build, so the page builds them on every
run instead of keeping them; an Altair chart is far dearer to build and convert. The tests
validate both kinds against the Vega-Lite schema."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.activations import FIT_RANGE, Fit
from explorer.activations import SWEEP_TEMPERATURES as SWEEP
from explorer.charts import PALETTE

SHADE = "#BBBBBB"
SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"

# ---- the trained network (Altair templates) --------------------------------------------


def _named(name: str) -> alt.Chart:
    return alt.Chart(alt.Data(name=name))


def _fit_x() -> alt.X:
    """The x axis of the fitted curves: exactly the training range, [-π, π]."""
    return alt.X("x:Q", title="x", scale=alt.Scale(domain=[-FIT_RANGE, FIT_RANGE], nice=False))


def hinge_datasets(fit: Fit, max_parts: int = 60) -> dict[str, pd.DataFrame]:
    """The data of `hinge_chart`: each hidden unit's contribution on a fine grid ('parts'),
    the target, the network's output and the kinks where the sum bends."""
    net = fit.net
    x = np.linspace(fit.x.min(), fit.x.max(), 241)
    parts = net.unit_contributions(x)[:max_parts]
    kinks = net.kinks(float(x[0]), float(x[-1]))
    return {
        "parts": pd.DataFrame({
            "x": np.tile(x, len(parts)), "y": parts.ravel(),
            "unit": np.repeat([f"unit {i + 1}" for i in range(len(parts))], len(x))}),
        "target": pd.DataFrame({"x": fit.x, "y": fit.y, "series": "target"}),
        "network": pd.DataFrame({"x": x, "y": net(x), "series": "network = sum + b2"}),
        # Empty for a network without a bend: the layer then draws nothing.
        "kinks": pd.DataFrame({"x": kinks, "y": net(kinks), "series": "kink"}),
    }


def hinge_chart(hidden: str, height: int = 380) -> alt.LayerChart:
    """The target (a pale band), each hidden unit's contribution (thin lines), their sum
    plus the output bias (the network, thick), and where the sum bends (diamonds).
    Data: hinge_datasets."""
    kind = "hinge" if hidden == "ReLU" else "line"
    part_layer = _named("parts").mark_line(strokeWidth=1.3, opacity=0.55,
                                           color=PALETTE[5]).encode(
        x=_fit_x(), y=alt.Y("y:Q", title="output"), detail="unit:N",
        tooltip=[alt.Tooltip("unit:N", title=f"one unit's {kind}")])
    colour = alt.Color("series:N", title=None,
                       scale=alt.Scale(domain=["target", "network = sum + b2", "kink"],
                                       range=[PALETTE[1], PALETTE[0], "#000000"]),
                       legend=alt.Legend(orient="top"))
    # The target as a broad pale band under the network, so both stay visible.
    target_layer = _named("target").mark_line(strokeWidth=9, opacity=0.45).encode(
        x="x:Q", y="y:Q", color=colour)
    net_layer = _named("network").mark_line(strokeWidth=3).encode(
        x="x:Q", y="y:Q", color=colour, tooltip=[alt.Tooltip("x:Q", format=".2f"),
                                                 alt.Tooltip("y:Q", format=".3f")])
    kink_layer = _named("kinks").mark_point(
        shape="diamond", size=110, filled=True, stroke="white", strokeWidth=1).encode(
        x="x:Q", y="y:Q", color=colour,
        tooltip=[alt.Tooltip("x:Q", title="kink at x", format=".3f")])
    return alt.layer(part_layer, target_layer, net_layer, kink_layer).properties(height=height)


def input_datasets(fit: Fit, x_in: float) -> dict[str, pd.DataFrame]:
    """The data of `input_chart`: the network's output curve and the one input marked."""
    net = fit.net
    x = np.linspace(fit.x.min(), fit.x.max(), 241)
    y_in = float(net(np.array([x_in]))[0])
    return {"curve": pd.DataFrame({"x": x, "y": net(x)}),
            "point": pd.DataFrame({"x": [x_in], "y": [y_in],
                                   "label": [f"x = {x_in:g} → y = {y_in:.3f}"]})}


def input_chart(height: int = 300) -> alt.LayerChart:
    """The trained network's output with one input marked: the point the table lists.
    Data: input_datasets."""
    x = alt.X("x:Q", title="input x", scale=alt.Scale(domain=[-FIT_RANGE, FIT_RANGE],
                                                       nice=False))
    line = _named("curve").mark_line(color=PALETTE[0], strokeWidth=3).encode(
        x=x, y=alt.Y("y:Q", title="network output y"))
    point = _named("point")
    rule = point.mark_rule(color="#333333", strokeDash=[4, 4]).encode(x="x:Q")
    dot = point.mark_point(filled=True, size=160, color=PALETTE[3]).encode(x="x:Q", y="y:Q")
    text = point.mark_text(align="left", dx=8, dy=-12, fontSize=15).encode(
        x="x:Q", y="y:Q", text="label:N")
    return (line + rule + dot + text).properties(height=height)


def loss_datasets(fit: Fit) -> dict[str, pd.DataFrame]:
    """The data of `loss_chart`: the training loss at each logged step (floored at 1e-12
    for the log scale)."""
    return {"loss": pd.DataFrame({"step": fit.logged_steps,
                                  "MSE": np.maximum(fit.losses, 1e-12)})}


def loss_chart(last_step: int, mse: float, height: int = 380) -> alt.Chart:
    """The training loss on a log scale, titled with the final loss. Data: loss_datasets."""
    return _named("loss").mark_line(color=PALETTE[2]).encode(
        x=alt.X("step:Q", title="training step"),
        y=alt.Y("MSE:Q", title="training loss (MSE, log scale)", scale=alt.Scale(type="log")),
        tooltip=["step:Q", alt.Tooltip("MSE:Q", format=".5f")],
    ).properties(height=height, title=f"loss after {int(last_step)} steps: {mse:.4f}")


# ---- the function view as plain Vega-Lite dicts ----------------------------------------
# tests/test_activations.py validates them against the Vega-Lite schema through
# alt.Chart.from_dict.

def _q(field: str, title: str | None = None, **extra) -> dict:
    enc = {"field": field, "type": "quantitative"}
    if title is not None:
        enc["title"] = title
    enc.update(extra)
    return enc


def function_datasets(table: pd.DataFrame, names) -> dict[str, pd.DataFrame]:
    """The data of `functions_specs`, from act.function_table: 'curves', one row per
    (function, x); 'wide', one row per x with every function's f and f' side by side
    (f0, d0, f1, d1, ... in the order of `names`) for the hover tooltip."""
    names = list(names)
    curves = table.rename(columns={"f(x)": "f", "f'(x)": "df"})
    wide = pd.DataFrame({"x": curves.loc[curves["function"] == names[0], "x"].to_numpy()})
    for i, name in enumerate(names):
        part = curves[curves["function"] == name]
        wide[f"f{i}"] = part["f"].to_numpy()
        wide[f"d{i}"] = part["df"].to_numpy()
    return {"curves": curves, "wide": wide}


def _function_panel(names, column: str, title: str, intervals, half_width: float,
                    height: int, param: str) -> dict:
    x = _q("x", "x (input to the function)",
           scale={"domain": [-half_width, half_width], "nice": False})
    y = _q(column, "f(x)" if column == "f" else "f′(x)")
    colour = {"field": "function", "type": "nominal", "title": "function",
              "scale": {"domain": list(names), "range": PALETTE[: len(names)]},
              "legend": {"orient": "top"}}
    main = names[0]  # from the fixed list of function names: safe inside the test
    layers = []
    if intervals:
        layers.append({
            "data": {"values": [{"start": a, "end": b} for a, b in intervals]},
            "mark": {"type": "rect", "color": SHADE, "opacity": 0.28},
            "encoding": {"x": _q("start"), "x2": {"field": "end"},
                         "tooltip": [{"field": "start", "type": "quantitative",
                                      "format": ".2f", "title": "saturated from x ="},
                                     {"field": "end", "type": "quantitative",
                                      "format": ".2f", "title": "to x ="}]}})
    layers.append({"data": {"values": [{"zero": 0.0}]},
                   "mark": {"type": "rule", "color": "#888888", "strokeDash": [3, 3]},
                   "encoding": {"y": _q("zero")}})
    layers.append({"data": {"name": "curves"}, "mark": {"type": "line"},
                   "encoding": {"x": x, "y": y, "color": colour,
                                "strokeWidth": {"condition": {
                                    "test": f"datum.function === '{main}'", "value": 3.5},
                                    "value": 2.2}}})
    prefix = "f" if column == "f" else "d"
    tooltip = [_q("x", "x", format=".2f")] + [
        _q(f"{prefix}{i}", name, format=".4f") for i, name in enumerate(names)]
    layers.append({"data": {"name": "wide"},
                   "mark": {"type": "rule", "color": "#555555", "strokeWidth": 1},
                   "params": [{"name": param, "select": {
                       "type": "point", "fields": ["x"], "nearest": True,
                       "on": "pointerover", "clear": "pointerout"}}],
                   "encoding": {"x": _q("x"), "tooltip": tooltip,
                                "opacity": {"condition": {"param": param, "empty": False,
                                                          "value": 0.6}, "value": 0}}})
    layers.append({"data": {"name": "curves"},
                   "mark": {"type": "point", "filled": True, "size": 70},
                   "encoding": {"x": _q("x"), "y": _q(column), "color": colour,
                                "opacity": {"condition": {"param": param, "empty": False,
                                                          "value": 1}, "value": 0}}})
    return {"layer": layers, "height": height, "title": title}


def functions_specs(names, intervals, half_width: float, show_derivative: bool,
                    height: int = 340) -> list[dict]:
    """f(x) of each function (the first one bold) and, if asked, f'(x) as a second chart;
    the first function's saturated regions (`intervals`) shaded grey in both.
    Data: function_datasets."""
    names = list(names)
    panels = [("f", "f(x): what the function outputs", "hover_f")]
    if show_derivative:
        panels.append(("df", "f′(x): its slope, what backprop multiplies by", "hover_df"))
    return [{"$schema": SCHEMA, "width": "container",
             **_function_panel(names, column, title, intervals, half_width, height, param)}
            for column, title, param in panels]


# ---- softmax as plain Vega-Lite dicts (same reason as the function view) ----------------

ARGMAX, OTHER = "argmax (the prediction)", "other"


def softmax_datasets(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The data of `softmax_spec`, from act.softmax_table: one bar per class with its
    label and whether it is the argmax."""
    return {"bars": pd.DataFrame({
        "class": table["class"], "logit": table["logit"], "softmax": table["softmax"],
        "label": [f"{p:.1%}" if p >= 0.001 else f"{p:.1e}" for p in table["softmax"]],
        "pick": np.where(table["argmax"], ARGMAX, OTHER)})}


def softmax_spec(temperature: float, height: int = 320, present: bool = False) -> dict:
    """Probability bars, the argmax in a second colour, each bar labelled with its value.
    Data: softmax_datasets."""
    x = {"field": "class", "type": "nominal", "sort": None, "title": None,
         "axis": {"labelAngle": 0}}
    y = _q("softmax", "probability", scale={"domain": [0, 1]})
    bars = {"mark": {"type": "bar"},
            "encoding": {"x": x, "y": y,
                         "color": {"field": "pick", "type": "nominal", "title": None,
                                   "scale": {"domain": [ARGMAX, OTHER],
                                             "range": [PALETTE[3], PALETTE[0]]},
                                   "legend": {"orient": "top", "labelLimit": 400}},
                         "tooltip": [{"field": "class", "type": "nominal"},
                                     _q("logit", format=".3f"),
                                     _q("softmax", "probability", format=".4f")]}}
    labels = {"mark": {"type": "text", "dy": -10, "fontSize": 18 if present else 15},
              "encoding": {"x": x, "y": _q("softmax"),
                           "text": {"field": "label", "type": "nominal"}}}
    return {"$schema": SCHEMA, "width": "container", "height": height,
            "title": f"softmax(logits / T) at T = {temperature:g}",
            "data": {"name": "bars"}, "layer": [bars, labels]}


def temperature_spec(temperature: float, height: int = 320) -> dict:
    """Each class's probability as the temperature goes from cold (left) to hot (right);
    a dashed rule at the chosen temperature. Data: 'sweep', act.temperature_sweep."""
    lines = {"data": {"name": "sweep"}, "mark": {"type": "line"},
             "encoding": {
                 "x": _q("temperature", "temperature T (log scale)",
                         scale={"type": "log", "domain": [SWEEP[0], SWEEP[-1]],
                                "nice": False}),
                 "y": _q("probability", "probability", scale={"domain": [0, 1]}),
                 "color": {"field": "class", "type": "nominal", "sort": None, "title": None,
                           "legend": {"orient": "top"}},
                 "tooltip": [{"field": "class", "type": "nominal"},
                             _q("temperature", format=".3g"),
                             _q("probability", format=".4f")]}}
    rule = {"data": {"values": [{"temperature": temperature}]},
            "mark": {"type": "rule", "color": "#333333", "strokeDash": [5, 4],
                     "strokeWidth": 2},
            "encoding": {"x": _q("temperature")}}
    return {"$schema": SCHEMA, "width": "container", "height": height,
            "title": "cold: one class wins · hot: all equal", "layer": [lines, rule]}
