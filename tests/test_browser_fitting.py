"""The over/underfitting page in headless Chromium: loads clean, a control changes the URL
and the picture, a tab is bound to the URL, and a shared link reproduces the state."""

from __future__ import annotations

import time

import pytest

from tests.helpers import IDLE, slide_to, wait_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
CHART = '[data-testid="stVegaLiteChart"]'
METRICS = '[data-testid="stMetric"]'
# Sliders in streamlit 1.67 are react-aria range inputs (no role="slider" element).


def settle(page, quiet_ms: int = 1500, timeout_s: float = 120) -> None:
    """Idle, and no element added or removed for quiet_ms. A first load runs the script
    more than once here (the bound tabs register), so one idle moment is not enough."""
    wait_idle(page)
    deadline = time.time() + timeout_s
    last, quiet = None, 0
    while time.time() < deadline and quiet < quiet_ms:
        count = page.locator('[data-testid="stElementContainer"]').count()
        idle = page.locator(IDLE).count() == 1
        quiet = quiet + 100 if (idle and count == last) else 0
        last = count
        page.wait_for_timeout(100)


def open_page(page, url):
    page.goto(url)
    settle(page)
    page.wait_for_selector(CHART, timeout=90_000)
    page.wait_for_timeout(500)  # vega draws after the element appears


def metric_texts(page) -> list[str]:
    return page.locator(METRICS).all_inner_texts()


def test_degree_slider_changes_url_verdict_and_fit_picture(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/over_underfitting")
    assert page.locator(EXCEPTION).count() == 0
    fit_before = page.locator(CHART).first.screenshot()
    assert any("Verdict for degree 3" in t for t in metric_texts(page))

    slider = page.locator('.st-key-degree input[type=range]')
    slide_to(page, slider, 15)
    page.wait_for_url("**degree=15**")
    settle(page)
    page.wait_for_function(
        "() => document.body.innerText.includes('Verdict for degree 15')", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator(CHART).first.screenshot() != fit_before
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_network_tab_is_bound_to_the_url_and_trains(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/over_underfitting")
    page.get_by_role("tab", name="Network").click()
    page.wait_for_url("**tab=Network**")
    settle(page)
    page.wait_for_function(
        "() => document.body.innerText.includes('Best epoch')", timeout=120_000)
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    page.reload()
    settle(page)
    page.wait_for_function(
        "() => document.body.innerText.includes('Best epoch')", timeout=120_000)
    assert page.get_by_role("tab", name="Network").get_attribute("aria-selected") == "true"
    assert page.console_errors == []


def test_shared_link_reproduces_the_state(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/over_underfitting?truth=step&n=10&degree=15")
    assert page.locator('.st-key-degree input[type=range]').input_value() == "15"
    assert page.locator('.st-key-n input[type=range]').input_value() == "10"
    texts = metric_texts(page)
    assert any("Overfit" in t for t in texts), texts
    truth_widget = page.locator(".st-key-truth").evaluate(
        "e => e.textContent + ' ' + Array.from(e.querySelectorAll('input'))"
        ".map(i => i.value).join(' ')")
    assert "step" in truth_widget
    assert page.console_errors == []


def test_preset_button_sets_the_controls_and_the_url(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/over_underfitting")
    page.get_by_role("button", name="Overfit", exact=True).click()
    page.wait_for_url("**degree=15**")
    settle(page)
    assert "n=10" in page.url
    assert any("Overfit" in t for t in metric_texts(page))
    assert page.console_errors == []


def test_preset_link_applies_the_preset(app_server, browser_page):
    page = browser_page
    open_page(page, f"{app_server.url}/over_underfitting?preset=holdout_noisy")
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert "preset=holdout_noisy" in page.url
    assert page.get_by_role("tab", name="Evaluation protocol").get_attribute(
        "aria-selected") == "true"
    assert page.locator('.st-key-rows input[type=range]').input_value() == "60"
    assert page.locator(CHART).count() == 3
    assert page.console_errors == []
