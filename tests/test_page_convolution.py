"""The convolution page under AppTest: defaults, each preset's effect, controls, uploads,
and the numbers in the neuron picture."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pytest

from explorer.convolution_spec import CUSTOM, TAB_CNN, TAB_COMPOSE, TAB_KERNELS
from tests.helpers import chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/5_convolution_kernels.py"
DIGIT_IMAGE = "digit (28×28, MNIST, held out)"


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


@pytest.fixture(scope="module")
def cnn_page():
    """The page's second part: the tiny CNN on MNIST (sections 6 to 8)."""
    return run({"conv_tab": TAB_CNN})


def test_defaults(default_page):
    at = default_page
    assert at.selectbox(key="image").value == "photo: China (grey)"
    assert at.selectbox(key="kernel").value == "sharpen"
    assert len(at.get("imgs")) >= 2 or len(at.get("image")) >= 2
    text = visible_text(at)
    assert "Output**: 212×318" in text
    assert at.tabs[0].label == TAB_KERNELS
    # Only the open part is drawn: a first visit builds sections 1 to 5, not the CNN's
    # pictures and replay nor the composer's table.
    assert "6 · Kernels a network learns by itself" in [h.value for h in at.subheader]
    assert "Nobody designed its filters" not in text
    titles = {spec.get("title") for spec in charts_with_data(at)}
    assert "learned 3×3 filters" not in titles and "input patch" in titles
    assert not at.dataframe


def test_the_cnn_part(cnn_page):
    text = visible_text(cnn_page)
    acc = float(re.search(r"gets \*\*([\d.]+)%\*\*", text).group(1))
    assert acc >= 95.0
    assert "Output**: 212×318" not in text  # the first part's pictures are not drawn
    # ...but its controls are, so a link shared from here keeps them
    assert cnn_page.selectbox(key="kernel").value == "sharpen"


@pytest.mark.parametrize(("query", "part"), [
    ({}, TAB_KERNELS),
    ({"arch": "conv3-8; fc10"}, TAB_COMPOSE),
    ({"arch_size": "64"}, TAB_COMPOSE),
    ({"follow": "your own picture of a digit"}, TAB_CNN),
    ({"digit": "77"}, TAB_CNN),
    ({"digit": "77", "image": DIGIT_IMAGE}, TAB_KERNELS),
    ({"arch": "conv3-8; fc10", "conv_tab": TAB_KERNELS}, TAB_KERNELS),
])
def test_a_link_made_before_the_page_had_parts_opens_the_part_it_is_about(query, part):
    at = run(query)
    assert at.session_state["conv_tab"] == part


def test_a_preset_opens_its_part_and_every_part_keeps_the_others_controls():
    at = run({"conv_tab": TAB_COMPOSE, "S": "3", "kernel": "emboss"})
    assert at.slider(key="S").value == 3 and at.selectbox(key="kernel").value == "emboss"
    assert "Output**:" not in visible_text(at) and at.dataframe  # the composer is drawn
    at.button(key="preset_btn_blur").click().run()
    assert at.session_state["conv_tab"] == TAB_KERNELS
    assert "Output**: " in visible_text(at)
    at = run({"preset": "vgg16"})
    assert at.session_state["conv_tab"] == TAB_COMPOSE


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
    # The sum written out has one line per row of the window, the products in their
    # places: the kernel's rows, read left to right (and short enough for a phone).
    formula = next(str(x.value) for x in at.latex if r"(\text{bias})" in str(x.value))
    rows = formula.removeprefix(r"\begin{gathered}").split(r"\\")[:3]
    terms = [re.findall(r"\(?(-?[\d.]+)\)?", row.split("=")[0]) for row in rows]
    np.testing.assert_allclose(np.array(terms, dtype=float), products.reshape(3, 3),
                               atol=0.05)


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
    at.selectbox(key="image").set_value(DIGIT_IMAGE).run()
    assert not at.exception
    # 28×28 digit, 3×3 sharpen, no padding: a 26×26 output
    assert at.slider(key="row").value == 25 and at.slider(key="col").value == 25
    # a link with a position outside the output is ignored, not an error
    at = run({"image": DIGIT_IMAGE, "row": "150"})
    assert 0 <= at.slider(key="row").value <= 25
    # beyond any image's output, the link's value is first brought into the declared range
    at = run({"row": "100000"})
    assert "row: was moved to 327" in " ".join(i.value for i in at.info)
    assert 0 <= at.slider(key="row").value < 212


