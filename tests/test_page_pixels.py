"""The pixels page under AppTest: defaults, each preset's effect, control changes, the
drawing canvas (driven through session_state), uploads good and bad, and the data each
chart receives."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tests.helpers import chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/1_pixels_to_matrix.py"


def datasets(at) -> dict:
    """Every named dataset of every chart on the page (Streamlit ships them as Arrow)."""
    out = {}
    for index in range(len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))):
        out.update(chart_named_datasets(at, index)[1])
    return out


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert not re.search(r"\bnan\b|\b-?inf\b|\binfinity\b", text, flags=re.IGNORECASE)
    for name, df in datasets(at).items():
        for column in df.select_dtypes("number"):
            assert all(math.isfinite(v) for v in df[column]), (name, column)


def predicted(at) -> int:
    match = re.search(r"The network says \*\*(\d)\*\*", visible_text(at))
    assert match, "the prediction sentence is on the page"
    return int(match.group(1))


@pytest.fixture(scope="module")
def default_page():
    return open_app(PAGE)


def test_defaults(default_page):
    at = default_page
    assert_clean(at)
    data = datasets(at)
    matrix = data["matrix"]
    assert len(matrix) == 28 * 28
    assert matrix["value"].min() == 0 and matrix["value"].max() <= 255
    assert (matrix["value"] == matrix["value"].round()).all()  # raw: whole numbers
    assert matrix["label"].iloc[2] == str(int(matrix["value"].iloc[2]))
    assert len(data["strip"]) == 784
    np.testing.assert_array_equal(data["strip"]["value"], matrix["value"])  # row-major
    outputs = data["outputs"]
    assert outputs["probability"].sum() == pytest.approx(1.0)
    assert predicted(at) == 3
    assert outputs.loc[outputs["probability"].idxmax(), "is_prediction"].startswith("pred")
    assert len(data["means"]) == 10 * 784
    assert len(data["hidden"]) == 64 and data["hidden"]["activation"].min() >= 0  # ReLU
    text = visible_text(at)
    for shape in ("torch.Size([28, 28])", "torch.Size([784])", "torch.Size([449, 28, 28])",
                  "torch.Size([449, 10])"):
        assert shape in text
    network = metric(at, "Network", exact=True)
    baseline = metric(at, "Baseline", exact=True)
    assert float(network.rstrip("%")) >= 95 and 85 < float(baseline.rstrip("%")) < 95
    assert "held out" in text


@pytest.mark.parametrize(("preset", "check"), [
    ("clean_8", lambda at, d: predicted(at) == 8 and len(d["matrix"]) == 784),
    ("same_8_small", lambda at, d: predicted(at) == 8 and len(d["matrix"]) == 64),
    ("inverted", lambda at, d: predicted(at) != 8 and d["matrix"]["value"].iloc[0] == 255),
    ("noisy", lambda at, d: predicted(at) == 8 and d["matrix"]["value"].std() > 60),
    ("shifted", lambda at, d: predicted(at) != 8),
])
def test_each_preset_shows_its_teaching_moment(preset, check):
    at = open_app(PAGE)
    at.button(key=f"preset_btn_{preset}").click().run()
    assert_clean(at)
    assert check(at, datasets(at)), visible_text(at)[:400]
    assert at.number_input(key="digit_index").value == 28


def test_scales_change_the_matrix_and_the_legend(default_page):
    at = open_app(PAGE, scale="0 to 1")
    assert_clean(at)
    matrix = datasets(at)["matrix"]
    assert matrix["value"].max() <= 1.0 and matrix["value"].max() > 0.9
    at.radio(key="scale").set_value("standardized").run()
    assert_clean(at)
    z = datasets(at)["matrix"]["value"]
    assert z.min() < -0.5 and z.max() > 2  # paper below zero, ink well above
    assert "μ and σ" in visible_text(at)
    raw = datasets(default_page)["matrix"]["value"].to_numpy() / 255
    # z = (x - mu) / sigma: a straight line through the raw values.
    slope, _ = np.polyfit(raw, z.to_numpy(), 1)
    mu_sigma = re.search(r"\\mu = ([\d.]+),\\quad \\sigma = ([\d.]+)", visible_text(at))
    assert slope == pytest.approx(1 / float(mu_sigma.group(2)), rel=1e-2)


def test_resolution_and_a_shared_url():
    at = open_app(PAGE, size="8×8", digit_index=100, pixel_noise=40, invert="true")
    assert_clean(at)
    assert at.radio(key="size").value == "8×8"
    assert at.number_input(key="digit_index").value == 100
    assert at.slider(key="pixel_noise").value == 40 and at.toggle(key="invert").value
    assert len(datasets(at)["matrix"]) == 64
    assert "torch.Size([64])" in visible_text(at)
    again = open_app(PAGE, size="8×8", digit_index=100, pixel_noise=40, invert="true")
    np.testing.assert_array_equal(datasets(at)["matrix"]["value"],
                                  datasets(again)["matrix"]["value"])


def test_a_link_with_the_old_noise_name_still_sets_the_noise():
    """?noise= was the slider's URL name before it became pixel_noise (the gradient descent
    page's noise is another control): old links keep working, and the address moves to
    the new name."""
    old = open_app(PAGE, size="8×8", digit_index=100, noise=40)
    assert_clean(old)
    assert old.slider(key="pixel_noise").value == 40
    assert old.query_params.get("pixel_noise") == "40" and "noise" not in old.query_params
    assert not old.info  # nothing to correct, so no note about the link
    new = open_app(PAGE, size="8×8", digit_index=100, pixel_noise=40)
    np.testing.assert_array_equal(datasets(old)["matrix"]["value"],
                                  datasets(new)["matrix"]["value"])


def test_random_three_button_picks_a_three_and_clears_the_perturbations():
    at = open_app(PAGE, pixel_noise=40, shift=20, invert="true")
    for _ in range(2):
        at.button(key="random_three").click().run()
        assert_clean(at)
        assert "labelled **3**" in visible_text(at)
        assert at.slider(key="pixel_noise").value == 0 and at.slider(key="shift").value == 0
        assert not at.toggle(key="invert").value


def canvas_state(draw) -> dict:
    """The component's state as the browser sends it: a PNG data URL of the canvas."""
    image = Image.new("RGBA", (280, 280), (255, 255, 255, 255))
    draw(ImageDraw.Draw(image))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return {"drawing": {"raw": {"objects": [{"type": "path"}]}, "data": url},
            "backgroundFit": None}


