"""The pixels page in headless Chromium: loads clean, a control changes the URL and the
picture, a shared URL reproduces the view, and a 1, a 7 and a 0 drawn with the mouse are
read by the MNIST network."""

from __future__ import annotations

import io
import math
import re
import time

import numpy as np
import pytest
from PIL import Image

from tests.helpers import (
    CHART,
    EXCEPTION,
    open_page,
    press_slider,
    url_param,
    wait_charts_drawn,
    wait_idle,
    wait_url_param,
)

pytestmark = pytest.mark.browser

PATH = "/pixels_to_matrix"
PREDICTION = re.compile(r"The network says (\d)")
VISIBLE_CHART = f"{CHART} >> visible=true"  # the matrix is drawn in three sizes; one shows


def picture(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def differs(before: Image.Image, after: Image.Image) -> bool:
    return before.size != after.size or np.abs(
        np.asarray(before, float) - np.asarray(after, float)).mean() > 0.5


def wait_picture_changes(page, locator, before: Image.Image, timeout_s: float = 30) -> None:
    """Wait until the element looks different from `before` (Vega redraws after the
    script has finished, so idle alone does not mean the new picture is up)."""
    deadline = time.monotonic() + timeout_s
    while not differs(before, picture(locator.screenshot())):
        if time.monotonic() > deadline:
            raise AssertionError("the picture did not change")
        page.wait_for_timeout(200)


def wait_for_prediction(page, pattern: str) -> None:
    page.wait_for_function(
        "p => [...document.querySelectorAll('h3')].some(h => new RegExp(p).test(h.innerText))",
        arg=pattern, timeout=60_000)


def prediction(page) -> int:
    text = page.locator("h3", has_text="The network says").first.inner_text()
    return int(PREDICTION.search(text).group(1))


def radio(page, label: str):
    return page.locator('[data-testid="stRadio"] label', has_text=label).first


def shape_text(page) -> str:
    return " ".join(page.locator("li", has_text="torch.Size").all_inner_texts())


def test_loads_clean_and_a_control_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH)
    assert prediction(page) == 3
    matrix = page.locator(VISIBLE_CHART).first
    before = picture(matrix.screenshot())

    radio(page, "7×7").click()
    wait_url_param(page, "size", "7×7")
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    assert "torch.Size([49])" in shape_text(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, page.locator(VISIBLE_CHART).first, before)

    shared = page.url
    page.reload()
    wait_idle(page)
    assert page.url == shared
    # source, size, scale, and the baseline's two choices
    page.wait_for_function("() => document.querySelectorAll("
                           "'[data-testid=\"stRadio\"] input[type=\"radio\"]:checked').length >= 5")
    assert "torch.Size([49])" in shape_text(page)
    assert page.console_errors == []


def test_a_preset_link_and_a_shared_url_reproduce_the_view(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH + "?preset=inverted")
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=inverted" in page.url
    assert prediction(page) != 8  # the inverted 8 fools the network

    open_page(page, app_server.url + PATH)
    page.get_by_role("button", name="Inverted colours").click()
    wait_url_param(page, "invert", "true")
    wait_url_param(page, "digit_index", "8359")
    wait_idle(page)
    wait_charts_drawn(page)
    shared = page.url
    fooled = prediction(page)
    assert fooled != 8

    other = page.context.new_page()
    open_page(other, shared)
    assert other.url == shared
    assert prediction(other) == fooled
    ours, theirs = (picture(p.locator(VISIBLE_CHART).first.screenshot())
                    for p in (page, other))
    other.close()
    assert ours.size == theirs.size, (ours.size, theirs.size)
    difference = np.abs(np.asarray(ours, float) - np.asarray(theirs, float)).mean()
    assert difference < 1.0, difference  # the same matrix (allowing antialiasing jitter)
    assert page.console_errors == []


def test_an_old_link_with_noise_opens_with_the_noise_and_random_three_clears_it(
        app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH + "?noise=40")
    wait_url_param(page, "pixel_noise", "40")
    assert url_param(page, "noise") is None
    noise = page.locator('[data-testid="stSlider"] input[type="range"]').first
    assert noise.input_value() == "40"

    page.get_by_role("button", name="Random 3").click()
    wait_url_param(page, "pixel_noise", None)
    wait_idle(page)
    assert noise.input_value() == "0"
    assert "labelled 3" in page.locator('[data-testid="stCaptionContainer"]',
                                        has_text="MNIST digits").first.inner_text()
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def stroke(page, box, points) -> None:
    """Draw one stroke through canvas points (x, y in 0..280) in small moves, like a hand."""
    scale = box["width"] / 280
    page.mouse.move(box["x"] + points[0][0] * scale, box["y"] + points[0][1] * scale)
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        for step in range(1, 9):
            t = step / 8
            page.mouse.move(box["x"] + (x0 + t * (x1 - x0)) * scale,
                            box["y"] + (y0 + t * (y1 - y0)) * scale)
    page.mouse.up()


ONE = [(140, 40), (140, 240)]
SEVEN = [(70, 50), (210, 50), (120, 240)]
ZERO = [(140 + 65 * math.sin(2 * math.pi * k / 40), 140 - 100 * math.cos(2 * math.pi * k / 40))
        for k in range(41)]


@pytest.mark.parametrize(("points", "digit"), [(ONE, 1), (SEVEN, 7), (ZERO, 0)])
def test_a_digit_drawn_with_the_mouse_is_recognised(app_server, browser_page, points, digit):
    """The canvas's own stroke (a tenth of its width), prepared the MNIST way, read by the
    MNIST network."""
    page = browser_page
    open_page(page, app_server.url + PATH + "?source=draw+your+own")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    stroke(page, box, points)
    wait_for_prediction(page, f"says {digit}")
    wait_idle(page)
    assert prediction(page) == digit
    assert "prepared like an MNIST digit" in page.locator(
        '[data-testid="stCaptionContainer"]', has_text="Your drawing").first.inner_text()
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_the_canvas_fits_its_column_at_every_width(app_server, chromium, width):
    """A canvas wider than its column scrolls sideways inside the component: hard to draw
    on, and a scrollable region a keyboard cannot reach (axe-core's rule)."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        open_page(page, app_server.url + PATH + "?source=draw+your+own")
        page.locator("canvas.upper-canvas").first.wait_for()
        scroll = page.locator(".dc-scroll").first  # inside the component's shadow root
        overflow = scroll.evaluate("el => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, (width, overflow)
    finally:
        context.close()


def test_the_noise_slider_changes_url_and_matrix(app_server, browser_page):
    # Streamlit 1.67 sliders are react-aria range inputs (no role="slider").
    page = browser_page
    open_page(page, app_server.url + PATH)
    matrix = page.locator(VISIBLE_CHART).first
    before = picture(matrix.screenshot())
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    press_slider(page, slider)
    wait_url_param(page, "pixel_noise", "10")
    wait_idle(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, matrix, before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []
