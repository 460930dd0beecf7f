"""Network mode (the four equations) and the deep stack, against torch autograd."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import backprop_network as bn
from explorer.backprop_parser import ExpressionError


@pytest.mark.parametrize("loss", bn.LOSSES)
@pytest.mark.parametrize("act", bn.ACTIVATIONS)
@pytest.mark.parametrize(("sizes", "seed"), [([2, 3, 2], 0), ([3, 2], 1), ([4, 5, 3, 2], 2),
                                             ([2, 6, 6, 6, 6, 3], 7)])
def test_four_equations_equal_torch_autograd(sizes, act, loss, seed):
    net = bn.make_network(sizes, act, loss, seed)
    result = bn.backprop(net)
    torch_loss, torch_w, torch_b = bn.network_torch_gradients(net)
    assert result.loss == pytest.approx(torch_loss, rel=1e-12, abs=1e-12)
    for mine, theirs in zip(result.grad_w, torch_w, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)
    for mine, theirs in zip(result.grad_b, torch_b, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9, atol=1e-12)


def test_equations_by_hand_for_one_sigmoid_unit():
    # One input, one sigmoid output, MSE: every quantity has a closed form.
    net = bn.Network([1, 1], "sigmoid", "MSE", [np.array([[0.5]])], [np.array([0.1])],
                     np.array([2.0]), np.array([1.0]))
    result = bn.backprop(net)
    z = 0.5 * 2.0 + 0.1
    a = 1 / (1 + math.exp(-z))
    delta = (a - 1.0) * a * (1 - a)
    assert result.z[0][0] == pytest.approx(z)
    assert result.delta[0][0] == pytest.approx(delta)
    assert result.grad_b[0][0] == pytest.approx(delta)
    assert result.grad_w[0][0, 0] == pytest.approx(delta * 2.0)
    assert result.loss == pytest.approx(0.5 * (a - 1.0) ** 2)


def test_cross_entropy_output_error_is_prediction_minus_target():
    net = bn.make_network([3, 4, 3], "tanh", "cross-entropy", seed=4)
    result = bn.backprop(net)
    np.testing.assert_allclose(result.delta[-1], bn.softmax(result.z[-1]) - net.y)
    assert net.y.sum() == 1 and set(np.unique(net.y)) <= {0.0, 1.0}


@pytest.mark.parametrize(("text", "expected"), [("2-3-2", [2, 3, 2]), ("4, 2", [4, 2]),
                                                ("1 - 6 - 6 - 1", [1, 6, 6, 1])])
def test_layer_sizes_parse(text, expected):
    assert bn.parse_layers(text) == expected


@pytest.mark.parametrize("text", ["2", "", "2-0-2", "2-7-2", "2-3-2-2-2-2-2", "a-b",
                                  "__import__('os')", "2-3.5-2", "9" * 100])
def test_bad_layer_sizes_are_refused(text):
    with pytest.raises(ExpressionError):
        bn.parse_layers(text)


@pytest.mark.parametrize(("act", "scale"), [("sigmoid", 1.0), ("tanh", 1.0), ("relu", 1.4),
                                            ("sigmoid", 3.0)])
def test_deep_stack_gradient_norms_equal_torch(act, scale):
    stack = bn.deep_stack(12, act, scale)
    reference = bn.deep_stack_torch_norms(12, act, scale)
    np.testing.assert_allclose(stack.grad_norms, reference, rtol=1e-9)


def test_sigmoid_vanishes_and_relu_keeps_the_gradient():
    sigmoid = bn.deep_stack(20, "sigmoid", 1.0)
    relu = bn.deep_stack(20, "relu", 1.4)
    assert sigmoid.grad_norms[0] / sigmoid.grad_norms[-1] < 1e-8
    assert 0.05 < relu.grad_norms[0] / relu.grad_norms[-1] < 20
    assert (sigmoid.mean_slope <= 0.25).all()  # the sigmoid's slope never exceeds 1/4


@pytest.mark.parametrize(("act", "scale"), [("sigmoid", 1.0), ("tanh", 3.0), ("relu", 1.4)])
def test_end_bin_share_counts_the_last_layers_outputs_at_the_ends(act, scale):
    stack = bn.deep_stack(8, act, scale)
    histogram, lo, hi = bn.activation_histogram(stack)
    width = (hi - lo) / 25
    out = np.clip(stack.activations[-1].ravel(), lo, hi)
    # the histogram's end bins hold [lo, lo + width) and [hi - width, hi] (clipped values)
    expected = np.mean((out < lo + width) | (out >= hi - width))
    assert bn.end_bin_share(histogram) == pytest.approx(expected, abs=1e-9)
