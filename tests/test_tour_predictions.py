"""The answers of the tours' "predict first" questions, checked against what the pages
compute for the step's settings (read from the declarations, so a changed preset that makes
an answer false fails here)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import course, tours


def step(tour_name: str, number: int) -> tuple[tours.Step, dict]:
    tour = tours.tour_by_name(tour_name)
    chosen = tour.steps[number - 1]
    assert chosen.predict is not None, "this step asks for a prediction"
    spec = course.page_spec(chosen.page)
    values = {p.key: p.default for p in spec.params} | tours.step_values(
        chosen, course.page_spec)
    return chosen, values


def answer(chosen: tours.Step) -> str:
    return chosen.predict.options[chosen.predict.answer]


def test_every_prediction_is_checked_here():
    asked = {(t.name, i + 1) for t in tours.TOURS for i, s in enumerate(t.steps) if s.predict}
    assert asked == {("first_hour", 2), ("first_hour", 7), ("how_a_network_learns", 5),
                     ("depth_and_nonlinearity", 3), ("depth_and_nonlinearity", 9),
                     ("convolutions", 7), ("generalization", 2)}


@pytest.mark.parametrize(("tour_name", "number"), [("first_hour", 7),
                                                   ("how_a_network_learns", 5)])
def test_too_large_a_learning_rate_blows_up(tour_name, number):
    from explorer import gradient_descent as gd

    chosen, v = step(tour_name, number)
    data = gd.make_data(v["n"], v["true_a1"], v["true_a2"], v["noise"], v["seed"],
                        v["x_center"])
    traj = gd.train(data, start=(v["start_a1"], v["start_a2"]), opt=v["opt"], lr=v["lr"],
                    epochs=v["epochs"], batch=v["batch"], momentum=v["momentum"],
                    loss=v["loss"], seed=v["seed"])
    assert traj.diverged_at is not None
    assert "blew up" in answer(chosen) or "without bound" in answer(chosen)


def test_no_activation_fits_a_straight_line():
    from explorer import activations as act

    chosen, v = step("depth_and_nonlinearity", 3)
    assert v["net_act"] == "none" and answer(chosen) == "A straight line"
    fit = act.fit_target(v["act_target"], v["units"], v["act_seed"], hidden="none")
    second_differences = np.diff(fit.net(fit.x), 2)
    assert np.max(np.abs(second_differences)) < 1e-9


def test_twenty_sigmoid_layers_shrink_the_gradient_by_millions():
    from explorer import backprop_network as bn

    chosen, v = step("depth_and_nonlinearity", 9)
    stack = bn.deep_stack(v["depth"], v["deep_act"], v["init_scale"])
    assert stack.grad_norms[0] / stack.grad_norms[-1] < 1e-6
    assert answer(chosen).startswith("Millions")


def test_a_stride_that_does_not_fit():
    chosen, v = step("convolutions", 7)
    fits = (v["W"] - v["F"] + 2 * v["P"]) % v["S"] == 0
    assert not fits and answer(chosen).startswith("No")


def test_a_degree_15_polynomial_trains_better_than_it_validates():
    from explorer import fitting

    chosen, v = step("generalization", 2)
    data = fitting.make_data(v["truth"], v["fit_n"], v["fit_noise"], v["fit_seed"])
    sweep = fitting.degree_sweep(data).set_index("degree")
    row = sweep.loc[v["degree"]]
    assert row["train_mse"] < row["val_mse"] / 10
    assert answer(chosen) == "Training error"


def test_inverted_digit_fools_the_network():
    import re

    from tests.helpers import open_app, visible_text

    chosen, _ = step("first_hour", 2)
    at = open_app(course.page_by_url(chosen.page).file, preset=chosen.preset)
    text = visible_text(at)
    said = re.search(r"The network says \*\*(\d)\*\*", text)
    label = re.search(r"labelled \*\*(\d)\*\*", text)
    assert said and label, "the page states the prediction and the label"
    assert said.group(1) != label.group(1)
    assert answer(chosen) == "Probably not"
