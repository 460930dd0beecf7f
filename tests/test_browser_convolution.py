"""The convolution page in headless Chromium: loads clean, a control changes the URL and
the output picture, and a shared link reproduces the view."""

from __future__ import annotations

import pytest

from explorer.convolution_spec import TAB_CNN
from tests.helpers import (
    EXCEPTION,
    SCRIPT_STATE_RECORDER,
    open_page,
    press_slider,
    url_param,
    wait_idle,
    wait_screenshot_changes,
    wait_url_param,
)

pytestmark = pytest.mark.browser

IMAGES = '[data-testid="stMain"] [data-testid="stImage"] img'
URL = "/convolution_kernels"
CNN_URL = URL + "?conv_tab=" + TAB_CNN.replace(" ", "%20")


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


# ---- the tiny CNN's training, replayed in the browser (issue 18) --------------------------

REPLAY = '[class*="st-key-conv_replay_"] [data-testid="stVegaLiteChart"]:visible'
REPLAY_SLIDER = f'{REPLAY} .vega-bind input[type="range"]'


def replay_png(page) -> bytes:
    return page.locator(REPLAY).first.screenshot()


def wait_replay_changes(page, before: bytes) -> bytes:
    return wait_screenshot_changes(page, lambda: replay_png(page), before,
                                   what="the replay chart")


def test_the_training_replay_scrubs_with_no_server_rerun(app_server, browser_page):
    page = browser_page
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    open_page(page, app_server.url + URL)
    # The replay is in the page's second part: its tab opens it and names it in the URL.
    page.get_by_role("tab", name=TAB_CNN).click()
    wait_url_param(page, "conv_tab", TAB_CNN)
    page.locator(REPLAY).first.scroll_into_view_if_needed()
    wait_idle(page)
    page.evaluate(SCRIPT_STATE_RECORDER)
    sent.clear()
    slider = page.locator(REPLAY_SLIDER).first
    assert slider.get_attribute("max") == "39" and slider.input_value() == "39"
    before = replay_png(page)
    for value in ("0", "12", "25"):
        slider.evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));"
            " el.dispatchEvent(new Event('change', {bubbles: true})); }", value)
        before = wait_replay_changes(page, before)  # filters, maps and text follow
    assert slider.input_value() == "25"
    assert page.evaluate("window.__states") == [], "no script run while scrubbing"
    assert sent == [], "the browser asked the server for nothing while scrubbing"
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_the_replay_draws_the_feature_map_pictures(app_server, browser_page):
    """The maps are image marks with data: URLs; Vega draws all 8 at every frame."""
    page = browser_page
    open_page(page, app_server.url + CNN_URL)
    chart = page.locator(REPLAY).first
    chart.scroll_into_view_if_needed()
    wait_idle(page)
    count_js = ("el => [...el.querySelectorAll('image')].filter(i => (i.getAttribute('href')"
                " || '').startsWith('data:image/png;base64,')).length")
    page.wait_for_function(
        f"sel => {{ const el = document.querySelector(sel); return el && ({count_js})(el) == 8; }}",
        arg='[class*="st-key-conv_replay_wide"] [data-testid="stVegaLiteChart"]')
    hrefs = chart.evaluate("el => [...el.querySelectorAll('image')].map(i => i.getAttribute('href'))")
    slider = page.locator(REPLAY_SLIDER).first
    slider.evaluate("el => { el.value = '0'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    page.wait_for_function(
        "([sel, old]) => { const imgs = [...document.querySelector(sel).querySelectorAll('image')];"
        " return imgs.length == 8 && imgs[0].getAttribute('href') !== old; }",
        arg=['[class*="st-key-conv_replay_wide"] [data-testid="stVegaLiteChart"]', hrefs[0]])
    assert page.console_errors == []
