"""The pixels page in headless Chromium: loads clean, a control changes the URL and the
picture, a shared URL reproduces the view, and a digit drawn with the mouse is read."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from tests.helpers import press_slider, wait_idle

pytestmark = pytest.mark.browser

PATH = "/pixels_to_matrix"
EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stVegaLiteChart"]'
PREDICTION = re.compile(r"The network says (\d)")


def open_page(page, url):
    page.goto(url)
    wait_idle(page)
    page.locator(CHART).first.wait_for()
    page.wait_for_timeout(800)  # let Vega finish drawing before screenshots


def picture(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("L")


def prediction(page) -> int:
    text = page.locator("h3", has_text="The network says").first.inner_text()
    return int(PREDICTION.search(text).group(1))


def radio(page, label: str):
    return page.locator('[data-testid="stRadio"] label', has_text=label).first


def test_loads_clean_and_a_control_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH)
    assert page.locator(EXCEPTION).count() == 0
    assert prediction(page) == 3
    matrix = page.locator(CHART).first
    before = matrix.screenshot()

    radio(page, "8×8").click()
    page.wait_for_url(re.compile(r"size=8"))
    wait_idle(page)
    page.wait_for_timeout(800)
    assert page.locator(EXCEPTION).count() == 0
    assert "torch.Size([64])" in page.locator('[data-testid="stCode"]').first.inner_text()
    assert matrix.screenshot() != before

    shared = page.url
    page.reload()
    wait_idle(page)
    assert page.url == shared
    assert page.locator('[data-testid="stRadio"] input[type="radio"]:checked').count() >= 3
    assert "torch.Size([64])" in page.locator('[data-testid="stCode"]').first.inner_text()
    assert page.console_errors == []


def test_a_preset_link_and_a_shared_url_reproduce_the_view(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + PATH + "?preset=inverted")
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=inverted" in page.url
    assert prediction(page) != 8  # the inverted 8 fools the network

    open_page(page, app_server.url + PATH)
    page.get_by_role("button", name="Inverted colours").click()
    page.wait_for_url(re.compile(r"invert=true"))
    wait_idle(page)
    page.wait_for_timeout(800)
    shared = page.url
    assert "digit_index=28" in shared
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
    page.wait_for_function(
        "() => [...document.querySelectorAll('h3')].some(h => /says 1/.test(h.innerText))",
        timeout=60_000)
    wait_idle(page)
    assert prediction(page) == 1
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_the_noise_slider_changes_url_and_matrix(app_server, browser_page):
    # Streamlit 1.67 sliders are react-aria range inputs (no role="slider").
    page = browser_page
    open_page(page, app_server.url + PATH)
    before = picture(page.locator(CHART).first.screenshot())
    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first
    press_slider(page, slider)
    page.wait_for_url(re.compile(r"noise=10"))
    wait_idle(page)
    page.wait_for_timeout(800)
    after = picture(page.locator(CHART).first.screenshot())
    assert before.size != after.size or np.abs(
        np.asarray(before, float) - np.asarray(after, float)).mean() > 0.5
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []
