"""The activation functions page under AppTest: defaults, each preset's effect, control
changes, bad logits, and the numbers in the charts."""

from __future__ import annotations

import pytest

from tests.helpers import chart_named_datasets, metric, open_app, visible_text

PAGE = "pages/3_activation_functions.py"


def charts(at) -> list[tuple[dict, dict[str, list[dict]]]]:
    """Each chart's spec and its datasets as rows."""
    out = []
    for i in range(len(at.get("arrow_vega_lite_chart") + at.get("vega_lite_chart"))):
        spec, frames = chart_named_datasets(at, i)
        out.append((spec, {name: frame.to_dict("records") for name, frame in frames.items()}))
    return out


def open_page(**query):
    return open_app(PAGE, **query)


def test_defaults_show_relu_and_its_slope():
    at = open_page()
    assert not at.exception
    assert at.selectbox(key="fn").value == "ReLU"
    specs = charts(at)
    assert len(specs) == 2  # f(x) and f'(x)
    spec, data = specs[0]
    assert spec["title"].startswith("f(x)")
    rows = data["curves"]
    at_zero = [r for r in rows if r["x"] == 0.0][0]
    assert at_zero["f"] == 0.0 and at_zero["df"] == 0.0  # torch's ReLU'(0)
    assert "x ≤ 0.00" in visible_text(at)  # saturated for negative inputs


def test_range_and_derivative_controls_change_the_charts():
    at = open_page()
    at.slider(key="range").set_value(12).run()
    spec, data = charts(at)[0]
    assert spec["layer"][2]["encoding"]["x"]["scale"]["domain"] == [-12, 12]
    assert min(r["x"] for r in data["curves"]) == -12
    at.toggle(key="show_derivative").set_value(False).run()
    assert len(charts(at)) == 1


def test_compare_and_leaky_slope():
    at = open_page()
    at.multiselect(key="compare").set_value(["leaky ReLU"]).run()
    at.slider(key="slope").set_value(0.25).run()
    _, data = charts(at)[0]
    leaky = {r["x"]: r["f"] for r in data["curves"] if r["function"] == "leaky ReLU"}
    assert leaky[-4.0] == pytest.approx(-1.0)


def test_saturation_preset_shades_both_tails_of_sigmoid():
    at = open_page()
    at.button(key="preset_btn_saturation").click().run()
    assert at.selectbox(key="fn").value == "sigmoid"
    assert at.multiselect(key="compare").value == ["tanh"]
    spec, _ = charts(at)[0]
    bands = spec["layer"][0]["data"]["values"]
    assert len(bands) == 2
    assert bands[0]["end"] == pytest.approx(-4.6, abs=0.06)
    assert bands[1]["start"] == pytest.approx(4.6, abs=0.06)


def test_relu_vs_sigmoid_preset():
    at = open_page(preset="relu_vs_sigmoid")
    assert at.selectbox(key="fn").value == "ReLU"
    _, data = charts(at)[1]
    sig_slopes = [r["df"] for r in data["curves"] if r["function"] == "sigmoid"]
    assert max(sig_slopes) == pytest.approx(0.25)


def test_hot_cold_preset_and_temperature():
    at = open_page(preset="hot_cold")
    assert not at.exception
    assert metric(at, "Top class gets") == "99.3%"
    assert metric(at, "Sum of softmax") == "1.0000"
    (bar_spec, bar_data), _ = charts(at)
    rows = next(iter(bar_data.values()))
    assert [r["class"] for r in rows if r["pick"].startswith("argmax")] == ["class 1"]
    at.select_slider(key="temperature").set_value(10.0).run()
    assert float(metric(at, "Top class gets").rstrip("%")) < 30


def test_huge_logits_stay_exact():
    at = open_page(view="Softmax", logits="1000, -1000, 999")
    assert not at.exception and not at.error
    assert metric(at, "Top class gets") == "73.1%"


@pytest.mark.parametrize("text, words", [("1, abc", "not a number"),
                                         ("nan, 1", "finite"),
                                         (", ".join(["1"] * 30), "too many"),
                                         ("", "empty")])
def test_bad_logits_get_a_message_and_the_page_keeps_working(text, words):
    at = open_page(view="Softmax")
    at.text_input(key="logits").input(text).run()
    assert not at.exception
    assert at.error and words in at.error[0].value
    assert len(charts(at)) == 2  # the example logits are shown instead
    at.text_input(key="logits").input("3, 1").run()
    assert not at.error


