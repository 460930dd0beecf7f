"""The sidebar's navigation on a freshly started server: its first request is a deep link
(the case that breaks st.navigation with a pages/ folder), also in presentation mode and
embedded (?embed=true)."""

from __future__ import annotations

import pytest

from explorer import course
from tests.helpers import EXCEPTION, AppServer, wait_idle

pytestmark = pytest.mark.browser

SIDEBAR_LINKS = '[data-testid="stSidebar"] [data-testid="stPageLink"] a'
SECTION_CAPTIONS = '[data-testid="stSidebar"] [data-testid="stCaptionContainer"]'


def expected_labels() -> list[str]:
    return [course.HOME_LABEL] + [p.title for _, pages in course.sections() for p in pages]


def test_first_deep_link_on_a_fresh_server_names_the_pages_in_course_order(chromium):
    server = AppServer().start()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/over_underfitting?present=true")
        wait_idle(page)
        assert page.locator(EXCEPTION).count() == 0
        # The label's own text (a Material icon is ligature text beside it).
        labels = [t.strip() for t in page.locator(
            SIDEBAR_LINKS + ' [data-testid="stMarkdownContainer"]').all_text_contents()]
        assert labels == expected_labels(), labels
        sections = page.locator(SECTION_CAPTIONS).all_text_contents()
        for title, _ in course.sections():
            assert title in sections
        assert "app" not in labels and "over underfitting" not in labels
        assert page.locator("h1").first.text_content().strip().endswith(
            "Over- and underfitting")
        # Embedded (no sidebar, no header) a deep link still reaches its page.
        page.goto(f"{server.url}/tabular?embed=true")
        wait_idle(page)
        assert page.locator(EXCEPTION).count() == 0
        assert "Page not found" not in page.content()
    finally:
        context.close()
        server.stop()
