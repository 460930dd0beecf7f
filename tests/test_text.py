"""Escaping strangers' text for markdown: checked by rendering it with a CommonMark parser
(markdown-it, which Streamlit's own markdown follows) and finding no element made from it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.text import WORD_JOINER, escape_markdown

PAYLOADS = ["![x](http://127.0.0.1:9/p.png)", "[a](javascript:alert(1))",
            "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "**bold** _it_",
            "`code`", "$x^2$", ":red[alarm] :material/warning:", "# heading", "> quote",
            "1. list", "| a | b |", "a\\*b", "<https://example.org>", "line\nbreak"]


def render(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").render(f"Value: {text}")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_come_out_as_plain_text(payload):
    html = render(escape_markdown(payload))
    for tag in ("<img", "<a ", "<script", "<strong", "<em", "<code", "<h1", "<blockquote",
                "<ol", "<table"):
        assert tag not in html, (payload, html)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_renders_as_the_same_characters(text):
    from html import unescape

    html = render(escape_markdown(text, max_chars=200))
    assert html.startswith("<p>") and html.count("<") == 2, html  # only <p> and </p>
    import unicodedata

    kept = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    shown = unescape(html[3:-5]).replace(WORD_JOINER, "")  # invisible: it stops autolinks
    assert shown.rstrip() == ("Value: " + " ".join(kept.split())).rstrip()


@pytest.mark.parametrize("text", ["http://127.0.0.1:9/p.png", "see www.example.org", "HTTPS://x.y",
                                  "mail a@example.org", "ftp://host/file"])
def test_addresses_are_not_turned_into_links_by_github_flavoured_markdown(text):
    """GFM's autolink literals (Streamlit's markdown has them) link URLs, www. addresses
    and e-mail addresses found in the text after escapes are resolved; the escaped text no
    longer contains any of those patterns."""
    import re
    from html import unescape

    shown = unescape(render(escape_markdown(text)))
    assert not re.search(r"(?i)[a-z][a-z0-9+.-]*://|www\.|\w@\w", shown), shown
    assert shown.replace(WORD_JOINER, "") == f"<p>Value: {text}</p>\n"


def test_long_text_is_cut():
    assert escape_markdown("a" * 500, max_chars=10) == "a" * 9 + "…"
