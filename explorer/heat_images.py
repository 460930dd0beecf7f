"""Heatmaps drawn as one picture instead of one rectangle per cell.

A Vega chart with thousands of rect marks is slow to open: Streamlit's Vega evaluates every
mark's encoding through its CSP-safe expression interpreter, and the 3,600 + 4,900 cells of
the gradient descent page's two loss surfaces took about 1.5 s of the browser's time on a
2-core machine. A palette PNG in a data: URL, placed with an image mark over the same
axes, draws in milliseconds and can be finer than the rectangles were.
"""

from __future__ import annotations

import base64
import io

import numpy as np

# Vega's colour schemes, as the stops Vega interpolates between (hex RGB, 6 characters each).
SCHEME_STOPS = {
    "viridis": "440154470e61481a6c482575472f7d443a834144873d4e8a39568c35608d31688e2d708e2a78"
               "8e27818e23888e21918d1f988b1fa08822a8842ab07f35b77943bf7154c56866cc5d7ad1518f"
               "d744a5db36bcdf27d2e21be9e51afde725",
    "blueorange": "134b852f78b35da2cb9dcae1d2e5eff2f0ebfce0bafbbf74e8932fc5690d994a07",
    "greys": "e2e2e2d4d4d4c4c4c4b1b1b19d9d9d8888887575756262624d4d4d3535351e1e1e",
}


def stops(name: str) -> np.ndarray:
    """A scheme's stops as float RGB rows (n, 3)."""
    text = SCHEME_STOPS[name]
    return np.array([[int(text[i + j:i + j + 2], 16) for j in (0, 2, 4)]
                     for i in range(0, len(text), 6)], dtype=np.float64)


def interpolate(name: str, t: np.ndarray) -> np.ndarray:
    """The scheme's colour at t in [0, 1] (piecewise linear between its stops): uint8 RGB."""
    s = stops(name)
    t = np.nan_to_num(np.clip(np.asarray(t, dtype=np.float64), 0.0, 1.0), nan=0.0)
    position = t * (len(s) - 1)
    low = np.minimum(np.floor(position).astype(int), len(s) - 2)
    frac = (position - low)[..., None]
    return np.rint(s[low] * (1.0 - frac) + s[low + 1] * frac).astype(np.uint8)


def scheme_colours(name: str, count: int, reverse: bool = False) -> np.ndarray:
    """`count` colours sampled evenly from the scheme, as Vega-Lite's {"scheme": name,
    "count": count} does: (count, 3) uint8."""
    colours = interpolate(name, np.linspace(0.0, 1.0, count))
    return colours[::-1] if reverse else colours


def quantize(values: np.ndarray, count: int, lo: float | None = None,
             hi: float | None = None) -> np.ndarray:
    """Each value's bin among `count` equal bins over [lo, hi] (default: the values' own
    range), as a quantize scale does; NaN goes to the lowest bin. uint8 indices."""
    v = np.asarray(values, dtype=np.float64)
    finite = v[np.isfinite(v)]
    lo = float(finite.min()) if lo is None and finite.size else (lo or 0.0)
    hi = float(finite.max()) if hi is None and finite.size else (hi or 1.0)
    span = hi - lo if hi > lo else 1.0
    index = np.floor((np.nan_to_num(v, nan=lo) - lo) / span * count)
    return np.clip(index, 0, count - 1).astype(np.uint8)


def palette_png_url(index: np.ndarray, palette: np.ndarray) -> str:
    """An (H, W) array of palette indices (row 0 at the top) as a data: URL of a PNG."""
    from PIL import Image

    picture = Image.fromarray(np.ascontiguousarray(index, dtype=np.uint8), mode="P")
    picture.putpalette(np.asarray(palette, dtype=np.uint8).reshape(-1).tolist())
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def quantized_image_url(values: np.ndarray, scheme: str, count: int,
                        reverse: bool = False) -> str:
    """A heatmap (H, W; row 0 drawn at the top) in `count` shades of a scheme, low values
    at the scheme's start (its end with reverse): what a rect layer with a quantize colour
    scale draws."""
    return palette_png_url(quantize(values, count), scheme_colours(scheme, count, reverse))
