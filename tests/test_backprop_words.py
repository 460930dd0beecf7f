"""The backprop page's sentences about its numbers, checked against numbers computed
another way (torch autograd, closed forms, counting) in the same state."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import backprop as bp
from explorer import backprop_network as bn
from explorer import backprop_render as render
from explorer import claims
from explorer.backprop_spec import SPEC
from tests.helpers import metric, open_app, visible_text

PAGE = "pages/4_backprop_graph.py"


def values(preset: str) -> dict:
    return {p.key: p.default for p in SPEC.params} | SPEC.preset(preset).values


def expression_of(preset: str) -> tuple[bp.Graph, dict[str, float], str]:
    from explorer.backprop_parser import parse_values

    v = values(preset)
    env = parse_values(v["values"])
    return bp.differentiate(v["expr"], env), env, v["path"]


def torch_gradient(expr_torch, env: dict[str, float], name: str) -> float:
    import torch

    leaves = {k: torch.tensor(x, dtype=torch.float64, requires_grad=True)
              for k, x in env.items()}
    expr_torch(torch, **leaves).backward()
    return float(leaves[name].grad)


def path_products(graph: bp.Graph, name: str) -> list[float]:
    source = next(n.index for n in graph.inputs if n.name == name)
    return [p.product for p in bp.paths_to_output(graph, source)]


# ---- expression presets ---------------------------------------------------------------


def test_shared_b_gets_two_paths_summing_to_five():
    graph, env, name = expression_of("shared")
    assert name == "b"
    assert sorted(path_products(graph, "b")) == pytest.approx([2.0, 3.0])
    expected = torch_gradient(lambda t, a, b: (a + b) * (b + 1), env, "b")
    assert expected == pytest.approx(5.0)
    assert "2 + 3 = 5" in SPEC.preset("shared").note
    assert "two paths" in SPEC.preset("shared").note


def test_division_and_exp_paths_add_up_to_the_sigmoid_slope():
    graph, env, name = expression_of("division_exp")
    products = path_products(graph, name)
    assert len(products) == 2  # "through the top and the bottom of the fraction"
    s = 1 / (1 + math.exp(-env["x"]))
    assert sum(products) == pytest.approx(s * (1 - s), abs=1e-12)
    assert f"= {s * (1 - s):.3f}" in SPEC.preset("division_exp").note


def test_a_neurons_weight_gradient_is_its_input_times_the_slope_at_the_sum():
    graph, env, name = expression_of("neuron")
    assert name == "w1"
    z = env["w1"] * env["x1"] + env["w2"] * env["x2"] + env["b"]
    s = 1 / (1 + math.exp(-z))
    expected = torch_gradient(lambda t, x1, x2, w1, w2, b: t.sigmoid(w1 * x1 + w2 * x2 + b),
                              env, "w1")
    assert expected == pytest.approx(env["x1"] * s * (1 - s), rel=1e-12)
    assert graph.gradient("w1") == pytest.approx(expected, rel=1e-12)
    source = next(n.index for n in graph.inputs if n.name == "w1")
    (path,) = bp.paths_to_output(graph, source)
    assert path.factors[0] == env["x1"] != 1  # the input it multiplies, visible in the table
    assert path.factors[-1] == pytest.approx(s * (1 - s))  # σ'(z), the slope at the sum
    assert "∂f/∂w1 = x1 · σ'(z)" in SPEC.preset("neuron").note


# ---- vanishing gradients ----------------------------------------------------------------


def norms(preset: str) -> np.ndarray:
    v = values(preset)
    return bn.deep_stack_torch_norms(v["depth"], v["deep_act"], v["init_scale"])


def test_sigmoid_shrinks_about_fourfold_per_layer_to_ten_to_the_twelve():
    g = norms("sigmoid_vanishes")
    note = SPEC.preset("sigmoid_vanishes").note
    assert len(g) == 20 and "Twenty sigmoid layers" in note
    per_layer = (g[-1] / g[0]) ** (1 / (len(g) - 1))
    assert round(per_layer) == 4 and "about fourfold per layer" in note
    assert claims.ratio_words(g[-1], g[0]) == "about 10^12 times smaller"
    assert "about 10¹² times smaller than layer 20" in note


def test_relu_with_he_weights_keeps_the_gradient_within_a_few_times():
    g = norms("relu_keeps")
    note = SPEC.preset("relu_keeps").note
    words = claims.ratio_words(g[-1], g[0])
    assert words == "4 times smaller"
    assert f"only about {words} than layer {len(g)}'s" in note
    sigmoid = norms("sigmoid_vanishes")
    assert claims.ratio_words(sigmoid[-1], sigmoid[0]) == "about 10^12 times smaller"
    assert "against 10¹² times smaller with sigmoid" in note
    assert values("relu_keeps")["init_scale"] == pytest.approx(math.sqrt(2), abs=0.02)


@pytest.mark.parametrize("depth", [2, 5, 10, 15, 20])
def test_he_relu_stays_within_a_few_times_at_every_depth(depth):
    """The page's paragraph: with weights scaled by √2, layer 1's gradient stays within a
    few times the last layer's (here: within 10 times), at every depth the slider allows."""
    g = bn.deep_stack_torch_norms(depth, "relu", 1.4)
    assert max(g[0] / g[-1], g[-1] / g[0]) < 10