def test_a_custom_kernel_link_over_the_length_limit_is_dropped_with_a_note():
    at = run({"kernel": CUSTOM, "custom": "1 " * 300})
    assert "custom: is longer than 400 characters" in " ".join(i.value for i in at.info)
    assert at.text_area(key="custom").value == "0 -1 0\n-1 5 -1\n0 -1 0"


def test_large_stride_and_padding_on_the_digit():
    at = run({"image": DIGIT_IMAGE, "S": "4", "P": "5", "kernel": "Gaussian blur"})
    # (28 - 5 + 2·5)/4 + 1 = 9.25: floored to 9, and the page says it does not tile
    assert "Output**: 9×9" in visible_text(at)
    assert "does not tile this 28×28 image" in " ".join(i.value for i in at.info)


def test_the_digit_image_is_the_held_out_mnist_digit_of_the_url():
    """The digit image and the CNN's digit are held-out MNIST digit `digit`: the input
    patch the page shows holds that digit's stored bytes."""
    from explorer import mnist

    images, labels = mnist.held_out_data()
    at = run({"image": DIGIT_IMAGE, "digit": "1234", "row": "10", "col": "12",
              "kernel": "identity"})
    assert at.slider(key="digit").value == 1234
    patch = grid_values(spec_titled(at, "input patch")).reshape(3, 3)
    np.testing.assert_array_equal(patch, images[1234][10:13, 12:15])
    text = visible_text(at)
    assert f"Held-out MNIST digit 1,234 of 2,000, labelled {labels[1234]}" in text
    at = run({"image": DIGIT_IMAGE, "digit": "1234", "conv_tab": TAB_CNN})
    text = visible_text(at)
    assert f"held-out digit 1,234 (a {labels[1234]})" in text
    assert "Held-out digit 1,234: chosen with the slider in section 1." in text


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


def test_learned_filters_are_drawn(cnn_page):
    from explorer import mnist_models

    weights = mnist_models.load_cnn().conv1_weight[:, 0]
    specs = [spec for spec in charts_with_data(cnn_page)
             if spec.get("title") == "learned 3×3 filters"]
    assert len(specs) == 2  # one row of 8 for wide screens, 3 a row for phones
    assert specs[0]["facet"].get("column") and specs[1]["columns"] == 3
    for spec in specs:
        values = grid_values(spec).reshape(8, 3, 3)
        np.testing.assert_allclose(values, weights, atol=1e-7)


def _images(at) -> list:
    return [img for element in at.get("imgs") for img in element.proto.imgs]


def test_every_picture_has_a_text_alternative(default_page):
    """Issue 22: every st.image says what it shows."""
    for element in default_page.get("imgs"):
        for img in element.proto.imgs:
            assert len(img.alt) > 20, img.alt
    # the pooling pictures too
    at = run({"preset": "max_pool"})
    assert all(img.alt for element in at.get("imgs") for img in element.proto.imgs)


def test_every_stage_of_the_cnn_is_shown_with_its_shape(cnn_page):
    text = visible_text(cnn_page)
    for number, (name, shape) in enumerate(
            [("input", "1 × 28 × 28"), ("conv1", "8 × 28 × 28"), ("relu1", "8 × 28 × 28"),
             ("pool1", "8 × 14 × 14"), ("conv2", "16 × 14 × 14"), ("relu2", "16 × 14 × 14"),
             ("pool2", "16 × 7 × 7"), ("flatten", "784"), ("dense", "10"),
             ("softmax", "10")], start=1):
        assert f"**{number}. {name}** · `" in text and f"shape **{shape}**" in text, name


def test_the_cnn_s_scores_and_probabilities_are_its_forward_pass():
    from explorer import mnist, mnist_models

    images, labels = mnist.held_out_data()
    at = run({"digit": "77"})
    stages = mnist_models.cnn_stages(mnist_models.load_cnn(), images[77] / 255.0)
    scores = chart_named_datasets(at, _chart_index(at, "the dense layer's 10 scores"))[1]
    np.testing.assert_allclose(scores["scores"]["score"], stages[-2].array, atol=1e-9)
    probs = stages[-1].array
    assert f"The CNN says **{probs.argmax()}**" in visible_text(at)


def _chart_index(at, title: str) -> int:
    for index, spec in enumerate(charts_with_data(at)):
        if spec.get("title") == title:
            return index
    raise AssertionError(title)


