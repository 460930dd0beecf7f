"""The over/underfitting page in headless Chromium: loads clean, a control changes the URL
and the picture, a tab is bound to the URL, and a shared link (new names or the names
before the fit_ prefix) reproduces the state."""

from __future__ import annotations

import time

import pytest

from tests.helpers import (
    CHART,
    EXCEPTION,
    SCRIPT_STATE_RECORDER,
    open_page,
    slide_to,
    url_param,
    wait_charts_drawn,
    wait_idle,
    wait_screenshot_changes,
    wait_url_param,
)

pytestmark = pytest.mark.browser

METRICS = '[data-testid="stMetric"]'
PAGE_URL = "{}/over_underfitting"
# Sliders in streamlit 1.67 are react-aria range inputs (no role="slider" element).


def slider(page, key: str):
    return page.locator(f".st-key-{key} input[type=range]")


def metric_texts(page) -> list[str]:
    return page.locator(METRICS).all_inner_texts()


def wait_metric(page, text: str, timeout_ms: int = 120_000) -> None:
    """Wait until some metric on the page shows `text`."""
    page.wait_for_function(
        """t => [...document.querySelectorAll('[data-testid="stMetric"]')]
                  .some(m => m.innerText.includes(t))""", arg=text, timeout=timeout_ms)


def wait_metric_value(page, label: str, value: str, timeout_ms: int = 120_000) -> None:
    """Wait until the metric labelled `label` shows exactly `value`."""
    page.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.querySelector('[data-testid="stMetricLabel"]')?.innerText.trim()
                           === label
                         && m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim()
                           === value)""", arg=[label, value], timeout=timeout_ms)


def wait_picture_changes(page, chart, before: bytes, timeout_s: float = 60) -> None:
    """Wait until the chart's pixels differ from `before` (Vega redraws after the rerun)."""
    deadline = time.monotonic() + timeout_s
    while chart.screenshot() == before:
        if time.monotonic() > deadline:
            raise AssertionError("the chart still shows the picture it had before")
        page.wait_for_timeout(200)


def test_degree_slider_changes_url_verdict_and_fit_picture(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url))
    fit_before = page.locator(CHART).first.screenshot()
    assert any("Verdict for degree 3" in t for t in metric_texts(page))

    slide_to(page, slider(page, "degree"), 15)
    wait_url_param(page, "degree", "15")
    wait_metric(page, "Verdict for degree 15")
    wait_idle(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, page.locator(CHART).first, fit_before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_network_tab_is_bound_to_the_url_and_trains(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url))
    page.get_by_role("tab", name="Network").click()
    wait_url_param(page, "tab", "Network")
    wait_metric(page, "Best epoch")
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    page.reload()
    wait_idle(page)
    wait_metric(page, "Best epoch")
    assert page.get_by_role("tab", name="Network").get_attribute("aria-selected") == "true"
    assert page.console_errors == []


def test_shared_link_reproduces_the_state(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url) + "?truth=step&fit_n=10&degree=15")
    assert slider(page, "degree").input_value() == "15"
    assert slider(page, "fit_n").input_value() == "10"
    texts = metric_texts(page)
    assert any("Overfit" in t for t in texts), texts
    truth_widget = page.locator(".st-key-truth").evaluate(
        "e => e.textContent + ' ' + Array.from(e.querySelectorAll('input'))"
        ".map(i => i.value).join(' ')")
    assert "step" in truth_widget
    assert page.console_errors == []


def test_a_link_with_the_old_names_sets_the_renamed_controls(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url) + "?truth=step&n=10&noise=0.5&degree=15")
    assert slider(page, "fit_n").input_value() == "10"
    assert slider(page, "fit_noise").input_value() == "0.5"
    # the address now names the controls by their new names
    wait_url_param(page, "fit_n", "10")
    assert url_param(page, "n") is None and url_param(page, "noise") is None
    assert any("Overfit" in t for t in metric_texts(page))
    assert page.console_errors == []


def test_preset_button_sets_the_controls_and_the_url(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url))
    page.get_by_role("button", name="Overfit", exact=True).click()
    wait_url_param(page, "degree", "15")
    wait_url_param(page, "fit_n", "10")
    wait_metric(page, "Overfit")
    assert page.console_errors == []


def test_preset_link_applies_the_preset(app_server, browser_page):
    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url) + "?preset=holdout_noisy")
    # The link keeps naming its preset until a control moves (explorer.ui.preset_row).
    assert url_param(page, "preset") == "holdout_noisy"
    assert page.get_by_role("tab", name="Evaluation protocol").get_attribute(
        "aria-selected") == "true"
    assert slider(page, "rows").input_value() == "60"
    assert page.locator(CHART).count() == 6  # three of the protocols, three of the final model
    assert page.console_errors == []


