"""The tabular page under AppTest: defaults, presets, controls, the URL, the row editor.

Trained networks live in the page's process-wide store, so tests that share settings
reuse one training run.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import app_test, visible_text

PAGE = "pages/7_tabular.py"
pytestmark = pytest.mark.slow


def _charts(at):
    """(spec, rows) of every chart: rows from the spec's inline datasets and from the Arrow
    datasets Streamlit sends beside a single-view chart."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for el in at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        rows = [row for rows in (spec.get("datasets") or {}).values() for row in rows]
        for named in getattr(el.proto, "datasets", []):
            rows += convert_arrow_bytes_to_pandas_df(named.data.data).to_dict("records")
        if el.proto.HasField("data") and el.proto.data.data:
            rows += convert_arrow_bytes_to_pandas_df(el.proto.data.data).to_dict("records")
        out.append((spec, rows))
    return out


def chart_titled(at, fragment: str) -> list[dict] | None:
    """The data rows of the chart whose title contains `fragment`, or None."""
    for spec, rows in _charts(at):
        title = spec.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        if title and fragment in title:
            return rows
    return None


def chart_rows(rows):
    return rows


def run(at):
    at.run()
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
    losses = chart_rows(chart_titled(at, "Loss per epoch"))
    assert len(losses) == 2 * 10
    confusion = chart_rows(chart_titled(at, "Confusion matrix"))
    assert len(confusion) == 9 and sum(r["rows"] for r in confusion) == 69
    diagonal = sum(r["rows"] for r in confusion if r["actual"] == r["predicted"])
    assert diagonal / 69 >= 0.9
    models = {r["model"] for r in chart_rows(chart_titled(at, "Validation accuracy"))}
    assert models == {"predict the majority class", "logistic regression",
                      "gradient-boosted trees", "neural network"}
    emb = chart_rows(chart_titled(at, "Learned embedding of 'island'"))
    assert {r["category"] for r in emb} == {"Biscoe", "Dream", "Torgersen"}
    assert chart_titled(at, "Permutation importance") is not None
    assert chart_titled(at, "Predicted probabilities") is not None


def test_before_after_table_uses_training_statistics(default_page):
    at = default_page
    frames = [d.value for d in at.dataframe]
    after = next(f for f in frames if "bill_length_mm_na" in f.columns)
    assert after["island"].isin([0, 1, 2, 3, 4]).all()
    assert after["bill_length_mm_na"].dtype == bool
    before = next(f for f in frames if "species" in f.columns)
    assert set(before["split"]) <= {"training", "validation"}
    gaps = before["sex"].isna().to_numpy()
    assert gaps.any(), "rows with a gap are shown first"
    assert (after["sex"].to_numpy()[gaps] == 0).all(), "a missing category gets code 0"


def test_titanic_preset_is_binary_with_age_flag():
    at = run(app_test(PAGE, timeout=180))
    at.button(key="preset_btn_titanic_missing").click()
    run(at)
    assert at.selectbox(key="dataset").value == "titanic"
    assert at.selectbox(key="metric").value == "F1"
    assert at.selectbox(key="metric").options == ["accuracy", "precision", "recall", "F1"]
    text = visible_text(at)
    assert "binary classification" in text and "'yes' counts as positive" in text
    frames = [d.value for d in at.dataframe]
    assert any("age_na" in f.columns for f in frames)
    assert chart_titled(at, "Validation F1") is not None
    at.selectbox(key="metric").set_value("recall")
    run(at)
    assert chart_titled(at, "Validation recall") is not None


def test_one_hot_preset_has_no_embedding_to_draw():
    at = app_test(PAGE, timeout=180)
    at.query_params["preset"] = "one_hot"
    run(at)
    assert at.segmented_control(key="inputs").value == "one-hot"
    assert chart_titled(at, "Learned embedding") is None
    assert "no learned embedding" in visible_text(at)


def test_fewer_epochs_change_the_loss_chart(default_page):
    at = default_page
    at.slider(key="epochs").set_value(3)
    run(at)
    assert len(chart_rows(chart_titled(at, "Loss per epoch"))) == 2 * 3
    at.slider(key="epochs").set_value(10)
    run(at)


def test_a_shared_url_reproduces_the_state():
    at = app_test(PAGE, timeout=180)
    at.query_params["dataset"] = "titanic"
    at.query_params["seed"] = "2"
    at.query_params["metric"] = "precision"
    at.query_params["emb"] = "sex"
    at.query_params["row"] = "5"
    run(at)
    assert at.selectbox(key="emb").value == "sex"
    assert at.slider(key="row").value == 5
    assert at.selectbox(key="dataset").value == "titanic"
    assert at.slider(key="seed").value == 2
    assert at.selectbox(key="metric").value == "precision"
    assert chart_titled(at, "Validation precision") is not None


def test_row_editor_accepts_unseen_and_missing_values(default_page):
    at = default_page
    before = [m.value for m in at.metric]
    island = next(s for s in at.selectbox if s.key and s.key.endswith("_island"))
    island.set_value("(a new value)")
    mass = next(n for n in at.number_input if n.key.endswith("_body_mass_g"))
    mass.set_value(None)
    run(at)
    assert at.metric[0].value in ("Adelie", "Chinstrap", "Gentoo")
    probs = chart_rows(chart_titled(at, "Predicted probabilities"))
    assert sum(r["probability"] for r in probs) == pytest.approx(1, abs=1e-4)
    assert before  # a prediction was shown before the edit too


def test_diamonds_preset_is_a_regression_with_predicted_against_actual():
    at = app_test(PAGE, timeout=300)
    at.query_params["preset"] = "diamonds"
    run(at)
    assert at.selectbox(key="metric").options == ["RMSE", "MAE"]
    text = visible_text(at)
    assert "regression" in text and "mean squared error" in text
    points = [r for r in chart_titled(at, "Predicted against actual") if "actual" in r]
    assert len(points) >= 2000
    bars = {r["model"]: r["value"] for r in chart_rows(chart_titled(at, "Validation RMSE"))}
    assert bars["neural network"] < 0.2 * bars["predict the mean"]


def test_overfit_preset_opens_a_gap_between_training_and_validation_loss():
    at = app_test(PAGE, timeout=300)
    at.query_params["preset"] = "overfit"
    run(at)
    assert at.selectbox(key="layers").value == "1000,500"
    losses = chart_titled(at, "Loss per epoch")
    last = {r["split"]: r["loss"] for r in losses if r["epoch"] == 40}
    assert last["training"] < last["validation"] - 0.03
    # Titanic's default embedding to draw is the ticket class (3 categories, not 2).
    assert at.selectbox(key="emb").value == "passengerClass"
