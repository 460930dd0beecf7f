"""Heatmaps as pictures (explorer/heat_images.py) and the gradient descent page's loss
surfaces drawn with them: the right shade in the right place."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from explorer import gradient_descent as gd
from explorer import gradient_descent_charts as gdc
from explorer import gradient_descent_surfaces as gs
from explorer import heat_images as hi


def decoded(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
                      .convert("RGB"))


def test_quantize_is_equal_bins_like_numpy_digitize():
    values = np.random.default_rng(0).normal(size=500)
    edges = np.linspace(values.min(), values.max(), 13)[1:-1]
    np.testing.assert_array_equal(hi.quantize(values, 12), np.digitize(values, edges))
    assert hi.quantize(np.array([np.nan, 0.0, 1.0]), 4).tolist() == [0, 0, 3]
    assert hi.quantize(np.full(3, 5.0), 4).tolist() == [0, 0, 0]  # no range: one shade


def test_scheme_colours_run_from_the_first_stop_to_the_last():
    viridis = hi.scheme_colours("viridis", 12)
    np.testing.assert_array_equal(viridis[[0, -1]], hi.stops("viridis")[[0, -1]])
    np.testing.assert_array_equal(hi.scheme_colours("greys", 10, reverse=True)[0],
                                  hi.stops("greys")[-1])


def test_a_picture_puts_each_value_s_shade_where_the_value_is():
    values = np.arange(12, dtype=float).reshape(3, 4)
    rgb = decoded(hi.quantized_image_url(values, "viridis", 12))
    np.testing.assert_array_equal(rgb.reshape(-1, 3), hi.scheme_colours("viridis", 12))


def test_the_loss_surface_picture_is_the_loss_with_its_lowest_point_where_the_cross_is():
    data = gd.make_data(n=100, true_a1=3.0, true_a2=2.0, noise=0.25, seed=0)
    traj = gd.train(data, lr=0.1, epochs=50)
    view = gdc.line_view(data, traj, "MSE", (3.0, 2.0), resolution=80)
    row = view.surface.iloc[0]
    rgb = decoded(row["url"])
    assert rgb.shape == (80, 80, 3)
    # Pixel (r, c) is the sample at a1 = a1 + (c + 0.5) * step, a2 = a2_end - (r + 0.5) * step.
    c = int((view.minimum[0] - row["a1"]) / (row["a1_end"] - row["a1"]) * 80)
    r = int((row["a2_end"] - view.minimum[1]) / (row["a2_end"] - row["a2"]) * 80)
    lowest, highest = hi.scheme_colours("viridis", gdc.SURFACE_SHADES)[[0, -1]]
    np.testing.assert_array_equal(rgb[r, c], lowest)
    # The loss grows away from the minimum: the top-left corner (start side) is bright.
    assert rgb[0, 0].astype(int).sum() > lowest.astype(int).sum() + 200
    # The loss in twelve bands of the sequential scheme.
    shades = {tuple(c) for c in rgb.reshape(-1, 3)}
    assert shades <= {tuple(c) for c in hi.scheme_colours("viridis", gdc.SURFACE_SHADES)}
    assert len(shades) == gdc.SURFACE_SHADES


@pytest.mark.parametrize("name", list(gs.SURFACES))
def test_the_race_picture_is_dark_in_the_valleys(name):
    surface = gs.SURFACES[name]
    row = gdc.race_picture(surface).iloc[0]
    rgb = decoded(row["url"]).astype(int).sum(axis=2)
    n = rgb.shape[0]
    for minimum in surface.minima:
        c = int(round((minimum[0] - row["x"]) / (row["x_end"] - row["x"]) * n - 0.5))
        r = int(round((row["y_end"] - minimum[1]) / (row["y_end"] - row["y"]) * n - 0.5))
        if 0 <= r < n and 0 <= c < n:
            assert rgb[r, c] <= np.percentile(rgb, 15), (name, minimum)
