"""The over/underfitting page under AppTest: each tab, the presets' effects, a few controls,
bad input and divergence, and the chart data."""

from __future__ import annotations

import json

import pytest

from tests.helpers import chart_named_datasets, chart_specs, metric, open_app, visible_text

PAGE = "pages/6_over_underfitting.py"


def chart_rows(at) -> list[list[dict]]:
    """Each chart's rows, all its datasets together."""
    n = len(chart_specs(at))
    return [[row for frame in chart_named_datasets(at, i)[1].values()
             for row in frame.to_dict("records")] for i in range(n)]


def open_page(**params):
    return open_app(PAGE, **params)


def test_default_is_the_polynomial_tab_about_right():
    at = open_page()
    assert not at.exception
    assert metric(at, "Verdict") == "About right"
    specs = chart_specs(at)
    data = chart_rows(at)
    assert len(specs) == 2
    sweep_rows = [r for r in data[1] if "mse" in r]
    assert {r["degree"] for r in sweep_rows} == set(range(16))
    assert any(r.get("label") == "your degree: 3" for r in data[1])


def test_presets_set_the_polynomial_teaching_moments():
    at = open_page()
    at.button(key="preset_btn_underfit_line").click().run()
    assert at.slider(key="degree").value == 1
    assert metric(at, "Verdict") == "Underfit"
    at.button(key="preset_btn_overfit_15").click().run()
    assert (at.slider(key="degree").value, at.slider(key="fit_n").value) == (15, 10)
    assert metric(at, "Verdict") == "Overfit"
    assert metric(at, "Training error") == "0.0000"
    assert "16 coefficients but there are only 10 points" in visible_text(at)
    at.button(key="preset_btn_more_data").click().run()
    assert at.slider(key="fit_n").value == 200
    assert metric(at, "Verdict") == "About right"


def test_moving_the_degree_changes_the_fitted_curve():
    at = open_page()
    before = [r["y"] for r in chart_rows(at)[0] if r.get("curve") == "fitted curve"]
    at.slider(key="degree").set_value(1).run()
    after = [r["y"] for r in chart_rows(at)[0] if r.get("curve") == "fitted curve"]
    assert before != after


def test_shared_url_reproduces_the_polynomial_state():
    at = open_page(truth="step", degree=7, fit_n=40, fit_noise=0.5)
    assert at.selectbox(key="truth").value == "step"
    assert (at.slider(key="degree").value, at.slider(key="fit_n").value) == (7, 40)
    assert at.slider(key="fit_noise").value == pytest.approx(0.5)
    assert metric(at, "Verdict").startswith(("Underfit", "About", "Overfit"))


@pytest.fixture(scope="module")
def network_page():
    return open_page(tab="Network")


def test_network_tab_trains_and_draws_the_replay(network_page):
    """One replay chart in three layouts (side by side, stacked at two sizes; the browser
    shows the one that fits): every frame's output over the plane, the loss curves, the
    numbers of each frame, and the slider over the frames."""
    from explorer import fitting_network as net

    at = network_page
    assert not at.exception
    specs = chart_specs(at)
    assert len(specs) == 3
    for index, spec in enumerate(specs):
        _, frames = chart_named_datasets(at, index)
        cells = frames["cells"]
        frame_cols = [c for c in cells if c.startswith("p")]
        assert len(cells) == 60 * 60 and 40 <= len(frame_cols) <= 60
        assert cells[frame_cols].to_numpy().max() <= 250
        hist = frames["hist"]
        assert len(hist) == 2 * (300 + 1)  # epoch 0 and 300 epochs, training and validation
        numbers = frames["frames"]
        assert len(numbers) == len(frame_cols)
        assert numbers["epoch"].iloc[0] == 0 and numbers["epoch"].iloc[-1] == 300
        params = {p["name"]: p for p in spec["params"]}
        snap = params["snap"]
        assert snap["value"] == snap["bind"]["max"] == len(frame_cols) - 1
        assert len(frames["nodes"]) == 2 + 8 + 8 + 1
    # the numbers the chart prints at the last frame are the metrics above it
    last = chart_named_datasets(at, 0)[1]["frames"]["label"].iloc[-1]
    assert f"{metric(at, 'Validation loss')} validation" in last
    assert f"{metric(at, 'Validation accuracy')} validation" in last
    assert net.snapshot_epochs(300) == [e for e in chart_named_datasets(at, 0)[1]["frames"]
                                        ["epoch"] if e in net.snapshot_epochs(300)]
    assert float(metric(at, "Validation loss")) > 0


def test_early_stopping_opens_the_replay_on_the_best_epoch():
    at = open_page(tab="Network", early_stop="true")
    spec, frames = chart_named_datasets(at, 0)
    snap = next(p for p in spec["params"] if p["name"] == "snap")
    best = int(metric(at, "Best epoch"))
    assert frames["frames"]["epoch"].iloc[snap["value"]] == best
    assert snap["value"] < snap["bind"]["max"]


