"""Charts of a composed ConvNet (explorer.conv_architecture): one bar per layer for where
the parameters go and one for where the memory of a forward pass goes. Plain data in,
alt.Chart out. Colours: grey input, blue conv, light blue pool, orange FC (COLOURS_WORDS)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from explorer.charts import PALETTE
from explorer.conv_architecture import BYTES_PER_NUMBER, MIB, Network

KIND_NAMES = {"input": "input", "conv": "conv", "pool": "pool", "fc": "FC"}
KIND_COLORS = {"input": "#8C96A0", "conv": PALETTE[0], "pool": PALETTE[5],
               "FC": PALETTE[1]}
COLOURS_WORDS = "grey: the input, blue: conv, light blue: pool, orange: fully connected"
ROW_HEIGHT = 20
# The chart's height counts its title, legend and axis too (Streamlit fits the whole chart
# into the height): this much on top of the rows.
FRAME_HEIGHT = 80
LABEL_LIMIT = 170  # px of the layer names on the axis; longer ones end in an ellipsis


def layer_frame(network: Network) -> pd.DataFrame:
    """One row per layer (the input first): its label, kind and counts."""
    rows = []
    for r in network.rows:
        # An FC layer written as a convolution stays "FC": the same weights.
        rows.append({"order": r.number, "layer": f"{r.number} · {r.name}",
                     "kind": KIND_NAMES[r.kind],
                     "volume": r.volume, "parameters": r.parameters,
                     "activations": r.activations,
                     "MB": r.activations * BYTES_PER_NUMBER / MIB})
    return pd.DataFrame(rows)


def per_layer_chart(frame: pd.DataFrame, what: str, title: str,
                    zoom: float = 1.0) -> alt.Chart:
    """Horizontal bars, one per layer in network order: `what` is 'parameters' or
    'activations'. zoom: 1.4 in presentation mode (larger fonts need taller rows)."""
    shown = frame if what == "activations" else frame[frame["order"] > 0]
    kinds = [k for k in KIND_COLORS if k in set(shown["kind"])]
    tooltip = [alt.Tooltip("layer:N"), alt.Tooltip("volume:N", title="output volume"),
               alt.Tooltip(f"{what}:Q", format=",")]
    if what == "activations":
        tooltip.append(alt.Tooltip("MB:Q", format=".2f", title="MB (4 bytes each)"))
    return alt.Chart(shown, title=title).mark_bar().encode(
        x=alt.X(f"{what}:Q", title=what, axis=alt.Axis(format="~s", tickCount=4)),
        y=alt.Y("layer:N", title=None, sort=alt.SortField("order"),
                axis=alt.Axis(labelLimit=int(LABEL_LIMIT * zoom))),
        color=alt.Color("kind:N", title=None,
                        scale=alt.Scale(domain=kinds,
                                        range=[KIND_COLORS[k] for k in kinds]),
                        legend=None),  # the labels name the kind; the caption the colours
        tooltip=tooltip,
    ).properties(height=int((ROW_HEIGHT * len(shown) + FRAME_HEIGHT) * zoom))
