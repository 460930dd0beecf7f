"""One tour walked in Chromium with the keyboard: Shift+→ and Shift+← move between steps,
across pages, and the address always names the step."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.helpers import EXCEPTION, url_param, wait_idle, wait_url_param

pytestmark = pytest.mark.browser


def path_of(page) -> str:
    return urlparse(page.evaluate("() => location.href")).path.strip("/")


def press_until(page, key: str, step: str) -> None:
    """Press a shortcut until the URL names `step` (a press during a rerun can be lost)."""
    for _ in range(5):
        page.locator("body").press(key)
        try:
            wait_url_param(page, "tour_step", step, timeout_ms=15_000)
            break
        except AssertionError:
            continue
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0


def test_walk_a_tour_with_the_keyboard(app_server, browser_page):
    page = browser_page
    page.goto(f"{app_server.url}/pixels_to_matrix?tour=first_hour&tour_step=4")
    wait_idle(page)
    assert page.get_by_text("step 4 of 7").count() == 1
    press_until(page, "Shift+ArrowRight", "5")
    assert path_of(page) == "pixels_to_matrix"
    press_until(page, "Shift+ArrowRight", "6")
    assert path_of(page) == "gradient_descent"
    assert page.get_by_text("step 6 of 7").count() == 1
    assert page.locator('[data-testid="stSlider"]').count() > 0  # the page itself is there
    press_until(page, "Shift+ArrowLeft", "5")
    assert path_of(page) == "pixels_to_matrix"
    assert url_param(page, "tour") == "first_hour"
    assert page.console_errors == []
