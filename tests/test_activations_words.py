"""The activation functions page's sentences about its numbers, checked against numbers
computed another way (torch autograd, closed forms, least squares) in the same state."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from explorer import activations as act
from explorer import activations_words as words
from explorer import claims
from explorer.activations_spec import SPEC
from tests.helpers import metric, open_app, visible_text

PAGE = "pages/3_activation_functions.py"


def values(preset: str) -> dict:
    return {p.key: p.default for p in SPEC.params} | SPEC.preset(preset).values


def torch_slope(name: str, x, slope: float = 0.01) -> np.ndarray:
    """f'(x) by torch autograd, from torch's own definition of each function."""
    import torch
    import torch.nn.functional as F

    t = torch.tensor(np.asarray(x, dtype=float), dtype=torch.float64, requires_grad=True)
    f = {"ReLU": F.relu, "ELU": F.elu, "GELU": F.gelu, "SiLU": F.silu,
         "sigmoid": torch.sigmoid, "tanh": torch.tanh,
         "leaky ReLU": lambda v: F.leaky_relu(v, slope)}[name]
    f(t).sum().backward()
    return t.grad.numpy()


# ---- presets --------------------------------------------------------------------------


def test_relu_vs_sigmoid_slopes_as_the_note_says():
    note = SPEC.preset("relu_vs_sigmoid").note
    assert "exactly 1 for every positive input" in note and "never more than 0.25" in note
    half = values("relu_vs_sigmoid")["range"]
    x = act.grid(half)
    assert np.all(torch_slope("ReLU", x[x > 0]) == 1.0)
    sig = torch_slope("sigmoid", x)
    assert sig.max() == pytest.approx(0.25)  # σ'(0) = 1/4, its largest value
    # "fades to almost nothing away from 0": at the chart's edges under 1% of its peak
    assert sig[0] < 0.0025 and sig[-1] < 0.0025


def test_saturation_bands_are_where_the_slope_is_below_a_hundredth():
    note = SPEC.preset("saturation").note
    assert "below 0.01" in note and "more than a hundredfold" in note
    v = values("saturation")
    bands = act.saturation(v["fn"], v["range"])
    assert len(bands) == 2 and bands[0][0] == -v["range"] and bands[1][1] == v["range"]
    for lo, hi in bands:
        inside = np.linspace(lo, hi, 50)
        assert np.all(torch_slope("sigmoid", inside) < 0.01)  # a gradient shrinks > 100×
    # and the bands stop where the slope reaches 0.01: σ'(x) = 0.01 at |x| ≈ 4.59
    edge = math.log((1 - 2 * 0.01 + math.sqrt(1 - 4 * 0.01)) / (2 * 0.01))
    assert bands[0][1] == pytest.approx(-edge, abs=0.05)
    assert bands[1][0] == pytest.approx(edge, abs=0.05)


def test_without_activation_training_finds_the_best_straight_line():
    v = values("straight_line")
    note = SPEC.preset("straight_line").note
    assert f"{v['units']} hidden units and no activation" in note
    fit = act.fit_target(v["act_target"], v["units"], v["act_seed"], v["net_act"])
    line = np.column_stack([fit.x, np.ones_like(fit.x)])
    best = np.linalg.lstsq(line, fit.y, rcond=None)[0]
    best_mse = float(np.mean((line @ best - fit.y) ** 2))
    assert fit.mse == pytest.approx(best_mse, rel=1e-6)  # "finds the best straight line"
    out = fit.net(fit.x)
    assert np.allclose(np.diff(out, 2), 0, atol=1e-9)  # "a sum of lines is a line"


def test_ten_hinges_trace_the_sine():
    v = values("ten_hinges")
    assert v["units"] == 10 and v["act_target"] == "sine"
    fit = act.fit_target(v["act_target"], v["units"], v["act_seed"], v["net_act"])
    x = np.linspace(-math.pi, math.pi, 2001)
    parts = fit.net.unit_contributions(x)
    for part in parts:  # "flat, then a ramp": 0 on one side of its kink, linear on the other
        zero = np.isclose(part, 0.0)
        assert zero.any() or np.allclose(np.diff(part, 2), 0, atol=1e-9)
    assert np.max(np.abs(fit.net(x) - np.sin(x))) < 0.1  # traces the sine
    assert fit.mse < 0.001
    assert len(fit.net.kinks()) >= 5  # it bends at each diamond


def test_hot_cold_numbers_in_the_note():
    import torch

    v = values("hot_cold")
    logits = torch.tensor(act.parse_logits(v["logits"]))
    p = torch.softmax(logits / v["temperature"], dim=0).numpy()
    note = SPEC.preset("hot_cold").note
    top, runner_up = np.sort(p)[::-1][:2]
    assert f"T = {v['temperature']:g}" in note
    assert f"{top:.1%} against the runner-up's {runner_up:.1%}" in note
    assert top > 0.99  # "takes nearly everything"
    # "as T heats up, the shares even out": the top share falls along the sweep, and at the
    # hottest temperature every share is within 5 points of every other
    sweep = act.temperature_sweep(act.parse_logits(v["logits"]))
    top_share = sweep[sweep["class"] == "class 1"]["probability"].to_numpy()
    assert claims.trend(top_share) == "falls"
    hottest = sweep[sweep["temperature"] == sweep["temperature"].max()]["probability"]
    assert hottest.max() - hottest.min() < 0.05
    at = open_app(PAGE, preset="hot_cold")
    assert metric(at, "Top class gets") == f"{top:.1%}"


# ---- the Functions tab's words --------------------------------------------------------


def brentq_edge(name: str) -> float:
    """Where |f'(x)| = 0.01 on the far left, by root finding on torch's slope."""
    from scipy.optimize import brentq

    return brentq(lambda x: abs(float(torch_slope(name, [x])[0])) - 0.01, -12.0, -2.0)


@pytest.mark.parametrize("name", words.FADING_LEFT)
def test_the_smooth_cousins_fade_where_the_caption_says(name):
    edge = brentq_edge(name)
    if name == "ELU":
        assert edge == pytest.approx(math.log(0.01), abs=1e-6)  # e^x = 0.01
    assert words.flat_left_of(name) == pytest.approx(edge, abs=1e-3)
    caption = words.left_side_caption(0.1)
    assert f"{edge:.1f} ({name})".replace("-", "−") in caption
    # "some slope just left of 0"
    assert abs(torch_slope(name, [-0.1])[0]) > 0.01
    # and the page's own readout for that function agrees (its grid is coarser)
    at = open_app(PAGE, fn=name, range="10")
    readout = next(m.value for m in at.markdown if m.value.startswith("**Saturated**"))
    shown = float(re.search(r"x ≤ (−?-?[\d.]+)", readout).group(1).replace("−", "-"))
    assert shown == pytest.approx(edge, abs=0.06)
    assert caption in visible_text(at)


@pytest.mark.parametrize("slope", [0.0, 0.005, 0.1, 0.5])
def test_leaky_relu_keeps_its_slope_on_the_whole_left(slope):
    x = np.linspace(-20, -0.01, 200)
    assert np.allclose(torch_slope("leaky ReLU", x, slope), slope)
    caption = words.left_side_caption(slope)
    if slope == 0:
        assert "leaky ReLU is ReLU" in caption
    elif slope < act.SATURATION_THRESHOLD:
        assert f"a = {slope:g}" in caption and "below 0.01" in caption
    else:
        assert f"keeps the slope a = {slope:g} on the whole left side" in caption
        assert words.flat_left_of("leaky ReLU", slope) is None


def test_more_hinges_fit_closer_as_the_why_bend_text_says():
    """"More units, more kinks, a closer fit": with the page's seed, the error falls as
    units are added and the number of kinks grows."""
    units = (2, 5, 10, 20)
    fits = [act.fit_target("sine", u, 0, "ReLU") for u in units]
    assert claims.trend([f.mse for f in fits]) == "falls"
    kinks = [len(f.net.kinks()) for f in fits]
    assert kinks == sorted(kinks) and kinks[-1] > kinks[0]
    at = open_app(PAGE, view="Why bend")
    assert "More units, more kinks, a closer fit" in visible_text(at)
