"""The collaborative filtering page in headless Chromium: loads clean, a control changes
the URL and the picture, a shared URL reproduces the state, uploads get clear messages."""

from __future__ import annotations

import pytest

from tests.helpers import (
    CHART,
    EXCEPTION,
    open_page,
    slide_to,
    wait_charts_drawn,
    wait_idle,
    wait_url_param,
)

pytestmark = pytest.mark.browser

URL = "/collaborative_filtering"
TIMEOUT_MS = 180_000  # a first visit trains the models


# The 'move one user's tastes' chart: the chart in the element just before its caption.
EDIT_CHART = ('[data-testid="stElementContainer"]:has(+ [data-testid="stElementContainer"]'
              ':has-text("predicted ratings for the 10 most rated")) ' + CHART)


def edit_chart(page):
    """The edit chart, once every chart has drawn."""
    chart = page.locator(EDIT_CHART)
    chart.scroll_into_view_if_needed()
    wait_charts_drawn(page)
    return chart


def _distance(png_a: bytes, png_b: bytes) -> float:
    """Mean absolute difference of two screenshots, as grey levels on a common size."""
    import io

    import numpy as np
    from PIL import Image

    a, b = (Image.open(io.BytesIO(x)).convert("L") for x in (png_a, png_b))
    b = b.resize(a.size)
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def axis_slider(page):
    # Streamlit 1.67 renders a slider as <input type="range"> (implicit role, no
    # role="slider" attribute); the element container carries the widget key as a class.
    return page.locator('.st-key-shift1 input[type="range"]')


def test_moving_a_users_tastes_changes_url_and_picture_and_a_link_reproduces_it(
        app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + URL, timeout_ms=TIMEOUT_MS)
    assert "A table with holes" in page.content()
    before = edit_chart(page).screenshot()

    slider = axis_slider(page)
    slide_to(page, slider, 1.0)
    # The URL changes through the history API, not a navigation: poll it.
    wait_url_param(page, "shift1", "1")
    wait_idle(page)
    assert slider.input_value() == "1"
    after = edit_chart(page).screenshot()
    assert after != before, "the predictions did not move"

    shared = page.url
    page.goto("about:blank")
    open_page(page, shared, timeout_ms=TIMEOUT_MS)
    assert axis_slider(page).input_value() == "1"
    # A fresh load may differ in a few anti-aliased pixels, so not byte equality: the
    # shared link's picture must be far closer to the moved one than to the default one.
    reloaded = edit_chart(page).screenshot()
    assert _distance(reloaded, after) < 0.5 * _distance(reloaded, before)
    assert page.console_errors == []


def test_a_preset_link_applies_it_and_a_preset_button_writes_the_url(app_server,
                                                                     browser_page):
    page = browser_page
    open_page(page, app_server.url + URL + "?preset=dot_product", timeout_ms=TIMEOUT_MS)
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=dot_product" in page.url
    assert "Factors alone, unbounded" in page.content()
    assert page.locator(".st-key-cf_bias input").is_checked() is False
    # Known kit limitation (reported): after ?preset=..., the URL does not receive the
    # preset's control values, so only the button path is checked for the URL here.
    page.get_by_role("button", name="With biases").click()
    wait_url_param(page, "cf_wd", "0.0")
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    assert "without weight decay the validation" in page.content()
    assert page.locator(".st-key-cf_bias input").is_checked() is True
    assert page.console_errors == []


def test_uploads_get_clear_messages(app_server, browser_page, tmp_path):
    page = browser_page
    open_page(page, app_server.url + URL + "?cf_dataset=your+CSV", timeout_ms=TIMEOUT_MS)
    assert "No file uploaded yet" in page.content()
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')

    bad = tmp_path / "ratings.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    upload.set_input_files(str(bad))
    page.get_by_text("not a text file").wait_for(timeout=60_000)
    wait_idle(page)

    good = tmp_path / "good.csv"
    rows = ["user,item,rating"] + [f"u{k % 23},m{(k * 7) % 31},{1 + (k * 13) % 5}"
                                   for k in range(400)]
    good.write_text("\n".join(rows))
    upload.set_input_files(str(good))
    page.get_by_text("A table with holes").wait_for(timeout=120_000)
    wait_idle(page, timeout_ms=TIMEOUT_MS)
    assert page.locator(EXCEPTION).count() == 0
    assert "not a text file" not in page.content()
    assert page.console_errors == []
