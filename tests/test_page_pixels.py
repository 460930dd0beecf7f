"""The pixels page under AppTest: defaults (MNIST), each preset's effect, control changes,
old links, the 8x8 scans, the drawing canvas (driven through session_state), uploads good
and bad, and the data each chart receives."""

from __future__ import annotations

import base64
import io
import math
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

from explorer import mnist, pixels
from explorer import mnist_models as mm
from explorer.pixels_spec import CLEAN_EIGHT, DEFAULT_INDEX, DEFAULT_SCAN
from tests.helpers import chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/1_pixels_to_matrix.py"
SCANS = pixels.SCANS


def datasets(at) -> dict:
    """Every named dataset of every chart on the page (Streamlit ships them as Arrow). The
    matrix is drawn in three sizes (the browser shows the one that fits): same data."""
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


def matrix_values(at) -> np.ndarray:
    matrix = datasets(at)["matrix"]
    size = int(round(math.sqrt(len(matrix))))
    return matrix["value"].to_numpy().reshape(size, size)


@pytest.fixture(scope="module")
def default_page():
    return open_app(PAGE)


def test_defaults_show_a_real_mnist_digit(default_page):
    at = default_page
    assert_clean(at)
    data = datasets(at)
    # The matrix on screen is the stored bytes of the chosen digit.
    np.testing.assert_array_equal(matrix_values(at), mnist.load()[0][DEFAULT_INDEX])
    matrix = data["matrix"]
    assert matrix["label"].iloc[300] == str(int(matrix["value"].iloc[300]))
    assert len(data["strip"]) == 784
    np.testing.assert_array_equal(data["strip"]["value"], matrix["value"])  # row-major
    outputs = data["outputs"]
    assert outputs["probability"].sum() == pytest.approx(1.0)
    assert predicted(at) == 3 == mnist.load()[1][DEFAULT_INDEX]
    assert outputs.loc[outputs["probability"].idxmax(), "is_prediction"].startswith("pred")
    assert len(data["means"]) == 10 and data["means"]["url"].str.startswith("data:image/png").all()
    assert len(data["hidden"]) == 128 and data["hidden"]["activation"].min() >= 0  # ReLU
    text = visible_text(at)
    for shape in ("torch.Size([28, 28])", "torch.Size([784])", "torch.Size([2000, 28, 28])",
                  "torch.Size([2000, 10])"):
        assert shape in text
    assert metric(at, "Network", exact=True) == f"{mm.evaluate_mlp(28).accuracy:.1%}"
    assert metric(at, "Baseline", exact=True) == \
        f"{mnist.nearest_mean(tuple(range(10)), 'squared').accuracy:.1%}"
    assert f"Digit #{DEFAULT_INDEX:,} of the 10,000 MNIST digits, labelled **3** (held out" \
        in text
    assert at.radio(key="source").value == pixels.MNIST
    assert [r.value for r in at.radio if r.key == "size"] == ["28×28"]


def test_every_picture_says_what_it_shows(default_page):
    images = default_page.get("image")
    alts = [img.proto.imgs[0].alt for img in images]
    assert alts == [f"MNIST digit 3, {s}×{s} pixels, as written" for s in (28, 14, 7)]
    inverted = open_app(PAGE, preset="inverted")
    assert [img.proto.imgs[0].alt for img in inverted.get("image")][0] == \
        "MNIST digit 8, 28×28 pixels, colours inverted"


def test_the_page_says_where_the_digits_come_from_and_their_licences(default_page):
    text = visible_text(default_page)
    assert "MNIST handwritten digits" in text and "CC BY-SA 3.0" in text
    assert "Yann LeCun, Corinna Cortes and Christopher J. C. Burges" in text
    assert "MIT (the npm package)" in text and "Juan Cazala" in text
    assert "Optical Recognition of Handwritten Digits" in text and "CC BY 4.0" in text


