"""The convolution page in headless Chromium: loads clean, a control changes the URL and
the output picture, and a shared link reproduces the view."""

from __future__ import annotations

import pytest

from tests.helpers import EXCEPTION, open_page, press_slider, url_param, wait_idle, wait_url_param

pytestmark = pytest.mark.browser

IMAGES = '[data-testid="stMain"] [data-testid="stImage"] img'
URL = "/convolution_kernels"


def output_caption(page) -> str:
    return page.locator('[data-testid="stCaptionContainer"]', has_text="Output:").first.inner_text()


def test_loads_clean_and_stride_slider_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + URL)
    assert page.locator(EXCEPTION).count() == 0
    page.locator(IMAGES).nth(1).wait_for(timeout=30_000)  # images arrive after the run
    assert "212×318" in output_caption(page)
    assert page.console_errors == []
    output_img = page.locator(IMAGES).nth(1)
    before_src = output_img.get_attribute("src")
    slider = page.get_by_role("slider", name="Stride S (step between positions)")
    press_slider(page, slider)
    wait_url_param(page, "S", "2")
    wait_idle(page)
    page.wait_for_function(
        "([sel, src]) => document.querySelectorAll(sel)[1].getAttribute('src') !== src",
        arg=[IMAGES, before_src])
    assert "106×159" in output_caption(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_shared_link_reproduces_the_view(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}{URL}?kernel=emboss&S=3&row=10&col=20")
    assert page.get_by_role("combobox", name="Kernel").input_value() == "emboss"
    assert "71×106" in output_caption(page)
    assert "row 10, column 20" in page.locator('[data-testid="stMarkdownContainer"]',
                                               has_text="is a single").inner_text()
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_preset_button_sets_controls_and_url(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + URL)
    page.get_by_role("button", name="AlexNet's first layer").first.click()
    wait_url_param(page, "F", "11")
    wait_idle(page)
    assert [url_param(page, key) for key in ("S", "K", "W")] == ["4", "96", "227"]
    assert page.locator('[data-testid="stMetric"]', has_text="Output volume").inner_text(
    ).endswith("55×55×96")
    assert page.console_errors == []


def test_preset_link_applies_the_preset_and_the_url_keeps_it(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}{URL}?preset=alexnet")
    assert page.locator('[data-testid="stMetric"]', has_text="Output volume").inner_text(
    ).endswith("55×55×96")
    # The next run writes the preset's values into the address bar (page kit behaviour).
    press_slider(page, page.get_by_role("slider", name="Stride S (step between positions)"),
                 "ArrowLeft")
    wait_url_param(page, "S", "3")
    wait_url_param(page, "preset", None)
    wait_idle(page)
    assert [url_param(page, key) for key in ("W", "F", "K")] == ["227", "11", "96"], page.url
    assert page.console_errors == []
