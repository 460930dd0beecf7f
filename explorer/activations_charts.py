"""Chart builders for the activation functions page (no streamlit).

The trained-network charts are Altair charts, converted once per setting by `to_spec`.
The function view and softmax, which change on every click, are written directly as
Vega-Lite dicts: building and converting an Altair chart costs several hundred
milliseconds on a busy machine, a dict well under one. The tests validate both kinds
against the Vega-Lite schema."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.activations import SWEEP_TEMPERATURES as SWEEP
from explorer.activations import Fit
from explorer.charts import PALETTE, themed

SHADE = "#BBBBBB"


def hinge_chart(fit: Fit, x_in: float | None = None, height: int = 380,
                max_parts: int = 60) -> alt.LayerChart:
    """The target (dots), each hidden unit's contribution (thin lines), their sum plus
    the output bias (the network, thick), and where the sum bends (kinks)."""
    net = fit.net
    x = np.linspace(fit.x.min(), fit.x.max(), 241)
    parts = net.unit_contributions(x)[:max_parts]
    part_rows = pd.DataFrame({
        "x": np.tile(x, len(parts)), "y": parts.ravel(),
        "unit": np.repeat([f"unit {i + 1}" for i in range(len(parts))], len(x))})
    kind = "hinge" if net.hidden == "ReLU" else "line"
    part_layer = alt.Chart(part_rows).mark_line(strokeWidth=1.3, opacity=0.55,
                                                color=PALETTE[5]).encode(
        x=alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(x[0]), float(x[-1])],
                                                  nice=False)),
        y=alt.Y("y:Q", title="output"), detail="unit:N",
        tooltip=[alt.Tooltip("unit:N", title=f"one unit's {kind}")])
    target = pd.DataFrame({"x": fit.x, "y": fit.y, "series": "target"})
    network = pd.DataFrame({"x": x, "y": net(x), "series": "network = sum + b2"})
    colour = alt.Color("series:N", title=None,
                       scale=alt.Scale(domain=["target", "network = sum + b2", "kink"],
                                       range=[PALETTE[1], PALETTE[0], "#000000"]),
                       legend=alt.Legend(orient="top"))
    # The target as a broad pale band under the network, so both stay visible.
    target_layer = alt.Chart(target).mark_line(strokeWidth=9, opacity=0.45).encode(
        x="x:Q", y="y:Q", color=colour)
    net_layer = alt.Chart(network).mark_line(strokeWidth=3).encode(
        x="x:Q", y="y:Q", color=colour, tooltip=[alt.Tooltip("x:Q", format=".2f"),
                                                 alt.Tooltip("y:Q", format=".3f")])
    layers = [part_layer, target_layer, net_layer]
    kinks = net.kinks(float(x[0]), float(x[-1]))
    if len(kinks):
        kink_rows = pd.DataFrame({"x": kinks, "y": net(kinks), "series": "kink"})
        layers.append(alt.Chart(kink_rows).mark_point(
            shape="diamond", size=110, filled=True, stroke="white", strokeWidth=1).encode(
            x="x:Q", y="y:Q", color=colour,
            tooltip=[alt.Tooltip("x:Q", title="kink at x", format=".3f")]))
    if x_in is not None:
        layers.append(alt.Chart(pd.DataFrame({"x": [x_in]})).mark_rule(
            color="#333333", strokeDash=[4, 4]).encode(x="x:Q"))
    return alt.layer(*layers).properties(height=height)


def input_chart(fit: Fit, x_in: float, height: int = 300) -> alt.LayerChart:
    """The trained network's output with one input marked: the point the table lists."""
    net = fit.net
    x = np.linspace(fit.x.min(), fit.x.max(), 241)
    curve = pd.DataFrame({"x": x, "y": net(x)})
    y_in = float(net(np.array([x_in]))[0])
    point = pd.DataFrame({"x": [x_in], "y": [y_in],
                          "label": [f"x = {x_in:g} → y = {y_in:.3f}"]})
    line = alt.Chart(curve).mark_line(color=PALETTE[0], strokeWidth=3).encode(
        x=alt.X("x:Q", title="input x", scale=alt.Scale(domain=[float(x[0]), float(x[-1])],
                                                        nice=False)),
        y=alt.Y("y:Q", title="network output y"))
    rule = alt.Chart(point).mark_rule(color="#333333", strokeDash=[4, 4]).encode(x="x:Q")
    dot = alt.Chart(point).mark_point(filled=True, size=160, color=PALETTE[3]).encode(
        x="x:Q", y="y:Q")
    text = alt.Chart(point).mark_text(align="left", dx=8, dy=-12, fontSize=15).encode(
        x="x:Q", y="y:Q", text="label:N")
    return (line + rule + dot + text).properties(height=height)