def test_follow_your_own_picture():
    from PIL import Image

    at = run({"follow": "your own picture of a digit"})
    assert "No picture uploaded yet" in " ".join(i.value for i in at.info)
    picture = np.full((100, 80), 255, np.uint8)
    picture[15:85, 35:45] = 0  # a dark vertical stroke on white paper: a 1
    buf = io.BytesIO()
    Image.fromarray(picture).save(buf, "PNG")
    at.file_uploader(key="_upload_digit").set_value(("one.png", buf.getvalue(), "image/png"))
    at.run()
    assert not at.exception and not at.error
    text = visible_text(at)
    assert "for your picture" in text and "The CNN says **1**" in text
    assert at.slider(key="digit").disabled
    at.file_uploader(key="_upload_digit").set_value(
        ("blank.png", _png_bytes_uniform(), "image/png"))
    at.run()
    assert "There is no digit in that picture" in " ".join(e.value for e in at.error)


def _png_bytes_uniform():
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (40, 40), 200).save(buf, "PNG")
    return buf.getvalue()


def test_the_training_replay_holds_every_frame(cnn_page):
    """Issue 18: the chart that replays training carries all 40 frames and a slider over
    them (a Vega param bound to a range input), in both layouts."""
    from explorer import convolution_cnn as cnn

    history = cnn.load_history()
    replays = [(spec, frames) for spec, frames in
               (chart_named_datasets(cnn_page, i) for i in
                range(len(charts_with_data(cnn_page))))
               if any(p.get("name") == "frame" for p in spec.get("params", []))]
    assert len(replays) == 2
    for spec, frames in replays:
        param = next(p for p in spec["params"] if p["name"] == "frame")
        assert param["bind"]["input"] == "range" and param["bind"]["max"] == 39
        assert frames["frames"]["step"].tolist() == history.steps.tolist()
        assert len(frames["maps"]) == 40 * 8
        assert frames["maps"]["url"].str.startswith("data:image/png;base64,").all()


# ---- issue 20: hostile input, each finding as a regression test ----------------------------


def test_finding_2_custom_kernel_overflow_is_a_message():
    """`/convolution_kernels?kernel=custom (type it below)&custom=1` + 400 zeros + `/1 0 0…`
    was a traceback (OverflowError in float(Fraction)). 400 zeros make the link longer than
    the box allows, so the kit drops it with a note; typed into the box (350 zeros fit) it
    is now a message."""
    huge = "1" + "0" * 400 + "/1 0 0\n0 1 0\n0 0 1"
    at = run({"kernel": CUSTOM, "custom": huge})
    assert "custom: is longer than 400 characters" in " ".join(i.value for i in at.info)
    fits = "1" + "0" * 350 + "/1 0 0\n0 1 0\n0 0 1"
    at = run({"kernel": CUSTOM, "custom": fits})
    warnings = " ".join(w.value for w in at.warning)
    assert "Row 1, entry 1 is not a number between −1,000 and 1,000" in warnings
    at.text_area(key="custom").set_value(fits).run()
    assert not at.exception


def test_finding_3_huge_kernel_entries_never_reach_the_screen_as_inf():
    """Nine 1e308 entries gave "values from inf to inf", NaN in stretch mode and a Vega
    error. They are refused now; the page shows finite numbers only."""
    nines = "\n".join(["1e308 1e308 1e308"] * 3)
    for show in ("clip to 0–255", "stretch min…max to 0–255"):
        at = run({"kernel": CUSTOM, "custom": nines, "show": show})
        warnings = " ".join(w.value for w in at.warning)
        assert "Row 1, entry 1 is not a number between" in warnings
        text = visible_text(at)
        assert "inf" not in text and "nan" not in text.lower().replace("nanny", "")
    # the largest entries allowed still give finite numbers everywhere
    at = run({"kernel": CUSTOM, "custom": "\n".join(["1000 -1000 1000"] * 3),
              "show": "stretch min…max to 0–255", "image": "photo: China (colour)"})
    assert not at.warning
    caption = next(c.value for c in at.caption if c.value.startswith("**Output**"))
    assert "inf" not in caption and "nan" not in caption


def test_a_custom_kernel_message_quotes_the_entry_as_plain_text():
    """What was typed reaches the warning escaped: no link or image can come out of it."""
    at = run({"kernel": CUSTOM, "custom": "![x](http://127.0.0.1:9/p.png) 0 0\n0 1 0\n0 0 1"})
    warning = " ".join(w.value for w in at.warning)
    assert "Row 1, entry 1 is not a number." in warning
    assert "](" not in warning.replace("\\](", "") and "\\!\\[x\\]" in warning