def test_a_quarter_to_the_twentieth_is_ten_to_the_minus_twelve():
    assert round(math.log10(0.25 ** 20)) == -12  # "0.25²⁰ ≈ 10⁻¹²"


@pytest.mark.parametrize("preset", ["sigmoid_vanishes", "relu_keeps"])
def test_the_page_says_how_layer_one_compares_with_the_last(preset):
    g = norms(preset)
    at = open_app(PAGE, preset=preset)
    sentence = render.layer_ratio_sentence(g[0], g[-1], len(g))
    assert sentence in visible_text(at)
    words = claims.ratio_words(g[-1], g[0]).replace("10^12", "10¹²")
    assert words in sentence
    assert float(metric(at, "Layer 1 / last layer")) == pytest.approx(g[0] / g[-1], rel=0.05)


@pytest.mark.parametrize(("first", "last", "expected"), [
    (1e-13, 0.07, "about 10¹² times smaller than layer 20's"),
    (0.15, 0.6, "4 times smaller than layer 20's"),
    (4.4, 0.5, "9 times larger than layer 20's"),
    (0.5, 0.55, "about the same size as layer 20's"),
    (0.0, 0.5, "layer 1's gradient is exactly 0"),
])
def test_layer_ratio_sentence(first, last, expected):
    assert expected in render.layer_ratio_sentence(first, last, 20)


# ---- the sentences built from the graph -------------------------------------------------


def test_one_path_reads_as_one_product():
    text = render.paths_sentence("w1", 1, 0.2694, 0.2694)
    assert text.startswith("The only path's product is **0.2694**")
    assert "1 path product" not in text and "add up" not in text


def test_several_paths_add_up_and_exactly_only_when_equal():
    assert render.paths_sentence("b", 2, 5.0, 5.0).startswith(
        "The 2 path products add up to **5**, exactly the gradient")
    differs = render.paths_sentence("b", 3, 0.3002, 0.3)
    assert "exactly" not in differs and "up to rounding" in differs


def test_sweeps_and_visits_are_counted_in_good_grammar():
    graph = bp.differentiate("2 * a", {"a": 1.0})
    text = render.modes_sentence(len(graph.inputs), bp.forward_mode(graph))
    assert "1 sweep," in text and "1 sweeps" not in text
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2.0, "b": 1.0})
    cost = bp.forward_mode(graph)
    text = render.modes_sentence(len(graph.inputs), cost)
    assert f"2 sweeps, {cost.edge_visits_forward_mode} edge visits" in text
    assert f"one backward sweep: {len(graph.edges)} edge visits" in text


def test_the_neuron_page_shows_one_path_in_plain_words():
    at = open_app(PAGE, preset="neuron")
    text = visible_text(at)
    assert "The only path's product is **0.2694**, exactly the gradient ∂f/∂w1" in text
    assert "1 path product" not in text
    at = open_app(PAGE, expr="2 * a", values="a=1")
    assert "1 sweep," in visible_text(at)
