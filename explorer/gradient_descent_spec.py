"""The gradient descent page's parameters and presets, declared once (see explorer.params)."""

from __future__ import annotations

from explorer import gradient_descent as gd
from explorer import gradient_descent_surfaces as gs
from explorer.params import PageSpec, Param, Preset


def lr_label(value: float) -> str:
    return f"{value:g}"


FIRST_SURFACE = next(iter(gs.SURFACES.values()))

PARAMS = (
    Param("opt", "Optimizer", "selectbox", gd.FULL_BATCH, options=gd.OPTIMIZERS,
          help="Gradient descent uses all points for every step; SGD, momentum and Adam "
               "use mini-batches."),
    Param("lr", "Learning rate (log scale)", "select_slider", 0.1,
          options=gd.LEARNING_RATES, fmt=lr_label,
          help="How far each step goes, as a multiple of the gradient."),
    Param("epochs", "Epochs", "slider", 100, lo=1, hi=200,
          help="One epoch is one pass over all the data."),
    Param("batch", "Mini-batch size", "slider", 10, lo=1, hi=1000,
          help="Points per step for SGD, momentum and Adam (capped at n)."),
    Param("momentum", "Momentum", "slider", 0.9, lo=0.0, hi=0.99, step=0.01,
          help="How much of the previous step's velocity each step keeps."),
    Param("loss", "Loss", "radio", "MSE", options=gd.LOSSES,
          help="MSE: mean squared error. MAE: mean absolute error."),
    Param("start_a1", "Start slope a1", "slider", -1.0, lo=-5.0, hi=8.0, step=0.5),
    Param("start_a2", "Start intercept a2", "slider", 1.0, lo=-5.0, hi=8.0, step=0.5),
    Param("n", "Points n", "slider", 100, lo=10, hi=1000, step=10),
    Param("true_a1", "True slope", "slider", 3.0, lo=-5.0, hi=5.0, step=0.5),
    Param("true_a2", "True intercept", "slider", 2.0, lo=-5.0, hi=5.0, step=0.5),
    Param("noise", "Noise", "slider", 0.25, lo=0.0, hi=2.0, step=0.05),
    Param("x_center", "Centre of x", "slider", 0.0, lo=-5.0, hi=5.0, step=0.5,
          help="x is uniform in [centre − 1, centre + 1]. Move it away from 0 to make a "
               "long, narrow loss valley."),
    Param("seed", "Seed", "number_input", 0, lo=0, hi=9999),
    Param("surface", "Surface", "selectbox", FIRST_SURFACE.name, options=tuple(gs.SURFACES)),
    Param("surface_lr", "Learning rate (gradient descent, momentum)", "select_slider",
          FIRST_SURFACE.lr, options=gd.LEARNING_RATES, fmt=lr_label),
    Param("adam_lr", "Learning rate (Adam)", "select_slider", FIRST_SURFACE.adam_lr,
          options=gd.LEARNING_RATES, fmt=lr_label),
    Param("surface_steps", "Steps", "slider", FIRST_SURFACE.steps, lo=10, hi=2000, step=10),
)

BASE = {"opt": gd.FULL_BATCH, "loss": "MSE", "x_center": 0.0, "start_a1": -1.0,
        "start_a2": 1.0}

PRESETS = (
    Preset("too_small", "lr too small", {**BASE, "lr": 0.003, "epochs": 100},
           note="Each step is tiny: after 100 steps the slope has crept from −1 to about "
                "−0.2, not a quarter of the way to 3, and the loss has not even halved. "
                "Look at the short path on the loss surface."),
    Preset("just_right", "just right", {**BASE, "lr": 0.5, "epochs": 30},
           note="A few steps and the path is at the cross: the loss drops to the noise "
                "floor and stays there."),
    Preset("too_big", "too big", {**BASE, "lr": 0.9, "epochs": 30},
           note="Each step jumps past the valley floor to the other side: the intercept "
                "lands above and below its best value by turns and the path zig-zags. The "
                "loss still falls at every step, and the run gets there."),
    Preset("diverges", "diverges", {**BASE, "lr": 1.5, "epochs": 30},
           note="Each jump lands further up the other side than the last: the loss "
                "explodes, and training stops."),
    Preset("sgd", "noisy SGD", {**BASE, "opt": "SGD", "lr": 0.05, "batch": 5, "epochs": 20},
           note="Each step sees only 5 points, so its gradient is a noisy estimate: the "
                "path wanders, but on average it heads downhill."),
    Preset("momentum_valley", "momentum",
           {**BASE, "x_center": 3.0, "n": 100, "opt": "Momentum", "lr": 0.07,
            "momentum": 0.9, "batch": 100, "epochs": 100, "start_a1": 5.0,
            "start_a2": -3.5},
           note="With x far from 0 the slope and intercept trade off, so the loss is a "
                "long narrow valley. Momentum keeps speed along the floor; switch the "
                "optimizer to Gradient descent to see it crawl."),
)

SPEC = PageSpec("gradient_descent", PARAMS, PRESETS)