@pytest.mark.parametrize(("draw", "digit"), [
    (lambda d: d.line([(140, 50), (140, 230)], fill="black", width=22), 1),
    (lambda d: d.ellipse([80, 50, 200, 230], outline="black", width=22), 0),
])
def test_a_drawing_is_recognised(draw, digit):
    at = open_app(PAGE, source="draw your own")
    assert_clean(at)
    assert "canvas is empty" in visible_text(at)
    assert datasets(at)["matrix"]["value"].max() == 0
    at.session_state["_canvas"] = canvas_state(draw)
    at.run()
    assert_clean(at)
    assert predicted(at) == digit
    assert "canvas is empty" not in visible_text(at)


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_uploads_good_and_bad():
    at = open_app(PAGE, source="upload")
    assert_clean(at)
    assert "Nothing uploaded yet" in visible_text(at)
    uploader = at.get("file_uploader")[0]

    uploader.set_value(("notes.png", b"this is a text file, renamed", "image/png"))
    at.run()
    assert_clean(at)
    assert "cannot be used" in visible_text(at) and at.error

    uploader = at.get("file_uploader")[0]
    uploader.set_value(("empty.png", b"", "image/png"))
    at.run()
    assert_clean(at)
    assert "empty" in visible_text(at)

    seven = Image.new("L", (400, 500), 255)
    ImageDraw.Draw(seven).line([(80, 80), (320, 80), (170, 440)], fill=0, width=40)
    uploader = at.get("file_uploader")[0]
    uploader.set_value(("seven.png", png(seven), "image/png"))
    at.run()
    assert_clean(at)
    assert "Your 400×500 image" in visible_text(at)
    assert predicted(at) == 7


def test_a_blank_upload_says_so():
    at = open_app(PAGE, source="upload")
    at.get("file_uploader")[0].set_value(("blank.png", png(Image.new("L", (50, 50), 255)),
                                          "image/png"))
    at.run()
    assert_clean(at)
    assert "no ink" in visible_text(at)
