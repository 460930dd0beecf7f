"""Every page under AppTest, discovered from pages/ so a new page is covered at once:
default render, each preset by button and by URL, no NaN or infinity on screen or in a
chart, and every control bound to the URL."""

from __future__ import annotations

import math
import re

import pytest

from tests.helpers import ALL_SCRIPTS, PAGE_FILES, app_test, chart_datasets, visible_text

BINDABLE = ("slider", "select_slider", "selectbox", "radio", "checkbox", "toggle",
            "number_input", "text_input", "text_area", "multiselect", "date_input",
            "segmented_control", "pills", "color_picker")


def assert_clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert not re.search(r"\bnan\b|\b-?inf\b|\binfinity\b", text, flags=re.IGNORECASE), (
        "NaN or infinity shown on screen")
    for frame in chart_datasets(at):
        for column in frame.select_dtypes("number"):
            values = frame[column].dropna() if frame[column].dtype == object else frame[column]
            assert all(math.isfinite(v) for v in values), (
                f"a chart received NaN or infinity in column {column!r}")


def preset_keys(at) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("preset_btn_")]


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_default_render_is_clean(script):
    at = app_test(script).run()
    assert_clean(at)
    assert at.title, "every page has a title"


@pytest.mark.parametrize("script", PAGE_FILES)
def test_each_preset_button(script):
    at = app_test(script).run()
    for key in preset_keys(at):
        at.button(key=key).click().run()
        assert_clean(at)


@pytest.mark.parametrize("script", PAGE_FILES)
def test_each_preset_by_url(script):
    names = [k.removeprefix("preset_btn_") for k in preset_keys(app_test(script).run())]
    for name in names:
        at = app_test(script)
        at.query_params["preset"] = name
        at.run()
        assert_clean(at)
        assert at.query_params.get("preset") == name, (
            f"preset {name!r}: its values are not all in force after opening its link")


@pytest.mark.parametrize("script", ALL_SCRIPTS)
def test_every_control_is_bound_to_the_url(script):
    """Widgets share state through the URL. A key starting with '_' opts out on purpose
    (for example a per-row edit form); it must say why in the page."""
    at = app_test(script).run()
    unbound = []
    for kind in BINDABLE:
        for widget in at.get(kind):
            key = getattr(widget, "key", None)
            if key and key.startswith("_"):
                continue
            bound = getattr(widget.proto, "query_param_key", "")
            if not key or bound != key:
                unbound.append(f"{kind} {getattr(widget, 'label', '')!r} key={key!r}")
    assert not unbound, unbound


@pytest.mark.parametrize("script", PAGE_FILES)
def test_every_bound_control_is_declared(script):
    """The page's declaration (explorer/<concept>_spec.py) lists every control in its URL,
    with the same default the widget shows."""
    from explorer import course
    from tests.helpers import url_path_of

    spec = course.page_spec(url_path_of(script))
    at = app_test(script).run()
    undeclared = []
    for kind in BINDABLE:
        for widget in at.get(kind):
            key = getattr(widget, "key", None)
            if not key or key.startswith("_") or key == "present":
                continue
            if key not in spec:
                undeclared.append(key)
            elif not spec[key].dynamic and not widget.disabled:
                shown = widget.value
                shown = list(shown) if isinstance(shown, tuple) else shown
                default = spec[key].default
                default = list(default) if isinstance(default, tuple) else default
                assert shown == (pytest.approx(default) if isinstance(default, float)
                                 else default), f"{key}: shows {shown!r}, declared {default!r}"
    assert not undeclared, f"bound but not declared: {undeclared}"
