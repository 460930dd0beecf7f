"""The tabular page under AppTest: defaults, presets, controls, the URL, the row editor.

Trained networks live in the page's process-wide store, so tests that share settings
reuse one training run.
"""

from __future__ import annotations

import pandas as pd
import pytest

from explorer.ui import GAP
from tests.helpers import app_test, chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/7_tabular.py"
pytestmark = pytest.mark.slow


def chart_titled(at, fragment: str) -> list[dict] | None:
    """The data rows of the chart whose title contains `fragment`, or None."""
    n_charts = len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))
    for index in range(n_charts):
        spec, frames = chart_named_datasets(at, index)
        title = spec.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        if title and fragment in title:
            return [row for frame in frames.values() for row in frame.to_dict("records")]
    return None


def run(at):
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def opened(**query):
    """The page opened on a URL with these parameters, checked for exceptions."""
    at = open_app(PAGE, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def default_page():
    return run(app_test(PAGE, timeout=180))


def test_defaults_show_penguins_end_to_end(default_page):
    at = default_page
    assert at.selectbox(key="dataset").value == "penguins"
    assert at.selectbox(key="metric").value == "accuracy"
    assert at.selectbox(key="metric").options == ["accuracy"]
    text = visible_text(at)
    assert "multiclass classification" in text and "cross-entropy" in text
    losses = chart_titled(at, "Loss per epoch")
    assert len(losses) == 2 * 10
    confusion = chart_titled(at, "Confusion matrix")
    assert len(confusion) == 9 and sum(r["rows"] for r in confusion) == 69
    diagonal = sum(r["rows"] for r in confusion if r["actual"] == r["predicted"])
    assert diagonal / 69 >= 0.9
    models = {r["model"] for r in chart_titled(at, "Validation accuracy")}
    assert models == {"predict the majority class", "logistic regression",
                      "gradient-boosted trees", "neural network"}
    emb = chart_titled(at, "Learned embedding of 'island'")
    assert {r["category"] for r in emb} == {"Biscoe", "Dream", "Torgersen"}
    assert chart_titled(at, "Permutation importance") is not None
    assert chart_titled(at, "Predicted probabilities") is not None


def tables(at) -> list:
    """The page's tables (ui.table: plain st.table, names and text markdown-escaped), with
    names and text as the data has them."""
    frames = [t.value.copy() for t in at.table]
    for frame in frames:
        frame.columns = [c.replace("\\", "") for c in frame.columns]
        for column in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[column]):
                frame[column] = [v.replace("\\", "") if isinstance(v, str) else v
                                 for v in frame[column]]
    return frames


def test_before_after_table_uses_training_statistics(default_page):
    at = default_page
    assert not at.dataframe  # small tables are plain tables: no data grid to load
    frames = tables(at)
    after = next(f for f in frames if "bill_length_mm_na" in f.columns)
    assert after["island"].isin([0, 1, 2, 3, 4]).all()
    assert after["bill_length_mm_na"].dtype == bool
    before = next(f for f in frames if "species" in f.columns)
    assert set(before["split"]) <= {"training", "validation"}
    assert list(before["row"]) == list(after["row"])  # the same rows, side by side
    gaps = (before["sex"] == GAP).to_numpy()
    assert gaps.any(), "rows with a gap are shown first"
    assert (after["sex"].to_numpy()[gaps] == 0).all(), "a missing category gets code 0"
    # A missing number is filled with the training median, then normalized like the rest.
    stats = next(f for f in frames if "training median" in f.columns).set_index("column")
    gap_rows = (before["bill_length_mm"] == GAP).to_numpy()
    assert gap_rows.any()
    median, mean, std = (float(stats.loc["bill_length_mm", f"training {name}"])
                         for name in ("median", "mean", "std"))
    for cell in after["bill_length_mm"].to_numpy()[gap_rows]:
        assert float(cell) == pytest.approx((median - mean) / std, abs=2e-3)
    assert after["bill_length_mm_na"].to_numpy()[gap_rows].all()


def test_titanic_preset_is_binary_with_age_flag():
    at = run(app_test(PAGE, timeout=180))
    at.button(key="preset_btn_titanic_missing").click()
    run(at)
    assert at.selectbox(key="dataset").value == "titanic"
    assert at.selectbox(key="metric").value == "F1"
    assert at.selectbox(key="metric").options == ["accuracy", "precision", "recall", "F1"]
    text = visible_text(at)
    assert "binary classification" in text and "'yes' counts as positive" in text
    assert any("age_na" in f.columns for f in tables(at))
    assert chart_titled(at, "Validation F1") is not None
    at.selectbox(key="metric").set_value("recall")
    run(at)
    assert chart_titled(at, "Validation recall") is not None


def test_one_hot_preset_has_no_embedding_to_draw():
    at = opened(preset="one_hot")
    assert at.segmented_control(key="inputs").value == "one-hot"
    assert chart_titled(at, "Learned embedding") is None
    assert "no learned embedding" in visible_text(at)


