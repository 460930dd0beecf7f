"""The activation functions page in headless Chromium: loads clean, a control changes the
URL and the picture, a shared URL reproduces the view, bad logits get a message."""

from __future__ import annotations

import time

import pytest

from explorer import activations as act
from explorer.activations_spec import SPEC
from tests.helpers import (
    CHART,
    EXCEPTION,
    open_page,
    press_slider,
    wait_charts_drawn,
    wait_idle,
    wait_url_param,
)

pytestmark = pytest.mark.browser

HOT_COLD = SPEC.preset("hot_cold").values
HOT_COLD_TOP = float(act.softmax(act.parse_logits(HOT_COLD["logits"]),
                                 HOT_COLD["temperature"]).max())

# Streamlit 1.67 draws a slider's thumb as a visually hidden <input type="range">.
MAIN_SLIDERS = '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]'


def _mean_difference(png_a: bytes, png_b: bytes) -> float:
    """Mean absolute grey-level difference of two screenshots of the same size."""
    import io

    import numpy as np
    from PIL import Image

    a, b = (Image.open(io.BytesIO(x)).convert("L") for x in (png_a, png_b))
    b = b.resize(a.size)
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def chart_picture(page, unlike: bytes | None = None, timeout_s: float = 30) -> bytes:
    """A screenshot of the first chart once it has drawn and holds still (two shots in a
    row alike), and, given `unlike`, once it differs from that older picture."""
    wait_charts_drawn(page)
    chart = page.locator(CHART).first
    deadline = time.monotonic() + timeout_s
    last = chart.screenshot()
    while time.monotonic() < deadline:
        shot = chart.screenshot()
        if shot == last and (unlike is None or shot != unlike):
            return shot
        last = shot
    raise AssertionError("the chart did not settle" + (" on a new picture" if unlike else ""))


def test_loads_clean_and_the_range_slider_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/activation_functions")
    before = chart_picture(page)

    slider = page.locator(MAIN_SLIDERS).first  # the range slider, first control with one
    assert slider.input_value() == "5"
    press_slider(page, slider)
    wait_url_param(page, "range", "6")
    wait_idle(page)
    chart_picture(page, unlike=before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_shared_url_reproduces_the_view(app_server, browser_page):
    page = browser_page
    url = f"{app_server.url}/activation_functions?fn=sigmoid&range=9&show_derivative=false"
    open_page(page, url)
    assert page.locator(MAIN_SLIDERS).first.input_value() == "9"
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "the output of sigmoid for inputs from −9 to 9" in text
    assert "Saturated (slope below 0.01): x ≤ -4.59 and x ≥ 4.59" in text
    assert page.locator(CHART).count() == 1  # no derivative chart
    first = chart_picture(page)
    open_page(page, url)  # a fresh load of the same link
    assert _mean_difference(chart_picture(page), first) < 1.0  # antialiasing jitter only
    assert page.console_errors == []


def test_old_names_in_a_link_still_set_the_controls(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/activation_functions?view=Why+bend&target=%7Cx%7C"
                    "&seed=3")
    wait_url_param(page, "act_target", "|x|")
    assert page.get_by_text("Pale orange: the target (|x|)").count() == 1
    seed = page.locator('[data-testid="stSlider"]').filter(has_text="Random start").locator(
        'input[type="range"]')
    assert seed.input_value() == "3"
    assert page.console_errors == []


def test_preset_link_opens_softmax_and_bad_logits_get_a_message(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/activation_functions?preset=hot_cold")
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=hot_cold" in page.url
    main = page.locator('[data-testid="stMain"]')
    assert f"{HOT_COLD_TOP:.1%}" in main.inner_text()  # the softmax tab, cold: the top wins
    # The preset button writes every control into the URL.
    page.get_by_role("button", name="Saturation", exact=True).click()
    page.wait_for_url(lambda u: all(p in u for p in ("fn=sigmoid", "range=10",
                                                      "compare=tanh")))
    wait_idle(page)
    page.get_by_role("button", name="Hot vs cold softmax", exact=True).click()
    page.wait_for_url(lambda u: f"temperature={HOT_COLD['temperature']}" in u
                      and "view=Softmax" in u)
    wait_idle(page)

    box = page.locator('[data-testid="stTextInput"] input').first
    box.fill("1, banana, 3")
    box.press("Enter")
    page.wait_for_url("**banana**")
    wait_idle(page)
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="not a number")
    assert alert.count() == 1
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(CHART).count() >= 2  # still drawing the example logits
    assert page.console_errors == []


def test_finding_4_markdown_in_a_links_logits_makes_no_image(app_server, browser_page):
    """Issue 20, finding 4: the logits error message quoted the link's text as markdown, so
    every visitor's browser fetched the attacker's image. Now it is shown as characters."""
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    payload = "![x](http://127.0.0.1:9/p.png)"
    open_page(page, f"{app_server.url}/activation_functions?view=Softmax&logits="
                    "!%5Bx%5D(http://127.0.0.1:9/p.png),1")
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="not a number")
    alert.wait_for()
    assert payload in alert.inner_text().replace("\u2060", "")  # the text as typed
    assert alert.locator("img, a").count() == 0
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('img[src*="127.0.0.1:9"], a[href*="127.0.0.1:9"]').count() == 0
    assert not [url for url in requested if url.startswith("http://127.0.0.1:9/")]
    # Bare addresses, which Streamlit's markdown links even when escaped, stay text too.
    for text in ("www.example.org", "someone@example.org"):
        open_page(page, f"{app_server.url}/activation_functions?view=Softmax&logits={text},1")
        alert = page.locator('[data-testid="stAlert"]').filter(has_text="not a number")
        alert.wait_for()
        assert alert.locator("a, img").count() == 0, text
