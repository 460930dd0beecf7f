"""Optimizers on harder two-parameter surfaces: an ill-conditioned quadratic, the Rosenbrock
valley and a saddle. Plain gradient descent, momentum and Adam start from the same point;
the paths and the number of steps each needs to get within a tolerance of a minimum.

Pure numpy, no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.gradient_descent import ADAM_BETAS, ADAM_EPS, BLOW_UP_FACTOR

SURFACE_OPTIMIZERS = ("Gradient descent", "Momentum", "Adam")
MOMENTUM = 0.9
TOLERANCE = 0.01  # distance to the nearest minimum that counts as "arrived"


@dataclass(frozen=True)
class Surface:
    name: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    grad: Callable[[float, float], tuple[float, float]]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    lr: float          # for gradient descent and momentum: a rate that tells the story
    adam_lr: float     # Adam's steps are about lr long whatever the gradient, so its own
    steps: int
    story: str         # what to look at, in one or two sentences


def _quad_f(x, y):
    return 0.5 * (x ** 2 + 25.0 * y ** 2)


def _quad_grad(x, y):
    return x, 25.0 * y


def _rosen_f(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x ** 2) ** 2


def _rosen_grad(x, y):
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x ** 2), 200.0 * (y - x ** 2)


def _saddle_f(x, y):
    # A saddle at the origin between two valleys at (0, ±√2): flat enough near the saddle
    # point that plain gradient descent lingers there.
    return x ** 2 + 0.25 * y ** 4 - y ** 2


def _saddle_grad(x, y):
    return 2.0 * x, y ** 3 - 2.0 * y


SURFACES: dict[str, Surface] = {
    s.name: s for s in (
        Surface("Ill-conditioned quadratic", _quad_f, _quad_grad, (-4.5, 1.2), ((0.0, 0.0),),
                (-5.0, 1.5), (-1.5, 1.5), 0.03, 0.2, 300,
                "Curvature is 25 times steeper across the valley than along it. A learning "
                "rate small enough not to bounce across is too small to travel along. "
                "Momentum builds up speed along the floor (and swings across it); Adam "
                "takes equal-sized steps in both directions."),
        Surface("Rosenbrock valley", _rosen_f, _rosen_grad, (-1.2, 1.0), ((1.0, 1.0),),
                (-1.6, 1.6), (-0.6, 1.6), 0.002, 0.1, 1000,
                "A curved banana-shaped valley: finding the valley is quick, following its "
                "flat, bending floor to the minimum at (1, 1) is slow."),
        Surface("Saddle", _saddle_f, _saddle_grad, (1.5, 0.001), ((0.0, 2 ** 0.5),
                                                                   (0.0, -(2 ** 0.5))),
                (-1.8, 1.8), (-2.0, 2.0), 0.02, 0.05, 300,
                "Starting almost exactly on the ridge, the push off the saddle is tiny. Plain "
                "gradient descent slides to the saddle point and lingers there before it "
                "rolls off; momentum keeps its speed and Adam enlarges the tiny sideways "
                "step, so both leave sooner."),
    )
}


@dataclass(frozen=True)
class Race:
    """One optimizer's run on a surface (finite values only)."""

    optimizer: str
    path: np.ndarray            # (steps + 1, 2)
    values: np.ndarray          # f along the path
    steps_to_tolerance: int | None
    diverged_at: int | None


def run(surface: Surface, optimizer: str, lr: float, steps: int,
        momentum: float = MOMENTUM) -> Race:
    """Plain gradient descent, momentum (PyTorch's form) or Adam on a surface."""
    x, y = surface.start
    vx = vy = 0.0
    m1x = m1y = m2x = m2y = 0.0
    b1, b2 = ADAM_BETAS
    path = [(x, y)]
    for t in range(1, steps + 1):
        gx, gy = surface.grad(x, y)
        if optimizer == "Momentum":
            vx, vy = momentum * vx + gx, momentum * vy + gy
            x, y = x - lr * vx, y - lr * vy
        elif optimizer == "Adam":
            m1x, m1y = b1 * m1x + (1 - b1) * gx, b1 * m1y + (1 - b1) * gy
            m2x, m2y = b2 * m2x + (1 - b2) * gx * gx, b2 * m2y + (1 - b2) * gy * gy
            c1, c2 = 1 - b1 ** t, 1 - b2 ** t
            x = x - lr * (m1x / c1) / ((m2x / c2) ** 0.5 + ADAM_EPS)
            y = y - lr * (m1y / c1) / ((m2y / c2) ** 0.5 + ADAM_EPS)
        elif optimizer == "Gradient descent":
            x, y = x - lr * gx, y - lr * gy
        else:
            raise ValueError(f"unknown optimizer {optimizer!r}")
        path.append((x, y))
        if not (abs(x) < 1e50 and abs(y) < 1e50):
            break
    path_arr = np.array(path)
    with np.errstate(over="ignore", invalid="ignore"):
        values = surface.f(path_arr[:, 0], path_arr[:, 1])
        scale = max(abs(values[0]), 1.0)
        blown = ~np.isfinite(values) | (np.abs(values) > BLOW_UP_FACTOR * scale)
        blown |= ~np.all(np.isfinite(path_arr), axis=1)
    diverged_at = int(np.argmax(blown)) if blown.any() else None
    if diverged_at is not None:
        path_arr, values = path_arr[:diverged_at], values[:diverged_at]
    dist = np.min([np.hypot(path_arr[:, 0] - mx, path_arr[:, 1] - my)
                   for mx, my in surface.minima], axis=0)
    arrived = np.flatnonzero(dist < TOLERANCE)
    return Race(optimizer=optimizer, path=path_arr, values=values,
                steps_to_tolerance=int(arrived[0]) if arrived.size else None,
                diverged_at=diverged_at)


def race(surface_name: str, lr: float, adam_lr: float, steps: int) -> list[Race]:
    """All three optimizers from the same start: gradient descent and momentum with lr,
    Adam with its own adam_lr."""
    surface = SURFACES[surface_name]
    return [run(surface, opt, adam_lr if opt == "Adam" else lr, steps)
            for opt in SURFACE_OPTIMIZERS]


def grid(surface: Surface, resolution: int = 70) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f on a grid over the surface's window: (x, y, f) flattened."""
    xs = np.linspace(*surface.x_range, resolution)
    ys = np.linspace(*surface.y_range, resolution)
    X, Y = np.meshgrid(xs, ys)
    return X.ravel(), Y.ravel(), surface.f(X, Y).ravel()