@pytest.mark.parametrize(("preset", "check"), [
    ("clean_8", lambda at, d: predicted(at) == 8 and len(d["matrix"]) == 784),
    ("same_8_small", lambda at, d: predicted(at) == 8 and len(d["matrix"]) == 49),
    ("inverted", lambda at, d: predicted(at) != 8 and d["matrix"]["value"].iloc[0] == 255),
    ("noisy", lambda at, d: predicted(at) == 8 and d["matrix"]["value"].std() > 60),
    ("shifted", lambda at, d: predicted(at) != 8),
    ("three_vs_seven", lambda at, d: len(d["means"]) == 2
     and set(d["distances"]["digit"]) == {"3", "7"}),
])
def test_each_preset_shows_its_teaching_moment(preset, check):
    at = open_app(PAGE)
    at.button(key=f"preset_btn_{preset}").click().run()
    assert_clean(at)
    assert check(at, datasets(at)), visible_text(at)[:400]
    expected = DEFAULT_INDEX if preset == "three_vs_seven" else CLEAN_EIGHT
    assert at.number_input(key="digit_index").value == expected


def test_scales_change_the_matrix_and_the_legend(default_page):
    at = open_app(PAGE, scale="0 to 1")
    assert_clean(at)
    matrix = datasets(at)["matrix"]
    assert matrix["value"].max() <= 1.0 and matrix["value"].max() > 0.9
    at.radio(key="scale").set_value("standardized").run()
    assert_clean(at)
    z = datasets(at)["matrix"]["value"]
    assert z.min() < -0.3 and z.max() > 2  # paper below zero, ink well above
    assert "μ and σ" in visible_text(at)
    raw = datasets(default_page)["matrix"]["value"].to_numpy() / 255
    # z = (x - mu) / sigma: a straight line through the raw values.
    slope, _ = np.polyfit(raw, z.to_numpy(), 1)
    mu_sigma = re.search(r"\\mu = ([\d.]+),\\quad \\sigma = ([\d.]+)", visible_text(at))
    assert slope == pytest.approx(1 / float(mu_sigma.group(2)), rel=1e-2)


def test_resolution_goes_down_by_averaging_blocks_and_a_shared_url():
    at = open_app(PAGE, size="7×7", digit_index=100, pixel_noise=40, invert="true")
    assert_clean(at)
    assert at.radio(key="size").value == "7×7"
    assert at.number_input(key="digit_index").value == 100
    assert at.slider(key="pixel_noise").value == 40 and at.toggle(key="invert").value
    assert len(datasets(at)["matrix"]) == 49
    assert "torch.Size([49])" in visible_text(at)
    again = open_app(PAGE, size="7×7", digit_index=100, pixel_noise=40, invert="true")
    np.testing.assert_array_equal(matrix_values(at), matrix_values(again))
    clean = open_app(PAGE, size="14×14", digit_index=100)
    digit = mnist.load()[0][100].astype(float)
    blocks = digit.reshape(14, 2, 14, 2).mean(axis=(1, 3))  # each 2x2 block's mean
    assert np.abs(matrix_values(clean) - blocks).max() <= 0.5


def test_a_link_with_the_old_noise_name_still_sets_the_noise():
    """?noise= was the slider's URL name before it became pixel_noise (the gradient descent
    page's noise is another control): old links keep working, and the address moves to
    the new name."""
    old = open_app(PAGE, size="7×7", digit_index=100, noise=40)
    assert_clean(old)
    assert old.slider(key="pixel_noise").value == 40
    assert old.query_params.get("pixel_noise") == "40" and "noise" not in old.query_params
    assert not old.info  # nothing to correct, so no note about the link
    new = open_app(PAGE, size="7×7", digit_index=100, pixel_noise=40)
    np.testing.assert_array_equal(matrix_values(old), matrix_values(new))


@pytest.mark.parametrize(("query", "source", "size"), [
    ({"size": "8×8"}, pixels.MNIST, "7×7"),
    ({"size": "18×18"}, pixels.MNIST, "14×14"),
    ({"source": "real digits", "size": "28×28"}, pixels.MNIST, "28×28"),
])
def test_old_links_open_the_nearest_view_the_page_has_and_say_so(query, source, size):
    """Before MNIST, the page enlarged 8x8 scans to 18x18 and 28x28 and called its
    bundled source 'real digits'."""
    at = open_app(PAGE, **query)
    assert_clean(at)
    assert at.radio(key="source").value == source and at.radio(key="size").value == size
    note = at.info[0].value
    for key, old in query.items():
        if old not in pixels.SIZES and old not in pixels.SOURCES:
            assert f"{key}: {old} is no longer offered" in note
    assert at.query_params.get("size", "28×28") == size


