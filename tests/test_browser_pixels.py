"""The pixels page in headless Chromium: loads clean, a control changes the URL and the
picture, a shared URL reproduces the view, and a digit drawn with the mouse is read."""

from __future__ import annotations

import io
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
    return page.locator('[data-testid="stCode"]').first.inner_text()


def test_loads_clean_and_a_control_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH)
    assert prediction(page) == 3
    matrix = page.locator(CHART).first
    before = picture(matrix.screenshot())

    radio(page, "8×8").click()
    wait_url_param(page, "size", "8×8")
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    assert "torch.Size([64])" in shape_text(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, matrix, before)

    shared = page.url
    page.reload()
    wait_idle(page)
    assert page.url == shared
    assert page.locator('[data-testid="stRadio"] input[type="radio"]:checked').count() >= 3
    assert "torch.Size([64])" in shape_text(page)
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
    wait_url_param(page, "digit_index", "28")
    wait_idle(page)
    wait_charts_drawn(page)
    shared = page.url
    fooled = prediction(page)
    assert fooled != 8

    other = page.context.new_page()
    open_page(other, shared)
    assert other.url == shared
    assert prediction(other) == fooled
    ours, theirs = (picture(p.locator(CHART).first.screenshot()) for p in (page, other))
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
                                        has_text="bundled scans").first.inner_text()
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_a_digit_drawn_with_the_mouse_is_recognised(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH + "?source=draw+your+own")
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for()
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 21):  # a vertical stroke, in small moves like a hand
        page.mouse.move(x, box["y"] + 40 + step * (box["height"] - 80) / 20)
    page.mouse.up()
    wait_for_prediction(page, "says 1")
    wait_idle(page)
    assert prediction(page) == 1
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_the_noise_slider_changes_url_and_matrix(app_server, browser_page):
    # Streamlit 1.67 sliders are react-aria range inputs (no role="slider").
    page = browser_page
    open_page(page, app_server.url + PATH)
    matrix = page.locator(CHART).first
    before = picture(matrix.screenshot())
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    press_slider(page, slider)
    wait_url_param(page, "pixel_noise", "10")
    wait_idle(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, matrix, before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []
