"""The backprop page under AppTest: defaults, presets, stepping, bad input, the other modes."""

from __future__ import annotations

import math
import re

import pytest

from tests.helpers import chart_datasets, metric, open_app, visible_text

PAGE = "pages/4_backprop_graph.py"


def run(**query):
    at = open_app(PAGE, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def errors(at) -> list[str]:
    """The error messages as a reader sees them: they quote the visitor's text escaped for
    markdown (a backslash before each punctuation mark), which the browser does not show."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def dot(at) -> str:
    charts = at.get("graphviz_chart")
    assert charts, "no graph on the page"
    return charts[0].proto.spec


def chart_rows(at) -> list[dict]:
    """Every data row of every chart on the page."""
    return [row for frame in chart_datasets(at) for row in frame.to_dict("records")]


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
    assert total == 8 and at.slider(key="step").label == (
        "Step through the passes (0 = the finished graph, 8 steps)")
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
    assert any(fragment in e for e in errors(at)), errors(at)
    assert any(c.value.endswith("^") for c in at.code)
    assert not at.get("graphviz_chart")


def test_bad_values_and_impossible_maths():
    at = run(values="a=2, b=")
    assert any("values cannot be read" in e for e in errors(at))
    at = run(expr="log(a - b)", values="a=1, b=1")
    assert any("log" in e for e in errors(at))
    at = run(expr="a * c")
    assert any("No value given for c" in e for e in errors(at))


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
    at.selectbox(key="bp_loss").set_value("cross-entropy").run()
    assert any(r"\operatorname{softmax}" in el.value for el in at.latex)
    assert float(metric(at, "Largest difference from torch")) < 1e-9
    at.text_input(key="bp_layers").set_value("2-3-1").run()
    assert any("at least two output units" in e for e in errors(at))
    at.text_input(key="bp_layers").set_value("2-y-2").run()
    assert any("layer sizes cannot be read" in e for e in errors(at))


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


def test_old_url_names_still_set_the_controls():
    """seed, loss and layers were renamed bp_seed, bp_loss and bp_layers (other pages have
    a seed, a loss and layers with other ranges); links with the old names keep working."""
    at = run(mode="Network", layers="3-2", loss="cross-entropy", seed="5")
    assert at.text_input(key="bp_layers").value == "3-2"
    assert at.selectbox(key="bp_loss").value == "cross-entropy"
    assert at.slider(key="bp_seed").value == 5
    assert any(r"\operatorname{softmax}" in el.value for el in at.latex)
    assert not {"seed", "loss", "layers"} & set(at.query_params)


MARKUP_PAYLOADS = ["![x](http://127.0.0.1:9/p.png)", "[a](javascript:alert(1))",
                   "<img src=x onerror=alert(1)>", "**bold** _it_", "$x^2$", ":red[alarm]",
                   "a_b_ * c_d_", "`code`"]


@pytest.mark.parametrize("payload", MARKUP_PAYLOADS)
@pytest.mark.parametrize("box", ["expr", "values", "bp_layers"])
def test_finding_4_text_boxes_messages_never_render_the_visitors_markup(box, payload):
    """Issue 20, finding 4 (found on the activation page) checked on this page's three text
    boxes: a message that quotes the typed text shows it as characters, and the text itself
    appears only in the code block under the message."""
    from markdown_it import MarkdownIt

    query = {box: payload} | ({"mode": "Network"} if box == "bp_layers" else {})
    at = run(**query)
    for element in [*at.error, *at.warning]:  # messages: no markup of any kind
        html = MarkdownIt("commonmark").render(str(element.value))
        for tag in ("<img", "<a ", "<strong", "<em", "<code"):
            assert tag not in html, (box, payload, element.value)
    for element in [*at.markdown, *at.caption, *at.subheader]:  # the page's own words
        assert payload not in str(element.value), (box, payload, element.value)
        html = MarkdownIt("commonmark").render(str(element.value))
        assert "127.0.0.1:9" not in html and "javascript:" not in html and "<img" not in html
    assert at.error, "the box's text should have been refused"
    if "cannot be read" in errors(at)[0]:  # a text error: the caret points into the text
        assert any(c.value.endswith("^") for c in at.code)


def test_evaluation_messages_name_the_variables_as_text():
    at = run(expr="a_b_ * c_d_", values="")
    message = at.error[0].value
    assert "No value given for a" in errors(at)[0]
    assert "\\_" in message  # the underscores cannot start emphasis


def test_check_yourself_accepts_the_computed_answers():
    from explorer import backprop_quiz, quiz

    questions = quiz.make_questions(backprop_quiz.QUESTIONS, 7)
    at = run(quiz_seed="7")
    for index, question in enumerate(questions):
        key = f"_quiz_7_{index}"
        at.text_input(key=key).input(question.shown_answer().split(" ")[0]).run()
        at.button(key=key + "_check").click().run()
    assert len(at.success) == len(questions) and not at.exception


def test_the_vanishing_charts_tell_a_screen_reader_their_key_numbers():
    from tests.helpers import chart_specs

    at = run(preset="sigmoid_vanishes")
    first = metric(at, "‖∂C/∂W‖ at layer 1")
    descriptions = [spec["description"] for spec in chart_specs(at)]
    assert f"{first} at layer 1" in descriptions[0] and "20 sigmoid layers" in descriptions[0]
    assert "one row per layer" in descriptions[1] and "lowest or highest bin" in descriptions[1]
