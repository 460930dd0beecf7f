"""Chart builders for the backprop page's vanishing-gradient view (no streamlit).

They take the plain frames explorer.backprop_network computes (gradient_table,
activation_histogram), so the page can build each chart once per setting for every session
(ui.built_chart)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from explorer.charts import PALETTE, SEQUENTIAL


def grad_norm_chart(table: pd.DataFrame, height: int) -> alt.LayerChart:
    """The norm of each layer's weight gradient on a log scale, from
    backprop_network.gradient_table: a straight line down means the same shrink factor
    per layer."""
    depth = len(table)
    frame = pd.DataFrame({"layer": table["layer"],
                          # a log scale cannot draw 0
                          "gradient norm": np.maximum(table["gradient norm"], 1e-300),
                          "mean slope": table["mean slope"]})
    frame["gradient norm (text)"] = [f"{v:.3g}" for v in table["gradient norm"]]
    frame["mean slope (text)"] = [f"{v:.3f}" for v in table["mean slope"]]
    base = alt.Chart(frame).encode(
        x=alt.X("layer:Q", title="layer (1 = next to the input)",
                scale=alt.Scale(domain=[1, max(depth, 2)]),
                axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("gradient norm:Q", scale=alt.Scale(type="log"),
                title="‖∂C/∂W‖ of the layer (log scale)", axis=alt.Axis(format=".0e")),
        tooltip=["layer", "gradient norm (text)", "mean slope (text)"],
    )
    return (base.mark_line(color=PALETTE[0])
            + base.mark_point(filled=True, size=80, color=PALETTE[0])).properties(
        height=height)


def activation_histogram_chart(histogram: pd.DataFrame, act: str, lo: float, hi: float,
                               height: int) -> alt.Chart:
    """Per layer (one row each), the share of outputs in each bin over [lo, hi], from
    backprop_network.activation_histogram."""
    frame = histogram.assign(**{"share (text)": [f"{100 * s:.1f}%"
                                                 for s in histogram["share"]]})
    return alt.Chart(frame).mark_rect().encode(
        x=alt.X("from:Q", bin="binned", title=f"activation value ({act})",
                scale=alt.Scale(domain=[lo, hi])),
        x2="to:Q",
        y=alt.Y("layer:O", title="layer", sort="ascending"),
        color=alt.Color("share:Q", scale=alt.Scale(scheme=SEQUENTIAL),
                        title="share of outputs", legend=alt.Legend(format=".0%")),
        tooltip=["layer", alt.Tooltip("from:Q", format=".2f"), alt.Tooltip("to:Q", format=".2f"),
                 "share (text)"],
    ).properties(height=height)
