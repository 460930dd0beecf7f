"""The collaborative filtering page's check-yourself answers, recomputed another way: torch
embeddings and a sigmoid for the predicted rating, torch.nn.Embedding's own parameter count,
scikit-learn's cosine similarity. (tests/test_quiz.py checks accept/reject for every
question over many seeds.)"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import collab_quiz as cq
from explorer import quiz
from tests.helpers import open_app

SEEDS = st.integers(0, quiz.MAX_SEED)


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_predicted_rating_matches_torch(seed):
    import torch

    question = cq.predicted_rating(np.random.default_rng([seed, 0]))
    g = question.given
    users = torch.nn.Embedding.from_pretrained(torch.tensor([g["user"]], dtype=torch.float64))
    items = torch.nn.Embedding.from_pretrained(torch.tensor([g["item"]], dtype=torch.float64))
    index = torch.tensor([0])
    score = (users(index) * items(index)).sum() + g["user_bias"] + g["item_bias"]
    if g["squeezed"]:
        score = 0.5 + (5.5 - 0.5) * torch.sigmoid(score)
    assert abs(float(score) - question.answer) < 1e-9
    assert question.check(f"{float(score):.2f}")


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_parameter_count_matches_torch_embeddings(seed):
    import torch

    question = cq.parameter_count(np.random.default_rng([seed, 1]))
    g = question.given
    tables = [torch.nn.Embedding(g["n_users"], g["factors"]),
              torch.nn.Embedding(g["n_items"], g["factors"])]
    if g["bias"]:
        tables += [torch.nn.Embedding(g["n_users"], 1), torch.nn.Embedding(g["n_items"], 1)]
    count = sum(p.numel() for table in tables for p in table.parameters())
    assert question.answer == count


@settings(max_examples=40, deadline=None)
@given(seed=SEEDS)
def test_cosine_matches_scikit_learn(seed):
    from sklearn.metrics.pairwise import cosine_similarity

    question = cq.cosine(np.random.default_rng([seed, 2]))
    a, b = np.array([question.given["a"]]), np.array([question.given["b"]])
    assert abs(cosine_similarity(a, b)[0, 0] - question.answer) < 1e-12
    assert -1 <= question.answer <= 1


def test_the_page_shows_its_questions_and_checks_an_answer():
    at = open_app("pages/8_collaborative_filtering.py", quiz_seed="12")
    assert not at.exception
    questions = quiz.make_questions(cq.QUESTIONS, 12)
    shown = [m.value for m in at.markdown]
    for index, question in enumerate(questions):
        assert f"**{index + 1}.** {question.prompt}" in shown
    box = at.text_input(key="_quiz_12_1")
    box.input(str(int(questions[1].answer))).run()
    at.button(key="_quiz_12_1_check").click().run()
    assert any(s.value.startswith("Right.") for s in at.success)
