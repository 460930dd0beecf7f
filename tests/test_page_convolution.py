"""The convolution page under AppTest: defaults, each preset's effect, controls, uploads,
and the numbers in the neuron picture."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest

from explorer.convolution_spec import CUSTOM
from tests.helpers import chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/5_convolution_kernels.py"


def run(query: dict | None = None):
    at = open_app(PAGE, **(query or {}))
    assert not at.exception, [e.value for e in at.exception]
    assert_finite_chart_data(at)
    return at


def charts_with_data(at) -> list[dict]:
    """Each Vega-Lite chart's spec with its named datasets put back in as records
    (Streamlit ships them as Arrow beside the spec)."""
    out = []
    for index in range(len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))):
        spec, frames = chart_named_datasets(at, index)
        spec["datasets"] = {name: frame.to_dict("records") for name, frame in frames.items()}
        out.append(spec)
    return out


def spec_titled(at, title: str) -> dict:
    for spec in charts_with_data(at):
        if spec.get("title") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def grid_values(spec: dict) -> np.ndarray:
    return np.array([cell["value"] for cell in spec["datasets"]["cells"]])


def assert_finite_chart_data(at) -> None:
    for spec in charts_with_data(at):
        for rows in spec["datasets"].values():
            for row in rows:
                for value in row.values():
                    assert not (isinstance(value, float) and not math.isfinite(value)), (
                        spec.get("title"))


@pytest.fixture(scope="module")
def default_page():
    return run()


def test_defaults(default_page):
    at = default_page
    assert at.selectbox(key="image").value == "photo: China (grey)"
    assert at.selectbox(key="kernel").value == "sharpen"
    assert len(at.get("imgs")) >= 2 or len(at.get("image")) >= 2
    text = visible_text(at)
    assert "Output**: 212×318" in text
    assert "98" in text or "9" in text  # the CNN's accuracy is printed
    acc = float(re.search(r"gets \*\*([\d.]+)%\*\*", text).group(1))
    assert acc >= 95.0


def test_neuron_picture_sum_equals_output(default_page):
    at = default_page
    patch = grid_values(spec_titled(at, "input patch"))
    kernel = grid_values(spec_titled(at, "kernel weights"))
    products = grid_values(spec_titled(at, "patch × weight"))
    np.testing.assert_allclose(products, patch * kernel)
    np.testing.assert_array_equal(kernel, [0, -1, 0, -1, 5, -1, 0, -1, 0])
    caption = next(c.value for c in at.caption if "exactly the output value" in c.value)
    total, shown = re.search(r"bias is (-?[\d.]+), exactly the output value .*?\((-?[\d.]+)\)",
                             caption).groups()
    assert float(total) == pytest.approx(products.sum(), abs=0.01)
    assert total == shown


def test_bias_and_position_move_the_neuron():
    at = run({"row": "3", "col": "5", "bias": "10.0"})
    caption = next(c.value for c in at.caption if "exactly the output value" in c.value)
    assert "row 3, column 5" in caption
    products = grid_values(spec_titled(at, "patch × weight"))
    total = float(re.search(r"bias is (-?[\d.]+)", caption).group(1))
    assert total == pytest.approx(products.sum() + 10.0, abs=0.01)


def test_blur_preset():
    at = run()
    at.button(key="preset_btn_blur").click().run()
    assert not at.exception
    assert at.selectbox(key="kernel").value == "Gaussian blur"
    kernel = grid_values(spec_titled(at, "kernel weights"))
    assert kernel.size == 25 and kernel.sum() == pytest.approx(1.0, abs=1e-9)


def test_edges_preset_uses_absolute_value_display():
    at = run({"preset": "edges"})
    assert at.selectbox(key="kernel").value == "outline"
    assert at.radio(key="show").value == "absolute value, clipped"
    assert "sign is dropped" in visible_text(at)


def test_alexnet_preset_shows_55x55x96_and_parameter_counts():
    at = run({"preset": "alexnet"})
    assert metric(at, "Output volume", exact=True) == "55×55×96"
    assert metric(at, "Conv layer parameters", exact=True) == "34,944"
    assert metric(at, "Fully connected, same shapes", exact=True) == f"{(227 * 227 * 3 + 1) * 55 * 55 * 96:,}"
    text = visible_text(at)
    assert "tiles the input exactly: the output is 55 wide" in text
    # the colour photo gets a 3-channel filter: the kernel grid has three slices
    assert len(grid_values(spec_titled(at, "kernel weights"))) == 27


@pytest.mark.parametrize("w,f,s,p,expected", [(7, 3, 1, 0, 5), (7, 3, 2, 0, 3),
                                               (5, 3, 2, 1, 3)])
def test_worked_examples(w, f, s, p, expected):
    at = run({"W": str(w), "F": str(f), "S": str(s), "P": str(p)})
    assert metric(at, "Output volume", exact=True).startswith(f"{expected}×{expected}×")


def test_stride_that_does_not_fit():
    at = run()
    at.button(key="preset_btn_stride_no_fit").click().run()
    warnings = " ".join(w.value for w in at.warning)
    assert "7/3" in warnings and "not a whole number" in warnings
    assert "round down to 2" in warnings
    assert metric(at, "Output volume", exact=True).startswith("2×2×")


def test_max_pool_preset_discards_three_quarters():
    at = run({"preset": "max_pool"})
    text = visible_text(at)
    assert "75% of the activations are discarded" in text
    assert "106×159" in text  # 212×318 halved


def test_average_pooling():
    at = run({"pool": "average", "pool_size": "3", "pool_stride": "1"})
    assert "discards no activation outright" in visible_text(at)


def test_custom_kernel_bad_entry_gets_a_message():
    at = run({"kernel": CUSTOM})
    at.text_area(key="custom").set_value("1 2 3\n4 five 6\n7 8 9").run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Row 2, entry 2" in warnings and "not a number" in warnings
    at.text_area(key="custom").set_value("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9").run()
    assert not at.warning
    np.testing.assert_allclose(grid_values(spec_titled(at, "kernel weights")), 1 / 9)


def test_flip_rotates_the_kernel():
    at = run({"kernel": "Sobel right", "flip": "true"})
    kernel = grid_values(spec_titled(at, "kernel weights")).reshape(3, 3)
    np.testing.assert_array_equal(kernel, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])


def test_colour_per_channel_gives_three_sums():
    at = run({"image": "photo: flower (colour)", "per_colour": "true"})
    latex = " ".join(str(x.value) for x in at.latex)
    assert all(name in latex for name in ("red", "green", "blue"))
    assert latex.count("sum of its 9 products") == 3
    # each colour's sum plus the bias is that colour's output (the caption's numbers)
    products = grid_values(spec_titled(at, "patch × weight")).reshape(3, 9)
    caption = next(c.value for c in at.caption if c.value.startswith("Three filters"))
    outputs = [float(v) for v in re.findall(r"-?\d+\.\d+", caption)]
    np.testing.assert_allclose(outputs, products.sum(axis=1), atol=0.006)


def test_a_5x5_kernel_per_colour_counts_25_products():
    at = run({"image": "photo: China (colour)", "per_colour": "true",
              "kernel": "Gaussian blur"})
    latex = " ".join(str(x.value) for x in at.latex)
    assert latex.count("sum of its 25 products") == 3 and "9 products" not in latex


def test_position_is_clamped_when_the_image_shrinks():
    at = run({"row": "150", "col": "200"})
    assert at.slider(key="row").value == 150
    at.selectbox(key="image").set_value("digit (8×8, from the digits data)").run()
    assert not at.exception
    assert at.slider(key="row").value == 5 and at.slider(key="col").value == 5
    # a link with a position outside the output is ignored, not an error
    at = run({"image": "digit (8×8, from the digits data)", "row": "150"})
    assert 0 <= at.slider(key="row").value <= 5
    # beyond any image's output, the link's value is first brought into the declared range
    at = run({"row": "100000"})
    assert "row: was moved to 327" in " ".join(i.value for i in at.info)
    assert 0 <= at.slider(key="row").value < 212


def test_a_custom_kernel_link_over_the_length_limit_is_dropped_with_a_note():
    at = run({"kernel": CUSTOM, "custom": "1 " * 300})
    assert "custom: is longer than 400 characters" in " ".join(i.value for i in at.info)
    assert at.text_area(key="custom").value == "0 -1 0\n-1 5 -1\n0 -1 0"


def test_large_stride_and_padding_on_the_digit():
    at = run({"image": "digit (8×8, from the digits data)", "S": "4", "P": "5",
              "kernel": "Gaussian blur"})
    # (8 - 5 + 2·5)/4 + 1 = 4.25: floored to 4, and the page says it does not tile
    assert "Output**: 4×4" in visible_text(at)
    assert "does not tile this 8×8 image" in " ".join(i.value for i in at.info)


def _png_bytes(h=50, w=70):
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray((np.arange(h * w).reshape(h, w) % 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def test_upload_good_and_bad_files():
    at = run({"image": "upload (grey)"})
    assert "No image uploaded yet" in " ".join(i.value for i in at.info)
    at.file_uploader(key="_upload_conv").set_value(("mine.png", _png_bytes(), "image/png"))
    at.run()
    assert not at.exception and not at.error
    assert "Input**: 50×70" in visible_text(at)
    at.file_uploader(key="_upload_conv").set_value(
        ("fake.png", b"this is not a picture", "image/png"))
    at.run()
    assert not at.exception
    assert "could not be read" in " ".join(e.value for e in at.error)


def test_learned_filters_are_drawn(default_page):
    spec = spec_titled(default_page, "learned 3×3 filters")
    assert len(spec["datasets"]["cells"]) == 8 * 9
    maps = spec_titled(default_page, "their feature maps for this digit")
    assert len(maps["datasets"]["cells"]) == 8 * 64
    assert min(c["value"] for c in maps["datasets"]["cells"]) >= 0  # after ReLU
