"""The real app in headless Chromium: every page loads clean, links work, a control moved
changes the URL and survives a reload, presentation mode enlarges the page."""

from __future__ import annotations

import pytest

from tests.helpers import PAGE_FILES, url_path_of, wait_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
MAIN_PARAGRAPH = '[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p'


def open_page(page, url):
    page.goto(url)
    wait_idle(page)


def test_navigation_lists_every_page(app_server, browser_page):
    open_page(browser_page, app_server.url + "/")
    hrefs = browser_page.locator('[data-testid="stSidebarNav"] a').evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    paths = {h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs}
    for script in PAGE_FILES:
        assert url_path_of(script) in paths, (script, hrefs)


@pytest.mark.parametrize("script", ["app.py", *PAGE_FILES])
def test_page_loads_without_exception_or_console_error(app_server, browser_page, script):
    open_page(browser_page, f"{app_server.url}/{url_path_of(script)}")
    assert browser_page.locator(EXCEPTION).count() == 0, browser_page.locator(
        EXCEPTION).first.inner_text()
    assert "Page not found" not in browser_page.content()
    assert browser_page.console_errors == []


def test_every_link_on_the_home_page_works(app_server, browser_page):
    open_page(browser_page, app_server.url + "/")
    hrefs = browser_page.locator('[data-testid="stPageLink"] a').evaluate_all(
        "links => links.map(a => a.href)")
    for href in sorted(set(hrefs)):
        open_page(browser_page, href)
        assert browser_page.locator(EXCEPTION).count() == 0, href
        assert "Page not found" not in browser_page.content(), href
    assert browser_page.console_errors == []


def _font_size(page) -> float:
    return page.locator(MAIN_PARAGRAPH).first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)")


def test_presentation_mode_enlarges_and_carries_between_pages(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/")
    normal = _font_size(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"] label').first.click()
    page.wait_for_url("**present=true**")
    wait_idle(page)
    large = _font_size(page)
    assert large > normal * 1.2, (normal, large)

    page.reload()
    wait_idle(page)
    assert _font_size(page) == pytest.approx(large)

    links = page.locator('[data-testid="stSidebarNav"] a')
    if links.count() > 1:
        links.nth(1).click()
        page.wait_for_url("**present=true**")
        wait_idle(page)
        assert _font_size(page) == pytest.approx(large)
    assert page.console_errors == []


@pytest.mark.parametrize("script", PAGE_FILES)
def test_moving_a_slider_changes_the_url_and_a_reload_keeps_it(app_server, browser_page,
                                                               script):
    page = browser_page
    open_page(page, f"{app_server.url}/{url_path_of(script)}")
    sliders = page.locator('[data-testid="stMain"] [data-testid="stSlider"] [role="slider"]')
    if sliders.count() == 0:
        pytest.skip("no slider on this page")
    slider = sliders.first
    before_url, before_value = page.url, slider.get_attribute("aria-valuenow")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("u => window.location.href !== u", arg=before_url)
    wait_idle(page)
    after_url, after_value = page.url, slider.get_attribute("aria-valuenow")
    assert after_value != before_value
    assert page.locator(EXCEPTION).count() == 0

    page.reload()
    wait_idle(page)
    assert page.url == after_url
    assert sliders.first.get_attribute("aria-valuenow") == after_value
    assert page.console_errors == []
