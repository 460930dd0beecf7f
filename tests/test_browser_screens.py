"""Every page on a phone, a tablet, a laptop projector and a desktop: no element sticks out
of the screen's width, in every page's default state, every preset, every tab, with
presentation mode off and on; no formula scrolls sideways (but in presentation mode), and no
formula that fits is a tab stop.

One server and one browser, one context per screen size. The states sampled: for every page,
the default at the four sizes with presentation mode off and on (72 states); every preset at
390 px (the narrowest screen, where most overflows start); every tab value at 390 and 768 px,
and at 1280×720 in presentation mode; and presentation mode at 1280×720 for every third
preset (the projector)."""

from __future__ import annotations

from pathlib import Path

import pytest

from explorer import course
from tests.helpers import EXCEPTION, wait_charts_drawn, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = [(390, 844), (768, 1024), (1280, 720), (1920, 1080)]
OVERFLOW_JS = (Path(__file__).parent / "overflow.js").read_text()
# How far each formula's content reaches past its box, and whether the page kit made it a
# tab stop (explorer.ui: formulas that scroll sideways are).
FORMULAS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .katex-display')]
  .filter(e => e.offsetWidth > 0)
  .map(e => ({over: e.scrollWidth - e.clientWidth, focusable: e.hasAttribute('tabindex'),
              latex: ((e.querySelector('annotation') || {}).textContent || '').slice(0, 80)}))"""
# As the page kit's script: a box wider than this inside is made a tab stop.
SCROLLS_PX = 1


def states() -> dict[tuple[int, int], list[str]]:
    """URL paths (with query) to visit at each size."""
    by_size: dict[tuple[int, int], list[str]] = {size: [] for size in SIZES}
    for page in course.LEARNING_PATH:
        spec = course.page_spec(page.url_path)
        base = "/" + page.url_path
        for size in SIZES:
            by_size[size] += [base, base + "?present=true"]
        for number, preset in enumerate(spec.presets):
            by_size[(390, 844)].append(f"{base}?preset={preset.name}")
            if number % 3 == 0:
                by_size[(1280, 720)].append(f"{base}?preset={preset.name}&present=true")
        for param in spec.params:
            if param.widget == "tabs":
                for label in param.options[1:]:
                    by_size[(390, 844)].append(f"{base}?{param.key}={label}")
                    by_size[(768, 1024)].append(f"{base}?{param.key}={label}")
                    by_size[(1280, 720)].append(f"{base}?{param.key}={label}&present=true")
    by_size[(390, 844)].append("/")
    return by_size


def test_the_sample_is_large_enough():
    assert sum(len(v) for v in states().values()) >= 30


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_nothing_sticks_out_of_the_screen(app_server, chromium, size):
    context = chromium.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    problems = []
    try:
        for path in states()[size]:
            page.goto(app_server.url + path.replace(" ", "%20"))
            wait_idle(page)
            if page.locator(EXCEPTION).count():
                problems.append(f"{path} at {size}: exception")
                continue
            wait_charts_drawn(page)
            for finding in page.evaluate(OVERFLOW_JS):
                problems.append(f"{path} at {size[0]}x{size[1]}: {finding}")
            for formula in page.evaluate(FORMULAS_JS):
                # Formulas fit a phone (smaller on a narrow screen, long ones on two lines),
                # but in presentation mode (larger type; there they may scroll, as tab
                # stops); a formula that fits is no tab stop.
                if formula["over"] > SCROLLS_PX and "present=" not in path:
                    problems.append(f"{path} at {size[0]}: a formula scrolls sideways by "
                                    f"{formula['over']} px: {formula['latex']}")
                if formula["focusable"] and formula["over"] <= SCROLLS_PX:
                    problems.append(f"{path} at {size[0]}: a formula that fits is a tab "
                                    f"stop: {formula['latex']}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


FONT_SIZES_JS = """() => {
  const size = el => el ? parseFloat(getComputedStyle(el).fontSize) : null;
  const main = document.querySelector('[data-testid="stMain"]');
  const button = main.querySelector('[class*="st-key-preset_btn_"] button p, '
                                    + '[class*="st-key-preset_btn_"] button');
  return {title: size(main.querySelector('h1')), preset: size(button)};
}"""


def test_a_projector_reads_the_title_and_presets_from_the_back(app_server, chromium):
    """Presentation mode at 1280x720: title and preset buttons at least 20 px; chart axis
    labels at least 16 px (the theme's sizes, checked in tests/test_charts.py)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    small = []
    try:
        for page_info in course.LEARNING_PATH:
            page.goto(f"{app_server.url}/{page_info.url_path}?present=true")
            wait_idle(page)
            sizes = page.evaluate(FONT_SIZES_JS)
            for what, px in sizes.items():
                if px is not None and px < 20:
                    small.append(f"{page_info.url_path}: {what} {px} px")
    finally:
        context.close()
    assert not small, small