def test_fewer_epochs_change_the_loss_chart(default_page):
    at = default_page
    at.slider(key="tab_epochs").set_value(3)
    run(at)
    assert len(chart_titled(at, "Loss per epoch")) == 2 * 3
    at.slider(key="tab_epochs").set_value(10)
    run(at)


def test_a_shared_url_reproduces_the_state():
    at = opened(dataset="titanic", tab_seed=2, metric="precision", emb="sex", tab_row=5)
    assert at.selectbox(key="emb").value == "sex"
    assert at.slider(key="tab_row").value == 5
    assert at.selectbox(key="dataset").value == "titanic"
    assert at.slider(key="tab_seed").value == 2
    assert at.selectbox(key="metric").value == "precision"
    assert chart_titled(at, "Validation precision") is not None


def test_an_old_link_with_the_names_before_the_renames_still_sets_the_controls():
    """seed, row, epochs and lr were renamed tab_seed, tab_row, tab_epochs and tab_lr (they
    meant other ranges on other pages); a link with the old names keeps working."""
    at = opened(dataset="titanic", seed=2, row=5, epochs=12, lr="0.003")
    assert at.slider(key="tab_seed").value == 2
    assert at.slider(key="tab_row").value == 5
    assert at.slider(key="tab_epochs").value == 12
    assert at.select_slider(key="tab_lr").value == 0.003
    assert len(chart_titled(at, "Loss per epoch")) == 2 * 12
    assert at.query_params.get("tab_seed") == "2" and "seed" not in at.query_params


def test_a_row_past_the_end_of_the_validation_rows_falls_back_to_the_first():
    at = opened(tab_row=5000)  # penguins have 69 validation rows
    assert at.slider(key="tab_row").value == 1
    assert at.slider(key="tab_row").max == 69


def test_row_editor_accepts_unseen_and_missing_values(default_page):
    at = default_page
    before = metric(at, "Predicted class")
    island = next(s for s in at.selectbox if s.key and s.key.endswith("_island"))
    island.set_value("(a new value)")
    mass = next(n for n in at.number_input if n.key.endswith("_body_mass_g"))
    mass.set_value(None)
    run(at)
    assert metric(at, "Predicted class") in ("Adelie", "Chinstrap", "Gentoo")
    probs = chart_titled(at, "Predicted probabilities")
    assert sum(r["probability"] for r in probs) == pytest.approx(1, abs=1e-4)
    assert before in ("Adelie", "Chinstrap", "Gentoo")  # a prediction before the edit too


def test_diamonds_preset_is_a_regression_with_predicted_against_actual():
    at = app_test(PAGE, timeout=300)
    at.query_params["preset"] = "diamonds"
    run(at)
    assert at.selectbox(key="metric").options == ["RMSE", "MAE"]
    text = visible_text(at)
    assert "regression" in text and "mean squared error" in text
    points = [r for r in chart_titled(at, "Predicted against actual") if "actual" in r]
    assert len(points) >= 2000
    bars = {r["model"]: r["value"] for r in chart_titled(at, "Validation RMSE")}
    assert bars["neural network"] < 0.2 * bars["predict the mean"]


def test_overfit_preset_trains_on_a_tenth_of_the_rows_and_says_it_overfits():
    at = app_test(PAGE, timeout=300)
    at.query_params["preset"] = "overfit"
    run(at)
    assert at.selectbox(key="layers").value == "500,250"
    assert at.select_slider(key="tab_rows").value == 10
    assert "(105 of the 1,047 training rows: only 10% of them are used)" in visible_text(at)
    losses = chart_titled(at, "Loss per epoch")
    last = {r["split"]: r["loss"] for r in losses if r["epoch"] == 30}
    assert last["training"] < last["validation"] - 0.2
    # The page's own overfitting notice, computed from the same curves.
    assert any("That is overfitting." in el.value for el in at.info)
    # Titanic's default embedding to draw is the ticket class (3 categories, not 2).
    assert at.selectbox(key="emb").value == "passengerClass"


def _elements(at) -> int:
    def walk(node) -> int:
        children = getattr(node, "children", None) or {}
        return 1 + sum(walk(c) for c in children.values())

    return walk(at.main)


def test_the_page_keeps_the_same_elements_on_the_training_run_and_the_next():
    """An element more on one run (a progress bar, a preset's note) shifts every element
    after it: Streamlit takes them for new ones, and an open expander below (the questions)
    closes as the learner answers."""
    at = app_test(PAGE, timeout=180)
    at.query_params["layers"] = "50"
    at.query_params["tab_epochs"] = "2"  # trained by this run, found by the next
    run(at)
    trained = _elements(at)
    run(at)
    assert _elements(at) == trained


def test_the_first_run_marks_the_preset_the_next_runs_mark():
    at = app_test(PAGE, timeout=180)
    run(at)
    first = [el.value for el in at.info]
    run(at)
    assert first == [el.value for el in at.info] and first[0].startswith("Three species")
    other = opened(layers="50")  # not a preset's values: no note on either run
    assert not other.info
    run(other)
    assert not other.info
