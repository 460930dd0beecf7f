"""The collaborative filtering page under AppTest: defaults, presets, controls, URL state.

Trained models live in the page's shared store (st.cache_resource), so after the first
render the other tests reuse them instead of training again.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from tests.helpers import chart_named_datasets, chart_specs, metric, open_app, visible_text

PAGE = "pages/8_collaborative_filtering.py"


def run(query: dict | None = None):
    at = open_app(PAGE, **(query or {}))
    assert not at.exception, [e.value for e in at.exception]
    assert_finite_chart_data(at)
    return at


def chart_frames(at) -> list[pd.DataFrame]:
    """Every dataset of every chart (Streamlit ships chart data beside the spec as Arrow)."""
    n_charts = len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))
    return [frame for index in range(n_charts)
            for frame in chart_named_datasets(at, index)[1].values()]


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
    valid = float(metric(at, "Validation RMSE (this model)", exact=True))
    assert valid <= 0.88
    assert valid < float(metric(at, "Biases only (no factors)"))
    assert float(metric(at, "Biases only (no factors)")) < float(
        metric(at, "Global mean for everyone"))
    assert at.slider(key="factors").value == 50
    assert at.select_slider(key="cf_wd").value == 0.1


def test_crosstab_shows_real_ratings_and_the_models_guesses(default_page):
    rows = chart_with(default_page, "has_value")
    assert len(rows) == 12 * 8
    known = [r for r in rows if r["known"]]
    guessed = [r for r in rows if not r["known"]]
    assert known and guessed, "the most active users still leave gaps"
    assert all(0.5 <= r["value"] <= 5.5 for r in rows)
    assert all(r["label"].startswith("(") for r in guessed)


def test_staged_comparison_improves_step_by_step(default_page):
    # st.table: text cells escaped for markdown, numbers written with three decimals
    table = next(t.value for t in default_page.table if "what it adds" in t.value.columns)
    names = [re.sub(r"\\(.)", r"\1", name) for name in table["model"]]
    rmse = dict(zip(names, table.iloc[:, 2].astype(float), strict=True))  # last epoch
    assert list(rmse) == ["dot product", "+ range", "+ biases", "+ weight decay",
                          "biases only"]
    assert rmse["dot product"] > rmse["+ range"] > rmse["+ weight decay"]
    assert rmse["+ weight decay"] <= 0.88 < rmse["biases only"]
    bars = {r["model"]: r["rmse"] for r in chart_with(default_page, "rmse")}
    assert bars == pytest.approx(rmse, abs=5e-4)
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
    assert at.toggle(key="cf_bias").value is False
    assert at.toggle(key="y_range").value is False
    assert at.select_slider(key="cf_wd").value == 0.0
    assert float(metric(at, "Validation RMSE (this model)", exact=True)) > 1.0
    assert "No learned biases" not in visible_text(at)


def test_planted_preset_shows_the_tastes_were_recovered():
    at = run({"preset": "planted"})
    assert at.selectbox(key="cf_dataset").value == "planted tastes"
    assert "Did it find the planted tastes?" in visible_text(at)
    for label in ("Movies: canonical correlations", "Users: canonical correlations"):
        assert min(float(v) for v in metric(at, label).split(" / ")) > 0.95
    rows = chart_with(at, "recovered")
    assert {r["taste"] for r in rows} == {"action ↔ romance", "light ↔ serious"}


def test_switching_dataset_resets_choices_that_do_not_exist_there():
    at = run({"user": "547"})
    at.selectbox(key="cf_dataset").set_value("planted tastes").run()
    assert not at.exception
    assert at.selectbox(key="user").value in [str(k) for k in range(400)]


def test_upload_choice_without_a_file_explains_what_to_do():
    at = run({"cf_dataset": "your CSV"})
    assert "No file uploaded yet" in visible_text(at)
    assert not chart_specs(at)


def test_biases_off_says_there_are_none_to_show():
    at = run({"cf_bias": "false"})
    assert "Biases are off" in visible_text(at)


def test_the_worked_example_is_the_tables_first_gap(default_page):
    import re

    caption = next(c.value for c in default_page.caption
                   if c.value.startswith("The model's guess for this gap"))
    shown = float(re.search(r"gap: ([0-9.]+)", caption).group(1))
    first_gap = next(r for r in chart_with(default_page, "has_value") if not r["known"])
    assert shown == pytest.approx(first_gap["value"], abs=0.005)


def test_a_model_worse_than_the_mean_is_called_out():
    at = run({"cf_lr": "0.3", "y_range": "false", "cf_bias": "false", "cf_wd": "0.0"})
    assert any("does worse on new ratings than predicting the average" in w.value
               for w in at.warning)


def test_an_old_link_with_the_names_before_the_renames_still_sets_the_controls():
    """dataset, bias, wd, epochs and lr were renamed cf_dataset, cf_bias, cf_wd, cf_epochs
    and cf_lr (other pages use those names for other ranges); old links keep working."""
    at = run({"dataset": "planted tastes", "bias": "false", "wd": "0.05", "epochs": "5",
              "lr": "0.03"})
    assert at.selectbox(key="cf_dataset").value == "planted tastes"
    assert at.toggle(key="cf_bias").value is False
    assert at.select_slider(key="cf_wd").value == 0.05
    assert at.slider(key="cf_epochs").value == 5
    assert at.select_slider(key="cf_lr").value == 0.03
    assert metric(at, "Best epoch").endswith("of 5")
    assert "Biases are off" in visible_text(at)
    assert at.query_params.get("cf_lr") == "0.03" and "lr" not in at.query_params


def test_one_factor_draws_the_page_and_the_second_axis_moves_nothing():
    """With one factor there is one main axis; moving along the second changes nothing."""
    still = chart_with(run({"factors": "1"}), "after")
    moved = chart_with(run({"factors": "1", "shift2": "2.0"}), "after")
    assert [r["after"] for r in moved] == pytest.approx([r["before"] for r in still])
    shifted = chart_with(run({"factors": "1", "shift1": "2.0"}), "after")
    assert not np.allclose([r["after"] for r in shifted], [r["before"] for r in shifted])


def test_the_user_is_moved_along_the_main_axes_of_the_movie_map():
    """The edit chart moves the user along the map's own first axis: the map's pc1 is each
    movie's factors on that axis (centred), so the change of each raw score (the squeeze
    undone) is 2 x pc1 plus one constant, the same for every movie."""
    at = run({"shift1": "2.0"})
    edit = pd.DataFrame(chart_with(at, "after"))
    movies = pd.DataFrame(chart_with(at, "pc1")).head(len(edit))  # both most rated first
    assert all(short.rstrip("…") in title
               for short, title in zip(edit["movie"], movies["title"], strict=True))
    low, high = 0.5, 5.0 + 0.5  # MovieLens' range, with the sigmoid's headroom

    def logit(p):
        x = (np.asarray(p, dtype=float) - low) / (high - low)
        return np.log(x / (1 - x))

    change = logit(edit["after"]) - logit(edit["before"])
    rest = change - 2.0 * movies["pc1"].to_numpy()
    assert np.ptp(rest) < 1e-4, "the moves are not along the map's first axis"
    assert np.ptp(change) > 0.1, "the move changed every movie alike"