def test_finding_4_markdown_in_the_logits_is_shown_as_text():
    """Issue 20, finding 4: a link's logits text quoted in the error message made every
    visitor's browser fetch an image (the message was rendered as markdown)."""
    from markdown_it import MarkdownIt

    payload = "![x](http://127.0.0.1:9/p.png)"
    at = open_page(view="Softmax", logits=f"{payload},1")
    assert not at.exception
    message = at.error[0].value
    assert payload not in message  # escaped: the characters, not an image
    html = MarkdownIt("commonmark").render(message)
    assert "<img" not in html and "<a " not in html
    assert "http://127.0.0.1:9/p.png" in html.replace("\u2060", "") and "is not a number" in html
    for text in ("[a](javascript:alert(1)),1", "<img src=x onerror=alert(1)>,1",
                 "**bold**,1", "$x^2$,1", ":red[alarm],1"):
        at = open_page(view="Softmax", logits=text)
        html = MarkdownIt("commonmark").render(at.error[0].value)
        for tag in ("<img", "<a ", "<strong", "<em"):
            assert tag not in html, (text, html)
        assert "$" not in at.error[0].value.replace("\\$", "")  # no math from the link


def test_ten_hinges_make_a_sine():
    at = open_page(preset="ten_hinges")
    assert not at.exception
    assert at.slider(key="units").value == 10
    assert float(metric(at, "Final mean squared error")) < 0.01
    assert int(metric(at, "Kinks used")) >= 3
    hinge_spec, hinge_data = charts(at)[0]
    units = {r["unit"] for rows in hinge_data.values() for r in rows if "unit" in r}
    assert len(units) == 10


def test_no_activation_gives_a_straight_line_whatever_the_units():
    at = open_page(preset="straight_line")
    assert int(metric(at, "Kinks used")) == 0
    assert "A straight line, whatever the weights" in visible_text(at)
    assert float(metric(at, "Final mean squared error")) > 0.15


def test_parameters_vs_activations_counts():
    at = open_page(view="Parameters vs activations", units="10", x_in="2.0")
    assert not at.exception
    assert metric(at, "Parameters") == "31"
    assert metric(at, "Activations") == "21"
    table = at.dataframe[0].value
    assert table["kind"].tolist().count("parameter") == 4


def test_last_layer_table():
    at = open_page(view="Last layer")
    text = visible_text(at)
    for word in ("sigmoid", "softmax", "scaled sigmoid", "none (identity)"):
        assert word in text


def test_shared_url_reproduces_the_function_view():
    at = open_page(fn="tanh", compare="GELU", range="3", show_derivative="false")
    assert at.selectbox(key="fn").value == "tanh"
    assert at.multiselect(key="compare").value == ["GELU"]
    specs = charts(at)
    assert len(specs) == 1
    assert specs[0][0]["layer"][2]["encoding"]["x"]["scale"]["domain"] == [-3, 3]


def test_old_url_names_still_set_the_controls():
    """The page's seed and target were renamed act_seed and act_target (other pages have
    a seed and a target with other ranges); links with the old names keep working."""
    at = open_page(view="Why bend", target="|x|", seed="3", units="4")
    assert not at.exception
    assert at.selectbox(key="act_target").value == "|x|"
    assert at.slider(key="act_seed").value == 3
    assert "Pale orange: the target (|x|)" in visible_text(at)
    assert "seed" not in at.query_params and "target" not in at.query_params


def test_check_yourself_accepts_the_computed_answers_and_explains_a_wrong_one():
    from explorer import activations_quiz, quiz

    questions = quiz.make_questions(activations_quiz.QUESTIONS, 5)
    at = open_page(quiz_seed="5")
    assert not at.exception
    assert [e.label for e in at.expander if "Check yourself" in e.label] == [
        f"Check yourself: {len(questions)} questions"]
    for index, question in enumerate(questions):
        key = f"_quiz_5_{index}"
        if question.is_choice:
            at.radio(key=key).set_value(question.answer).run()
        else:
            at.text_input(key=key).input(question.shown_answer().split(" ")[0]).run()
        at.button(key=key + "_check").click().run()
    assert len(at.success) == len(questions) and not at.exception
    at.text_input(key="_quiz_5_0").input("12345").run()
    at.button(key="_quiz_5_0_check").click().run()
    assert any("Not quite" in e.value for e in at.error)


@pytest.mark.parametrize(("query", "numbers"), [
    ({}, ["x ≤ 0.00", "from 0 to 1"]),
    ({"preset": "hot_cold"}, ["99.3%", "T = 0.1", "21.3%"]),
    ({"preset": "ten_hinges"}, ["mean squared error 0.0003", "to 0.0003 at step 600"]),
    ({"view": "Parameters vs activations", "x_in": "2.0"}, ["at x = 2"]),
])
def test_every_chart_tells_a_screen_reader_what_it_plots_and_its_key_number(query, numbers):
    at = open_page(**query)
    descriptions = [spec["description"] for spec, _ in charts(at)]
    assert descriptions and all(d.startswith(("Line chart", "Bar chart")) for d in descriptions)
    for number in numbers:
        assert any(number in d for d in descriptions), (number, descriptions)
