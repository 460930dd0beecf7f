"""explorer/backprop_render.py: the transcript, the DOT text and the tables carry the
engine's numbers (checked against the engines and against hand-worked values)."""

from __future__ import annotations

import math

import numpy as np
import torch

from explorer import backprop as bp
from explorer import backprop_network as bn
from explorer import backprop_render as render


def test_steps_cover_every_operation_then_every_gradient():
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2, "b": 1})
    steps = render.steps(graph)
    forward = [s for s in steps if s.phase == "forward"]
    backward = [s for s in steps if s.phase == "backward"]
    assert [s.node for s in forward] == [n.index for n in graph.operations]
    assert backward[0].node == graph.output
    assert {s.node for s in backward} == {n.index for n in graph.nodes if n.op != "const"}
    assert steps.index(forward[-1]) < steps.index(backward[0])
    b_step = next(s for s in backward if graph.nodes[s.node].name == "b")
    assert "2 \\cdot 1 + 3 \\cdot 1 = 5" in b_step.latex


def test_dot_is_well_formed_and_escaped():
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2, "b": 1})
    dot = render.graph_dot(graph)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert dot.count("->") == len(graph.edges)
    assert "∂f/∂b = 5" in dot
    assert render.dot_escape('a"b\\c\n<x>') == 'a\\"b\\\\c\\n\\<x\\>'
    steps = render.steps(graph)
    during = render.graph_dot(graph, step=steps[0], step_index=0, all_steps=steps)
    assert "value ?" in during and "#E69F00" in during


def test_step_heading_counts_each_pass_on_its_own():
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2, "b": 1})
    steps = render.steps(graph)  # 3 operations forward, then 5 gradients (a, b, n1, n2, f)
    assert len(steps) == 8
    assert render.step_heading(steps, 2) == (
        "**Step 2 of 8. Forward pass: compute a value** (2 of 3).")
    assert render.step_heading(steps, 5) == (
        "**Step 5 of 8. Backward pass: compute a gradient** (2 of 5).")


def test_paths_and_torch_tables():
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2, "b": 1})
    b = graph.inputs[1]
    table = render.paths_table(graph, bp.paths_to_output(graph, b.index))
    assert "| `b → n1 → f` | 1 × 2 | 2 |" in table
    assert "| `b → n2 → f` | 1 × 3 | 3 |" in table
    a_t, b_t = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, 1.0))
    ((a_t + b_t) * (b_t + 1)).backward()
    reference = {"a": float(a_t.grad), "b": float(b_t.grad)}
    differences = bp.gradient_differences(graph, reference)
    assert differences == [0.0, 0.0]
    checked = render.torch_table(graph, reference, differences)
    assert "| `a` | 2 | 2 | 0.0e+00 |" in checked and "| `b` | 5 | 5 | 0.0e+00 |" in checked
    assert render.markdown_table(["x|y"], [["1|2"]]) == "| x\\|y |\n|---|\n| 1\\|2 |"


def test_equation_text_carries_the_numbers():
    net = bn.make_network([2, 3, 2], "sigmoid", "MSE", 0)
    result = bn.backprop(net)
    text = render.equation_weight(result, 2)
    assert text.count(r"\begin{bmatrix}") == 3
    assert render._num(float(result.grad_w[1][0, 0])) in text
    assert r"\odot" in render.equation_output_error(net, result)
    assert "W^{2}" in render.equation_hidden_error(net, result, 1)
    table = bn.layer_table(net, result)
    assert len(table) == 2 + 3 + 2
    dot = render.network_dot(net, result)
    assert dot.count("->") == 2 * 3 + 3 * 2


def test_layer_markdown_writes_every_unit_and_a_dash_where_there_is_no_number():
    net = bn.make_network([2, 3, 2], "tanh", "MSE", 1)
    result = bn.backprop(net)
    text = render.layer_markdown(bn.layer_table(net, result))
    lines = text.splitlines()
    assert len(lines) == 2 + 2 + 3 + 2
    assert lines[2].startswith("| 0 (input) | 1 | — |") and lines[2].endswith("| — |")
    z = float(result.z[0][1])
    assert f"| 1 | 2 | {z + 0.0:.4f} | {math.tanh(z) + 0.0:.4f} |" in text
    np.testing.assert_allclose(math.tanh(z), result.a[1][1])


def _numbers(tex: str) -> list[float]:
    """Every number written in a TeX string (powers of ten read back)."""
    import re

    tex = re.sub(r"([-\d.]+)\\times 10\^\{(-?\d+)\}", r"\1e\2", tex)
    return [float(v) for v in re.findall(r"-?\d+\.?\d*(?:e-?\d+)?", tex)]


def test_every_layout_writes_the_same_result_and_a_phone_names_wide_matrices():
    net = bn.make_network([6, 6, 2], "tanh", "MSE", seed=3)
    result = bn.backprop(net)
    for layer in (1, 2):
        line = render.equation_weight(result, layer, "line")
        stacked = render.equation_weight(result, layer, "stacked")
        phone = render.equation_weight(result, layer, "phone")
        assert _numbers(line) == _numbers(stacked)  # the same numbers, split at each =
        assert r"\begin{aligned}" in stacked and stacked.count("&=") == 3  # 3 sides
        assert phone.startswith(r"\small")
        grad = result.grad_w[layer - 1]
        if grad.shape[1] > render.NARROW_COLUMNS:
            assert f"a {grad.shape[0]} × {grad.shape[1]} matrix" in phone
        # the gradient's entries are the outer product of δ and the incoming activation
        assert np.allclose(grad, np.outer(result.delta[layer - 1], result.a[layer - 1]))
    phone = render.equation_hidden_error(net, result, 1, "phone")
    assert r"(W^{2})^T \begin{bmatrix}" not in phone  # W² has 2 rows: written out
    net = bn.make_network([2, 6, 6, 2], "relu", "MSE")
    result = bn.backprop(net)
    phone = render.equation_hidden_error(net, result, 1, "phone")
    assert r"&= (W^{2})^T \begin{bmatrix}" in phone  # 6 columns: named
    assert render.wide_layout(net) == "stacked"
    assert render.wide_layout(bn.make_network([2, 3, 2], "relu", "MSE")) == "line"


def test_phone_lists_carry_the_tables_numbers():
    net = bn.make_network([2, 3, 2], "sigmoid", "MSE")
    result = bn.backprop(net)
    table = bn.layer_table(net, result)
    listed = render.layer_list_markdown(table)
    assert listed.count("\n- ") == 2  # one line per layer
    for value in table["δ"].dropna():
        assert f"{value + 0.0:.4f}" in listed
    graph = bp.differentiate("(a + b) * (b + 1)", {"a": 2, "b": 1})
    _, torch_grads = bp.torch_gradients(graph, {"a": 2, "b": 1})
    text = render.torch_list(graph, torch_grads)
    assert "- ∂f/∂b: 5 here, 5 in torch" in text
