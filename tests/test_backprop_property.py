"""Property tests: random well-formed expressions agree with torch autograd; random text
never raises anything but the parser's own error."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer import backprop as bp
from explorer.backprop_parser import FUNCTIONS, ExpressionError, parse_expression, parse_values

SETTINGS = settings(max_examples=250, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
NAMES = ("a", "b", "c")

leaves = st.one_of(st.sampled_from(NAMES), st.sampled_from(["0.5", "2", "3", "1.25", "0"]))


def _extend(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = st.tuples(st.sampled_from(FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})")
    negate = children.map(lambda e: f"-{e}")
    power_const = st.tuples(children, st.sampled_from(["2", "3", "0.5", "-1", "0"])).map(
        lambda t: f"({t[0]}) ^ {t[1]}")
    power_var = st.tuples(children, children).map(lambda t: f"({t[0]}) ^ ({t[1]})")
    return st.one_of(binary, unary, negate, power_const, power_var)


expressions = st.recursive(leaves, _extend, max_leaves=10).filter(lambda s: len(s) <= 200)
# Values away from 0 keep most divisions well conditioned; the tolerance below covers the rest.
magnitudes = st.floats(0.1, 2.5, allow_nan=False)
values = st.fixed_dictionaries({n: st.tuples(magnitudes, st.booleans()).map(
    lambda t: -t[0] if t[1] else t[0]) for n in NAMES})


def _gradient_scale(graph: bp.Graph) -> list[float]:
    """The backward pass on absolute values: the size of the terms each gradient sums.
    Rounding error is relative to this, not to the (possibly cancelled) result."""
    scale = [0.0] * len(graph.nodes)
    scale[graph.output] = 1.0
    for node in reversed(graph.nodes):
        for edge in graph.edges:
            if edge.target == node.index:
                scale[edge.source] += scale[node.index] * abs(edge.local)
    return scale


def _torch_all_finite(graph: bp.Graph, env: dict[str, float]) -> bool:
    """Run the graph in torch with every node's value and gradient kept; True when torch
    meets no infinity or NaN anywhere (constants are made leaves too, so their branches
    are differentiated)."""
    import torch

    from explorer.backprop import _torch_op

    vals = []
    leaves = []
    with torch.autograd.set_detect_anomaly(False):
        for node in graph.nodes:
            if node.op == "input":
                t = torch.tensor(float(env[node.name]), dtype=torch.float64,
                                 requires_grad=True)
                leaves.append(t)
            elif node.op == "const":
                t = torch.tensor(float(node.name), dtype=torch.float64, requires_grad=True)
                leaves.append(t)
            else:
                t = _torch_op(torch, node, [vals[i] for i in node.inputs])
                t.retain_grad()
            vals.append(t)
        out = vals[graph.output]
        if not all(math.isfinite(float(v.detach())) for v in vals):
            return False
        out.backward()
    return all(v.grad is None or math.isfinite(float(v.grad)) for v in vals)


def _forward_only_graph(text: str, env: dict[str, float]) -> bp.Graph | None:
    """The graph with its structure but no values (when our engine refused)."""
    return bp.build_graph(parse_expression(text))


@SETTINGS
@given(expressions, values)
def test_random_expressions_match_torch_or_both_meet_infinity(text, env):
    try:
        graph = bp.differentiate(text, env)
    except bp.EvaluationError:
        # We refuse exactly when torch would meet an infinity or NaN somewhere.
        assert not _torch_all_finite(_forward_only_graph(text, env), env), text
        return
    out, grads = bp.torch_gradients(graph, env)
    value_scale = max(1.0, max(abs(v) for v in graph.values))
    assert abs(graph.values[graph.output] - out) <= 1e-9 * value_scale, text
    scale = _gradient_scale(graph)
    for node in graph.inputs:
        mine, theirs = graph.grads[node.index], grads[node.name]
        assert abs(mine - theirs) <= 1e-9 * max(1.0, scale[node.index]), (
            text, env, node.name, mine, theirs)
    for node in graph.inputs:  # the chain rule as a sum over paths, on the same graph
        if bp.count_paths(graph, node.index) <= 200:
            total = sum(p.product for p in bp.paths_to_output(graph, node.index, limit=200))
            assert abs(total - graph.grads[node.index]) <= 1e-9 * max(1.0, scale[node.index])


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_only_raises_the_parse_error(text):
    for parse in (parse_expression, parse_values):
        try:
            parse(text)
        except ExpressionError as err:
            assert 0 <= err.position <= len(text)


ALPHABET = "abx12.05e()+-*/^× _,=;" + "".join(sorted(set("".join(FUNCTIONS))))


@SETTINGS
@given(st.text(alphabet=ALPHABET, max_size=120),
       st.floats(-3, 3, allow_nan=False))
def test_near_miss_text_parses_or_fails_cleanly(text, x):
    try:
        tree = parse_expression(text)
    except ExpressionError as err:
        assert 0 <= err.position <= len(text)
        return
    graph = bp.build_graph(tree)
    env = {n.name: x for n in graph.inputs}
    try:
        bp.backward(bp.forward(graph, env))
    except bp.EvaluationError:
        pass
