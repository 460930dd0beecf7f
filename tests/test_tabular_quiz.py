"""The tabular page's check-yourself answers, recomputed another way: the embedding rule by
hand, widths and table sizes from the torch network the page trains, accuracy with
scikit-learn, the normalization with numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import quiz
from explorer import tabular_quiz as tq


def _question(maker, seed):
    return maker(np.random.default_rng([seed, 0]))


SEEDS = st.integers(0, quiz.MAX_SEED)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_embedding_width_is_fastais_rule_by_hand(seed):
    question = _question(tq.embedding_width, seed)
    n = question.given["categories"] + 2  # with the two reserved codes
    assert question.answer == min(600, int(np.floor(1.6 * n ** 0.56 + 0.5)))
    assert question.check(str(question.answer))


def test_embedding_width_matches_published_values():
    """fastai's emb_sz_rule(n_cat) = min(600, round(1.6 * n_cat**0.56)): e.g. 5 for 7 codes,
    9 for 22, 600 for a million."""
    from explorer import tabular as tab

    assert [tab.embedding_size(n) for n in (7, 22, 10**6)] == [5, 9, 600]


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_one_hot_width_is_the_first_layer_of_the_network(seed):
    from explorer import tabular_model as tm

    question = _question(tq.one_hot_inputs, seed)
    g = question.given
    cardinalities = [k + 2 for k in g["categories"]] + [4] * g["gaps"]
    net = tm.TabularNet(cardinalities, g["continuous"], 2, (4,), 0.0, one_hot=True)
    assert question.answer == net.mlp[0].in_features


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS)
def test_embedding_table_size_is_torchs(seed):
    import torch

    question = _question(tq.embedding_parameters, seed)
    n = question.given["categories"] + 2
    table = torch.nn.Embedding(n, question.given["width"])
    assert question.answer == table.weight.numel()


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_accuracy_from_the_confusion_matrix_is_scikit_learns(seed):
    from sklearn.metrics import accuracy_score, confusion_matrix

    question = _question(tq.accuracy_from_confusion, seed)
    counts = np.array(question.given["counts"])
    y_true = np.concatenate([[i] * counts[i].sum() for i in range(3)])
    y_pred = np.concatenate([np.repeat(np.arange(3), counts[i]) for i in range(3)])
    assert (confusion_matrix(y_true, y_pred, labels=[0, 1, 2]) == counts).all()
    assert question.answer == pytest.approx(accuracy_score(y_true, y_pred))
    assert question.check(f"{accuracy_score(y_true, y_pred):.2f}")  # rounded is fine
    assert question.check(f"{100 * accuracy_score(y_true, y_pred):.1f}%")


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_normalized_value_is_numpys_clip(seed):
    question = _question(tq.normalized_value, seed)
    g = question.given
    assert question.answer == pytest.approx(np.clip((g["x"] - g["mean"]) / g["std"], -5, 5),
                                            abs=1e-5)


def test_the_variants_cover_the_cases_that_teach_something():
    questions = [tq.normalized_value(np.random.default_rng([s, 0])) for s in range(60)]
    assert any(abs(q.answer) == 5 for q in questions), "a value that is capped"
    assert any(abs(q.answer) < 5 for q in questions)
    gaps = [tq.one_hot_inputs(np.random.default_rng([s, 0])).given["gaps"] for s in range(60)]
    assert 0 in gaps and 1 in gaps
