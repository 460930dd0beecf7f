"""Hostile links: every declared URL parameter of every page fed values a stranger could put
in a link. The page kit cleans them before any widget exists, so: no exception, no NaN or
infinity on screen or in a chart, no markup from the link rendered, and the page still
works after (a control moved)."""

from __future__ import annotations

import math

import pytest

from explorer import course
from explorer.params import Param, clean_query
from tests.helpers import PAGE_FILES, chart_datasets, open_app, url_path_of, visible_text

HOSTILE = {
    "inf": "inf", "minus_inf": "-inf", "nan": "nan", "huge": "1e308",
    "ten_to_5000": "1" + "0" * 5000, "off_step": "0.123456", "wrong_type": "abc",
    "very_long": "x" * 10_000, "markdown_image": "![x](http://127.0.0.1:9/p.png)",
    "html": "<img src=x onerror=alert(1)>",
}
MARKUP = ("![x](http://127.0.0.1:9", "<img src=x", "[a](javascript:")


def all_params() -> list[tuple[str, Param]]:
    return [(page.url_path, param) for page in course.LEARNING_PATH
            for param in course.page_spec(page.url_path).params]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_every_declared_parameter_keeps_only_values_its_control_can_take(value):
    for url_path, param in all_params():
        changes, _ = clean_query([param], {param.key: [value]})
        kept = changes.get(param.key, [value])
        if kept is None:
            continue
        if param.kind in ("int", "float"):
            number = float(kept[0])
            assert math.isfinite(number), (url_path, param.key)
            assert param.lo <= number <= param.hi, (url_path, param.key)
        elif param.kind == "choice" and not param.dynamic:
            assert kept[0] in {param.label_of(o) for o in param.options}, (url_path, param.key)
        elif param.kind == "text":
            assert len(kept[0]) <= param.max_chars, (url_path, param.key)


def assert_no_markup_from_the_link(at) -> None:
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                 "header", "subheader"):
        for element in at.get(kind):
            text = str(element.value)
            for payload in MARKUP:
                assert payload not in text, f"{kind} renders the link's markup: {text[:200]}"


def assert_finite_charts(at) -> None:
    for frame in chart_datasets(at):
        for column in frame.select_dtypes("number"):
            assert frame[column].dropna().map(math.isfinite).all(), column


@pytest.mark.slow
@pytest.mark.parametrize("script", PAGE_FILES)
@pytest.mark.parametrize("category", list(HOSTILE))
def test_a_link_with_every_parameter_hostile(script, category):
    spec = course.page_spec(url_path_of(script))
    query = {param.key: HOSTILE[category] for param in spec.params}
    at = open_app(script, **query)
    assert not at.exception, [e.value for e in at.exception]
    assert_no_markup_from_the_link(at)
    assert_finite_charts(at)
    import re

    # A message may quote the visitor's own text back, escaped or in a code block (an
    # error's caret under "nan"): that is the link's text shown as text, not a number the
    # page computed.
    quoted = [str(c.value) for c in at.code]
    shown = "\n".join(line for line in visible_text(at).splitlines()
                      if "\\" not in line and not any(line in q for q in quoted))
    assert not re.search(r"\bnan\b|\b-?inf\b|\binfinity\b", shown, re.IGNORECASE)
    # The page still works: move its first slider one step.
    if at.slider:
        slider = at.slider[0]
        target = slider.max if slider.value != slider.max else slider.min
        slider.set_value(target).run()
        assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize(("script", "query"), [
    ("pages/1_pixels_to_matrix.py", {"digit_index": "inf"}),
    ("pages/5_convolution_kernels.py", {"W": "-inf", "D": "-inf", "K": "-inf"}),
    ("pages/2_gradient_descent.py", {"seed": "9" * 5000}),
])
def test_finding_1_infinite_whole_numbers_in_a_link(script, query):
    """Issue 20, finding 1: Streamlit's URL seeding of a number input calls int(inf) and lets
    the OverflowError through; the kit drops such values before any widget exists."""
    at = open_app(script, **query)
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(i.value for i in at.info)
    for key in query:
        assert f"{key}:" in notes, notes
        assert key not in at.query_params
