"""The gradient descent page's sentences about what a run does, checked against the run."""

from __future__ import annotations

import numpy as np

from explorer import claims
from explorer import gradient_descent as gd
from explorer.gradient_descent_spec import SPEC
from tests.helpers import open_app

PAGE = "pages/2_gradient_descent.py"


def run(preset: str) -> tuple[gd.Trajectory, np.ndarray]:
    values = {p.key: p.default for p in SPEC.params} | SPEC.preset(preset).values
    data = gd.make_data(values["n"], values["true_a1"], values["true_a2"], values["noise"],
                        values["seed"], values["x_center"])
    traj = gd.train(data, start=(values["start_a1"], values["start_a2"]), opt=values["opt"],
                    lr=values["lr"], epochs=values["epochs"], batch=values["batch"],
                    momentum=values["momentum"], loss=values["loss"], seed=values["seed"])
    return traj, gd.loss_minimum(data.X, data.y, values["loss"])


def test_too_small_crawls_as_its_note_says():
    traj, best = run("too_small")
    assert "from −1 to about −0.2" in SPEC.preset("too_small").note
    start, end = traj.params[0, 0], traj.params[-1, 0]
    assert start == -1 and round(end, 1) == -0.2
    assert (end - start) / (best[0] - start) < 0.25  # "not a quarter of the way to 3"
    assert round(best[0]) == 3
    assert traj.losses[-1] > traj.losses[0] / 2  # "has not even halved"


def test_too_big_zigzags_in_the_parameters_not_the_loss():
    traj, best = run("too_big")
    assert claims.zigzags(traj.params[:10, 1], around=best[1], min_flips=5)
    assert claims.falls_every_step(traj.losses)
    assert np.allclose(traj.params[-1], best, atol=0.01)  # "the run gets there"
    assert "falls at every step" in SPEC.preset("too_big").note


def test_just_right_reaches_the_floor():
    traj, best = run("just_right")
    assert np.allclose(traj.params[-1], best, atol=1e-3)
    assert traj.losses[-1] < traj.losses[0] / 100


def test_diverges_says_how_many_steps_the_charts_show():
    traj, _ = run("diverges")
    assert traj.diverged_at is not None
    at = open_app(PAGE, preset="diverges")
    warning = at.warning[0].value
    assert f"diverged at step {traj.diverged_at}" in warning
    assert f"show the {traj.steps} steps before that" in warning
    caption = next(c.value for c in at.caption if c.value.startswith("Step "))
    assert caption.startswith(f"Step {traj.steps} of {traj.steps} drawn")


def test_the_edge_of_divergence_the_page_states_is_where_training_blows_up():
    at = open_app(PAGE)
    text = next(m.value for m in at.markdown if "Why the learning rate matters" in m.value)
    edge = float(text.split("learning rates above ")[1].split(" diverge")[0])
    data = gd.make_data()
    assert edge == round(2 / gd.steepest_curvature(data), 2)
    just_below = gd.train(data, lr=edge * 0.97, epochs=200)
    just_above = gd.train(data, lr=edge * 1.03, epochs=200)
    assert just_below.diverged_at is None and just_above.diverged_at is not None


def test_momentum_beats_plain_descent_in_the_valley_as_the_note_says():
    momentum, best = run("momentum_valley")
    values = {p.key: p.default for p in SPEC.params} | SPEC.preset("momentum_valley").values
    data = gd.make_data(values["n"], values["true_a1"], values["true_a2"], values["noise"],
                        values["seed"], values["x_center"])
    plain = gd.train(data, start=(values["start_a1"], values["start_a2"]), lr=values["lr"],
                     epochs=values["epochs"])
    assert momentum.losses[-1] < plain.losses[-1] / 2


def test_sgd_heads_downhill_on_average():
    traj, _ = run("sgd")
    assert traj.losses[-1] < traj.losses[0] / 10
    assert not claims.falls_every_step(traj.losses)  # noisy: it does not fall every step
