"""Section 7 of the convolution page (the architecture composer) in headless Chromium: a
network typed into the text box reaches the URL, and that URL opened afresh shows the same
network."""

from __future__ import annotations

import re

import pytest

from explorer import conv_architecture as ca
from tests.helpers import EXCEPTION, open_page, url_param, wait_idle, wait_url_param

pytestmark = pytest.mark.browser

URL = "/convolution_kernels"


def parameters(page) -> str:
    """The value of section 9's metric labelled exactly "Parameters"."""
    label = page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(r"^Parameters$"))
    return page.locator('[data-testid="stMetric"]', has=label).inner_text().split("\n")[-1]


def wait_parameters(page, value: str) -> None:
    """Wait until that metric shows `value` (a busy machine draws the last elements after
    the run reports idle), then check it."""
    page.wait_for_function(
        """value => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
             m.innerText.split('\\n')[0].trim() === 'Parameters' &&
             m.innerText.trim().endsWith(value))""", arg=value, timeout=60_000)
    assert parameters(page) == value


def test_load_button_and_typed_network_reach_the_url_and_come_back(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + URL)
    page.get_by_role("button", name="LeNet-5 (28×28)").last.click()
    wait_url_param(page, "arch_size", "28")
    wait_idle(page)
    assert url_param(page, "arch") == ca.LENET5
    wait_parameters(page, "61,706")

    text = "conv5-20/p0, pool2; conv5-50/p0, pool2; fc500, fc10"
    box = page.get_by_role("textbox", name="Layers: stages separated by")
    box.fill(text)
    box.press("Control+Enter")
    wait_url_param(page, "arch", text)
    wait_idle(page)
    expected = f"{ca.build(text, 28, 1).parameters:,}"
    assert expected == "431,080"
    wait_parameters(page, expected)
    shared = page.evaluate("() => location.href")
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []

    fresh = page.context.new_page()
    open_page(fresh, shared)
    # On a busy machine the last elements can draw after the run reports idle: wait for
    # the box to hold the text rather than read it once.
    fresh.wait_for_function(
        "text => [...document.querySelectorAll('textarea')].some(e => e.value === text)",
        arg=text, timeout=60_000)
    wait_parameters(fresh, expected)
    assert fresh.locator(EXCEPTION).count() == 0
    fresh.close()
