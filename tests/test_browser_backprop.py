"""The backprop page in headless Chromium: loads clean, typing an expression changes the URL
and the drawn graph, a step moves the highlight, a shared URL reproduces the view."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.helpers import (
    CHART,
    EXCEPTION,
    press_slider,
    url_param,
    wait_charts_drawn,
    wait_idle,
    wait_url_param,
)
from tests.helpers import open_page as open_app_page

pytestmark = pytest.mark.browser

GRAPH = '[data-testid="stGraphVizChart"] svg'


def open_page(page, url):
    """Open the page and wait for its graph as well as its charts."""
    open_app_page(page, url)
    page.wait_for_selector(GRAPH, timeout=30_000)


def graph_text(page) -> str:
    return page.locator(GRAPH).first.text_content()


def test_page_loads_clean_with_the_graph(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph")
    text = graph_text(page)
    assert "∂f/∂b = 5" in text and "value 6" in text
    assert page.console_errors == []


def test_typing_an_expression_changes_url_and_graph(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph")
    before_svg = page.locator(GRAPH).first.inner_html()
    box = page.locator('[data-testid="stTextInput"]').filter(has_text="Expression").locator(
        "input")
    box.fill("a * a * b")
    box.press("Enter")
    wait_url_param(page, "expr", "a * a * b")
    wait_idle(page)
    page.wait_for_function(
        "s => { const g = document.querySelector(s); return g && g.textContent.includes('∂f/∂a = 4'); }",
        arg=GRAPH, timeout=30_000)
    assert page.locator(GRAPH).first.inner_html() != before_svg
    assert url_param(page, "expr") == "a * a * b"
    # the same URL in a fresh load shows the same graph
    url = page.url
    page.goto("about:blank")
    open_page(page, url)
    assert "∂f/∂a = 4" in graph_text(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_shared_url_with_a_step_reproduces_the_highlight(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph?step=2&path=b")
    assert "?" in graph_text(page)  # values not yet computed at step 2
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Step through").locator(
        'input[type="range"]')
    assert slider.input_value() == "2"
    assert page.get_by_text("Step 2 of 8").count() == 1
    before = page.locator(GRAPH).first.inner_html()
    press_slider(page, slider)
    wait_url_param(page, "step", "3")
    wait_idle(page)
    assert page.locator(GRAPH).first.inner_html() != before
    assert page.console_errors == []


def test_bad_input_shows_a_caret_not_a_crash(app_server, browser_page):
    page = browser_page
    quoted = urllib.parse.quote("__import__('os')")
    page.goto(f"{app_server.url}/backprop_graph?expr={quoted}")
    wait_idle(page)
    # wait for the message itself: on a busy machine idle can be seen before the first run
    page.get_by_text("cannot be read").first.wait_for(timeout=30_000)
    page.locator("code").filter(has_text="^").first.wait_for(timeout=30_000)
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_preset_button_switches_tab_and_url(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph")
    page.get_by_role("button", name="Sigmoid vanishes").click()
    wait_url_param(page, "depth", "20")
    wait_idle(page)
    page.wait_for_selector(CHART, timeout=30_000)
    wait_charts_drawn(page)
    assert url_param(page, "mode") == "Vanishing gradients"
    assert page.locator(EXCEPTION).count() == 0
    # the URL alone brings the same tab and settings back
    url = page.url
    page.goto("about:blank")
    open_app_page(page, url)
    page.wait_for_selector(CHART, timeout=30_000)
    depth = page.locator('[data-testid="stSlider"]').filter(has_text="Depth").locator(
        'input[type="range"]')
    assert depth.input_value() == "20"
    assert page.console_errors == []


def test_old_names_in_a_link_still_set_the_controls(app_server, browser_page):
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph?mode=Network&layers=3-2"
                                     "&loss=cross-entropy&seed=4")
    wait_url_param(page, "bp_layers", "3-2")
    assert url_param(page, "layers") is None and url_param(page, "bp_seed") == "4"
    box = page.locator('[data-testid="stTextInput"]').filter(has_text="Layer sizes").locator(
        "input")
    assert box.input_value() == "3-2"
    assert page.locator(".katex").filter(has_text="softmax").count() >= 1
    assert page.locator(EXCEPTION).count() == 0
    assert page.console_errors == []


def test_check_yourself_stays_open_while_answering(app_server, browser_page):
    """The first answer reruns the page, and on this page the rerun adds the shared preset's
    note above (its settings are the defaults): the section must stay open all the same."""
    from explorer import backprop_quiz, quiz

    question = quiz.make_questions(backprop_quiz.QUESTIONS, 2)[0]
    page = browser_page
    open_page(page, app_server.url + "/backprop_graph?quiz_seed=2")
    section = page.locator('[data-testid="stExpander"]').filter(has_text="Check yourself")
    section.locator("summary").click()
    box = section.locator('input[type="text"]').first
    box.fill(question.shown_answer())
    box.press("Enter")
    wait_idle(page)
    assert box.is_visible()
    section.locator("button").filter(has_text="Check").first.click()
    page.locator('[data-testid="stAlert"]').filter(has_text="Right.").wait_for()
    assert page.locator(EXCEPTION).count() == 0
