"""The backprop page's check-yourself answers, recomputed another way: torch autograd on
the same expression written in torch, counting the variable's uses in the text, and torch's
own count of a network's parameters."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import backprop_quiz as bq
from explorer import quiz

SEEDS = st.integers(0, quiz.MAX_SEED)

# The same expressions written in torch by hand, not through the page's parser.
IN_TORCH = {
    "(a + b) * (b + c)": lambda t, a, b, c: (a + b) * (b + c),
    "a * b + sin(a) * c": lambda t, a, b, c: a * b + t.sin(a) * c,
    "exp(a) / (1 + b * b) + c": lambda t, a, b, c: t.exp(a) / (1 + b * b) + c,
    "sigmoid(a * b + c)": lambda t, a, b, c: t.sigmoid(a * b + c),
    "(a - b) ^ 2 * c": lambda t, a, b, c: (a - b) ** 2 * c,
    "log(a * a + b * b) * c": lambda t, a, b, c: t.log(a * a + b * b) * c,
    "tanh(a + b * c)": lambda t, a, b, c: t.tanh(a + b * c),
    "a * b * c + a": lambda t, a, b, c: a * b * c + a,
    "sqrt(a * a + b * b + c * c)": lambda t, a, b, c: t.sqrt(a * a + b * b + c * c),
    "relu(a - b) * c + a": lambda t, a, b, c: t.relu(a - b) * c + a,
}


def test_every_expression_has_a_torch_twin():
    assert set(IN_TORCH) == set(bq.EXPRESSIONS)


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_gradient_of_expression_matches_torch_autograd(seed):
    import torch

    question = bq.gradient_of_expression(np.random.default_rng([seed, 0]))
    g = question.given
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for k, v in g["values"].items()}
    IN_TORCH[g["expr"]](torch, **leaves).backward()
    expected = float(leaves[g["name"]].grad)
    assert math.isfinite(expected)
    assert expected == pytest.approx(question.answer, rel=1e-12, abs=1e-12)
    assert g["expr"] in question.prompt and f"∂f/∂{g['name']}" in question.prompt


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_paths_are_the_uses_of_the_variable(seed):
    """Only variables are shared nodes (every constant and operation is used once), so the
    paths from a variable to f are its uses in the text, counted here with a regex."""
    question = bq.paths_from_input(np.random.default_rng([seed, 1]))
    name, expr = question.given["name"], question.given["expr"]
    assert question.answer == len(re.findall(rf"\b{name}\b", expr)) >= 1


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_network_parameters_match_torch(seed):
    from torch import nn

    question = bq.network_parameters(np.random.default_rng([seed, 2]))
    sizes = question.given["sizes"]
    layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    assert question.answer == sum(p.numel() for layer in layers for p in layer.parameters())
    assert "-".join(map(str, sizes)) in question.prompt