def test_final_model_preset_and_a_slider_move_the_scored_once_section(app_server,
                                                                      browser_page):
    from explorer import fitting_final

    page = browser_page
    open_page(page, PAGE_URL.format(app_server.url) + "?tab=Evaluation%20protocol")
    page.get_by_role("button", name="Few rows, many degrees", exact=True).click()
    wait_url_param(page, "final_rows", "20")
    wait_url_param(page, "final_degrees", "10")
    gap, _ = fitting_final.median_gaps(fitting_final.evaluate(20, 10, seed=0))
    wait_metric_value(page, "Median gap, chosen degree", f"{gap:+.0f} g")
    wait_idle(page)
    wait_charts_drawn(page)
    gap_chart = page.locator(CHART).nth(5)
    before = gap_chart.screenshot()
    slide_to(page, slider(page, "final_rows"), 60)
    wait_url_param(page, "final_rows", "60")
    gap, _ = fitting_final.median_gaps(fitting_final.evaluate(60, 10, seed=0))
    wait_metric_value(page, "Median gap, chosen degree", f"{gap:+.0f} g")
    wait_idle(page)
    wait_charts_drawn(page)
    wait_picture_changes(page, gap_chart, before)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


# ---- the Network tab's replay (issue 18) ----------------------------------------------------

# The replay chart is drawn in three layouts and the browser shows the one that fits
# (ui.by_width): only the visible one counts.
REPLAY = '[class*="st-key-net_replay"] [data-testid="stVegaLiteChart"]'
VISIBLE_REPLAY = (f"[...document.querySelectorAll('{REPLAY}')]"
                  ".find(el => el.checkVisibility())")


def replay_png(page) -> bytes:
    return page.locator(f"{REPLAY} >> visible=true").first.screenshot()


def wait_replay_changes(page, before: bytes) -> bytes:
    return wait_screenshot_changes(page, lambda: replay_png(page), before,
                                   what="the replay chart")


def test_replay_scrubs_and_plays_without_asking_the_server(app_server, browser_page):
    """Dragging the snapshot slider and pressing Play move the picture and the numbers,
    with no script run and not one WebSocket message from the browser."""
    page = browser_page
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    open_page(page, PAGE_URL.format(app_server.url) + "?tab=Network")
    wait_metric(page, "Best epoch")
    wait_idle(page)
    wait_charts_drawn(page)
    page.evaluate(SCRIPT_STATE_RECORDER)
    sent.clear()

    chart = page.locator(f"{REPLAY} >> visible=true").first
    scrubber = chart.locator('.vega-bind input[type="range"]')
    last = int(scrubber.get_attribute("max"))
    assert 40 <= last + 1 <= 60 and scrubber.input_value() == str(last)
    before = replay_png(page)
    for value in (30, 5, 0):
        scrubber.evaluate(
            "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));"
            " el.dispatchEvent(new Event('change', {bubbles: true})); }", str(value))
        before = wait_replay_changes(page, before)
    assert scrubber.input_value() == "0"
    # the numbers above the pictures follow: snapshot 0 is epoch 0, before any step
    # (the chart is drawn as SVG, so its text is in the page)
    assert "Epoch 0 of 300" in chart.locator("svg").first.text_content()
    assert page.evaluate("window.__states") == [], "no script run while scrubbing"
    assert sent == [], f"the browser sent the server {len(sent)} messages while scrubbing"

    # Play: the slider runs to the end by itself, one step at a time, then Play is unticked
    at_zero = replay_png(page)
    scrubber.evaluate("el => { window.__values = [];"
                      " el.addEventListener('input', () => window.__values.push(el.value)); }")
    play = chart.locator('.vega-bind input[type="checkbox"]')
    play.check()
    page.wait_for_function(
        f"() => {{ const c = {VISIBLE_REPLAY};"
        " const r = c.querySelector('.vega-bind input[type=range]');"
        " const b = c.querySelector('.vega-bind input[type=checkbox]');"
        " return r.value === r.max && !b.checked; }", timeout=90_000)
    values = [int(v) for v in page.evaluate("window.__values")]
    assert values == list(range(1, last + 1)), values
    assert wait_replay_changes(page, at_zero) != at_zero
    assert "Epoch 300 of 300" in chart.locator("svg").first.text_content()
    assert page.evaluate("window.__states") == [], "no script run while playing"
    assert sent == [], f"the browser sent the server {len(sent)} messages while playing"
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []
