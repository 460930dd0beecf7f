"""The backprop page under AppTest: defaults, presets, stepping, bad input, the other modes."""

from __future__ import annotations

import math

import pytest

from tests.helpers import app_test, chart_specs, visible_text

PAGE = "pages/4_backprop_graph.py"


def run(**query):
    at = app_test(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def dot(at) -> str:
    charts = at.get("graphviz_chart")
    assert charts, "no graph on the page"
    return charts[0].proto.spec


def chart_rows(at) -> list[dict]:
    """Every data row of every Altair chart on the page (Streamlit ships the data as Arrow
    beside the spec, so it is decoded here), plus any rows inlined in the spec."""
    import pyarrow as pa

    rows = []
    for element in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        for dataset in element.proto.datasets:
            table = pa.ipc.open_stream(dataset.data.data).read_all()
            rows += table.to_pylist()
    for spec in chart_specs(at):
        for dataset in (spec.get("datasets") or {}).values():
            rows += dataset
    return rows


def metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_default_shows_the_graph_paths_and_torch_check():
    at = run()
    graph = dot(at)
    assert "∂f/∂b = 5" in graph and "∂f/∂a = 2" in graph and "value 6" in graph
    # the input with the most paths is chosen: b, two paths summing to 5
    assert at.selectbox(key="path").value == "b"
    table = next(m.value for m in at.markdown if m.value.startswith("| path"))
    assert "| `b → n1 → f` | 1 × 2 | 2 |" in table
    assert "| `b → n2 → f` | 1 × 3 | 3 |" in table
    assert "add up to **5**" in visible_text(at)
    assert float(metric(at, "Largest difference")) < 1e-9
    assert metric(at, "Forward mode: passes") == "2"
    assert metric(at, "Reverse mode") == "1"


def test_step_through_forward_then_backward():
    at = run()
    at.slider(key="step").set_value(1).run()
    assert "value ?" in dot(at)
    assert any("n_{1}" in el.value and "= 3" in el.value for el in at.latex)
    total = at.slider(key="step").max
    at.slider(key="step").set_value(total).run()
    assert "Backward pass" in visible_text(at)
    assert any(r"2 \cdot 1 + 3 \cdot 1 = 5" in el.value or r"\cdot 1 = 2" in el.value
               for el in at.latex)
    at.button(key="step_back").click().run()
    assert at.slider(key="step").value == total - 1


def test_next_button_advances_one_step():
    at = run()
    at.button(key="step_next").click().run()
    assert at.slider(key="step").value == 1
    assert "Step 1 of" in visible_text(at)


def test_division_and_exp_preset_gives_the_sigmoid_slope():
    at = run(preset="division_exp")
    assert at.text_input(key="expr").value == "exp(x) / (1 + exp(x))"
    assert "∂f/∂x = 0.235" in dot(at)
    assert "add up to **0.235" in visible_text(at)


def test_neuron_preset():
    at = run(preset="neuron")
    assert at.selectbox(key="path").value == "w1"
    assert float(metric(at, "Largest difference")) < 1e-9
    assert metric(at, "Forward mode: passes") == "5"


@pytest.mark.parametrize(("expr", "fragment"), [
    ("__import__('os')", "'_' can only appear"),
    ("a.__class__", "'.' is only allowed"),
    ("lambda x: x", "Python keyword"),
    ("(" * 60 + "a" + ")" * 60, "Nested too deeply"),
    ("(a + b", "never closed"),
])
def test_bad_expression_shows_a_message_with_a_caret(expr, fragment):
    at = run()
    at.text_input(key="expr").set_value(expr).run()
    assert not at.exception
    assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
    assert any(c.value.endswith("^") for c in at.code)
    assert not at.get("graphviz_chart")


def test_bad_values_and_impossible_maths():
    at = run(values="a=2, b=")
    assert any("values cannot be read" in e.value for e in at.error)
    at = run(expr="log(a - b)", values="a=1, b=1")
    assert any("log" in e.value for e in at.error)
    at = run(expr="a * c")
    assert any("No value given for c" in e.value for e in at.error)


def test_shared_url_reproduces_state():
    at = run(expr="sigmoid(x * y)", values="x=1, y=-0.5", step="2", path="y")
    assert at.slider(key="step").value == 2
    assert at.selectbox(key="path").value == "y"
    assert "f = sigmoid(n1)" in dot(at)


def test_network_mode_matches_torch():
    at = run(mode="Network")
    assert r"\partial C" in "".join(el.value for el in at.latex)
    assert float(metric(at, "Largest difference from torch")) < 1e-9
    graphs = [g.proto.spec for g in at.get("graphviz_chart")]
    assert any("digraph mlp" in g for g in graphs)
    at.selectbox(key="loss").set_value("cross-entropy").run()
    assert any(r"\operatorname{softmax}" in el.value for el in at.latex)
    assert float(metric(at, "Largest difference from torch")) < 1e-9
    at.text_input(key="layers").set_value("2-3-1").run()
    assert any("at least two output units" in e.value for e in at.error)
    at.text_input(key="layers").set_value("2-y-2").run()
    assert any("layer sizes cannot be read" in e.value for e in at.error)


def test_sigmoid_vanishes_versus_relu():
    at = run(preset="sigmoid_vanishes")
    assert at.slider(key="depth").value == 20
    norms = [row["gradient norm"] for row in chart_rows(at) if "gradient norm" in row]
    assert len(norms) == 20 and norms[0] < 1e-8 * norms[-1]
    assert all(math.isfinite(v) for row in chart_rows(at) for v in row.values()
               if isinstance(v, float))
    at = run(preset="relu_keeps")
    norms = [row["gradient norm"] for row in chart_rows(at) if "gradient norm" in row]
    assert norms[0] > 0.05 * norms[-1]
    assert "0.25" in visible_text(at)


@pytest.mark.parametrize("expr", ["2", "a", "-a", "2 + 3", "a * 0", "relu(a - a)", "x ^ y"])
def test_edge_case_expressions_render(expr):
    at = run(expr=expr, values="a=1, x=0, y=2")
    assert at.get("graphviz_chart")
