"""The pixels page's check-yourself answers, each recomputed by an independent path: torch's
flatten and softmax, numpy's own inversion, scikit-learn's NearestCentroid, and torch's
count of a network's parameters. (tests/test_quiz.py checks accept/reject for every
page's questions.)"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import mnist, quiz
from explorer import pixels_quiz as pq

SEEDS = st.integers(0, quiz.MAX_SEED)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_flat_position_is_where_torch_flatten_puts_the_pixel(seed):
    import torch

    question = pq.flat_position(np.random.default_rng([seed, 0]))
    g = question.given
    grid = torch.arange(g["size"] ** 2).reshape(g["size"], g["size"])
    assert int(grid.flatten()[question.answer]) == int(grid[g["row"], g["column"]])
    assert f"row {g['row']}, column {g['column']}" in question.prompt


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_inverted_value_is_numpys_bitwise_not_of_the_byte(seed):
    question = pq.inverted_value(np.random.default_rng([seed, 1]))
    value = question.given["value"]
    assert question.answer == int(np.invert(np.uint8(value)))  # 255 - v for a byte
    assert f"**{value}**" in question.prompt


@functools.cache
def centroid():
    """scikit-learn's nearest centroid, fitted on the same 8,000 training digits."""
    from sklearn.neighbors import NearestCentroid

    x, y = mnist.train_data()
    return NearestCentroid().fit(x.reshape(len(x), -1) / 255.0, y)


@pytest.mark.filterwarnings("ignore:self.within_class_std_dev_")
@settings(max_examples=15, deadline=None)
@given(seed=SEEDS)
def test_nearest_mean_answer_is_scikit_learns_nearest_centroid(seed):
    question = pq.nearest_mean_choice(np.random.default_rng([seed, 2]))
    images, _ = mnist.load()
    flat = images[question.given["index"]].reshape(1, -1) / 255.0
    assert question.answer == str(int(centroid().predict(flat)[0]))
    # and readable from the prompt alone: the smallest distance shown
    assert question.answer == str(int(np.argmin(question.given["distances"])))


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_argmax_of_scores_is_torchs(seed):
    import torch

    question = pq.argmax_of_scores(np.random.default_rng([seed, 3]))
    logits = torch.tensor(question.given["logits"], dtype=torch.float64)
    assert question.answer == str(int(torch.softmax(logits, dim=0).argmax()))


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS)
def test_parameter_count_is_torchs(seed):
    import torch

    question = pq.mlp_parameters(np.random.default_rng([seed, 4]))
    g = question.given
    net = torch.nn.Sequential(torch.nn.Linear(g["inputs"], g["hidden"]), torch.nn.ReLU(),
                              torch.nn.Linear(g["hidden"], 10))
    assert question.answer == sum(p.numel() for p in net.parameters())
    assert f"**{g['inputs']} inputs**" in question.prompt