def test_feature_presets_open_their_teaching_moment():
    at = open_page(preset="circle_squares")
    assert not at.exception
    assert at.session_state["tab"] == "Network"
    assert at.multiselect(key="fit_features").value == ["x1²", "x2²"]
    assert at.text_input(key="hidden").value == ""
    assert float(metric(at, "Validation accuracy").rstrip("%")) > 95
    assert "x1² + x2² = r²" in visible_text(at)
    _, frames = chart_named_datasets(at, 0)
    assert len(frames["nodes"]) == 2 + 1  # two inputs straight into the output
    assert set(frames["labels"]["text"]) >= {"x1²", "x2²", "inputs", "output"}
    at = open_page(preset="xor_product")
    assert float(metric(at, "Validation accuracy").rstrip("%")) > 90


def test_features_come_from_the_url_in_a_fixed_order():
    at = open_page(tab="Network", fit_features=["x1·x2", "x1"], fit_epochs=50)
    assert not at.exception
    assert at.multiselect(key="fit_features").value == ["x1·x2", "x1"]
    _, frames = chart_named_datasets(at, 0)
    inputs = frames["labels"][frames["labels"]["align"] == "right"]["text"].tolist()
    assert inputs == ["x1", "x1·x2"]
    at = open_page(tab="Network", fit_features=["nope"], fit_epochs=50)
    assert not at.exception
    assert at.multiselect(key="fit_features").value == ["x1", "x2"]


def test_no_feature_picked_trains_on_x1_and_x2_with_a_note():
    at = open_page(tab="Network", fit_epochs=50)
    at.multiselect(key="fit_features").set_value([]).run()
    assert not at.exception
    assert "at least one input feature" in visible_text(at)
    assert len(chart_specs(at)) == 3


def test_the_regression_set_predicts_a_height():
    at = open_page(tab="Network", fit_dataset="hills", fit_epochs=100)
    assert not at.exception
    r2 = float(metric(at, "Validation R²"))
    assert 0 < r2 <= 1
    spec, frames = chart_named_datasets(at, 0)
    assert "target" in frames["points"] and "label" not in frames["points"]
    assert "mean squared error" in json.dumps(spec)
    assert f"{metric(at, 'Validation R²')} validation" in frames["frames"]["label"].iloc[-1]


def test_weight_decay_preset_shows_before_and_after():
    at = open_page(preset="weight_decay")
    assert not at.exception
    assert at.session_state["tab"] == "Network"
    text = visible_text(at)
    assert "Before and after" in text
    assert len(chart_specs(at)) == 3 + 4  # the replay (3 layouts), then before and after
    gap = next(m for m in at.metric if m.label == "Gap")
    assert float(gap.value) < 0.2
    assert "vs. no regularization" in str(gap.proto.delta)


def test_diverging_learning_rate_stops_with_a_message():
    at = open_page(tab="Network", fit_lr=10.0, fit_epochs=100)
    assert not at.exception
    assert "diverged" in visible_text(at).lower()
    # the stop is local: the other tabs' controls still render and keep their state
    assert at.slider(key="rows").value == 60
    assert at.slider(key="degree").value == 3


def test_bad_hidden_layer_text_gets_a_message_and_keeps_working():
    at = open_page(tab="Network", hidden="sixteen", fit_epochs=50)
    assert not at.exception
    assert "whole numbers" in visible_text(at)
    assert len(chart_specs(at)) == 3


def test_finding_9_hidden_layers_text_is_answered_in_our_words():
    """Issue 20, finding 9: the hidden-layers box showed Python's own message
    (`invalid literal for int() with base 10: '²'`)."""
    at = open_page(tab="Network", hidden="²", fit_epochs=50)
    assert not at.exception
    warning = " ".join(el.value for el in at.warning)
    assert "Hidden layers must be whole numbers separated by commas, like 16,16." in warning
    assert "Using 16,16 until the text is fixed." in warning
    assert "invalid literal" not in visible_text(at) and "base 10" not in visible_text(at)
    assert len(chart_specs(at)) == 3  # the replay, in its three layouts


def test_evaluation_tab_draws_folds_and_comparison():
    at = open_page(tab="Evaluation protocol", k=4, repeats=2)
    assert not at.exception
    specs = chart_specs(at)
    data = chart_rows(at)
    assert len(specs) == 6  # three of the protocols, three of the final model
    lines = {r["line"] for r in data[0] if "line" in r}
    assert len(lines) == 1 + 4 * 2
    estimates = {r["estimate"] for r in data[2] if "estimate" in r}
    assert estimates == {"one hold-out split", "4-fold mean"}
    assert metric(at, "Iterated 4-fold estimate").endswith("%")


def test_hold_out_preset_opens_the_protocol_tab():
    at = open_page(preset="holdout_noisy")
    assert at.session_state["tab"] == "Evaluation protocol"
    assert at.slider(key="rows").value == 60
    assert len(chart_specs(at)) == 6


