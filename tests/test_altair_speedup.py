"""The Altair speed-up (explorer/altair_speedup.py) must not change a single spec."""

from __future__ import annotations

import time

import altair as alt
import numpy as np
import pandas as pd
import pytest

from explorer import altair_speedup

FRAME = pd.DataFrame({"x": np.arange(20), "y": np.linspace(-1, 1, 20),
                      "group": ["a", "b"] * 10, "when": pd.date_range("2026-01-01", periods=20)})


def sample_charts() -> list[alt.TopLevelMixin]:
    brush = alt.selection_interval(encodings=["x"], name="brush")
    pick = alt.selection_point(fields=["group"], name="pick")
    line = alt.Chart(FRAME).mark_line().encode(
        x="x:Q", y=alt.Y("y:Q", title="value", scale=alt.Scale(domain=[-2, 2])),
        color=alt.Color("group:N", legend=alt.Legend(orient="bottom")),
        tooltip=["x:Q", alt.Tooltip("y:Q", format=".3f"), "group"])
    points = alt.Chart(FRAME).mark_point(filled=True).encode(
        x={"field": "x", "type": "quantitative"}, y="mean(y):Q",
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.2))).add_params(pick)
    heat = alt.Chart(FRAME).mark_rect().encode(
        x="x:O", y="group:N", color=alt.Color("y:Q", scale=alt.Scale(scheme="blueorange")))
    timeline = alt.Chart(FRAME).mark_area().encode(x="when:T", y="sum(y):Q").add_params(brush)
    text = alt.Chart(FRAME).mark_text(dx=4).encode(x="x:Q", y="y:Q", text=alt.Text("y:Q",
                                                                               format=".1f"))
    return [line, line + points + text, heat.properties(width=200) | timeline,
            alt.vconcat(points, heat).resolve_scale(color="independent"),
            line.facet(column="group:N"),
            alt.Chart(FRAME).transform_fold(["x", "y"]).mark_bar().encode(x="key:N",
                                                                         y="value:Q")]


def specs() -> list[dict]:
    return [chart.to_dict() for chart in sample_charts()]


@pytest.fixture
def without_speedup():
    altair_speedup.uninstall()
    yield
    altair_speedup.install()


def test_specs_are_identical_with_and_without_the_speedup(without_speedup):
    plain = specs()
    altair_speedup.install()
    try:
        fast = specs()
        # from_dict itself, on a whole spec, gives the same chart back.
        rebuilt = [alt.Chart.from_dict(spec).to_dict() for spec in fast]
    finally:
        altair_speedup.uninstall()
    assert fast == plain
    assert rebuilt == plain


def test_the_speedup_makes_channel_building_faster(without_speedup):
    def build_time() -> float:
        sample_charts()  # warm
        t0 = time.perf_counter()
        for _ in range(5):
            sample_charts()
        return time.perf_counter() - t0

    plain = build_time()
    altair_speedup.install()
    try:
        fast = build_time()
    finally:
        altair_speedup.uninstall()
    assert fast < plain / 1.5, (plain, fast)