def test_random_three_picks_a_three_and_clears_the_perturbations():
    at = open_app(PAGE, pixel_noise=40, shift=20, invert="true")
    labels = mnist.load()[1]
    for _ in range(2):
        at.button(key="random_three").click().run()
        assert_clean(at)
        assert "labelled **3**" in visible_text(at)
        assert labels[at.number_input(key="digit_index").value] == 3
        assert at.slider(key="pixel_noise").value == 0 and at.slider(key="shift").value == 0
        assert not at.toggle(key="invert").value
    three_seven = open_app(PAGE, preset="three_vs_seven")
    assert three_seven.button(key="random_three").label == "Random 3 or 7"
    for _ in range(3):
        three_seven.button(key="random_three").click().run()
        assert labels[three_seven.number_input(key="digit_index").value] in (3, 7)


def test_the_8x8_scans_are_shown_as_what_they_are():
    at = open_app(PAGE, source=SCANS)
    assert_clean(at)
    ink, labels = pixels.load_scans()
    np.testing.assert_array_equal(matrix_values(at), ink[DEFAULT_SCAN])
    text = visible_text(at)
    assert not [r for r in at.radio if r.key == "size"]  # nothing to choose
    assert "**Resolution**: 8×8, the scans' own" in text
    assert len(at.get("image")) == 1
    assert at.get("image")[0].proto.imgs[0].alt == "8×8 scan of a 3, 8×8 pixels, as written"
    assert "13 people wrote them" in text and "4×4 block of a 32×32" in text
    assert "torch.Size([449, 8, 8])" in text
    assert predicted(at) == labels[DEFAULT_SCAN] == 3
    at.number_input(key="scan_index").set_value(100).run()
    np.testing.assert_array_equal(matrix_values(at), ink[100])


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
    (lambda d: d.line([(140, 40), (140, 240)], fill="black", width=28), 1),
    (lambda d: d.line([(70, 50), (210, 50), (120, 240)], fill="black", width=28,
                      joint="curve"), 7),
    (lambda d: d.ellipse([75, 40, 205, 240], outline="black", width=28), 0),
])
def test_a_drawing_is_prepared_like_mnist_and_recognised(draw, digit):
    at = open_app(PAGE, source="draw your own")
    assert_clean(at)
    assert "canvas is empty" in visible_text(at)
    assert matrix_values(at).max() == 0
    at.session_state["_canvas"] = canvas_state(draw)
    at.run()
    assert_clean(at)
    assert predicted(at) == digit
    assert "canvas is empty" not in visible_text(at)
    shown = matrix_values(at)
    com = mnist.centre_of_mass(shown)
    assert abs(com[0] - 14) <= 0.5 and abs(com[1] - 14) <= 0.5  # centred by its mass
    rows, cols = np.nonzero(shown)
    assert max(np.ptp(rows), np.ptp(cols)) + 1 <= 20  # inside a 20x20 box


def png(image: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
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
    assert "Your 400×500 image, prepared like an MNIST digit" in visible_text(at)
    assert predicted(at) == 7


def test_a_blank_upload_says_so():
    at = open_app(PAGE, source="upload")
    at.get("file_uploader")[0].set_value(("blank.png", png(Image.new("L", (50, 50), 255)),
                                          "image/png"))
    at.run()
    assert_clean(at)
    assert "no ink" in visible_text(at)


@pytest.mark.parametrize(("name", "kind"), [
    ("digit.gif", "GIF"),  # a real GIF: decoded like any picture
    ("forged.gif", "PNG"),  # a PNG under a .gif name: the content decides
    ("forged.exe", "PNG"),
    ("null\0byte.png", "PNG"),
])
def test_finding_9_an_upload_with_an_unexpected_name_is_judged_by_its_content(name, kind):
    """Issue 20, finding 9: a forged .gif upload raised Streamlit's "Invalid file
    extension" as an exception. The uploader takes any name now; the bytes decide."""
    one = Image.new("L", (60, 90), 255)
    ImageDraw.Draw(one).line([(30, 10), (30, 80)], fill=0, width=8)
    at = open_app(PAGE, source="upload")
    at.get("file_uploader")[0].set_value((name, png(one, kind), "image/gif"))
    at.run()
    assert_clean(at)
    assert "Your 60×90 image" in visible_text(at)
    assert predicted(at) == 1
    at.get("file_uploader")[0].set_value(("fake.gif", b"GIF89a not really", "image/gif"))
    at.run()
    assert_clean(at)
    assert at.error and "That upload cannot be used" in at.error[0].value
    assert "extension" not in visible_text(at).lower()
