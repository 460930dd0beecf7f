"""explorer/backprop_charts.py, on the tables explorer/backprop_network.py computes for
them (checked against the stack itself and against a count done another way)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer import backprop_charts as bc
from explorer import backprop_network as bn


def test_charts_have_finite_data():
    for act in bn.ACTIVATIONS:
        stack = bn.deep_stack(20, act, 3.0)
        histogram, lo, hi = bn.activation_histogram(stack)
        for chart in (bc.grad_norm_chart(bn.gradient_table(stack), 300),
                      bc.activation_histogram_chart(histogram, act, lo, hi, 300)):
            spec = chart.to_dict()
            for rows in spec["datasets"].values():
                for row in rows:
                    for value in row.values():
                        assert not (isinstance(value, float) and not math.isfinite(value))


def test_gradient_table_is_the_stacks_norms_layer_by_layer():
    stack = bn.deep_stack(6, "sigmoid", 1.0)
    table = bn.gradient_table(stack)
    assert table["layer"].tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_array_equal(table["gradient norm"], stack.grad_norms)
    np.testing.assert_array_equal(table["mean slope"], stack.mean_slope)


@pytest.mark.parametrize("act", bn.ACTIVATIONS)
def test_histogram_shares_are_the_counts_per_bin(act):
    stack = bn.deep_stack(4, act, 1.0)
    histogram, lo, hi = bn.activation_histogram(stack, bins=10)
    assert (lo, hi) == {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}.get(act, (0.0, hi))
    assert len(histogram) == 4 * 10
    for layer, a in enumerate(stack.activations, start=1):
        rows = histogram[histogram["layer"] == layer]
        assert rows["share"].sum() == pytest.approx(1.0)
        # counted another way: the bin of each value by arithmetic, the last bin closed
        values = np.clip(a.ravel(), lo, hi)
        bins = np.minimum(((values - lo) / (hi - lo) * 10).astype(int), 9)
        expected = np.bincount(bins, minlength=10) / values.size
        np.testing.assert_allclose(rows["share"], expected, atol=1e-12)


def test_largest_difference_from_torch_is_rounding_error():
    net = bn.make_network([3, 4, 2], "tanh", "cross-entropy", 2)
    result = bn.backprop(net)
    _, torch_w, torch_b = bn.network_torch_gradients(net)
    assert bn.largest_difference(result, torch_w, torch_b) < 1e-12
    shifted = [w.copy() for w in torch_w]
    shifted[1][0, 0] += 0.5
    assert bn.largest_difference(result, shifted, torch_b) == pytest.approx(0.5, abs=1e-12)
