"""Every control in a page's main area can be reached with the Tab key."""

from __future__ import annotations

import pytest

from tests.helpers import PAGE_FILES, url_path_of, wait_idle

pytestmark = pytest.mark.browser

# Streamlit's own widgets, as the browser sees them: what a keyboard user must reach.
CONTROLS = ('[data-testid="stMain"] [data-testid="stSlider"] input[type="range"], '
            '[data-testid="stMain"] [data-testid="stButton"] button, '
            '[data-testid="stMain"] [data-testid="stSelectbox"] input, '
            '[data-testid="stMain"] [data-testid="stTextInput"] input, '
            '[data-testid="stMain"] [data-testid="stTextArea"] textarea, '
            '[data-testid="stMain"] [data-testid="stNumberInput"] input, '
            '[data-testid="stMain"] [data-testid="stCheckbox"] input, '
            '[data-testid="stMain"] [data-baseweb="tab"]')

MARK_CONTROLS = """
(selector) => {
  // Controls inside a closed expander or a hidden tab are reached once it is opened.
  const all = [...document.querySelectorAll(selector)].filter(el => !el.disabled
      && el.checkVisibility({visibilityProperty: true}));
  all.forEach((el, i) => el.setAttribute('data-a11y-index', String(i)));
  window.__reached = new Set();
  document.addEventListener('focusin', e => {
    const i = e.target.getAttribute && e.target.getAttribute('data-a11y-index');
    if (i !== null) window.__reached.add(i);
  });
  return all.length;
}
"""


@pytest.mark.parametrize("script", PAGE_FILES)
def test_every_main_control_is_reachable_by_keyboard(app_server, browser_page, script):
    page = browser_page
    page.goto(f"{app_server.url}/{url_path_of(script)}")
    wait_idle(page)
    page.locator(CONTROLS).first.wait_for(state="attached", timeout=60_000)
    wait_idle(page)
    total = page.evaluate(MARK_CONTROLS, CONTROLS)
    assert total > 0, "every concept page has controls: none were found"
    page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
    for _ in range(total * 4 + 60):
        page.keyboard.press("Tab")
        if page.evaluate("window.__reached.size") >= total:
            break
    reached = page.evaluate("window.__reached.size")
    missing = page.evaluate(
        """() => [...document.querySelectorAll('[data-a11y-index]')]
             .filter(el => !window.__reached.has(el.getAttribute('data-a11y-index')))
             .map(el => (el.getAttribute('aria-label') || el.innerText || el.outerHTML)
             .slice(0, 60))""")
    assert reached == total, missing
