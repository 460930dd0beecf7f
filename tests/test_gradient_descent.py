"""The gradient descent logic against independent references: torch autograd and
torch.optim, closed forms, numpy least squares."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from explorer import charts
from explorer import gradient_descent as gd
from explorer import gradient_descent_charts as gdc
from explorer import gradient_descent_surfaces as gs


@pytest.fixture(scope="module")
def data():
    return gd.make_data(n=100, true_a1=3.0, true_a2=2.0, noise=0.25, seed=0)


# ---- data and loss -------------------------------------------------------------------------


def test_design_matrix_has_x_and_a_column_of_ones(data):
    X = data.X
    assert X.shape == (100, 2)
    np.testing.assert_array_equal(X[:, 0], data.x)
    np.testing.assert_array_equal(X[:, 1], np.ones(100))
    assert data.x.min() >= -1 and data.x.max() <= 1


def test_mse_at_start_equals_the_closed_form(data):
    a1, a2 = -1.0, 1.0
    x, y = data.x, data.y
    # Expand mean((a1 x + a2 - y)^2) into moments of the data.
    closed = (a1 ** 2 * np.mean(x ** 2) + 2 * a1 * a2 * np.mean(x) + a2 ** 2
              - 2 * a1 * np.mean(x * y) - 2 * a2 * np.mean(y) + np.mean(y ** 2))
    assert gd.loss_of(data.X, y, np.array([a1, a2]), "MSE") == pytest.approx(closed, rel=1e-12)
    assert closed == pytest.approx(np.mean((a1 * x + a2 - y) ** 2), rel=1e-12)
    # And about what the data's distribution predicts: (a1-3)^2/3 + (a2-2)^2 + noise^2.
    assert closed == pytest.approx(16 / 3 + 1 + 0.25 ** 2, rel=0.3)


def test_mae_matches_numpy(data):
    a = np.array([0.5, -0.3])
    assert gd.loss_of(data.X, data.y, a, "MAE") == pytest.approx(
        np.mean(np.abs(data.X @ a - data.y)), rel=1e-12)


@pytest.mark.parametrize("loss", gd.LOSSES)
def test_analytic_gradient_equals_autograd_and_finite_difference(data, loss):
    rng = np.random.default_rng(1)
    points = rng.uniform(-4, 6, size=(25, 2))
    analytic = gd.gradient(data.X, data.y, points, loss)
    # Independent reference: torch.nn.functional losses, one backward pass per point.
    for p, g in zip(points, analytic, strict=True):
        a = torch.tensor(p, dtype=torch.float64, requires_grad=True)
        pred = torch.from_numpy(data.X) @ a
        target = torch.from_numpy(data.y)
        f = torch.nn.functional.mse_loss if loss == "MSE" else torch.nn.functional.l1_loss
        f(pred, target).backward()
        np.testing.assert_allclose(g, a.grad.numpy(), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(gd.gradient_autograd(data.X, data.y, points, loss), analytic,
                               rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(gd.gradient_finite_difference(data.X, data.y, points, loss),
                               analytic, rtol=1e-6, atol=1e-8)


def test_gradient_is_zero_at_the_least_squares_solution(data):
    a_ls = gd.least_squares(data.X, data.y)
    np.testing.assert_allclose(a_ls, np.polyfit(data.x, data.y, 1), rtol=1e-10)
    np.testing.assert_allclose(gd.gradient(data.X, data.y, a_ls), [0, 0], atol=1e-12)


def test_mae_minimum_is_lower_than_its_neighbours(data):
    a_mae = gd.loss_minimum(data.X, data.y, "MAE")
    best = gd.loss_of(data.X, data.y, a_mae, "MAE")
    for d in ([0.01, 0], [-0.01, 0], [0, 0.01], [0, -0.01]):
        assert gd.loss_of(data.X, data.y, a_mae + np.array(d), "MAE") >= best - 1e-12


# ---- training ------------------------------------------------------------------------------


def test_full_batch_lr_0_1_reaches_the_noise_floor_and_the_truth(data):
    traj = gd.train(data, start=(-1.0, 1.0), lr=0.1, epochs=100)
    assert traj.steps == 100 and traj.diverged_at is None
    assert 6 < traj.losses[0] < 10  # "about 8"
    floor = gd.loss_of(data.X, data.y, gd.least_squares(data.X, data.y))
    assert floor == pytest.approx(0.25 ** 2, rel=0.3)
    assert traj.losses[-1] < floor * 1.01
    assert np.all(np.diff(traj.losses) <= 1e-12), "full-batch GD at lr 0.1 never goes up"
    np.testing.assert_allclose(traj.params[-1], [3.0, 2.0], atol=0.1)


def test_first_step_is_start_minus_lr_times_gradient(data):
    traj = gd.train(data, start=(-1.0, 1.0), lr=0.1, epochs=1)
    g = gd.gradient(data.X, data.y, np.array([-1.0, 1.0]))
    np.testing.assert_allclose(traj.params[1], np.array([-1.0, 1.0]) - 0.1 * g, rtol=1e-12)


def test_divergence_at_lr_3_stops_and_keeps_only_finite_values(data):
    traj = gd.train(data, lr=3.0, epochs=200)
    assert traj.diverged_at is not None and traj.diverged_at < 50
    assert len(traj.params) == traj.diverged_at
    for arr in (traj.params, traj.losses, traj.step_grads):
        assert np.all(np.isfinite(arr))
    assert traj.losses.max() <= gd.BLOW_UP_FACTOR * traj.losses[0]


def test_no_divergence_reported_when_training_converges(data):
    assert gd.train(data, lr=0.9, epochs=100).diverged_at is None


@pytest.mark.parametrize("opt", ["SGD", "Momentum", "Adam"])
def test_mini_batch_of_all_points_is_exactly_full_batch(data, opt):
    full = gd.train(data, opt=opt, lr=0.05, epochs=30, batch=data.n)
    bigger = gd.train(data, opt=opt, lr=0.05, epochs=30, batch=5000)
    np.testing.assert_array_equal(full.params, bigger.params)
    if opt == "SGD":
        gd_run = gd.train(data, opt=gd.FULL_BATCH, lr=0.05, epochs=30)
        np.testing.assert_array_equal(full.params, gd_run.params)


def _torch_run(data, make_opt, steps, start=(-1.0, 1.0)):
    a = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    X, y = torch.from_numpy(data.X), torch.from_numpy(data.y)
    opt = make_opt([a])
    out = [a.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.mse_loss(X @ a, y).backward()
        opt.step()
        out.append(a.detach().numpy().copy())
    return np.array(out)


def test_momentum_matches_torch_optim_sgd(data):
    ours = gd.train(data, opt="Momentum", lr=0.05, momentum=0.8, epochs=60, batch=data.n)
    ref = _torch_run(data, lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.8), 60)
    np.testing.assert_allclose(ours.params, ref, rtol=1e-10, atol=1e-12)


def test_adam_matches_torch_optim_adam(data):
    ours = gd.train(data, opt="Adam", lr=0.1, epochs=60, batch=data.n)
    ref = _torch_run(data, lambda p: torch.optim.Adam(p, lr=0.1), 60)
    np.testing.assert_allclose(ours.params, ref, rtol=1e-8, atol=1e-10)


def test_sgd_epochs_batches_and_noise(data):
    traj = gd.train(data, opt="SGD", lr=0.05, epochs=3, batch=30)
    assert traj.batch == 30 and traj.steps_per_epoch == 4 and traj.steps == 12
    assert list(traj.epoch) == [0] * 4 + [1] * 4 + [2] * 4 + [2]
    # Mini-batch gradients differ from the full gradient at the same point.
    full = gd.gradient(data.X, data.y, traj.params[:-1])
    assert not np.allclose(traj.step_grads[:-1], full)


@pytest.mark.parametrize("loss", gd.LOSSES)
@pytest.mark.parametrize("batch", [7, 100])
def test_mini_batches_match_a_plain_loop(data, batch, loss):
    traj = gd.train(data, opt="SGD", loss=loss, lr=0.05, epochs=3, batch=batch, seed=4)
    # Reference: the same permutations, one batch at a time, numpy on each batch.
    rng = np.random.default_rng(4 + 7919)
    a = np.array([-1.0, 1.0])
    ref = [a]
    for _ in range(3):
        order = rng.permutation(data.n) if batch < data.n else np.arange(data.n)
        for k in range(0, data.n, batch):
            idx = order[k:k + batch]
            r = data.X[idx] @ a - data.y[idx]
            g = (2 * r if loss == "MSE" else np.sign(r)) @ data.X[idx] / len(idx)
            a = a - 0.05 * g
            ref.append(a)
    np.testing.assert_allclose(traj.params, np.array(ref), rtol=1e-12, atol=1e-14)


def test_step_cap(data):
    traj = gd.train(data, opt="SGD", lr=0.01, epochs=200, batch=1)
    assert traj.capped and traj.steps == gd.MAX_STEPS


def test_learning_rates_are_log_spaced_from_0_001_to_3():
    lrs = np.array(gd.LEARNING_RATES)
    assert lrs[0] == 0.001 and lrs[-1] == 3.0 and 0.1 in lrs
    assert np.all(np.diff(lrs) > 0)
    assert np.log10(lrs[1:] / lrs[:-1]).max() < 0.25  # no gap wider than ~x1.8


def test_thin_steps():
    np.testing.assert_array_equal(gd.thin_steps(10, 1000), np.arange(11))
    idx = gd.thin_steps(4999, 1000)
    assert idx[0] == 0 and idx[-1] == 4999 and len(idx) <= 1001
    assert len(set(np.diff(idx[:-1]))) == 1


# ---- harder surfaces -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(gs.SURFACES))
def test_surface_gradients_match_autograd(name):
    surface = gs.SURFACES[name]
    rng = np.random.default_rng(2)
    for x, y in rng.uniform(-1.5, 1.5, size=(10, 2)):
        tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ty = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        surface.f(tx, ty).backward()
        np.testing.assert_allclose(surface.grad(x, y), [tx.grad.item(), ty.grad.item()],
                                   rtol=1e-10, atol=1e-12)


def test_surface_minima():
    assert gs.SURFACES["Rosenbrock valley"].f(1.0, 1.0) == 0.0
    saddle = gs.SURFACES["Saddle"]
    for mx, my in saddle.minima:
        assert saddle.f(mx, my) == pytest.approx(-1.0)
        np.testing.assert_allclose(saddle.grad(mx, my), [0, 0], atol=1e-12)
    np.testing.assert_allclose(saddle.grad(0.0, 0.0), [0, 0])


@pytest.mark.parametrize("opt,make", [
    ("Gradient descent", lambda p, lr: torch.optim.SGD(p, lr=lr)),
    ("Momentum", lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=gs.MOMENTUM)),
    ("Adam", lambda p, lr: torch.optim.Adam(p, lr=lr)),
])
def test_surface_optimizers_match_torch_optim(opt, make):
    surface = gs.SURFACES["Rosenbrock valley"]
    lr = 0.001 if opt != "Adam" else 0.05
    ours = gs.run(surface, opt, lr, 50)
    p = torch.tensor(surface.start, dtype=torch.float64, requires_grad=True)
    optim = make([p], lr)
    ref = [p.detach().numpy().copy()]
    for _ in range(50):
        optim.zero_grad()
        surface.f(p[0], p[1]).backward()
        optim.step()
        ref.append(p.detach().numpy().copy())
    np.testing.assert_allclose(ours.path, np.array(ref), rtol=1e-9, atol=1e-12)


def test_default_races_tell_their_stories():
    by = {}
    for name, s in gs.SURFACES.items():
        by[name] = {r.optimizer: r for r in gs.race(name, s.lr, s.adam_lr, s.steps)}
    quad = by["Ill-conditioned quadratic"]
    assert quad["Momentum"].steps_to_tolerance < quad["Gradient descent"].steps_to_tolerance / 2
    rosen = by["Rosenbrock valley"]
    assert rosen["Gradient descent"].steps_to_tolerance is None
    assert rosen["Momentum"].steps_to_tolerance is not None
    saddle = by["Saddle"]
    assert saddle["Adam"].steps_to_tolerance < saddle["Gradient descent"].steps_to_tolerance


def test_surface_divergence_keeps_finite_values():
    r = gs.run(gs.SURFACES["Ill-conditioned quadratic"], "Gradient descent", 1.0, 200)
    assert r.diverged_at is not None and np.all(np.isfinite(r.path))
    assert np.all(np.isfinite(r.values))


# ---- chart data ------------------------------------------------------------------------------


def test_main_chart_template_and_filled_spec(data):
    traj = gd.train(data, lr=0.1, epochs=100)
    view = gdc.line_view(data, traj, "MSE", (3.0, 2.0))
    spec = gdc.fill_spec(charts.themed(gdc.main_chart("MSE")).to_dict(),
                         gdc.main_datasets(view), gdc.main_param_values(view))
    params = {p["name"]: p for p in spec["params"]}
    assert params["step"]["bind"]["input"] == "range"
    assert params["step"]["value"] == 100 and params["step"]["bind"]["max"] == 100
    path = spec["datasets"]["path"]
    assert list(path["step"]) == list(range(101))
    # The three gradients agree to 4 decimals at every drawn step.
    for m in ("autograd", "fd"):
        for p in ("a1", "a2"):
            np.testing.assert_allclose(path[f"g_{m}_{p}"], path[f"g_analytic_{p}"], atol=5e-5)
    for df in spec["datasets"].values():
        values = df.select_dtypes("number").to_numpy()
        assert np.all(np.isfinite(values))


def test_thinned_view_keeps_the_last_step(data):
    traj = gd.train(data, opt="SGD", lr=0.01, epochs=200, batch=5)
    view = gdc.line_view(data, traj, "MSE", (3.0, 2.0), max_frames=500)
    assert view.last_step == traj.steps and view.stride > 1
    top = gdc.main_param_values(view)["step"]["value"]
    assert top >= view.last_step > top - view.stride
    assert math.isclose(view.path["loss"].iloc[-1], traj.losses[-1])