def test_oversized_training_is_capped_with_a_note(monkeypatch):
    from explorer import fitting_network

    # AppTest runs the page in this process, so a smaller budget keeps the test quick
    monkeypatch.setattr(fitting_network, "MAX_STEPS", 60)
    at = open_page(tab="Network", points=1000, fit_batch="8", augment=10, fit_epochs=1000,
                   hidden="4")
    assert not at.exception
    assert "more than this shared app allows" in visible_text(at)


def test_links_made_before_the_fit_prefix_still_open_the_same_state():
    """?noise=, ?n=, ?lr= ... were this page's names before other pages took them with
    other ranges; they still set the renamed controls, and the address moves to the new
    names."""
    at = open_page(truth="step", degree=7, n=40, noise=0.5)
    assert (at.slider(key="fit_n").value, at.slider(key="fit_noise").value) == (40, 0.5)
    assert at.query_params["fit_n"] == "40" and "n" not in at.query_params
    # the polynomial numbers are those of the new-name link
    new = open_page(truth="step", degree=7, fit_n=40, fit_noise=0.5)
    assert [(m.label, m.value) for m in at.metric] == [(m.label, m.value) for m in new.metric]
    at = open_page(tab="Network", dataset="xor", seed=3, lr=0.1, epochs=150, batch="32",
                   wd=0.001, dropout=0.2, hidden="8")
    assert at.selectbox(key="fit_dataset").value == "xor"
    assert at.slider(key="fit_seed").value == 3
    assert at.select_slider(key="fit_lr").value == 0.1
    assert at.slider(key="fit_epochs").value == 150
    assert at.selectbox(key="fit_batch").value == "32"
    assert at.select_slider(key="fit_wd").value == 0.001
    assert at.slider(key="fit_dropout").value == pytest.approx(0.2)


def test_a_link_with_values_the_controls_cannot_take_is_cleaned_with_a_note():
    at = open_page(fit_n="inf", degree="99", tab="Nope", lr="0.02", early_stop="maybe",
                   hidden="1" * 41)
    assert not at.exception
    assert at.slider(key="degree").value == 15  # the nearest value the slider offers
    assert at.slider(key="fit_n").value == 20  # dropped: back to the default
    assert at.session_state["tab"] == "Polynomial"
    note = next(el.value for el in at.info if "cannot use" in el.value)
    assert "degree: was moved to 15" in note
    assert "fit_n: is not a finite number" in note
    assert "fit_lr: is not one of the options" in note
    for key in ("fit_n", "tab", "fit_lr", "lr", "early_stop", "hidden"):
        assert key not in at.query_params, key


def test_final_model_section_chooses_retrains_and_scores_once():
    from explorer import fitting_final

    at = open_page(tab="Evaluation protocol", final_rows=60, final_degrees=4, final_seed=2)
    assert not at.exception
    result = fitting_final.evaluate(60, 4, seed=2)
    run = result.example
    assert metric(at, "Degree chosen on validation") == str(run.chosen)
    assert metric(at, "Its validation error") == f"{run.chosen_val:.0f} g"
    assert metric(at, "Final model's test error") == f"{run.test_rmse:.0f} g"
    gap, fixed = fitting_final.median_gaps(result)
    assert metric(at, "Median gap, chosen degree") == f"{gap:+.0f} g"
    assert metric(at, "Median gap, degree 1") == f"{fixed:+.0f} g"
    data = chart_rows(at)
    roles = [r["role"] for r in data[3] if "role" in r]
    assert roles.count("test") == 15 and roles.count("validation") == 15
    gaps = [r for r in data[5] if "split" in r and "how" in r]
    assert len(gaps) == 2 * fitting_final.SPLITS


def test_final_model_presets_mark_themselves_and_show_their_notes():
    at = open_page()
    at.button(key="preset_btn_few_rows").click().run()
    assert at.session_state["tab"] == "Evaluation protocol"
    assert (at.slider(key="final_rows").value, at.slider(key="final_degrees").value) == (20, 10)
    assert any("Twenty penguins" in el.value for el in at.info)
    assert at.button(key="preset_btn_few_rows").proto.type == "primary"
    # the "different flipper lengths" notice: ten training rows cannot pin down degree 10
    assert "different flipper lengths" in visible_text(at)
    # Hold-out after it: its own note, not the final-model preset's (it resets those controls)
    at.button(key="preset_btn_holdout_noisy").click().run()
    assert at.slider(key="final_rows").value == 40
    assert any("With 60 rows" in el.value for el in at.info)
    assert not any("Twenty penguins" in el.value for el in at.info)
    assert at.button(key="preset_btn_few_rows").proto.type != "primary"
    at.button(key="preset_btn_whole_table").click().run()
    assert at.slider(key="final_rows").value == 340
    assert any("85 of them validating" in el.value for el in at.info)
