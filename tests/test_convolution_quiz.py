"""The convolution page's check-yourself answers, recomputed another way: torch's own layers
(output shape, parameter count, max pooling, one conv output). tests/test_quiz.py checks the
checker for every page over many seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import convolution_quiz as cq
from explorer import quiz

torch = pytest.importorskip("torch")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_output_size_is_torch_s_and_the_fit_is_whether_floor_changes_anything(seed):
    question = cq.output_size(np.random.default_rng([seed, 0]))
    g = question.given
    layer = torch.nn.Conv2d(1, 1, g["F"], stride=g["S"], padding=g["P"])
    with torch.no_grad():
        width = layer(torch.zeros(1, 1, g["F"], g["W"])).shape[-1]
    # it fits when the last window ends exactly at the padded input's right edge
    fits = (g["W"] + 2 * g["P"] - g["F"]) % g["S"] == 0
    assert question.answer == f"{width}, {cq.FITS if fits else cq.DOES_NOT_FIT}"
    assert question.answer in question.options and len(set(question.options)) == 4
    for key in ("F", "S", "P", "W"):
        assert f"{key} = {g[key]}" in question.prompt


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_conv_parameters_are_torch_s_count(seed):
    question = cq.conv_parameters(np.random.default_rng([seed, 1]))
    g = question.given
    layer = torch.nn.Conv2d(g["D"], g["K"], g["F"])
    assert question.answer == sum(p.numel() for p in layer.parameters())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_max_pool_value_is_torch_s(seed):
    question = cq.max_pool_value(np.random.default_rng([seed, 2]))
    g = question.given
    x = torch.tensor(g["values"], dtype=torch.float64)[None, None]
    pooled = torch.nn.functional.max_pool2d(x, 2, 2)[0, 0]
    assert question.answer == float(pooled[g["row"], g["col"]])
    # the matrix in the prompt is the one asked about
    assert cq.matrices_in(question.prompt) == [g["values"]]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_kernel_output_is_torch_s_conv(seed):
    question = cq.kernel_output(np.random.default_rng([seed, 3]))
    g = question.given
    out = torch.nn.functional.conv2d(torch.tensor(g["patch"], dtype=torch.float64)[None, None],
                                     torch.tensor(g["kernel"], dtype=torch.float64)[None, None],
                                     torch.tensor([g["bias"]], dtype=torch.float64))
    assert question.answer == pytest.approx(float(out[0, 0, 0, 0]), abs=1e-12)
    assert cq.matrices_in(question.prompt) == [g["patch"], g["kernel"]]
