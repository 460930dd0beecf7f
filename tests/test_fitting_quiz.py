"""The over/underfitting page's check-yourself answers, recomputed another way: scikit-learn
for the polynomial fits, the feature count and the K-fold splits, torch for the network's
parameters. (tests/test_quiz.py checks that the checker accepts and rejects, for every page.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import fitting_quiz as fq
from explorer import quiz


def variant(maker, seed: int):
    return maker(np.random.default_rng([seed, 0]))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, quiz.MAX_SEED))
def test_the_degree_validation_picks_matches_scikit_learn(seed):
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_squared_error
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import PolynomialFeatures

    question = variant(fq.degree_by_validation, seed)
    g = {k: np.asarray(v) for k, v in question.given.items()}
    val = []
    for degree in range(fq.QUIZ_MAX_DEGREE + 1):
        model = make_pipeline(PolynomialFeatures(degree), LinearRegression())
        model.fit(g["x_train"].reshape(-1, 1), g["y_train"])
        val.append(mean_squared_error(g["y_val"], model.predict(g["x_val"].reshape(-1, 1))))
    assert int(question.answer) == int(np.argmin(val))
    # the table in the prompt shows the same validation errors, and no tie at its precision
    for degree, mse in enumerate(val):
        assert f"| {degree} |" in question.prompt
        assert f"| {mse:.4f} |" in question.prompt
    shown = sorted(round(v, 4) for v in val)
    assert shown[0] < shown[1]


@pytest.mark.parametrize("seed", range(40))
def test_coefficient_count_matches_scikit_learns_polynomial_features(seed):
    from sklearn.preprocessing import PolynomialFeatures

    question = variant(fq.coefficient_count, seed)
    degree, inputs = question.given["degree"], question.given["inputs"]
    features = PolynomialFeatures(degree).fit(np.zeros((1, inputs)))
    assert question.answer == features.n_output_features_
    assert f"degree {degree}" in question.prompt


@pytest.mark.parametrize("seed", range(40))
def test_kfold_model_count_matches_scikit_learns_repeated_kfold(seed):
    from sklearn.model_selection import RepeatedKFold

    question = variant(fq.kfold_model_count, seed)
    g = question.given
    splitter = RepeatedKFold(n_splits=g["k"], n_repeats=g["repeats"], random_state=0)
    assert question.answer == sum(1 for _ in splitter.split(np.zeros((g["rows"], 1))))


@pytest.mark.parametrize("seed", range(40))
def test_mlp_parameter_count_matches_torch(seed):
    import torch.nn as nn

    question = variant(fq.mlp_parameter_count, seed)
    sizes = (2, *question.given["hidden"], 1)
    layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    assert question.answer == sum(p.numel() for layer in layers for p in layer.parameters())
    assert ",".join(map(str, question.given["hidden"])) in question.prompt
