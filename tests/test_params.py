"""Page declarations (explorer.params): URL cleaning, preset checking, and every page's
declaration against the others and against the generated reference."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import course
from explorer.params import PageSpec, Param, ParamError, Preset, clean_query, number_token

SEED = Param("seed", "Seed", "number_input", 0, lo=0, hi=9999)
NOISE = Param("noise", "Noise", "slider", 0.25, lo=0.0, hi=2.0, step=0.05)
LR = Param("lr", "Learning rate", "select_slider", 0.1, options=(0.001, 0.01, 0.1, 1.0),
           fmt=lambda v: f"{v:g}")
FLAG = Param("flip", "Flip", "toggle", False)
TEXT = Param("expr", "Expression", "text_input", "a*b", max_chars=50)
MANY = Param("compare", "Compare", "multiselect", ["ReLU"], options=("ReLU", "tanh", "GELU"))


@pytest.mark.parametrize("raw", ["inf", "-inf", "nan", "NaN", "Infinity", "1e400",
                                 "9" * 5000, "abc", "", "1,5", "0x10"])
def test_numbers_that_are_not_finite_or_not_numbers_are_dropped(raw):
    for param in (SEED, NOISE):
        kept, note = param.from_url([raw])
        assert kept is None and note


@pytest.mark.parametrize(("raw", "expected"), [("1e308", "9999"), ("-5", "0"), ("12.7", "13"),
                                               ("5.0", "5"), ("17", "17")])
def test_whole_numbers_are_clamped_and_rounded(raw, expected):
    assert SEED.from_url([raw])[0] == [expected]


@pytest.mark.parametrize(("raw", "expected", "noted"), [
    ("0.123456", "0.1", True), ("0.13", "0.15", True), ("7", "2", True), ("-1e308", "0", True),
    ("0.3", "0.3", False), ("0.30000000000000004", "0.3", False), ("1.95", "1.95", False)])
def test_numbers_snap_to_the_step_so_a_link_cannot_mint_new_values(raw, expected, noted):
    kept, note = NOISE.from_url([raw])
    assert kept == [expected]
    assert bool(note) is noted


def test_choices_flags_text_and_lists():
    assert LR.from_url(["0.01"]) == (["0.01"], None)
    assert LR.from_url(["0.02"])[0] is None
    assert LR.from_url(["![x](http://127.0.0.1:9/p.png)"])[0] is None
    assert FLAG.from_url(["TRUE"]) == (["true"], None)
    assert FLAG.from_url(["yes"])[0] is None
    assert TEXT.from_url(["a" * 50]) == (["a" * 50], None)
    assert TEXT.from_url(["a" * 51])[0] is None
    assert MANY.from_url(["tanh", "nope", "tanh", "GELU"])[0] == ["tanh", "GELU"]
    assert MANY.from_url(["nope"])[0] is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=3))
def test_whatever_the_url_says_the_kept_value_is_one_the_control_can_take(raw):
    for param in (SEED, NOISE, LR, FLAG, TEXT, MANY):
        kept, _ = param.from_url(raw)
        if kept is None:
            continue
        if param.kind in ("int", "float"):
            value = float(kept[0])
            assert math.isfinite(value)
            assert param.problem(int(value) if param.kind == "int" else value) is None
        elif param.kind == "choice":
            assert kept[0] in {param.label_of(o) for o in param.options}
        elif param.kind == "many":
            assert set(kept) <= set(param.options)
        elif param.kind == "text":
            assert len(kept[0]) <= param.max_chars


def test_clean_query_changes_only_what_it_must_and_reads_old_names():
    old = Param("pixel_noise", "Noise", "slider", 0, lo=0, hi=160, step=10, aliases=("noise",))
    changes, notes = clean_query([SEED, NOISE], {
        "seed": ["inf"], "noise": ["0.3"], "present": ["true"], "junk": ["x"]})
    assert changes == {"seed": None}
    assert notes == ["seed: is not a finite number"]
    changes, _ = clean_query([old], {"noise": ["40"]})
    assert changes == {"noise": None, "pixel_noise": ["40"]}
    changes, _ = clean_query([old], {"noise": ["40"], "pixel_noise": ["80"]})
    assert changes == {"noise": None}


def test_an_old_choice_value_opens_its_replacement_with_a_note():
    size = Param("size", "Resolution", "radio", "28×28", options=("28×28", "14×14", "7×7"),
                 value_aliases=(("18×18", "14×14"), ("8×8", "7×7")))
    assert size.from_url(["8×8"]) == (["7×7"], "8×8 is no longer offered, so it shows 7×7")
    assert size.from_url(["14×14"]) == (["14×14"], None)
    assert size.from_url(["9×9"]) == (None, "is not one of the options")
    changes, notes = clean_query([size], {"size": ["18×18"]})
    assert changes == {"size": ["14×14"]} and notes == [
        "size: 18×18 is no longer offered, so it shows 14×14"]
    assert size.problem("8×8")  # a preset or a tour step must name a real option
    with pytest.raises(ParamError, match="old value"):
        Param("size", "Resolution", "radio", "7×7", options=("7×7",),
              value_aliases=(("8×8", "6×6"),))
    with pytest.raises(ParamError, match="old value"):
        Param("size", "Resolution", "radio", "7×7", options=("7×7",),
              value_aliases=(("7×7", "7×7"),))


def test_a_preset_with_an_unknown_key_or_impossible_value_fails_when_declared():
    with pytest.raises(ParamError, match=r"page demo, preset typo: unknown parameter 'lrr'"):
        PageSpec("demo", (LR,), (Preset("typo", "Typo", {"lrr": 0.1}),))
    with pytest.raises(ParamError, match=r"page demo, preset big: noise=3.0 is outside"):
        PageSpec("demo", (NOISE,), (Preset("big", "Big", {"noise": 3.0}),))
    with pytest.raises(ParamError, match=r"page demo, preset off: noise=0.123 is not on the step"):
        PageSpec("demo", (NOISE,), (Preset("off", "Off", {"noise": 0.123}),))
    with pytest.raises(ParamError, match=r"lr=0.02 is not one of the options"):
        PageSpec("demo", (LR,), (Preset("odd", "Odd", {"lr": 0.02}),))
    with pytest.raises(ParamError, match="reserved"):
        Param("preset", "x", "toggle", False)
    with pytest.raises(ParamError, match="default"):
        Param("x", "x", "slider", 5, lo=0, hi=3)


def test_number_tokens_match_streamlits_url_form():
    assert [number_token(v) for v in (5.0, 0.25, 3, 1e-05, -0.5)] == [
        "5", "0.25", "3", "1e-05", "-0.5"]


# ---- every page's declaration ----------------------------------------------------------


@pytest.fixture(scope="module")
def specs() -> dict[str, PageSpec]:
    return {page.url_path: course.page_spec(page.url_path) for page in course.LEARNING_PATH}


def test_every_page_declares_its_parameters(specs):
    for url_path, spec in specs.items():
        assert spec.url_path == url_path
        assert spec.params, url_path
        source = (course.ROOT / course.page_by_url(url_path).file).read_text()
        assert "spec=SPEC" in source, f"{url_path}: page_setup(..., spec=SPEC) cleans its URL"
        assert 'bind="query-params"' not in source, (
            f"{url_path}: widgets come from the declaration (ui.widget), not inline")


def _shape(param: Param) -> tuple:
    return (param.kind, param.lo, param.hi, param.step,
            tuple(param.label_of(o) for o in param.options), param.dynamic)


def test_a_key_used_on_several_pages_means_the_same_there(specs):
    """Same name, same kind and range; otherwise a page gives its own name (and keeps the
    old one as an alias, so old links still work)."""
    seen: dict[str, tuple[str, tuple]] = {}
    clashes = []
    for url_path, spec in specs.items():
        for param in spec.params:
            for name in (param.key,):
                if name in seen and seen[name][1] != _shape(param):
                    clashes.append(f"{name}: {seen[name][0]} vs {url_path}")
                seen.setdefault(name, (url_path, _shape(param)))
    assert not clashes, clashes


def test_the_parameter_reference_is_current():
    from tools import params_reference

    assert params_reference.TARGET.read_text() == params_reference.render(), (
        "docs/url-parameters.md is out of date: run `make reference`")
