"""The gradient descent page in headless Chromium: loads clean, the learning rate changes
the URL and the picture, the step scrubber moves the picture with no server rerun, and a
shared URL reproduces the state."""

from __future__ import annotations

import pytest

from tests.helpers import (
    EXCEPTION,
    SCRIPT_STATE_RECORDER,
    open_page,
    press_slider,
    wait_idle,
    wait_screenshot_changes,
    wait_url_param,
)

pytestmark = pytest.mark.browser

# The page draws its compound charts twice, side by side and stacked, and the browser shows
# the one that fits (ui.by_width): only the visible one counts.
CHART = '[data-testid="stVegaLiteChart"]:visible'
SCRUBBER = f'{CHART} .vega-bind input[type="range"]'
VISIBLE_SCRUBBER = ("[...document.querySelectorAll('.vega-bind input[type=range]')]"
                    ".find(el => el.checkVisibility())")


def main_chart_png(page) -> bytes:
    return page.locator(CHART).first.screenshot()


def wait_picture_changes(page, before: bytes) -> bytes:
    return wait_screenshot_changes(page, lambda: main_chart_png(page), before,
                                   what="the main chart")


def lr_thumb(page):
    # Streamlit 1.67 sliders are react-aria: a visually hidden input[type=range].
    return page.locator('[data-testid="stSlider"] input[type="range"]'
                        '[aria-label="Learning rate (log scale)"]')


def test_loads_clean_and_lr_changes_url_and_picture(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/gradient_descent")
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(CHART).count() == 2
    before = main_chart_png(page)
    url = page.url
    thumb = lr_thumb(page)
    assert thumb.get_attribute("aria-valuetext") == "0.1"
    press_slider(page, thumb)
    page.wait_for_function("u => window.location.href !== u", arg=url)
    wait_url_param(page, "lr", "0.15")
    wait_idle(page, 180_000)
    wait_picture_changes(page, before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_step_scrubber_moves_the_picture_without_a_server_rerun(app_server, browser_page):
    page = browser_page
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    open_page(page, f"{app_server.url}/gradient_descent")
    page.evaluate(SCRIPT_STATE_RECORDER)
    sent.clear()
    before = main_chart_png(page)
    scrubber = page.locator(SCRUBBER).first
    assert scrubber.get_attribute("max") == "100"
    for value in (60, 30, 5):
        scrubber.evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));"
            " el.dispatchEvent(new Event('change', {bubbles: true})); }", str(value))
        before = wait_picture_changes(page, before)  # the picture follows the scrubber
    assert scrubber.input_value() == "5"
    assert page.evaluate("window.__states") == [], "no script run while scrubbing"
    assert sent == [], "the browser asked the server for nothing while scrubbing"
    assert page.console_errors == []


def test_shared_url_reproduces_a_diverging_run(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/gradient_descent?lr=1.5&epochs=30")
    assert page.locator(EXCEPTION).count() == 0
    assert "lr=1.5" in page.url and "epochs=30" in page.url
    assert lr_thumb(page).get_attribute("aria-valuetext") == "1.5"
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="diverged at step")
    assert alert.count() == 1
    assert "Lower the learning rate" in alert.inner_text()
    # The scrubber only spans the finite steps before the blow-up.
    assert int(page.locator(SCRUBBER).first.get_attribute("max")) < 30
    assert page.console_errors == []


def test_preset_link_and_button(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/gradient_descent?preset=sgd")
    assert page.locator(EXCEPTION).count() == 0
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=sgd" in page.url
    batch = page.locator('[data-testid="stSlider"] input[aria-label="Mini-batch size"]')
    assert batch.get_attribute("aria-valuetext") == "5"
    assert page.locator('[data-testid="stAlert"]').filter(
        has_text="Each step sees only 5 points").count() == 1
    # A preset button writes its values into the URL, so the link can be shared.
    url = page.url
    page.locator('[data-testid="stButton"]').filter(has_text="just right").click()
    page.wait_for_function("u => window.location.href !== u", arg=url, timeout=60_000)
    wait_idle(page, 180_000)
    assert "lr=0.5" in page.url and "epochs=30" in page.url
    assert page.console_errors == []


def test_play_replays_and_hands_the_slider_back(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/gradient_descent?epochs=10&lr=0.5")
    page.locator(".st-key-gd_play button").first.click()
    # While playing the slider's value runs from 0 towards the end; then Play is enabled
    # again and the picture rests on the last step.
    page.wait_for_function(
        f"() => {{ const el = {VISIBLE_SCRUBBER}; return el && Number(el.value) < 10; }}",
        timeout=30_000)
    page.wait_for_function(
        f"() => {{ const el = {VISIBLE_SCRUBBER};"
        " const b = document.querySelector('.st-key-gd_play button');"
        " return el && el.value === '10' && b && !b.disabled; }", timeout=60_000)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []
