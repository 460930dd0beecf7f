"""Presentation mode's QR code, screenshot in Chromium and decoded by an independent reader
(zxing-cpp): it is the address of exactly the view on screen, tour step included."""

from __future__ import annotations

import io

import pytest

from tests.helpers import EXCEPTION, wait_idle

pytestmark = pytest.mark.browser

POPOVER_BUTTON = '[data-testid="stPopover"] button'
QR_IMAGE = '[data-testid="stPopoverBody"] img'


def decode(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("query", ["present=true&lr=0.5&opt=Momentum",
                                   "present=true&tour=how_a_network_learns&tour_step=3"])
def test_the_qr_code_is_the_current_views_address(app_server, browser_page, query):
    page = browser_page
    page.goto(f"{app_server.url}/gradient_descent?{query}")
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    page.locator(POPOVER_BUTTON).first.click()
    image = page.locator(QR_IMAGE).first
    image.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    decoded = decode(image.screenshot())
    here = page.evaluate("() => location.href")
    assert decoded == [here], (decoded, here)
    for part in query.split("&"):
        assert part in here
