"""explorer/activations.py against independent references: torch.nn.functional for the
functions, torch autograd for the derivatives, torch.softmax, torch layers for the small
networks, closed forms for the saturation edges."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import activations as act
from explorer import activations_charts as charts

# A grid with the kink point 0 exactly, points just either side of it, and far tails.
GRID = np.unique(np.concatenate([np.linspace(-8, 8, 161), [0.0, 1e-9, -1e-9, -1e-6, 1e-6,
                                                           20.0, -20.0, 30.0, -30.0]]))
SLOPES = (0.01, 0.1, 0.3)


def torch_reference(name: str, x: torch.Tensor, slope: float) -> torch.Tensor:
    return {
        "ReLU": lambda t: F.relu(t),
        "leaky ReLU": lambda t: F.leaky_relu(t, negative_slope=slope),
        "ELU": lambda t: F.elu(t),
        "GELU": lambda t: F.gelu(t),
        "SiLU": lambda t: F.silu(t),
        "softplus": lambda t: F.softplus(t),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "identity": lambda t: t * 1.0,
        "step": lambda t: torch.heaviside(t, torch.ones((), dtype=t.dtype)),
    }[name](x)


@pytest.mark.parametrize("slope", SLOPES)
@pytest.mark.parametrize("name", act.FUNCTIONS)
def test_function_matches_torch_functional(name, slope):
    expected = torch_reference(name, torch.tensor(GRID, dtype=torch.float64), slope).numpy()
    np.testing.assert_allclose(act.activation(name, GRID, slope), expected, rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("slope", SLOPES)
@pytest.mark.parametrize("name", [n for n in act.FUNCTIONS if n != "step"])
def test_derivative_matches_torch_autograd_including_zero(name, slope):
    x = torch.tensor(GRID, dtype=torch.float64, requires_grad=True)
    torch_reference(name, x, slope).sum().backward()
    np.testing.assert_allclose(act.derivative(name, GRID, slope), x.grad.numpy(),
                               rtol=1e-10, atol=1e-12)


def test_step_has_no_autograd_derivative_and_ours_is_zero():
    x = torch.tensor(GRID, requires_grad=True)
    with pytest.raises(RuntimeError):
        torch.heaviside(x, torch.ones((), dtype=x.dtype)).sum().backward()
    assert np.all(act.derivative("step", GRID) == 0)
    assert act.activation("step", [0.0])[0] == 1.0


def test_conventions_at_the_kink_are_torchs():
    zero = np.array([0.0])
    assert act.derivative("ReLU", zero)[0] == 0.0
    assert act.derivative("leaky ReLU", zero, slope=0.2)[0] == pytest.approx(0.2)
    assert act.derivative("ELU", zero)[0] == 1.0
    assert act.derivative("GELU", zero)[0] == pytest.approx(0.5)
    assert act.derivative("sigmoid", zero)[0] == pytest.approx(0.25)


def test_no_overflow_far_out():
    far = np.array([-1e4, -800.0, 800.0, 1e4])
    for name in act.FUNCTIONS:
        assert np.all(np.isfinite(act.activation(name, far, 0.1))), name
        assert np.all(np.isfinite(act.derivative(name, far, 0.1))), name


def test_grid_always_contains_zero():
    for w in (1, 3, 7.5, 20):
        g = act.grid(w)
        assert 0.0 in g and g[0] == -w and g[-1] == w


# ---- saturation ------------------------------------------------------------------------


def test_sigmoid_saturates_beyond_the_closed_form_edge():
    # sigma'(x) = s(1 - s) = 0.01  <=>  s = (1 - sqrt(0.96)) / 2  <=>  x = logit(s)
    s = (1 - math.sqrt(1 - 4 * 0.01)) / 2
    edge = -math.log((1 - s) / s)  # about -4.595
    x = act.grid(10, 2001)
    (a1, b1), (a2, b2) = act.saturated_intervals(x, act.derivative("sigmoid", x))
    assert a1 == -10 and b2 == 10
    assert b1 == pytest.approx(edge, abs=0.011) and a2 == pytest.approx(-edge, abs=0.011)


def test_relu_saturates_left_of_and_at_zero_identity_never_step_always():
    x = act.grid(5)
    assert act.saturated_intervals(x, act.derivative("ReLU", x)) == [(-5.0, 0.0)]
    assert act.saturated_intervals(x, act.derivative("identity", x)) == []
    assert act.saturated_intervals(x, act.derivative("step", x)) == [(-5.0, 5.0)]
    # leaky ReLU at slope 0.01 is not below the threshold: it never saturates
    assert act.saturated_intervals(x, act.derivative("leaky ReLU", x, 0.01)) == []
    assert act.describe_saturation([(-5.0, 5.0)], -5, 5) == "everywhere in this range"
    assert "50%" in act.describe_saturation([(-5.0, 0.0)], -5, 5)


# ---- softmax ---------------------------------------------------------------------------


@pytest.mark.parametrize("temperature", [0.05, 0.3, 1.0, 4.0, 20.0])
def test_softmax_matches_torch_and_sums_to_one(temperature):
    z = np.array([2.0, 1.0, 0.1, -1.0, 3.5])
    p = act.softmax(z, temperature)
    expected = torch.softmax(torch.tensor(z) / temperature, dim=0).numpy()
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=1e-15)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_softmax_is_invariant_to_adding_a_constant():
    z = np.array([0.3, -1.2, 2.2, 0.0])
    for c in (-500.0, -1.0, 7.0, 1000.0):
        np.testing.assert_allclose(act.softmax(z + c), act.softmax(z), atol=1e-12)


def test_softmax_is_stable_for_logits_of_plus_minus_1000():
    z = np.array([1000.0, -1000.0, 999.0, 1000.0 - 1e-3])
    for t in (0.05, 1.0, 20.0):
        p = act.softmax(z, t)
        assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
        expected = torch.softmax(torch.tensor(z) / t, dim=0).numpy()
        np.testing.assert_allclose(p, expected, atol=1e-12)
    with np.errstate(over="ignore", invalid="ignore"):  # the naive formula overflows
        naive = np.exp(z) / np.exp(z).sum()
    assert not np.all(np.isfinite(naive))


def test_softmax_tends_to_one_hot_as_temperature_goes_to_zero():
    z = np.array([1.0, 0.5, 0.0, -2.0])
    tops = [act.softmax(z, t)[0] for t in (1.0, 0.3, 0.1, 0.01, 0.001)]
    assert all(a <= b for a, b in zip(tops, tops[1:], strict=False))
    assert tops[0] < tops[1] < tops[2] < 1.0
    np.testing.assert_allclose(act.softmax(z, 0.001), [1, 0, 0, 0], atol=1e-12)
    # and to uniform as it grows
    np.testing.assert_allclose(act.softmax(z, 1e6), np.full(4, 0.25), atol=1e-5)


def test_softmax_table_and_sweep():
    table = act.softmax_table([2.0, 1.0, 0.1], 1.0)
    assert table["argmax"].tolist() == [True, False, False]
    assert table["softmax"].sum() == pytest.approx(1.0)
    assert table["sigmoid alone"].sum() > 1.5  # independent sigmoids do not sum to one
    sweep = act.temperature_sweep([2.0, 1.0, 0.1])
    sums = sweep.groupby("temperature")["probability"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)


# ---- parsing the logits text -----------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2, 1, 0.1", [2.0, 1.0, 0.1]),
    ("2 1 0.1", [2.0, 1.0, 0.1]),
    ("  -1e3;1000 ,, 3 ", [-1000.0, 1000.0, 3.0]),
    ("1\t2\n3", [1.0, 2.0, 3.0]),
])
def test_parse_logits_accepts_numbers(text, expected):
    np.testing.assert_array_equal(act.parse_logits(text), expected)


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("   , ,", "empty"),
    ("5", "at least two"),
    ("1, nan", "finite"),
    ("inf, 1", "finite"),
    ("1e999, 2", "finite"),
    ("1, two, 3", "not a number"),
    ("__import__('os'), 1", "not a number"),
    ("1, 2e7", "too large"),
    (", ".join(["1"] * 13), "too many"),
    ("1, " + "9" * 60, "not a number"),
])
def test_parse_logits_rejects_with_a_clear_message(text, words):
    with pytest.raises(act.LogitsError, match=words):
        act.parse_logits(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_parse_logits_never_fails_any_other_way(text):
    try:
        z = act.parse_logits(text)
    except act.LogitsError:
        return
    assert 2 <= len(z) <= act.MAX_LOGITS and np.all(np.isfinite(z))
    assert np.all(np.isfinite(act.softmax(z, 0.05)))


# ---- why the non-linearity matters ----------------------------------------------------


def torch_network(net: act.OneHiddenLayerNet) -> torch.nn.Module:
    first = torch.nn.Linear(1, net.units).double()
    second = torch.nn.Linear(net.units, 1).double()
    with torch.no_grad():
        first.weight.copy_(torch.tensor(net.w1).reshape(-1, 1))
        first.bias.copy_(torch.tensor(net.b1))
        second.weight.copy_(torch.tensor(net.w2).reshape(1, -1))
        second.bias.fill_(net.b2)
    middle = torch.nn.ReLU() if net.hidden == "ReLU" else torch.nn.Identity()
    return torch.nn.Sequential(first, middle, second)


def random_net(seed: int, units: int = 7, hidden: str = "ReLU") -> act.OneHiddenLayerNet:
    rng = np.random.default_rng(seed)
    return act.OneHiddenLayerNet(rng.normal(size=units), rng.normal(size=units),
                                 rng.normal(size=units), float(rng.normal()), hidden)


@pytest.mark.parametrize("seed", range(5))
def test_product_of_two_weight_matrices_reproduces_the_linear_network(seed):
    w1, b1, w2, b2 = act.random_linear_layers(seed)
    x = np.random.default_rng(seed).normal(size=(50, 2))
    layered = act.two_layer_linear(x, w1, b1, w2, b2)
    big_w, big_b = act.collapse_linear(w1, b1, w2, b2)
    np.testing.assert_allclose(x @ big_w.T + big_b, layered, rtol=1e-12, atol=1e-12)
    # ...and both equal torch's two stacked Linear layers
    first, second = torch.nn.Linear(2, 3).double(), torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        first.weight.copy_(torch.tensor(w1))
        first.bias.copy_(torch.tensor(b1))
        second.weight.copy_(torch.tensor(w2))
        second.bias.copy_(torch.tensor(b2))
        expected = second(first(torch.tensor(x))).numpy()
    np.testing.assert_allclose(layered, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_one_input_linear_network_is_one_line(seed):
    net = random_net(seed, hidden="none")
    a, c = net.collapsed_line()
    x = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(net(x), a * x + c, rtol=1e-12, atol=1e-12)
    assert len(net.kinks()) == 0


@pytest.mark.parametrize("seed", range(5))
def test_hinge_decomposition_sums_exactly_to_the_network(seed):
    net = random_net(seed)
    x = np.linspace(-np.pi, np.pi, 101)
    parts = net.unit_contributions(x)
    np.testing.assert_array_equal(parts.sum(axis=0) + net.b2, net(x))
    with torch.no_grad():
        expected = torch_network(net)(torch.tensor(x).reshape(-1, 1)).numpy().ravel()
    np.testing.assert_allclose(net(x), expected, rtol=1e-12, atol=1e-12)
    # each part is a hinge: zero on one side of its kink
    for i in range(net.units):
        kink = -net.b1[i] / net.w1[i]
        off = x[(x - kink) * np.sign(net.w1[i]) < 0]
        np.testing.assert_array_equal(net.unit_contributions(off)[i], 0.0)


def test_kinks_are_where_the_hinges_bend():
    net = act.OneHiddenLayerNet(np.array([1.0, -2.0, 1.0, 3.0]), np.array([0.0, 2.0, -10, 1]),
                                np.array([1.0, 0.5, 1.0, 0.0]), 0.0)
    # kinks: 0, 1, 10 (outside [-pi, pi]), -1/3 (but output weight 0: no visible bend)
    np.testing.assert_allclose(net.kinks(), [0.0, 1.0])


@pytest.fixture(scope="module")
def sine_fit_20():
    return act.fit_target("sine", 20, seed=0)


@pytest.mark.slow
def test_sine_fit_with_20_units_reaches_mse_below_001(sine_fit_20):
    fit = sine_fit_20
    assert fit.x.min() == pytest.approx(-np.pi) and fit.x.max() == pytest.approx(np.pi)
    assert fit.mse < 0.01
    assert fit.losses[-1] < fit.losses[0] / 10
    dense = np.linspace(-np.pi, np.pi, 1001)  # also between the training points
    assert np.mean((fit.net(dense) - np.sin(dense)) ** 2) < 0.01
    assert 3 <= len(fit.net.kinks()) <= 20


@pytest.mark.slow
def test_fit_is_deterministic_and_improves_with_units():
    a, b = act.fit_target("|x|", 5, seed=3), act.fit_target("|x|", 5, seed=3)
    np.testing.assert_array_equal(a.net.w1, b.net.w1)
    few, many = act.fit_target("sine", 2, seed=0), act.fit_target("sine", 20, seed=0)
    assert many.mse < few.mse / 5


@pytest.mark.slow
def test_linear_network_finds_the_least_squares_line():
    fit = act.fit_target("sine", 10, seed=0, hidden="none")
    slope, intercept = np.polyfit(fit.x, fit.y, 1)
    a, c = fit.net.collapsed_line()
    assert a == pytest.approx(slope, abs=0.01) and c == pytest.approx(intercept, abs=0.01)
    assert fit.mse > 0.15  # no line follows a sine


def test_tensor_inventory_counts_and_values():
    net = random_net(1, units=6)
    inv = act.tensor_inventory(net, 0.7).set_index("tensor")
    params = inv[inv["kind"] == "parameter"]["count"].sum()
    acts = inv[inv["kind"] == "activation"]["count"].sum()
    assert params == 3 * 6 + 1 and acts == 2 * 6 + 1
    assert float(inv.loc["y = W2·h + b2", "values"]) == pytest.approx(net(0.7)[0], abs=1e-3)
    assert inv.loc["W1", "shape"] == "6 × 1" and inv.loc["W2", "shape"] == "1 × 6"


# ---- chart builders --------------------------------------------------------------------


def filled(spec, frames: dict) -> dict:
    """A template (an Altair chart or a dict) with its named datasets filled in as rows,
    the way the page fills it (ui.chart(..., data=frames))."""
    out = spec.to_dict() if isinstance(spec, alt.TopLevelMixin) else dict(spec)  # validates
    out["datasets"] = {**out.get("datasets", {}),
                       **{name: frame.to_dict("records") for name, frame in frames.items()}}
    return out


def test_saturation_is_the_main_functions_intervals_on_the_drawn_grid():
    table = act.function_table(["sigmoid", "ReLU"], 10, 0.2)
    main = table[table["function"] == "sigmoid"]
    assert act.saturation("sigmoid", 10, 0.2) == act.saturated_intervals(
        main["x"].to_numpy(), main["f'(x)"].to_numpy())
    assert act.saturation("leaky ReLU", 5, 0.005) == [(-5.0, 0.0)]


@pytest.mark.parametrize("show_derivative", [True, False])
def test_function_specs_are_valid_vega_lite_with_the_right_data(show_derivative):
    names = ["sigmoid", "ReLU", "leaky ReLU"]
    table = act.function_table(names, 10, 0.2)
    intervals = act.saturation("sigmoid", 10, 0.2)
    specs = charts.functions_specs(names, intervals, 10, show_derivative)
    frames = charts.function_datasets(table, names)
    assert len(specs) == (2 if show_derivative else 1)
    for spec in specs:
        full = filled(spec, frames)
        alt.Chart.from_dict(full)  # validates against the Vega-Lite schema
        rows = full["datasets"]["curves"]
        assert len(rows) == 3 * len(act.grid(10))
        assert all(math.isfinite(r["f"]) and math.isfinite(r["df"]) for r in rows)
        shade = spec["layer"][0]
        assert shade["mark"]["type"] == "rect" and len(shade["data"]["values"]) == 2
        assert spec["layer"][2]["encoding"]["x"]["scale"]["domain"] == [-10, 10]
        wide = full["datasets"]["wide"]
        leaky_at_minus_10 = [r for r in wide if r["x"] == -10][0]["f2"]
        assert leaky_at_minus_10 == pytest.approx(-2.0)


def test_altair_charts_validate_and_carry_the_numbers():
    table = act.softmax_table([2.0, 1.0, 0.1], 0.5)
    bars = filled(charts.softmax_spec(0.5), charts.softmax_datasets(table))
    alt.Chart.from_dict(bars)  # validates
    rows = bars["datasets"]["bars"]
    assert [r["pick"] for r in rows].count("argmax (the prediction)") == 1
    assert sum(r["softmax"] for r in rows) == pytest.approx(1.0)
    sweep = filled(charts.temperature_spec(0.5),
                   {"sweep": act.temperature_sweep([2.0, 1.0])})
    alt.Chart.from_dict(sweep)
    assert sweep["layer"][1]["data"]["values"] == [{"temperature": 0.5}]
    fit = act.fit_target("sine", 3, seed=0, steps=50)
    for chart, frames in ((charts.hinge_chart("ReLU"), charts.hinge_datasets(fit)),
                          (charts.loss_chart(50, fit.mse), charts.loss_datasets(fit)),
                          (charts.input_chart(), charts.input_datasets(fit, 1.0))):
        spec = filled(chart, frames)
        alt.Chart.from_dict(spec)
        named = {layer["data"]["name"] for layer in spec.get("layer", [spec])}
        assert named == set(frames)  # every layer's data is filled, and nothing else
    hinge = filled(charts.hinge_chart("ReLU"), charts.hinge_datasets(fit))
    kink_rows = [r for rows in hinge["datasets"].values() for r in rows
                 if r.get("series") == "kink"]
    np.testing.assert_allclose(sorted(r["x"] for r in kink_rows), fit.net.kinks())
    point = charts.input_datasets(fit, 1.0)["point"].iloc[0]
    assert point["y"] == pytest.approx(fit.net(np.array([1.0]))[0])


def test_a_network_without_a_bend_has_an_empty_kink_layer():
    fit = act.fit_target("sine", 3, seed=0, hidden="none", steps=20)
    frames = charts.hinge_datasets(fit)
    assert len(frames["kinks"]) == 0
    alt.Chart.from_dict(filled(charts.hinge_chart("none"), frames))


def test_every_function_has_its_formulas_and_leaky_shows_its_slope():
    for name in act.FUNCTIONS:
        f_tex, df_tex = act.latex(name, 0.2)
        assert f_tex and df_tex and "SLOPE" not in f_tex + df_tex
    f_tex, df_tex = act.latex("leaky ReLU", 0.2)
    assert "0.2" in f_tex and "0.2" in df_tex
