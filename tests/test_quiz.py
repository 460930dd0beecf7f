"""Check-yourself questions: for every page's question makers and many variants, the
checker accepts the computed answer (also sensibly rounded) and rejects wrong ones; and
the gradient descent answers agree with an independent computation (torch autograd)."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import quiz

ROOT = Path(__file__).resolve().parent.parent
QUIZ_MODULES = sorted(p.stem for p in (ROOT / "explorer").glob("*_quiz.py"))
MAKERS = [(module, maker) for module in QUIZ_MODULES
          for maker in importlib.import_module(f"explorer.{module}").QUESTIONS]


def test_every_quiz_module_has_at_least_three_questions():
    assert QUIZ_MODULES
    for module in QUIZ_MODULES:
        assert len(importlib.import_module(f"explorer.{module}").QUESTIONS) >= 3, module


@pytest.mark.parametrize(("text", "value"), [
    ("0.25", 0.25), (" 1,5 ", 1.5), ("25%", 0.25), ("2/3", 2 / 3), ("−4", -4.0),
    ("1e3", 1000.0), ("+7", 7.0)])
def test_numbers_learners_type(text, value):
    assert quiz.parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "1/0", "inf", "nan", "1e999", "9" * 100,
                                  "1.2.3", "__import__('os')", "2**8"])
def test_text_that_is_not_a_number(text):
    assert quiz.parse_number(text) is None


@pytest.mark.parametrize("given_text", ["0.82", "0.83", "82.5%", "66/80"])
def test_an_answer_rounded_half_away_passes(given_text):
    """66/80 = 0.825; both roundings to two places are 0.005 away, which floating point makes
    0.005000000000000004 (found by hypothesis on the tabular page's confusion matrix)."""
    question = quiz.Question(prompt="?", answer=66 / 80, explanation="", tolerance=0.005)
    assert question.check(given_text)
    assert not question.check("0.81")


@pytest.mark.slow
@pytest.mark.parametrize(("module", "maker"), MAKERS,
                         ids=[f"{m}.{f.__name__}" for m, f in MAKERS])
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_the_checker_accepts_the_computed_answer_and_rejects_wrong_ones(module, maker, seed):
    question = maker(np.random.default_rng([seed, 0]))
    assert question.prompt and question.explanation
    if question.is_choice:
        assert question.answer in question.options
        assert question.check(question.answer)
        for other in question.options:
            if other != question.answer:
                assert not question.check(other)
        return
    answer = float(question.answer)
    assert np.isfinite(answer)
    assert question.check(str(answer))
    assert question.check(question.shown_answer().split(" ")[0].replace(",", ""))
    allowed = max(question.tolerance, question.rel_tolerance * abs(answer))
    assert not question.check(str(answer + 2 * allowed + 1))
    assert not question.check(str(answer - 2 * allowed - 1))
    assert not question.check("not a number")


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_one_gradient_step_matches_torch(seed):
    import torch

    from explorer import gradient_descent_quiz as gq

    question = gq.one_step(np.random.default_rng([seed, 0]))
    given = question.given
    x = torch.tensor(given["x"], dtype=torch.float64)
    y = torch.tensor(given["y"], dtype=torch.float64)
    params = torch.tensor(given["start"], dtype=torch.float64, requires_grad=True)
    ((params[0] * x + params[1] - y) ** 2).mean().backward()
    expected = params[0].item() - given["lr"] * params.grad[0].item()
    assert expected == pytest.approx(question.answer, abs=1e-9)
    assert f"{given['lr']:g}" in question.prompt


def test_a_variant_is_the_same_for_everyone():
    from explorer import gradient_descent_quiz as gq

    first = quiz.make_questions(gq.QUESTIONS, 42)
    again = quiz.make_questions(gq.QUESTIONS, 42)
    assert [q.prompt for q in first] == [q.prompt for q in again]
    assert [q.prompt for q in quiz.make_questions(gq.QUESTIONS, 43)] != [q.prompt for q in first]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_the_diverging_rate_is_the_one_past_two_over_the_curvature(seed):
    """Full-batch gradient descent on a quadratic loss diverges exactly when the step is
    larger than 2 / (the Hessian's largest eigenvalue): a closed form, not a training run."""
    from explorer import gradient_descent_quiz as gq

    question = gq.which_diverges(np.random.default_rng([seed, 1]))
    x = np.array(question.given["x"])
    X = np.column_stack([x, np.ones_like(x)])
    edge = 2 / np.linalg.eigvalsh(2 / len(x) * X.T @ X).max()
    for rate in question.given["rates"]:
        assert (rate > edge) == (f"{rate:g}" == question.answer)
