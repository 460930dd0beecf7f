"""The collaborative filtering page under AppTest: defaults, presets, controls, URL state.

Trained models live in the page's shared store (st.cache_resource), so after the first
render the other tests reuse them instead of training again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.helpers import app_test, chart_specs, visible_text

PAGE = "pages/8_collaborative_filtering.py"


def run(query: dict | None = None):
    at = app_test(PAGE, timeout=240)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert_finite_chart_data(at)
    return at


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart_frames(at) -> list[pd.DataFrame]:
    """Every dataset of every chart. Streamlit ships chart data beside the spec as Arrow
    (proto.datasets), so tests.helpers.chart_specs, which reads the spec, does not see it."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    frames = []
    for el in [*at.get("vega_lite_chart"), *at.get("arrow_vega_lite_chart")]:
        frames += [convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets]
        if el.proto.HasField("data") and el.proto.data.data:
            frames.append(convert_arrow_bytes_to_pandas_df(el.proto.data.data))
    return frames


def chart_with(at, column: str) -> list[dict]:
    for frame in chart_frames(at):
        if column in frame.columns:
            return frame.to_dict("records")
    raise AssertionError(f"no chart has a column {column!r}")


def assert_finite_chart_data(at) -> None:
    for frame in chart_frames(at):
        numbers = frame.select_dtypes("number").to_numpy(dtype=float)
        assert np.isfinite(numbers).all(), "a chart received NaN or infinity"


@pytest.fixture(scope="module")
def default_page():
    return run()


def test_defaults_meet_the_target_and_beat_the_baselines(default_page):
    at = default_page
    valid = float(metric(at, "Validation RMSE (this model)"))
    assert valid <= 0.88
    assert valid < float(metric(at, "Biases only (no factors)"))
    assert float(metric(at, "Biases only (no factors)")) < float(
        metric(at, "Global mean for everyone"))
    assert at.slider(key="factors").value == 50
    assert at.select_slider(key="wd").value == 0.1


def test_crosstab_shows_real_ratings_and_the_models_guesses(default_page):
    rows = chart_with(default_page, "has_value")
    assert len(rows) == 12 * 8
    known = [r for r in rows if r["known"]]
    guessed = [r for r in rows if not r["known"]]
    assert known and guessed, "the most active users still leave gaps"
    assert all(0.5 <= r["value"] <= 5.5 for r in rows)
    assert all(r["label"].startswith("(") for r in guessed)


def test_staged_comparison_improves_step_by_step(default_page):
    table = next(df.value for df in default_page.dataframe if "what it adds" in df.value)
    rmse = dict(zip(table["model"], table["validation RMSE"], strict=True))
    assert list(rmse) == ["dot product", "+ range", "+ biases", "+ weight decay",
                          "biases only"]
    assert rmse["dot product"] > rmse["+ range"] > rmse["+ weight decay"]
    assert rmse["+ weight decay"] <= 0.88 < rmse["biases only"]
    bars = {r["model"]: r["rmse"] for r in chart_with(default_page, "rmse")}
    assert bars == pytest.approx(rmse)
    # the last stage is the page's own default model
    assert rmse["+ weight decay"] == pytest.approx(
        float(metric(default_page, "Validation RMSE (this model)")), abs=5e-4)


def test_learned_views_are_there(default_page):
    text = visible_text(default_page)
    assert "Nearest to *Forrest Gump*" in text
    assert "Top picks for user" in text
    assert "new user" in text
    loss = chart_with(default_page, "epoch")
    assert {r["curve"] for r in loss} == {"training", "validation"}
    movie_map = chart_with(default_page, "pc1")
    assert len(movie_map) == 300


def test_moving_a_users_factors_changes_only_their_predictions():
    before = chart_with(run(), "after")
    after = chart_with(run({"shift1": "2.0"}), "after")
    assert [r["before"] for r in before] == pytest.approx([r["before"] for r in after])
    assert [r["after"] for r in before] == pytest.approx([r["before"] for r in before])
    assert not np.allclose([r["after"] for r in after], [r["before"] for r in after])


def test_a_shared_url_reproduces_the_controls():
    at = run({"movie": "Pulp Fiction", "user": "15", "shift2": "-1.0"})
    assert at.selectbox(key="movie").value == "Pulp Fiction"
    assert at.selectbox(key="user").value == "15"
    assert at.slider(key="shift2").value == -1.0
    assert "Nearest to *Pulp Fiction*" in visible_text(at)
    assert "Top picks for user 15" in visible_text(at)


def test_dot_product_preset_is_much_worse():
    at = run()
    at.button(key="preset_btn_dot_product").click().run()
    assert not at.exception
    assert_finite_chart_data(at)
    assert at.toggle(key="bias").value is False
    assert at.toggle(key="y_range").value is False
    assert at.select_slider(key="wd").value == 0.0
    assert float(metric(at, "Validation RMSE (this model)")) > 1.0
    assert "No learned biases" not in visible_text(at)


def test_planted_preset_shows_the_tastes_were_recovered():
    at = run({"preset": "planted"})
    assert at.selectbox(key="dataset").value == "planted tastes"
    assert "Did it find the planted tastes?" in visible_text(at)
    for label in ("Movies: canonical correlations", "Users: canonical correlations"):
        assert min(float(v) for v in metric(at, label).split(" / ")) > 0.95
    rows = chart_with(at, "recovered")
    assert {r["taste"] for r in rows} == {"action ↔ romance", "light ↔ serious"}


def test_switching_dataset_resets_choices_that_do_not_exist_there():
    at = run({"user": "547"})
    at.selectbox(key="dataset").set_value("planted tastes").run()
    assert not at.exception
    assert at.selectbox(key="user").value in [str(k) for k in range(400)]


def test_upload_choice_without_a_file_explains_what_to_do():
    at = run({"dataset": "your CSV"})
    assert "No file uploaded yet" in visible_text(at)
    assert not chart_specs(at)


def test_biases_off_says_there_are_none_to_show():
    at = run({"bias": "false"})
    assert "Biases are off" in visible_text(at)


def test_the_worked_example_is_the_tables_first_gap(default_page):
    import re

    caption = next(c.value for c in default_page.caption
                   if c.value.startswith("The model's guess for this gap"))
    shown = float(re.search(r"gap: ([0-9.]+)", caption).group(1))
    first_gap = next(r for r in chart_with(default_page, "has_value") if not r["known"])
    assert shown == pytest.approx(first_gap["value"], abs=0.005)


def test_a_model_worse_than_the_mean_is_called_out():
    at = run({"lr": "0.3", "y_range": "false", "bias": "false", "wd": "0.0"})
    assert any("does worse on new ratings than predicting the average" in w.value
               for w in at.warning)
