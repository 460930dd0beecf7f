"""The gradient descent page under AppTest: defaults, presets, controls, chart data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from explorer import gradient_descent as gd
from tests.helpers import app_test, visible_text

PAGE = "pages/2_gradient_descent.py"


def chart_data(at, index: int = 0) -> tuple[dict, dict]:
    """(spec, {dataset name: DataFrame}) of the page's index-th Vega-Lite chart."""
    el = at.get("vega_lite_chart")[index]
    datasets = {d.name: convert_arrow_bytes_to_pandas_df(d.data.data) for d in el.proto.datasets}
    return json.loads(el.proto.spec), datasets


def step_param(spec: dict) -> dict:
    return next(p for p in spec["params"] if p["name"] == "step")


@pytest.fixture(scope="module")
def default_page():
    return app_test(PAGE).run()


def test_defaults(default_page):
    at = default_page
    assert not at.exception
    assert at.select_slider(key="lr").value == 0.1
    assert at.selectbox(key="opt").value == gd.FULL_BATCH
    assert at.radio(key="loss").value == "MSE"
    assert (at.slider(key="start_a1").value, at.slider(key="start_a2").value) == (-1.0, 1.0)
    assert (at.slider(key="true_a1").value, at.slider(key="true_a2").value) == (3.0, 2.0)
    assert at.slider(key="n").value == 100
    spec, data = chart_data(at)
    assert step_param(spec)["value"] == 100
    assert step_param(spec)["bind"]["input"] == "range"
    path = data["path"]
    assert len(path) == 101 and len(data["points"]) == 100
    assert path["loss"].iloc[0] == pytest.approx(7.7579, abs=1e-4)
    assert path["loss"].iloc[-1] < 0.07
    np.testing.assert_allclose(path[["a1", "a2"]].iloc[-1], [3, 2], atol=0.1)
    for m in ("autograd", "fd"):
        np.testing.assert_allclose(path[f"g_{m}_a1"], path["g_analytic_a1"], atol=5e-5)
    text = visible_text(at)
    assert "column of ones" in text.lower() or "next to a 1" in text
    assert at.table[0].value.shape[1] == 3  # x, 1, y
    assert not at.warning


def test_lr_too_small_crawls_and_just_right_arrives():
    at = app_test(PAGE).run()
    at.button(key="preset_btn_too_small").click().run()
    assert at.select_slider(key="lr").value == 0.003
    _, data = chart_data(at)
    assert data["path"]["loss"].iloc[-1] > 3  # hardly moved
    at.button(key="preset_btn_just_right").click().run()
    _, data = chart_data(at)
    assert data["path"]["loss"].iloc[-1] < 0.07


def test_too_big_oscillates_but_converges():
    at = app_test(PAGE)
    at.query_params["preset"] = "too_big"
    at.run()
    _, data = chart_data(at)
    a2 = data["path"]["a2"].to_numpy()
    residual = a2 - data["path"]["a2"].iloc[-1]
    signs = np.sign(residual[1:10])
    assert np.all(signs[1:] != signs[:-1]), "the intercept jumps across the minimum each step"
    assert data["path"]["loss"].iloc[-1] < 0.07
    assert not at.warning


def test_diverges_preset_says_so_and_draws_only_finite_points():
    at = app_test(PAGE)
    at.query_params["preset"] = "diverges"
    at.run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "diverged at step" in warning and "Lower the learning rate" in warning
    spec, data = chart_data(at)
    for df in data.values():
        assert np.all(np.isfinite(df.select_dtypes("number").to_numpy()))
    assert len(data["path"]) < 31


def test_sgd_preset_is_noisy_and_momentum_preset_uses_a_narrow_valley():
    at = app_test(PAGE).run()
    at.button(key="preset_btn_sgd").click().run()
    assert at.selectbox(key="opt").value == "SGD" and at.slider(key="batch").value == 5
    _, data = chart_data(at)
    loss = data["path"]["loss"].to_numpy()
    assert len(loss) == 20 * 20 + 1
    spec, _ = chart_data(at)
    assert "this mini-batch only" in json.dumps(spec)
    assert not np.allclose(data["path"]["g_step_a1"][:-1], data["path"]["g_analytic_a1"][:-1])
    assert np.any(np.diff(loss) > 0), "a noisy path goes uphill sometimes"
    at.button(key="preset_btn_momentum_valley").click().run()
    assert at.selectbox(key="opt").value == "Momentum"
    assert at.slider(key="x_center").value == 3.0
    _, momentum = chart_data(at)
    at.selectbox(key="opt").set_value(gd.FULL_BATCH).run()
    _, plain = chart_data(at)
    # Same number of steps; momentum ends far lower on the long narrow valley.
    assert len(momentum["path"]) == len(plain["path"]) == 101
    assert momentum["path"]["loss"].iloc[-1] < plain["path"]["loss"].iloc[-1] / 5


def test_controls_change_the_chart(default_page):
    at = app_test(PAGE).run()
    _, before = chart_data(at)
    at.radio(key="loss").set_value("MAE").run()
    spec, after = chart_data(at)
    assert not at.exception
    assert "MAE" in json.dumps(spec)
    assert not np.allclose(before["path"]["loss"], after["path"]["loss"])
    at.slider(key="n").set_value(300).run()
    _, bigger = chart_data(at)
    assert len(bigger["points"]) == 300
    at.slider(key="noise").set_value(0.0).run()
    _, clean = chart_data(at)
    assert np.all(np.isfinite(clean["path"]["loss_plot"]))


def test_slowly_growing_loss_gets_a_notice():
    at = app_test(PAGE).run()
    at.select_slider(key="lr").set_value(1.0).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "higher than it started" in text or "diverged" in text


def test_long_runs_are_capped_and_thinned():
    at = app_test(PAGE).run()
    at.selectbox(key="opt").set_value("SGD").run()
    at.slider(key="batch").set_value(1).run()
    at.slider(key="epochs").set_value(200).run()
    assert not at.exception
    assert any("5,000" in i.value for i in at.info)
    spec, data = chart_data(at)
    assert len(data["path"]) <= 1001
    assert step_param(spec)["bind"]["step"] > 1


def test_surface_choice_loads_its_learning_rates():
    at = app_test(PAGE).run()
    at.selectbox(key="surface").set_value("Rosenbrock valley").run()
    assert at.select_slider(key="surface_lr").value == 0.002
    assert at.select_slider(key="adam_lr").value == 0.1
    assert at.slider(key="surface_steps").value == 1000
    _, data = chart_data(at, 2)  # 0, 1: the main chart side by side and stacked
    assert set(data["paths"]["optimizer"]) == {"Gradient descent", "Momentum", "Adam"}
    table = at.table[-1].value
    assert list(table["optimizer"]) == ["Gradient descent", "Momentum", "Adam"]
    assert "not within" in table["steps to arrive"].iloc[0]


def test_shared_url_reproduces_the_state():
    at = app_test(PAGE)
    at.query_params.update({"lr": "0.5", "opt": "Adam", "epochs": "40", "loss": "MAE",
                            "surface": "Saddle"})
    at.run()
    assert not at.exception
    assert at.select_slider(key="lr").value == 0.5
    assert at.selectbox(key="opt").value == "Adam"
    assert at.slider(key="epochs").value == 40
    assert at.radio(key="loss").value == "MAE"
    assert at.selectbox(key="surface").value == "Saddle"
