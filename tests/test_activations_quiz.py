"""The activation page's check-yourself answers, recomputed another way: torch's softmax and
autograd, and torch's own count of a network's parameters and activations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import activations_quiz as aq
from explorer import quiz

SEEDS = st.integers(0, quiz.MAX_SEED)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_softmax_top_matches_torch(seed):
    import torch

    question = aq.softmax_top(np.random.default_rng([seed, 0]))
    z = torch.tensor(question.given["logits"], dtype=torch.float64)
    p = torch.softmax(z / question.given["temperature"], dim=0)
    assert float(p.max()) == pytest.approx(question.answer, abs=1e-12)
    assert question.check(f"{float(p.max()):.1%}")  # a percentage, rounded, is accepted
    assert f"T = {question.given['temperature']:g}" in question.prompt


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_the_argmax_is_the_largest_logit_at_any_temperature(seed):
    import torch

    question = aq.argmax_after_temperature(np.random.default_rng([seed, 1]))
    z = torch.tensor(question.given["logits"], dtype=torch.float64)
    p = torch.softmax(z / question.given["temperature"], dim=0)
    assert question.answer == f"class {int(torch.argmax(p)) + 1}"
    assert question.answer == f"class {int(torch.argmax(z)) + 1}"


@settings(max_examples=60, deadline=None)
@given(seed=SEEDS)
def test_slope_at_matches_torch_autograd(seed):
    import torch
    import torch.nn.functional as F

    question = aq.slope_at(np.random.default_rng([seed, 2]))
    g = question.given
    x = torch.tensor(g["x"], dtype=torch.float64, requires_grad=True)
    f = {"ReLU": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
         "leaky ReLU": lambda v: F.leaky_relu(v, g["slope"])}[g["function"]]
    f(x).backward()
    assert float(x.grad) == pytest.approx(question.answer, abs=1e-12)
    assert f"x = {g['x']:g}" in question.prompt and g["function"] in question.prompt


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_network_counts_match_torch(seed):
    import torch
    from torch import nn

    question = aq.network_counts(np.random.default_rng([seed, 3]))
    units = question.given["units"]
    net = nn.Sequential(nn.Linear(1, units), nn.ReLU(), nn.Linear(units, 1))
    if question.given["kind"] == "parameter":
        expected = sum(p.numel() for p in net.parameters())
    else:  # every number a layer computes from the input: z, ReLU(z), y
        outputs = []
        for layer in net:
            layer.register_forward_hook(lambda _m, _i, out: outputs.append(out.numel()))
        net(torch.zeros(1, 1))
        expected = sum(outputs)
    assert question.answer == expected
    assert f"**{units}** ReLU units" in question.prompt