def loss_chart(fit: Fit, height: int = 380) -> alt.Chart:
    data = pd.DataFrame({"step": fit.logged_steps, "MSE": np.maximum(fit.losses, 1e-12)})
    return alt.Chart(data).mark_line(color=PALETTE[2]).encode(
        x=alt.X("step:Q", title="training step"),
        y=alt.Y("MSE:Q", title="training loss (MSE, log scale)", scale=alt.Scale(type="log")),
        tooltip=["step:Q", alt.Tooltip("MSE:Q", format=".5f")],
    ).properties(height=height, title=f"loss after {int(fit.logged_steps[-1])} steps: "
                                      f"{fit.mse:.4f}")


def _arrow_stream(rows) -> bytes:
    """Rows (a list of dicts or a DataFrame) as an Arrow IPC stream."""
    import pyarrow as pa

    table = (pa.Table.from_pandas(rows, preserve_index=False)
             if isinstance(rows, pd.DataFrame) else pa.Table.from_pylist(rows))
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def to_spec(chart, present: bool = False) -> dict:
    """The themed chart as a Vega-Lite dict whose datasets are already Arrow bytes, the
    form st.vega_lite_chart passes straight through. Converting an Altair chart costs
    hundreds of milliseconds (schema validation, deep copies), so the page converts once
    per setting and caches this; the builders are validated in the tests instead."""
    spec = themed(chart, present).to_dict(validate=False)
    spec["datasets"] = {name: _arrow_stream(rows)
                        for name, rows in spec.get("datasets", {}).items()}
    return spec


# ---- the function view as a plain Vega-Lite dict ---------------------------------------
# The controls of the function view change on every click, and turning an Altair chart
# into a spec costs several hundred milliseconds on a busy machine; this dict is built in
# well under a millisecond. tests/test_activations.py validates it against the Vega-Lite
# schema through alt.Chart.from_dict.

def _q(field: str, title: str | None = None, **extra) -> dict:
    enc = {"field": field, "type": "quantitative"}
    if title is not None:
        enc["title"] = title
    enc.update(extra)
    return enc


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


def functions_specs(table: pd.DataFrame, names, intervals, half_width: float,
                    show_derivative: bool, height: int = 340,
                    present: bool = False) -> list[dict]:
    """f(x) of each function (the first one bold) and, if asked, f'(x) as a second chart;
    the first function's saturated regions shaded grey in both. Datasets as Arrow bytes."""
    names = list(names)
    curves = table.rename(columns={"f(x)": "f", "f'(x)": "df"})
    wide = pd.DataFrame({"x": curves.loc[curves["function"] == names[0], "x"].to_numpy()})
    for i, name in enumerate(names):
        part = curves[curves["function"] == name]
        wide[f"f{i}"] = part["f"].to_numpy()
        wide[f"d{i}"] = part["df"].to_numpy()
    datasets = {"curves": _arrow_stream(curves), "wide": _arrow_stream(wide)}
    panels = [("f", "f(x): what the function outputs", "hover_f")]
    if show_derivative:
        panels.append(("df", "f′(x): its slope, what backprop multiplies by", "hover_df"))
    specs = []
    for column, title, param in panels:
        spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
                "config": _merged_config(present), "datasets": dict(datasets),
                "width": "container"}
        spec.update(_function_panel(names, column, title, intervals, half_width, height,
                                    param))
        specs.append(spec)
    return specs


def _merged_config(present: bool) -> dict:
    from explorer.charts import theme_config

    return theme_config(present)


# ---- softmax as plain Vega-Lite dicts (same reason as the function view) ----------------

ARGMAX, OTHER = "argmax (the prediction)", "other"


def softmax_spec(table: pd.DataFrame, temperature: float, height: int = 320,
                 present: bool = False) -> dict:
    """Probability bars, the argmax in a second colour, each bar labelled with its value."""
    rows = pd.DataFrame({
        "class": table["class"], "logit": table["logit"], "softmax": table["softmax"],
        "label": [f"{p:.1%}" if p >= 0.001 else f"{p:.1e}" for p in table["softmax"]],
        "pick": np.where(table["argmax"], ARGMAX, OTHER)})
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
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "config": _merged_config(present), "width": "container", "height": height,
            "title": f"softmax(logits / T) at T = {temperature:g}",
            "datasets": {"bars": _arrow_stream(rows)}, "data": {"name": "bars"},
            "layer": [bars, labels]}


def temperature_spec(sweep: pd.DataFrame, temperature: float, height: int = 320,
                     present: bool = False) -> dict:
    """Each class's probability as the temperature goes from cold (left) to hot (right);
    a dashed rule at the chosen temperature."""
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
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "config": _merged_config(present), "width": "container", "height": height,
            "title": "cold: one class wins · hot: all equal",
            "datasets": {"sweep": _arrow_stream(sweep)}, "layer": [lines, rule]}
